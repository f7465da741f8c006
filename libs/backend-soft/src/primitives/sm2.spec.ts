import {
  SM2_DEFAULT_ID,
  sm2Decrypt,
  sm2Digest,
  sm2Encrypt,
  sm2GenerateKeyPair,
  sm2Pkcs8Der,
  sm2PrivateFromPkcs8,
  sm2PublicFromPrivate,
  sm2PublicFromSpki,
  sm2Sign,
  sm2SignDigest,
  sm2SpkiDer,
  sm2ValidatePrivate,
  sm2ValidatePublic,
  sm2Verify,
  sm2VerifyDigest,
  sm2Za,
} from './sm2';
import { OpensslWorkdir, fromPem, requireOpenssl, toPem } from './openssl-cli.fixture';

const hex = (h: string): Uint8Array => Uint8Array.from(Buffer.from(h.replace(/\s+/g, ''), 'hex'));
const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex').toUpperCase();
const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

const N = 0xfffffffeffffffffffffffffffffffff7203df6b21c6052b53bbf40939d54123n;
const to32 = (v: bigint): Uint8Array => hex(v.toString(16).padStart(64, '0'));

/** Minimal DER SEQUENCE{INTEGER r, INTEGER s} builder for hand-made malformed signatures. */
function derSig(r: Uint8Array, s: Uint8Array): Uint8Array {
  const int = (v: Uint8Array) => [0x02, v.length, ...v];
  const body = [...int(r), ...int(s)];
  return Uint8Array.from([0x30, body.length, ...body]);
}

/*
 * Known answers on the recommended curve, GB/T 32918.5-2017 (= GM/T 0003.5-2012) Annex A (signature)
 * and Annex C (encryption), as used by OpenSSL's test/sm2_internal_test.c (sm2_sig_test and
 * sm2_crypt_test, "gm_group"). Z_A and e are the standard's intermediate values as carried by the
 * crypto/sm2/sm2test.c of a GmSSL-lineage OpenSSL fork (Z_exp, Dgst_exp).
 */
const KAT = {
  d: '3945208F7B2144B13F36E38AC6D39F95889393692860B51A42FB81EF4DF7C5B8',
  publicKey: '04' + '09F9DF311E5421A150DD7D161E4BC5C672179FAD1833FC076BB08FF356F35020' + 'CCEA490CE26775A52DC6EA718CC1AA600AED05FBF35E084A6632F6072DA9AD13',
  k: 0x59276e27d506861a16680f3ad9c02dccef3cc1fa3cdbe4ce6d54b80deac1bc21n,
  za: 'B2E14C5C79C6DF5B85F4FE7ED8DB7A262B9DA7E07CCB0EA9F4747B8CCDA8A4F3',
  e: 'F0B43E94BA45ACCAACE692ED534382EB17E6AB5A19CE7B31F4486FDFC0D28640',
  r: 'F5A03B0648D2C4630EEAC513E1BB81A15944DA3827D5B74143AC7EACEEE720B3',
  s: 'B1B6AA29DF212FD8763182BC0D421CA1BB9038FD1F7F42D4840B69C485BBC1AA',
  ciphertext:
    '307C' +
    '0220' +
    '04EBFC718E8D1798620432268E77FEB6415E2EDE0E073C0F4F640ECD2E149A73' +
    '022100' +
    'E858F9D81E5430A57B36DAAB8F950A3C64E6EE6A63094D99283AFF767E124DF0' +
    '0420' +
    '59983C18F809E262923C53AEC295D30383B54E39D609D160AFCB1908D0BD8766' +
    '0413' +
    '21886CA989CA9C7D58087307CA93092D651EFA',
};

describe('SM2 known answers (GB/T 32918.5 annexes, OpenSSL sm2_internal_test.c)', () => {
  const d = hex(KAT.d);

  it('derives the published public key, Z_A and e', () => {
    expect(toHex(sm2PublicFromPrivate(d))).toBe(KAT.publicKey);
    const pub = hex(KAT.publicKey);
    expect(toHex(sm2Za(pub))).toBe(KAT.za);
    expect(toHex(sm2Za(pub, utf8('1234567812345678')))).toBe(KAT.za);
    expect(toHex(sm2Digest(pub, utf8('message digest')))).toBe(KAT.e);
  });

  it('signs "message digest" with the fixed k to the published (r, s), DER-encoded like OpenSSL', () => {
    const sig = sm2Sign(d, utf8('message digest'), { k: KAT.k });
    // r and s both have the top bit set, hence the 0x00 pad and the 0x46 body length.
    expect(toHex(sig)).toBe('30460221' + '00' + KAT.r + '0221' + '00' + KAT.s);
    expect(toHex(sm2SignDigest(d, hex(KAT.e), { k: KAT.k }))).toBe(toHex(sig));
    expect(sm2Verify(hex(KAT.publicKey), utf8('message digest'), sig)).toBe(true);
    expect(sm2VerifyDigest(hex(KAT.publicKey), hex(KAT.e), sig)).toBe(true);
  });

  it('rejects the s value with a one-nibble typo (…BBE1AA instead of …BBC1AA)', () => {
    const typo = KAT.s.replace(/C1AA$/, 'E1AA');
    const sig = hex('30460221' + '00' + KAT.r + '0221' + '00' + typo);
    expect(sm2Verify(hex(KAT.publicKey), utf8('message digest'), sig)).toBe(false);
  });

  it('encrypts "encryption standard" with the fixed k to the published C1C3C2 DER, and decrypts it', () => {
    const pub = hex(KAT.publicKey);
    const ct = sm2Encrypt(pub, utf8('encryption standard'), { k: KAT.k });
    expect(toHex(ct)).toBe(KAT.ciphertext);
    expect(Buffer.from(sm2Decrypt(d, hex(KAT.ciphertext))).toString('utf8')).toBe('encryption standard');
  });

  it('exposes the GM/T 0009 default ID', () => {
    expect(Buffer.from(SM2_DEFAULT_ID).toString('utf8')).toBe('1234567812345678');
  });
});

describe('SM2 keys', () => {
  it('generates valid key pairs', () => {
    for (let i = 0; i < 5; i++) {
      const { privateKey, publicKey } = sm2GenerateKeyPair();
      expect(privateKey.length).toBe(32);
      expect(publicKey.length).toBe(65);
      expect(publicKey[0]).toBe(4);
      expect(() => sm2ValidatePrivate(privateKey)).not.toThrow();
      expect(() => sm2ValidatePublic(publicKey)).not.toThrow();
      expect(toHex(sm2PublicFromPrivate(privateKey))).toBe(toHex(publicKey));
    }
  });

  it('accepts private keys only in [1, n-2] and only as 32 bytes', () => {
    expect(() => sm2ValidatePrivate(to32(1n))).not.toThrow();
    expect(() => sm2ValidatePrivate(to32(N - 2n))).not.toThrow();
    for (const bad of [0n, N - 1n, N, 2n ** 256n - 1n]) {
      expect(() => sm2ValidatePrivate(to32(bad))).toThrow(Error);
    }
    expect(() => sm2ValidatePrivate(new Uint8Array(31).fill(1))).toThrow(Error);
    expect(() => sm2ValidatePrivate(new Uint8Array(33).fill(1))).toThrow(Error);
  });

  it('accepts compressed public keys and rejects off-curve, hybrid and odd encodings', () => {
    const pub = hex(KAT.publicKey);
    const x = pub.subarray(1, 33);
    const yOdd = pub[64] & 1;
    const compressed = Uint8Array.from([0x02 | yOdd, ...x]);
    expect(() => sm2ValidatePublic(compressed)).not.toThrow();
    expect(toHex(sm2Za(compressed))).toBe(KAT.za);
    const wrongParity = Uint8Array.from([(0x02 | yOdd) ^ 0x01, ...x]);
    expect(toHex(sm2Za(wrongParity))).not.toBe(KAT.za);

    const offCurve = pub.slice();
    offCurve[64] ^= 1;
    expect(() => sm2ValidatePublic(offCurve)).toThrow(Error);
    const hybrid = pub.slice();
    hybrid[0] = 0x06 | yOdd;
    expect(() => sm2ValidatePublic(hybrid)).toThrow(Error);
    expect(() => sm2ValidatePublic(pub.subarray(1))).toThrow(Error); // raw x||y without prefix
    expect(() => sm2ValidatePublic(Uint8Array.of(0))).toThrow(Error); // infinity
    expect(() => sm2ValidatePublic(new Uint8Array(65).fill(0).fill(4, 0, 1))).toThrow(Error);
  });

  it('SPKI and PKCS#8 round-trip', () => {
    const { privateKey, publicKey } = sm2GenerateKeyPair();
    expect(toHex(sm2PublicFromSpki(sm2SpkiDer(publicKey)))).toBe(toHex(publicKey));
    expect(toHex(sm2PrivateFromPkcs8(sm2Pkcs8Der(privateKey)))).toBe(toHex(privateKey));
  });

  it('refuses non-SM2 SPKI and malformed or inconsistent PKCS#8', () => {
    const { privateKey, publicKey } = sm2GenerateKeyPair();
    const spki = Buffer.from(sm2SpkiDer(publicKey));
    const otherCurve = Buffer.from(spki);
    const oidAt = otherCurve.indexOf(Buffer.from([0x2a, 0x81, 0x1c, 0xcf, 0x55, 0x01, 0x82, 0x2d]));
    otherCurve[oidAt + 7] ^= 1; // 1.2.156.10197.1.300 instead of .301
    expect(() => sm2PublicFromSpki(otherCurve)).toThrow(/invalid SM2 SubjectPublicKeyInfo/);
    expect(() => sm2PublicFromSpki(Buffer.concat([spki, Buffer.of(0)]))).toThrow(Error);
    expect(() => sm2PublicFromSpki(spki.subarray(0, spki.length - 1))).toThrow(Error);

    const pkcs8 = Buffer.from(sm2Pkcs8Der(privateKey));
    // Public key [1] inside ECPrivateKey is the last 65 bytes: corrupting it must be noticed.
    const badPub = Buffer.from(pkcs8);
    badPub[badPub.length - 1] ^= 1;
    expect(() => sm2PrivateFromPkcs8(badPub)).toThrow(/invalid SM2 PKCS#8/);
    const other = sm2GenerateKeyPair();
    const mismatched = Buffer.concat([pkcs8.subarray(0, pkcs8.length - 65), Buffer.from(other.publicKey)]);
    expect(() => sm2PrivateFromPkcs8(mismatched)).toThrow(/does not match/);
    expect(() => sm2PrivateFromPkcs8(sm2SpkiDer(publicKey))).toThrow(Error);
  });
});

describe('SM2 signatures', () => {
  const { privateKey, publicKey } = sm2GenerateKeyPair();
  const msg = utf8('the quick brown fox');

  it('round-trips with the default and a custom ID, and binds the ID and message', () => {
    const sig = sm2Sign(privateKey, msg);
    expect(sm2Verify(publicKey, msg, sig)).toBe(true);
    expect(sm2Verify(publicKey, msg, sig, { id: SM2_DEFAULT_ID })).toBe(true);
    expect(sm2Verify(publicKey, msg, sig, { id: utf8('ALICE123@YAHOO.COM') })).toBe(false);
    expect(sm2Verify(publicKey, utf8('the quick brown fox.'), sig)).toBe(false);

    const id = utf8('alice@example.com');
    const sig2 = sm2Sign(privateKey, msg, { id });
    expect(sm2Verify(publicKey, msg, sig2, { id })).toBe(true);
    expect(sm2Verify(publicKey, msg, sig2)).toBe(false);

    const empty = sm2Sign(privateKey, new Uint8Array(0), { id: new Uint8Array(0) });
    expect(sm2Verify(publicKey, new Uint8Array(0), empty, { id: new Uint8Array(0) })).toBe(true);
  });

  it('is randomized and digest signing matches message signing', () => {
    const a = sm2Sign(privateKey, msg);
    const b = sm2Sign(privateKey, msg);
    expect(toHex(a)).not.toBe(toHex(b));
    const e = sm2Digest(publicKey, msg);
    const c = sm2SignDigest(privateKey, e);
    expect(sm2Verify(publicKey, msg, c)).toBe(true);
    expect(sm2VerifyDigest(publicKey, e, a)).toBe(true);
  });

  it('returns false (never throws) for tampered or malformed signatures', () => {
    const sig = sm2Sign(privateKey, msg);
    for (let i = 0; i < sig.length; i++) {
      const t = sig.slice();
      t[i] ^= 0x01;
      expect(sm2Verify(publicKey, msg, t)).toBe(false);
    }
    const pkOther = sm2GenerateKeyPair().publicKey;
    expect(sm2Verify(pkOther, msg, sig)).toBe(false);
    expect(sm2Verify(publicKey, msg, new Uint8Array(0))).toBe(false);
    expect(sm2Verify(publicKey, msg, Uint8Array.from([...sig, 0]))).toBe(false); // trailing data
    expect(sm2Verify(publicKey, msg, sig.subarray(0, sig.length - 1))).toBe(false);
    expect(sm2Verify(Uint8Array.of(4, 1, 2), msg, sig)).toBe(false); // bad key does not throw
    expect(sm2VerifyDigest(publicKey, new Uint8Array(31), sig)).toBe(false);
  });

  it('rejects r or s outside [1, n-1] and non-minimal INTEGERs', () => {
    const e = hex(KAT.e);
    const pub = hex(KAT.publicKey);
    const r = hex(KAT.r);
    const s = hex(KAT.s);
    const pad = (v: Uint8Array) => Uint8Array.from([0, ...v]);
    expect(sm2VerifyDigest(pub, e, derSig(pad(r), pad(s)))).toBe(true);
    expect(sm2VerifyDigest(pub, e, derSig(Uint8Array.of(0), pad(s)))).toBe(false); // r = 0
    expect(sm2VerifyDigest(pub, e, derSig(pad(r), Uint8Array.of(0)))).toBe(false); // s = 0
    expect(sm2VerifyDigest(pub, e, derSig(pad(to32(N)), pad(s)))).toBe(false); // r = n
    expect(sm2VerifyDigest(pub, e, derSig(Uint8Array.from([0, 0, ...r]), pad(s)))).toBe(false); // non-minimal
    expect(sm2VerifyDigest(pub, e, derSig(r, pad(s)))).toBe(false); // negative INTEGER
  });

  it('refuses a fixed k outside [1, n-1]', () => {
    expect(() => sm2Sign(privateKey, msg, { k: 0n })).toThrow(Error);
    expect(() => sm2Sign(privateKey, msg, { k: N })).toThrow(Error);
    expect(() => sm2SignDigest(privateKey, new Uint8Array(33))).toThrow(Error);
  });
});

describe('SM2 encryption', () => {
  const { privateKey, publicKey } = sm2GenerateKeyPair();

  it('round-trips lengths around the SM3 block boundary', () => {
    for (const len of [1, 19, 31, 32, 33, 64, 65, 1000]) {
      const pt = Uint8Array.from({ length: len }, (_, i) => (i * 7 + len) & 0xff);
      const ct = sm2Encrypt(publicKey, pt);
      expect(toHex(sm2Decrypt(privateKey, ct))).toBe(toHex(pt));
    }
  });

  it('refuses an empty plaintext', () => {
    expect(() => sm2Encrypt(publicKey, new Uint8Array(0))).toThrow(Error);
  });

  it("throws 'decryption failed' for every single-bit tamper, truncation, extension and wrong key", () => {
    const pt = utf8('attack at dawn');
    const ct = sm2Encrypt(publicKey, pt);
    for (let i = 0; i < ct.length; i++) {
      const t = ct.slice();
      t[i] ^= 0x01;
      expect(() => sm2Decrypt(privateKey, t)).toThrow('decryption failed');
    }
    expect(() => sm2Decrypt(privateKey, ct.subarray(0, ct.length - 1))).toThrow('decryption failed');
    expect(() => sm2Decrypt(privateKey, Uint8Array.from([...ct, 0]))).toThrow('decryption failed');
    expect(() => sm2Decrypt(privateKey, new Uint8Array(0))).toThrow('decryption failed');
    expect(() => sm2Decrypt(sm2GenerateKeyPair().privateKey, ct)).toThrow('decryption failed');
  });

  it('rejects a C1 that is not on the curve', () => {
    const ct = hex(KAT.ciphertext);
    ct[5] ^= 0x80; // inside x of C1
    expect(() => sm2Decrypt(hex(KAT.d), ct)).toThrow('decryption failed');
  });
});

describe('SM2 interop with the system openssl CLI', () => {
  let version = '';
  let w: OpensslWorkdir;

  beforeAll(() => {
    version = requireOpenssl();
    w = new OpensslWorkdir();
  });
  afterAll(() => w?.cleanup());

  it('runs OpenSSL 3', () => {
    expect(version).toMatch(/^OpenSSL 3\./);
  });

  function opensslKey(name: string): { privateKey: Uint8Array; publicKey: Uint8Array; pkcs8: Buffer } {
    w.run(['genpkey', '-algorithm', 'SM2', '-out', `${name}.pem`]);
    // genpkey writes PKCS#8 PEM; `pkey -outform DER` would give SEC1 instead, so unwrap the PEM.
    w.run(['pkey', '-in', `${name}.pem`, '-pubout', '-outform', 'DER', '-out', `${name}.pub.der`]);
    const pkcs8 = fromPem(w.read(`${name}.pem`).toString());
    const privateKey = sm2PrivateFromPkcs8(pkcs8);
    const publicKey = sm2PublicFromSpki(w.read(`${name}.pub.der`));
    return { privateKey, publicKey, pkcs8 };
  }

  it('reads OpenSSL SM2 PKCS#8/SPKI and re-encodes them byte for byte', () => {
    const k = opensslKey('a');
    expect(toHex(sm2PublicFromPrivate(k.privateKey))).toBe(toHex(k.publicKey));
    expect(toHex(sm2Pkcs8Der(k.privateKey))).toBe(toHex(k.pkcs8));
    expect(toHex(sm2SpkiDer(k.publicKey))).toBe(toHex(w.read('a.pub.der')));
  });

  it('reads OpenSSL PKCS#8 without the embedded public key', () => {
    w.run(['genpkey', '-algorithm', 'SM2', '-out', 'np-full.pem']);
    w.run(['ec', '-in', 'np-full.pem', '-no_public', '-out', 'np-sec1.pem']);
    w.run(['pkcs8', '-topk8', '-nocrypt', '-in', 'np-sec1.pem', '-outform', 'DER', '-out', 'np.der']);
    const withoutPub = w.read('np.der');
    const full = fromPem(w.read('np-full.pem').toString());
    expect(withoutPub.length).toBeLessThan(full.length);
    const d = sm2PrivateFromPkcs8(withoutPub);
    expect(toHex(d)).toBe(toHex(sm2PrivateFromPkcs8(full)));
  });

  it('OpenSSL accepts our PEM-wrapped PKCS#8 and SPKI', () => {
    const { privateKey, publicKey } = sm2GenerateKeyPair();
    w.write('ours.pem', toPem('PRIVATE KEY', sm2Pkcs8Der(privateKey)));
    w.write('ours.pub.pem', toPem('PUBLIC KEY', sm2SpkiDer(publicKey)));
    const derivedPub = fromPem(w.run(['pkey', '-in', 'ours.pem', '-pubout']).toString());
    expect(toHex(sm2PublicFromSpki(derivedPub))).toBe(toHex(publicKey));
    const text = w.run(['pkey', '-pubin', '-in', 'ours.pub.pem', '-text', '-noout']).toString();
    expect(text).toMatch(/ASN1 OID: SM2/);
  });

  const ids: Array<[string, string]> = [
    ['default ID', '1234567812345678'],
    ['custom ID', 'alice@example.com'],
  ];

  for (const [label, id] of ids) {
    it(`OpenSSL signature verifies with ours (${label})`, () => {
      const k = opensslKey(`sig-${label.replace(' ', '-')}`);
      const msg = utf8(`interop message for ${label}`);
      w.write('msg.bin', msg);
      w.run(['pkeyutl', '-sign', '-rawin', '-digest', 'sm3', '-in', 'msg.bin', '-inkey', `sig-${label.replace(' ', '-')}.pem`, '-pkeyopt', `distid:${id}`, '-out', 'sig.der']);
      const sig = w.read('sig.der');
      expect(sm2Verify(k.publicKey, msg, sig, { id: utf8(id) })).toBe(true);
      expect(sm2Verify(k.publicKey, msg, sig, { id: utf8(id + 'x') })).toBe(false);
    });

    it(`our signature verifies with OpenSSL (${label})`, () => {
      const { privateKey, publicKey } = sm2GenerateKeyPair();
      const msg = utf8(`our message for ${label}`);
      w.write('ours-msg.bin', msg);
      w.write('ours-sig-pub.pem', toPem('PUBLIC KEY', sm2SpkiDer(publicKey)));
      w.write('ours-sig.der', sm2Sign(privateKey, msg, { id: utf8(id) }));
      const verifyArgs = (distid: string) => [
        'pkeyutl',
        '-verify',
        '-rawin',
        '-digest',
        'sm3',
        '-in',
        'ours-msg.bin',
        '-pubin',
        '-inkey',
        'ours-sig-pub.pem',
        '-pkeyopt',
        `distid:${distid}`,
        '-sigfile',
        'ours-sig.der',
      ];
      expect(w.run(verifyArgs(id)).toString()).toMatch(/Signature Verified Successfully/);
      // Proves OpenSSL really uses the ID (a wrong one must fail), so the check above is meaningful.
      expect(w.status(verifyArgs(id + 'x'))).not.toBe(0);
    });
  }

  it('OpenSSL verifies the GB/T known-answer signature', () => {
    w.write('kat.pub.pem', toPem('PUBLIC KEY', sm2SpkiDer(hex(KAT.publicKey))));
    w.write('kat.msg', 'message digest');
    w.write('kat.sig', hex('30460221' + '00' + KAT.r + '0221' + '00' + KAT.s));
    const out = w.run([
      'pkeyutl',
      '-verify',
      '-rawin',
      '-digest',
      'sm3',
      '-in',
      'kat.msg',
      '-pubin',
      '-inkey',
      'kat.pub.pem',
      '-pkeyopt',
      'distid:1234567812345678',
      '-sigfile',
      'kat.sig',
    ]);
    expect(out.toString()).toMatch(/Signature Verified Successfully/);
  });

  it('OpenSSL ciphertexts decrypt with ours', () => {
    const k = opensslKey('enc');
    for (const len of [1, 32, 33, 300]) {
      const pt = Uint8Array.from({ length: len }, (_, i) => (i * 13 + 5) & 0xff);
      w.write('pt.bin', pt);
      w.run(['pkeyutl', '-encrypt', '-pubin', '-inkey', 'enc.pub.der', '-keyform', 'DER', '-in', 'pt.bin', '-out', 'ct.der']);
      expect(toHex(sm2Decrypt(k.privateKey, w.read('ct.der')))).toBe(toHex(pt));
    }
  });

  it('our ciphertexts decrypt with OpenSSL', () => {
    const { privateKey, publicKey } = sm2GenerateKeyPair();
    w.write('dec.pem', toPem('PRIVATE KEY', sm2Pkcs8Der(privateKey)));
    for (const len of [1, 32, 33, 300]) {
      const pt = Uint8Array.from({ length: len }, (_, i) => (i * 17 + 3) & 0xff);
      w.write('our-ct.der', sm2Encrypt(publicKey, pt));
      const out = w.run(['pkeyutl', '-decrypt', '-inkey', 'dec.pem', '-in', 'our-ct.der']);
      expect(toHex(out)).toBe(toHex(pt));
    }
    // And OpenSSL, like us, decrypts the standard's known-answer ciphertext.
    w.write('kat.pem', toPem('PRIVATE KEY', sm2Pkcs8Der(hex(KAT.d))));
    w.write('kat.ct', hex(KAT.ciphertext));
    expect(w.run(['pkeyutl', '-decrypt', '-inkey', 'kat.pem', '-in', 'kat.ct']).toString()).toBe('encryption standard');
  });
});
