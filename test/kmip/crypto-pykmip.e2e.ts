import { spawnSync } from 'node:child_process';
import {
  constants,
  createCipheriv,
  createDecipheriv,
  createHmac,
  createPublicKey,
  generateKeyPairSync,
  privateDecrypt,
  publicEncrypt,
  randomBytes,
  verify,
  type KeyObject,
} from 'node:crypto';
import { join } from 'node:path';
import type { Issued } from '../tls/pki';
import { describeRefusals, noteRefusal, refusedOperation } from '../support/backend';
import { startKmipWorld, type KmipWorld } from './support';

/**
 * The KMIP crypto operations end to end: the built gateway's KMIP listener over real TLS with a
 * client certificate mapped to a tenant, driven by PyKMIP (test/kmip/pykmip_crypto.py) at KMIP 1.2
 * (PyKMIP's default) and 1.4. The test makes every key and input itself, PyKMIP registers the
 * keys, and every answer is checked here with node:crypto.
 */
type Step = { ok: unknown } | { error: string; reason?: string; message: string };

let world: KmipWorld;
let client: Issued;

const aes = randomBytes(32);
const hmac = randomBytes(64);
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ec = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const plaintext = Buffer.from('KMIP crypto through PyKMIP, checked locally');
const message = Buffer.from('a message PyKMIP asks the gateway to sign');
const iv16 = randomBytes(16);
const blocks = randomBytes(32);
const aad = Buffer.from('additional data');
const pkcs8 = (k: KeyObject) => k.export({ type: 'pkcs8', format: 'der' });
const input = {
  aes,
  hmac,
  rsa: pkcs8(rsa.privateKey),
  ec: pkcs8(ec.privateKey),
  plaintext,
  message,
  iv16,
  blocks,
  aad,
  oaep_ct: publicEncrypt({ key: rsa.publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, plaintext),
  v15_ct: publicEncrypt({ key: rsa.publicKey, padding: constants.RSA_PKCS1_PADDING }, plaintext),
};

beforeAll(async () => {
  world = await startKmipWorld();
  client = await world.client('crypto-client', 'kmip-crypto');
}, 60_000);

afterAll(async () => {
  await world?.gw.stop();
  world?.gw.cleanup();
});

function pykmip(version: string): Record<string, Step> {
  const run = spawnSync('/usr/bin/python3', [join(__dirname, 'pykmip_crypto.py'), '127.0.0.1', String(world.port), client.cert, client.key, world.serverCa.cert, version], {
    input: JSON.stringify(Object.fromEntries(Object.entries(input).map(([k, v]) => [k, v.toString('hex')]))),
    encoding: 'utf8',
    timeout: 120000,
  });
  if (run.status !== 0) throw new Error(`pykmip_crypto.py exited with ${run.status}:\n${run.stderr}`);
  return JSON.parse(run.stdout) as Record<string, Step>;
}

const ok = (s: Step | undefined): unknown => {
  if (s === undefined || !('ok' in s)) throw new Error(`expected an answer, got ${JSON.stringify(s)}`);
  return s.ok;
};
const hex = (s: Step | undefined, i?: number): Buffer => {
  const v = ok(s);
  return Buffer.from((i === undefined ? v : (v as unknown[])[i]) as string, 'hex');
};
const reason = (s: Step | undefined): string | undefined => (s && 'reason' in s ? s.reason : undefined);

const cbcRefused = refusedOperation('aes-256', 'AES-CBC');
const ecbRefused = refusedOperation('aes-256', 'AES-ECB');

describe.each(['1.2', '1.4'])('PyKMIP at KMIP %s', (version) => {
  let out: Record<string, Step>;
  beforeAll(() => {
    out = pykmip(version);
  });

  it('registers and activates the keys it uses', () => {
    for (const name of ['register_aes', 'register_hmac', 'register_rsa_enc', 'register_rsa_sig', 'register_ec']) expect([name, typeof ok(out[name])]).toEqual([name, 'string']);
  });

  if (cbcRefused) {
    it('AES-CBC is Feature Not Supported on the pkcs11 backend', () => {
      for (const name of ['cbc_encrypt', 'cbc_encrypt_iv']) expect([name, reason(out[name])]).toEqual([name, 'FEATURE_NOT_SUPPORTED']);
      noteRefusal('AES-CBC', cbcRefused);
    });
  } else {
    it('AES-CBC with PKCS5: the server-made IV comes back, the ciphertext opens locally and through Decrypt; a client IV gives the local cipher bytes', () => {
      const [ct, iv] = [hex(out.cbc_encrypt, 0), hex(out.cbc_encrypt, 1)];
      expect(iv).toHaveLength(16);
      const d = createDecipheriv('aes-256-cbc', aes, iv);
      expect(Buffer.concat([d.update(ct), d.final()])).toEqual(plaintext);
      expect(hex(out.cbc_decrypt)).toEqual(plaintext);
      const c = createCipheriv('aes-256-cbc', aes, iv16);
      expect(hex(out.cbc_encrypt_iv, 0)).toEqual(Buffer.concat([c.update(plaintext), c.final()]));
      expect((ok(out.cbc_encrypt_iv) as unknown[])[1]).toBeNull();
    });
  }

  if (ecbRefused) {
    it('AES-ECB is Feature Not Supported on the pkcs11 backend', () => {
      expect(reason(out.ecb_encrypt)).toBe('FEATURE_NOT_SUPPORTED');
      noteRefusal('AES-ECB', ecbRefused);
    });
  } else {
    it('AES-ECB without padding gives the local cipher bytes', () => {
      const c = createCipheriv('aes-256-ecb', aes, null).setAutoPadding(false);
      expect(hex(out.ecb_encrypt, 0)).toEqual(Buffer.concat([c.update(blocks), c.final()]));
    });
  }

  it('a mode the server does not serve (CTR) is Invalid Field', () => {
    expect(reason(out.ctr_encrypt)).toBe('INVALID_FIELD');
  });

  if (version === '1.4') {
    it('AES-GCM: ciphertext, IV and tag apart, the additional data authenticated; opens locally and through Decrypt; a wrong tag is Cryptographic Failure', () => {
      const [ct, iv, tag] = [0, 1, 2].map((i) => hex(out.gcm_encrypt, i));
      expect([iv.length, tag.length]).toEqual([12, 16]);
      const d = createDecipheriv('aes-256-gcm', aes, iv).setAAD(aad).setAuthTag(tag);
      expect(Buffer.concat([d.update(ct), d.final()])).toEqual(plaintext);
      expect(hex(out.gcm_decrypt)).toEqual(plaintext);
      expect(reason(out.gcm_decrypt_bad_tag)).toBe('CRYPTOGRAPHIC_FAILURE');
    });
  } else {
    it('AES-GCM is Feature Not Supported below 1.4 (no Authenticated Encryption Tag field)', () => {
      expect(reason(out.gcm_encrypt)).toBe('FEATURE_NOT_SUPPORTED');
    });
  }

  it('RSA OAEP (SHA-256) both ways and PKCS#1 v1.5 decryption, checked with the local key', () => {
    expect(privateDecrypt({ key: rsa.privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, hex(out.oaep_encrypt, 0))).toEqual(plaintext);
    expect(hex(out.oaep_decrypt)).toEqual(plaintext);
    expect(hex(out.v15_decrypt)).toEqual(plaintext);
  });

  it('RSA PKCS#1 v1.5 and PSS signatures and ECDSA (DER) verify with the local public keys; Signature Verify says VALID or INVALID', () => {
    expect(verify('sha256', message, rsa.publicKey, hex(out.sign_pkcs1))).toBe(true);
    expect(verify('sha256', message, { key: rsa.publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }, hex(out.sign_pss))).toBe(true);
    expect(ok(out.verify_pss)).toBe('VALID');
    expect(ok(out.verify_pss_other_message)).toBe('INVALID');
    expect(hex(out.sign_ecdsa)[0]).toBe(0x30);
    expect(verify('sha256', message, ec.publicKey, hex(out.sign_ecdsa))).toBe(true);
    expect(ok(out.verify_ecdsa)).toBe('VALID');
  });

  it('MAC with HMAC-SHA384 equals the local HMAC, named or taken from the key’s registered algorithm', () => {
    const expected = createHmac('sha384', hmac).update(message).digest();
    expect(hex(out.mac, 1)).toEqual(expected);
    expect(hex(out.mac_key_default, 1)).toEqual(expected);
  });

  it('a key pair made by Create Key Pair: signed with the private key, verified by the server with the public key and here with the key Get returns', () => {
    expect(ok(out.pair_verify)).toBe('VALID');
    const [format, der] = ok(out.pair_public_key) as [string, string];
    const publicKey = createPublicKey({ key: Buffer.from(der, 'hex'), format: 'der', type: format === 'X_509' ? 'spki' : 'pkcs1' });
    expect(verify('sha256', message, { key: publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }, hex(out.pair_sign))).toBe(true);
  });
});

describeRefusals([...(refusedOperation('aes-256', 'AES-CBC') ? ['AES-CBC'] : []), ...(refusedOperation('aes-256', 'AES-ECB') ? ['AES-ECB'] : [])]);
