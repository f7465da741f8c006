import { constants, createHash, createHmac, createPublicKey, randomBytes, verify as nodeVerify, type KeyObject } from 'node:crypto';
import { describeRefusals, noteRefusal, pkcs11Refuses, ON_PKCS11 } from '../support/backend';
import { cli, startGateway, type Gateway } from '../support/server';
import { type VaultClient, b64, expectRefusal, parseVersioned, raw, unb64, vaultClient, vaultTenant } from './support';

/**
 * Signatures, HMACs, random bytes and hashes through node-vault. Every signature is verified
 * locally with node:crypto against the public key `read` answers (PEM SPKI; Ed25519 raw); HMACs
 * are checked against a local HMAC for a key whose bytes the test knows (imported through the
 * JOSE dialect as an `oct` JWK, used here by its UUID).
 */
let gw: Gateway;
let v: VaultClient;
let token: string;
let joseToken: string;

beforeAll(async () => {
  gw = await startGateway();
  token = await vaultTenant(gw, 'vault-sign');
  v = vaultClient(gw, token);
  joseToken = (await cli(gw.dataDir, ['credential', 'jose', 'vault-sign'])).json.token;
}, 60000);
afterAll(async () => {
  await gw.stop();
  gw.cleanup();
});

const NODE_HASH: Record<string, string> = { sha1: 'sha1', 'sha2-224': 'sha224', 'sha2-256': 'sha256', 'sha2-384': 'sha384', 'sha2-512': 'sha512' };
const HASHES = Object.keys(NODE_HASH);

async function publicKey(name: string, version = 1): Promise<KeyObject> {
  const entry = (await v.read(`transit/keys/${name}`)).data.keys[String(version)];
  if (entry.name === 'ed25519') return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(entry.public_key, 'base64').toString('base64url') }, format: 'jwk' });
  return createPublicKey(entry.public_key);
}

const sign = async (name: string, body: Record<string, unknown>, path = '') => (await v.write(`transit/sign/${name}${path}`, body)).data;
const verify = async (name: string, body: Record<string, unknown>, path = '') => (await v.write(`transit/verify/${name}${path}`, body)).data.valid as boolean;

describe('ECDSA', () => {
  it.each(['ecdsa-p256', 'ecdsa-p384', 'ecdsa-p521'])('%s: every hash, asn1 and jws, body and URL forms, prehashed', async (type) => {
    await v.write(`transit/keys/${type}`, { type });
    const pub = await publicKey(type);
    const msg = randomBytes(100);
    for (const hash of HASHES) {
      const asn1 = await sign(type, { input: b64(msg), hash_algorithm: hash });
      const der = parseVersioned(asn1.signature).bytes;
      expect(nodeVerify(NODE_HASH[hash], msg, pub, der)).toBe(true);
      const jws = await sign(type, { input: b64(msg), marshaling_algorithm: 'jws' }, `/${hash}`);
      const rs = parseVersioned(jws.signature, true).bytes;
      expect(jws.signature).not.toMatch(/[+/=]/);
      expect(nodeVerify(NODE_HASH[hash], msg, { key: pub, dsaEncoding: 'ieee-p1363' }, rs)).toBe(true);
      expect(await verify(type, { input: b64(msg), signature: asn1.signature, hash_algorithm: hash })).toBe(true);
      expect(await verify(type, { input: b64(msg), signature: jws.signature, marshaling_algorithm: 'jws' }, `/${hash}`)).toBe(true);
      expect(await verify(type, { input: b64(Buffer.from('other')), signature: asn1.signature, hash_algorithm: hash })).toBe(false);
      const digest = createHash(NODE_HASH[hash]).update(msg).digest();
      const pre = await sign(type, { input: b64(digest), hash_algorithm: hash, prehashed: true });
      expect(nodeVerify(NODE_HASH[hash], msg, pub, parseVersioned(pre.signature).bytes)).toBe(true);
    }
  });
});

describe('Ed25519', () => {
  it('signs the message whole, verified locally against the raw public key', async () => {
    await v.write('transit/keys/ed', { type: 'ed25519' });
    const pub = await publicKey('ed');
    const msg = Buffer.from('an ed25519 message');
    const { signature, key_version } = await sign('ed', { input: b64(msg) });
    expect(key_version).toBe(1);
    expect(nodeVerify(null, msg, pub, parseVersioned(signature).bytes)).toBe(true);
    expect(await verify('ed', { input: b64(msg), signature })).toBe(true);
    await expectRefusal(v.write('transit/sign/ed', { input: b64(msg), prehashed: true }), 400, /prehashed input is not supported with ed25519/);
  });
});

describe('RSA', () => {
  it('signs PSS (salt auto, hash, a number) and PKCS#1 v1.5 with every hash', async () => {
    await v.write('transit/keys/rsa', { type: 'rsa-2048' });
    const pub = await publicKey('rsa');
    const msg = randomBytes(64);
    for (const hash of HASHES) {
      const node = NODE_HASH[hash];
      const size = createHash(node).digest().length;
      const pkcs = await sign('rsa', { input: b64(msg), hash_algorithm: hash, signature_algorithm: 'pkcs1v15' });
      expect(nodeVerify(node, msg, pub, parseVersioned(pkcs.signature).bytes)).toBe(true);
      expect(await verify('rsa', { input: b64(msg), signature: pkcs.signature, hash_algorithm: hash, signature_algorithm: 'pkcs1v15' })).toBe(true);
      const longest = 256 - size - 2;
      for (const [salt, length] of [
        ['auto', longest],
        ['hash', size],
        ['10', 10],
      ] as const) {
        const pss = await sign('rsa', { input: b64(msg), hash_algorithm: hash, salt_length: salt });
        expect(nodeVerify(node, msg, { key: pub, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: length }, parseVersioned(pss.signature).bytes)).toBe(true);
        expect(await verify('rsa', { input: b64(msg), signature: pss.signature, hash_algorithm: hash, salt_length: salt })).toBe(true);
      }
      const hashSalted = await sign('rsa', { input: b64(msg), hash_algorithm: hash, salt_length: 'hash' });
      expect(await verify('rsa', { input: b64(msg), signature: hashSalted.signature, hash_algorithm: hash })).toBe(true);
    }
    const digest = createHash('sha384').update(msg).digest();
    const pre = await sign('rsa', { input: b64(digest), hash_algorithm: 'sha2-384', prehashed: true, signature_algorithm: 'pkcs1v15' });
    expect(nodeVerify('sha384', msg, pub, parseVersioned(pre.signature).bytes)).toBe(true);
    await expectRefusal(v.write('transit/sign/rsa', { input: b64(msg), signature_algorithm: 'raw' }), 400, 'unsupported rsa signature algorithm raw');
    await expectRefusal(v.write('transit/sign/rsa', { input: b64(msg), salt_length: '999' }), 400, /salt length must be/);
    await expectRefusal(v.write('transit/sign/rsa', { input: b64(msg), hash_algorithm: 'md5' }), 400, 'unsupported hash algorithm md5');
  });
});

describe('versions and batches', () => {
  it('verifies an older version signature after rotation, until min_decryption_version passes it', async () => {
    await v.write('transit/keys/rot', { type: 'ecdsa-p256' });
    const msg = b64('signed before rotation');
    const old = await sign('rot', { input: msg });
    await v.write('transit/keys/rot/rotate', {});
    const fresh = await sign('rot', { input: msg });
    expect(parseVersioned(fresh.signature).version).toBe(2);
    expect(nodeVerify('sha256', unb64(msg), await publicKey('rot', 2), parseVersioned(fresh.signature).bytes)).toBe(true);
    expect(nodeVerify('sha256', unb64(msg), await publicKey('rot', 1), parseVersioned(old.signature).bytes)).toBe(true);
    expect(await verify('rot', { input: msg, signature: old.signature })).toBe(true);
    expect(parseVersioned((await sign('rot', { input: msg, key_version: 1 })).signature).version).toBe(1);
    await v.write('transit/keys/rot/config', { min_decryption_version: 2 });
    await expectRefusal(v.write('transit/verify/rot', { input: msg, signature: old.signature }), 400, 'ciphertext or signature version is disallowed by policy (too old)');
  });

  it('signs and verifies batch_input, one result per item', async () => {
    await v.write('transit/keys/bs', { type: 'ecdsa-p384' });
    const inputs = ['a', 'b', 'c'].map((s) => ({ input: b64(s), reference: s }));
    const signed = (await v.write('transit/sign/bs', { batch_input: inputs })).data.batch_results;
    expect(signed.map((r: { reference: string }) => r.reference)).toEqual(['a', 'b', 'c']);
    const checks = signed.map((r: { signature: string }, i: number) => ({ input: inputs[(i + 1) % 3].input, signature: r.signature }));
    checks[0].input = inputs[0].input;
    const verified = (await v.write('transit/verify/bs', { batch_input: checks })).data.batch_results;
    expect(verified.map((r: { valid: boolean }) => r.valid)).toEqual([true, false, false]);
    const partial = await raw(gw, 'POST', 'transit/sign/bs', token, { batch_input: [{ input: b64('ok') }, {}] });
    expect(partial.status).toBe(400);
    expect(partial.body.data.batch_results[1]).toEqual({ error: 'missing input', reference: '' });
  });

  it('refuses signing with keys that do not sign', async () => {
    await v.write('transit/keys/nosign', {});
    await expectRefusal(v.write('transit/sign/nosign', { input: b64('x') }), 400, 'key type aes256-gcm96 does not support signing');
    await expectRefusal(v.write('transit/sign/missing', { input: b64('x') }), 400, 'signing key not found');
    await expectRefusal(v.write('transit/verify/missing', { input: b64('x'), signature: 'vault:v1:AAAA' }), 400, 'signature verification key not found');
  });
});

/** SoftHSM2's HMAC-SHA-384/512 take keys at least as long as the digest: a 32-byte key is refused. */
const SHORT_KEY_REFUSED = ['sha2-384', 'sha2-512'];

describe('HMAC', () => {
  it('HMACs with an hmac key of known bytes (imported through JOSE), checked locally, and verifies', async () => {
    const material = randomBytes(32);
    const res = await fetch(`${gw.url}/v1/crypto/keys`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${joseToken}` },
      body: JSON.stringify({ kty: 'oct', alg: 'HS256', k: material.toString('base64url') }),
    });
    expect(res.status).toBe(200);
    const { kid } = (await res.json()) as { kid: string };
    expect((await v.read(`transit/keys/${kid}`)).data).toMatchObject({ type: 'hmac', key_size: 32 });
    const msg = Buffer.from('hmac known answer');
    for (const hash of ['sha2-224', 'sha2-256', 'sha2-384', 'sha2-512']) {
      const call = v.write(`transit/hmac/${kid}/${hash}`, { input: b64(msg) });
      if (ON_PKCS11 && SHORT_KEY_REFUSED.includes(hash)) {
        await expectRefusal(call, 400, /with a 256-bit key is not available on this token/);
        noteRefusal(`hmac ${hash} with a 256-bit key`, 'SoftHSM2 wants an HMAC key at least as long as the digest');
        continue;
      }
      const made = (await call).data;
      expect(parseVersioned(made.hmac).bytes.equals(createHmac(NODE_HASH[hash], material).update(msg).digest())).toBe(true);
      expect(await verify(kid, { input: b64(msg), hmac: made.hmac, algorithm: hash })).toBe(true);
      expect(await verify(kid, { input: b64('other'), hmac: made.hmac }, `/${hash}`)).toBe(false);
    }
  });

  it('HMACs in batches, with key versions, and refuses signing keys', async () => {
    await v.write('transit/keys/mac', { type: 'hmac' });
    const batch = (await v.write('transit/hmac/mac', { batch_input: [{ input: b64('1') }, { input: b64('2') }] })).data.batch_results;
    expect(batch).toHaveLength(2);
    await v.write('transit/keys/mac/rotate', {});
    const v2 = (await v.write('transit/hmac/mac', { input: b64('1') })).data;
    expect(parseVersioned(v2.hmac).version).toBe(2);
    expect(await verify('mac', { input: b64('1'), hmac: batch[0].hmac })).toBe(true);
    const verified = (
      await v.write('transit/verify/mac', {
        batch_input: [
          { input: b64('1'), hmac: batch[0].hmac },
          { input: b64('2'), hmac: batch[0].hmac },
        ],
      })
    ).data.batch_results;
    expect(verified.map((r: { valid: boolean }) => r.valid)).toEqual([true, false]);
    await v.write('transit/keys/mac-ed', { type: 'ed25519' });
    await expectRefusal(
      v.write('transit/hmac/mac-ed', { input: b64('x') }),
      400,
      'HMAC with keys of type ed25519 is not supported by this gateway (hmac, AES and ChaCha20 keys only)',
    );
    await expectRefusal(v.write('transit/hmac/mac', {}), 400, 'missing input for HMAC');
    await expectRefusal(v.write('transit/hmac/mac/sha3-224', { input: b64('x') }), 400, /sha3-224 is not supported yet/);
    const sha3 = v.write('transit/hmac/mac/sha3-256', { input: b64('x') });
    const refused = pkcs11Refuses('HMAC-SHA3-256');
    if (ON_PKCS11 && refused) {
      await expectRefusal(sha3, 400, /./);
      noteRefusal('hmac sha3-256', refused);
    } else {
      expect(parseVersioned((await sha3).data.hmac).bytes).toHaveLength(32);
    }
  });
});

describe('HMAC with encryption keys', () => {
  it('HMACs with the HMAC subkey of an AES key made here, across rotations (the bytes are checked in export.e2e.ts)', async () => {
    await v.write('transit/keys/mac-aes', {});
    const first = v.write('transit/hmac/mac-aes', { input: b64('by subkey') });
    if (ON_PKCS11) {
      await expectRefusal(first, 400, /HMAC subkeys are not available on the pkcs11 backend/);
      noteRefusal('hmac with an aes256-gcm96 key', 'the pkcs11 backend computes no subkeys: the key would have to leave the token');
    } else {
      const made = (await first).data;
      expect(parseVersioned(made.hmac).bytes).toHaveLength(32);
      expect(await verify('mac-aes', { input: b64('by subkey'), hmac: made.hmac })).toBe(true);
      expect(await verify('mac-aes', { input: b64('other'), hmac: made.hmac })).toBe(false);
      await v.write('transit/keys/mac-aes/rotate', {});
      const v2 = (await v.write('transit/hmac/mac-aes/sha2-512', { input: b64('by subkey') })).data;
      expect(parseVersioned(v2.hmac)).toMatchObject({ version: 2 });
      expect(parseVersioned(v2.hmac).bytes).toHaveLength(64);
      expect(await verify('mac-aes', { input: b64('by subkey'), hmac: made.hmac })).toBe(true);
    }
  });

  it('refuses, with 400, an AES key of another dialect made without the mac usage', async () => {
    const res = await fetch(`${gw.url}/v1/crypto/keys`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${joseToken}` },
      body: JSON.stringify({ kty: 'oct', alg: 'A256GCM', k: randomBytes(32).toString('base64url') }),
    });
    const { kid } = (await res.json()) as { kid: string };
    await expectRefusal(
      v.write(`transit/hmac/${kid}`, { input: b64('x') }),
      400,
      `key ${kid} may not be used for HMAC: it was made without the mac usage (keys made through this dialect have it)`,
    );
    await expectRefusal(v.write(`transit/verify/${kid}`, { input: b64('x'), hmac: `vault:v1:${b64(randomBytes(32))}` }), 400, /may not be used for HMAC/);
  });
});

describe('random and hash', () => {
  it('answers random bytes in base64 and hex, in every path form', async () => {
    expect(unb64((await v.write('transit/random', {})).data.random_bytes)).toHaveLength(32);
    expect(unb64((await v.write('transit/random/48', {})).data.random_bytes)).toHaveLength(48);
    expect((await v.write('transit/random', { bytes: 16, format: 'hex' })).data.random_bytes).toMatch(/^[0-9a-f]{32}$/);
    expect(unb64((await v.write('transit/random/platform/24', {})).data.random_bytes)).toHaveLength(24);
    expect(unb64((await v.write('transit/random/all', { bytes: 8 })).data.random_bytes)).toHaveLength(8);
    await expectRefusal(v.write('transit/random', { format: 'base32' }), 400, 'unsupported encoding format base32; must be "hex" or "base64"');
    await expectRefusal(v.write('transit/random/0', {}), 400, 'the number of bytes must be positive');
    await expectRefusal(v.write('transit/random/moon', {}), 400, /unsupported entropy source moon/);
  });

  it('hashes with every algorithm, hex and base64, body and URL forms', async () => {
    const input = randomBytes(77);
    for (const [name, node] of Object.entries({
      'sha2-224': 'sha224',
      'sha2-256': 'sha256',
      'sha2-384': 'sha384',
      'sha2-512': 'sha512',
      'sha3-224': 'sha3-224',
      'sha3-256': 'sha3-256',
      'sha3-384': 'sha3-384',
      'sha3-512': 'sha3-512',
    })) {
      const want = createHash(node).update(input).digest();
      expect((await v.write('transit/hash', { input: b64(input), algorithm: name })).data.sum).toBe(want.toString('hex'));
      expect((await v.write(`transit/hash/${name}`, { input: b64(input), format: 'base64' })).data.sum).toBe(want.toString('base64'));
    }
    expect((await v.write('transit/hash', { input: b64('') })).data.sum).toBe(createHash('sha256').digest('hex'));
    await expectRefusal(v.write('transit/hash/md5', { input: b64('x') }), 400, 'unsupported hash algorithm md5');
    await expectRefusal(v.write('transit/hash', {}), 400, 'missing input to hash');
  });
});

describeRefusals([...SHORT_KEY_REFUSED.map((h) => `hmac ${h} with a 256-bit key`), ...(pkcs11Refuses('HMAC-SHA3-256') ? ['hmac sha3-256'] : []), 'hmac with an aes256-gcm96 key']);
