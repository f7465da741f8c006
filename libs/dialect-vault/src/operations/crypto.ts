import { type CipherAlg, type EncryptResult, atVersion } from '@kms/core';
import { runItems } from '../batch';
import { bodyBytes, parseVersioned, versioned } from '../ciphertext';
import { decryptionSubkey, encryptionSubkey } from '../derivation';
import { badRequest } from '../errors';
import { Input } from '../input';
import type { VaultAnswer } from '../wire';
import type { VaultAction, VaultCall } from './context';
import { createNamed } from './keys';
import { type NamedKey, encryptionRef, findKey, requireKey, requireKind, versionRefusal } from './lookup';

/**
 * Encrypt, decrypt, rewrap and data keys. AEAD (AES-GCM, ChaCha20-Poly1305) ciphertexts are laid out as Vault lays them out:
 * nonce (12) ‖ ciphertext ‖ tag (16), base64, behind `vault:v<N>:`; RSA keys encrypt with
 * RSA-OAEP over SHA-256, as Vault does, the ciphertext alone behind the prefix.
 */
const NONCE = 12;
const TAG = 16;
const OAEP = { scheme: 'RSA-OAEP', hash: 'SHA-256' } as const;
const ENCRYPTING = ['aead', 'rsa'] as const;

const name = (c: VaultCall) => c.params.name!;

/** `associated_data` is for AEAD keys only (Vault refuses it with RSA). */
function aadOf(item: Input, key: NamedKey): Buffer | undefined {
  const aad = item.base64('associated_data');
  if (aad !== undefined && key.type?.kind !== 'aead') throw badRequest('associated data is only supported with AEAD key types');
  return aad;
}

/** The AEAD cipher of the key's type: AES-GCM or ChaCha20-Poly1305. */
const cipherOf = (key: NamedKey): CipherAlg => key.type?.cipher ?? 'AES-GCM';

/** Nonce ‖ ciphertext ‖ tag, base64, as Vault lays out its AEAD ciphertexts. */
const aeadBody = (r: EncryptResult) => Buffer.concat([r.iv, r.ciphertext, r.tag]).toString('base64');

/**
 * One item's encryption under the latest version (or the one named). A derived key encrypts under
 * the subkey of the item's context. `nonce` is ignored, as Vault ignores it for every key made
 * since its 0.6.2 (convergent keys compute theirs).
 */
async function encryptBytes(c: VaultCall, key: NamedKey, plaintext: Buffer, item: Input, keyVersion: number | undefined) {
  const aad = aadOf(item, key);
  const { ref, version } = encryptionRef(key, keyVersion);
  if (key.type?.kind === 'rsa') {
    const ct = await c.keys.asymEncrypt(c.caller, ref, OAEP, plaintext);
    // The core does not say which version an RSA encryption used: the one named, else the latest the record knew.
    const v = version ?? key.record.currentVersion;
    return { ciphertext: versioned(v, ct.toString('base64')), key_version: v };
  }
  const r = await c.keys.encrypt(c.caller, ref, { alg: cipherOf(key), plaintext, aad, derive: encryptionSubkey(item, key.settings) });
  return { ciphertext: versioned(r.keyVersion, aeadBody(r)), key_version: r.keyVersion };
}

async function decryptBytes(c: VaultCall, key: NamedKey, item: Input): Promise<Buffer> {
  const aad = aadOf(item, key);
  const { version, body } = parseVersioned(item.string('ciphertext') ?? '', 'ciphertext');
  const bytes = bodyBytes(body, 'ciphertext');
  const ref = atVersion(key.record.id, version);
  try {
    if (key.type?.kind === 'rsa') return await c.keys.asymDecrypt(c.caller, ref, OAEP, bytes);
    const derive = decryptionSubkey(item, key.settings);
    if (bytes.length < NONCE + TAG) throw badRequest('invalid ciphertext: too short');
    return await c.keys.decrypt(c.caller, ref, {
      alg: cipherOf(key),
      iv: bytes.subarray(0, NONCE),
      ciphertext: bytes.subarray(NONCE, bytes.length - TAG),
      tag: bytes.subarray(bytes.length - TAG),
      aad,
      derive,
    });
  } catch (err) {
    throw versionRefusal(err, version, key, 'ciphertext');
  }
}

export const UPSERT_TYPES = ['aes128-gcm96', 'aes256-gcm96', 'chacha20-poly1305'];
const hasContext = (item: Input) => (item.string('context') ?? '') !== '';

/**
 * Encrypt, with Vault's upsert: a name that names no key is created first, as Vault does for a
 * token with the create capability: of the AEAD `type` asked for (aes256-gcm96 by default),
 * derived when the items carry a context, convergent when `convergent_encryption` says so.
 */
async function encrypt(c: VaultCall): Promise<VaultAnswer> {
  if (!c.input.has('batch_input') && !c.input.has('plaintext')) throw badRequest('missing plaintext to encrypt');
  const items = c.input.batch() ?? [c.input];
  const contextSet = hasContext(items[0]);
  if (items.some((item) => hasContext(item) !== contextSet)) throw badRequest('context should be set either in all the request blocks or in none');
  let key = await findKey(c, name(c));
  if (!key) {
    const convergent = c.input.boolean('convergent_encryption') ?? false;
    if (convergent && !contextSet) throw badRequest('convergent encryption requires derivation to be enabled, so context is required');
    const type = c.input.string('type') || 'aes256-gcm96';
    if (!UPSERT_TYPES.includes(type)) throw badRequest(`key type ${type} not supported for this operation`);
    await createNamed(c, name(c), type, new Input({ derived: contextSet, convergent_encryption: convergent }));
    key = await requireKey(c, name(c), 'encryption key not found');
  }
  requireKind(key, ENCRYPTING, 'encryption');
  const topVersion = c.input.integer('key_version');
  return runItems(c, 'encrypt', async (item) => {
    const plaintext = item.base64('plaintext') ?? Buffer.alloc(0);
    return encryptBytes(c, key, plaintext, item, item.integer('key_version') ?? topVersion);
  });
}

async function decrypt(c: VaultCall): Promise<VaultAnswer> {
  if (!c.input.has('batch_input') && !c.input.has('ciphertext')) throw badRequest('missing ciphertext to decrypt');
  const key = await requireKey(c, name(c), 'encryption key not found');
  requireKind(key, ENCRYPTING, 'decryption');
  return runItems(c, 'decrypt', async (item) => {
    const plaintext = await decryptBytes(c, key, item);
    try {
      return { plaintext: plaintext.toString('base64') };
    } finally {
      plaintext.fill(0);
    }
  });
}

/** Decrypts under the version the ciphertext names and encrypts under the latest (or `key_version`); the plaintext never leaves. */
async function rewrap(c: VaultCall): Promise<VaultAnswer> {
  if (!c.input.has('batch_input') && !c.input.has('ciphertext')) throw badRequest('missing ciphertext to rewrap');
  const key = await requireKey(c, name(c), 'encryption key not found');
  requireKind(key, ENCRYPTING, 'encryption');
  const topVersion = c.input.integer('key_version');
  return runItems(c, 'rewrap', async (item) => {
    const plaintext = await decryptBytes(c, key, item);
    try {
      return await encryptBytes(c, key, plaintext, item, item.integer('key_version') ?? topVersion);
    } finally {
      plaintext.fill(0);
    }
  });
}

export const DATAKEY_BITS = [128, 256, 512];

/** A fresh data key sealed under the key: `plaintext` answers it too, `wrapped` only sealed. */
async function datakey(c: VaultCall): Promise<VaultAnswer> {
  const kind = c.params.kind!;
  if (kind !== 'plaintext' && kind !== 'wrapped') throw badRequest('invalid path: datakey type must be "plaintext" or "wrapped"');
  const key = await requireKey(c, name(c), 'encryption key not found');
  requireKind(key, ENCRYPTING, 'encryption');
  const bits = c.input.integer('bits') ?? 256;
  if (!DATAKEY_BITS.includes(bits)) throw badRequest('invalid bit length');
  const { ref } = encryptionRef(key, c.input.integer('key_version'));
  let dataKey: Buffer;
  let sealed: { ciphertext: string; key_version: number };
  if (key.type?.kind === 'rsa') {
    dataKey = await c.keys.random(c.caller, bits / 8);
    sealed = await encryptBytes(c, key, dataKey, c.input, c.input.integer('key_version'));
  } else {
    const aad = aadOf(c.input, key);
    const r = await c.keys.generateDataKey(c.caller, ref, { alg: cipherOf(key), length: bits / 8, aad, derive: encryptionSubkey(c.input, key.settings) });
    dataKey = r.dataKey;
    sealed = { ciphertext: versioned(r.keyVersion, aeadBody(r.sealed)), key_version: r.keyVersion };
  }
  try {
    return { data: { ...sealed, ...(kind === 'plaintext' ? { plaintext: dataKey.toString('base64') } : {}) } };
  } finally {
    dataKey.fill(0);
  }
}

export const CRYPTO_ACTIONS = { encrypt, decrypt, rewrap, datakey } satisfies Record<string, VaultAction>;
