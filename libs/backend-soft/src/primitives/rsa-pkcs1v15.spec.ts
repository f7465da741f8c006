import { constants, createPrivateKey, createPublicKey, generateKeyPairSync, publicEncrypt, randomBytes, type KeyObject } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { prepareRsaPkcs1v15, rsaPkcs1v15Decrypt, rsaPkcs1v15Encrypt } from './rsa-pkcs1v15';
import {
  RSA_2048_2_PEM,
  RSA_2048_2_TRUNCATED,
  RSA_2048_2_VECTORS,
  RSA_2049_PEM,
  RSA_2049_VECTORS,
  RSA_3072_PEM,
  RSA_3072_VECTORS,
  type ImplicitRejectionVector,
} from './rsa-pkcs1v15.vectors.fixture';
import { OpensslWorkdir, requireOpenssl } from './openssl-cli.fixture';

const hex = (h: string): Buffer => Buffer.from(h, 'hex');

function modulusBytes(key: KeyObject): Buffer {
  const jwk = key.export({ format: 'jwk' });
  return Buffer.from(jwk.n as string, 'base64url');
}

const SETS: Array<[string, string, ImplicitRejectionVector[]]> = [
  ['RSA-2048-2', RSA_2048_2_PEM, RSA_2048_2_VECTORS],
  ['RSA-2049', RSA_2049_PEM, RSA_2049_VECTORS],
  ['RSA-3072', RSA_3072_PEM, RSA_3072_VECTORS],
];

describe('RSAES-PKCS1-v1_5 implicit rejection: OpenSSL evppkey_rsa_common.txt vectors', () => {
  for (const [keyName, pem, vectors] of SETS) {
    const key = createPrivateKey(pem);
    for (const v of vectors) {
      it(`${keyName}: ${v.name}`, () => {
        expect(rsaPkcs1v15Decrypt(key, hex(v.ciphertext)).toString('hex')).toBe(v.output);
      });
    }
  }

  it('the 2049-bit key has a 257-byte modulus whose first octet is 0x01 (exercises k*8 > bits)', () => {
    const n = modulusBytes(createPrivateKey(RSA_2049_PEM));
    expect(n.length).toBe(257);
    expect(n[0]).toBe(1);
  });

  it('a reusable prepared decryptor gives the same answers', () => {
    const decrypt = prepareRsaPkcs1v15(createPrivateKey(RSA_2048_2_PEM));
    for (const v of RSA_2048_2_VECTORS) expect(decrypt(hex(v.ciphertext)).toString('hex')).toBe(v.output);
  });
});

describe('RSAES-PKCS1-v1_5 decryption: public-information errors only', () => {
  const key = createPrivateKey(RSA_2048_2_PEM);
  const n = modulusBytes(key);

  it('throws for a ciphertext shorter than the modulus (OpenSSL would left-pad it)', () => {
    expect(() => rsaPkcs1v15Decrypt(key, hex(RSA_2048_2_TRUNCATED.zeroTruncated))).toThrow(/exactly 256 bytes/);
    expect(() => rsaPkcs1v15Decrypt(key, Buffer.alloc(0))).toThrow(/exactly 256 bytes/);
  });

  it('throws for a ciphertext longer than the modulus', () => {
    const v = hex(RSA_2048_2_VECTORS[0].ciphertext);
    expect(() => rsaPkcs1v15Decrypt(key, Buffer.concat([Buffer.of(0), v]))).toThrow(/exactly 256 bytes/);
  });

  it('throws for a ciphertext value >= n', () => {
    expect(() => rsaPkcs1v15Decrypt(key, n)).toThrow(/not smaller than the modulus/);
    expect(() => rsaPkcs1v15Decrypt(key, Buffer.alloc(256, 0xff))).toThrow(/not smaller than the modulus/);
    const nMinus1 = Buffer.from(n);
    nMinus1[nMinus1.length - 1] -= 1;
    expect(() => rsaPkcs1v15Decrypt(key, nMinus1)).not.toThrow();
  });

  it('refuses non-RSA and public keys', () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    expect(() => prepareRsaPkcs1v15(ec.privateKey)).toThrow(Error);
    expect(() => prepareRsaPkcs1v15(createPublicKey(key))).toThrow(Error);
    const pss = generateKeyPairSync('rsa-pss', { modulusLength: 2048 });
    expect(() => prepareRsaPkcs1v15(pss.privateKey)).toThrow(Error);
  });
});

describe('RSAES-PKCS1-v1_5 implicit rejection behaviour', () => {
  const key = createPrivateKey(RSA_2048_2_PEM);
  const n = modulusBytes(key);
  const k = n.length;

  /** Uniform-ish random value below n: clear the top bit so it is always < n for this key. */
  function randomCiphertext(): Buffer {
    const c = randomBytes(k);
    c[0] = c[0] & 0x7f;
    return c;
  }

  it('returns a deterministic synthetic message for malformed ciphertexts, never throwing', () => {
    const lengths = new Set<number>();
    for (let i = 0; i < 200; i++) {
      const c = randomCiphertext();
      const a = rsaPkcs1v15Decrypt(key, c);
      const b = rsaPkcs1v15Decrypt(key, Buffer.from(c));
      expect(b.equals(a)).toBe(true);
      // Synthetic lengths fall in the same range as real messages: 0 .. k - 11.
      expect(a.length).toBeLessThanOrEqual(k - 11);
      lengths.add(a.length);
    }
    // Uniform over 0..245, so 200 draws give many distinct lengths; a fixed length would be a tell.
    expect(lengths.size).toBeGreaterThan(50);
  });

  it('a tampered valid ciphertext decrypts to something else without an error', () => {
    const pub = createPublicKey(key);
    const msg = Buffer.from('sixteen byte key');
    const c = rsaPkcs1v15Encrypt(pub, msg);
    expect(rsaPkcs1v15Decrypt(key, c).equals(msg)).toBe(true);
    for (const pos of [0, 1, 100, k - 1]) {
      const t = Buffer.from(c);
      t[pos] = t[pos] ^ 0x01;
      if (Buffer.compare(t, n) >= 0) continue;
      const out = rsaPkcs1v15Decrypt(key, t);
      expect(out.equals(msg)).toBe(false);
      expect(rsaPkcs1v15Decrypt(key, t).equals(out)).toBe(true);
    }
  });

  it('the synthetic message depends on the private key, not only on the ciphertext', () => {
    const second = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    const outA: Buffer[] = [];
    const outB: Buffer[] = [];
    for (let i = 0; i < 4; i++) {
      const c = randomCiphertext();
      c[0] = 0; // below both 2048-bit moduli
      outA.push(rsaPkcs1v15Decrypt(key, c));
      outB.push(rsaPkcs1v15Decrypt(second, c));
    }
    expect(Buffer.concat(outA).equals(Buffer.concat(outB))).toBe(false);
  });
});

describe('RSAES-PKCS1-v1_5 round trips', () => {
  for (const bits of [2048, 3072, 4096]) {
    it(`${bits}-bit key: empty, short and maximum-length messages`, () => {
      const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: bits });
      const k = bits / 8;
      for (const len of [0, 1, 16, 32, k - 11]) {
        const m = randomBytes(len);
        const c = rsaPkcs1v15Encrypt(publicKey, m);
        expect(c.length).toBe(k);
        expect(rsaPkcs1v15Decrypt(privateKey, c).equals(m)).toBe(true);
      }
      expect(() => rsaPkcs1v15Encrypt(publicKey, randomBytes(k - 10))).toThrow(/too long/);
      // Node's own encryptor (a different code path) interoperates too.
      const m = randomBytes(24);
      const c = publicEncrypt({ key: publicKey, padding: constants.RSA_PKCS1_PADDING }, m);
      expect(rsaPkcs1v15Decrypt(privateKey, c).equals(m)).toBe(true);
    });
  }

  it('encrypting with a private KeyObject uses its public half', () => {
    const key = createPrivateKey(RSA_2048_2_PEM);
    const c = rsaPkcs1v15Encrypt(key, Buffer.from('x'));
    expect(rsaPkcs1v15Decrypt(key, c).toString()).toBe('x');
  });
});

describe('RFC 7516 Appendix A.2 (RSA1_5 key transport)', () => {
  const file = '/work/shared/jose-vectors/rfc/rfc7516_appendix_a.json';

  it('recovers the RFC content encryption key from encrypted_key', () => {
    if (!existsSync(file)) throw new Error(`RFC 7516 vector file missing: ${file}`);
    const doc = JSON.parse(readFileSync(file, 'utf8')) as {
      vectors: Record<string, { alg: string; jwk: Record<string, string>; encrypted_key: string; cek_bytes: number[] }>;
    };
    const a2 = doc.vectors['A.2'];
    expect(a2.alg).toBe('RSA1_5');
    const key = createPrivateKey({ key: a2.jwk, format: 'jwk' });
    const cek = rsaPkcs1v15Decrypt(key, Buffer.from(a2.encrypted_key, 'base64url'));
    // RFC 7516 A.2.2 lists the CEK as these octets.
    const rfcCek = [4, 211, 31, 197, 84, 157, 252, 254, 11, 100, 157, 250, 63, 170, 106, 206, 107, 124, 212, 45, 111, 107, 9, 219, 200, 177, 0, 240, 143, 156, 44, 207];
    expect([...cek]).toEqual(rfcCek);
    expect([...cek]).toEqual(a2.cek_bytes);
  });
});

describe('RSAES-PKCS1-v1_5 cross-check with the system openssl CLI (OpenSSL 3.0, no implicit rejection)', () => {
  let w: OpensslWorkdir;
  beforeAll(() => {
    requireOpenssl();
    w = new OpensslWorkdir();
  });
  afterAll(() => w?.cleanup());

  it('OpenSSL 3.0 agrees on every valid vector and refuses every malformed one', () => {
    for (const [keyName, pem, vectors] of SETS) {
      w.write(`${keyName}.pem`, pem);
      vectors.forEach((v, i) => {
        w.write(`${keyName}-${i}.bin`, hex(v.ciphertext));
        const args = ['pkeyutl', '-decrypt', '-inkey', `${keyName}.pem`, '-in', `${keyName}-${i}.bin`];
        if (v.valid) {
          expect(w.run(args).toString('hex')).toBe(v.output);
        } else {
          // A padding error there proves our output for this case is the synthetic message.
          expect(w.status(args)).not.toBe(0);
        }
      });
    }
  });

  it('our ciphertexts decrypt with OpenSSL, and OpenSSL ciphertexts decrypt with ours', () => {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 3072 });
    w.write('k.pem', privateKey.export({ format: 'pem', type: 'pkcs8' }));
    w.write('pub.pem', publicKey.export({ format: 'pem', type: 'spki' }));
    for (const len of [1, 32, 373]) {
      const m = randomBytes(len);
      w.write('ours.bin', rsaPkcs1v15Encrypt(publicKey, m));
      expect(w.run(['pkeyutl', '-decrypt', '-inkey', 'k.pem', '-in', 'ours.bin']).equals(m)).toBe(true);

      w.write('m.bin', m);
      w.run(['pkeyutl', '-encrypt', '-pubin', '-inkey', 'pub.pem', '-in', 'm.bin', '-out', 'theirs.bin']);
      expect(rsaPkcs1v15Decrypt(privateKey, w.read('theirs.bin')).equals(m)).toBe(true);
    }
  });
});
