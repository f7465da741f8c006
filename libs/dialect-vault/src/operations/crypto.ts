import { atVersion } from '@kms/core';
import { runItems } from '../batch';
import { bodyBytes, parseVersioned, versioned } from '../ciphertext';
import { badRequest } from '../errors';
import type { Input } from '../input';
import type { VaultAnswer } from '../wire';
import type { VaultAction, VaultCall } from './context';
import { createNamed } from './keys';
import { type NamedKey, encryptionRef, findKey, requireKey, requireKind, versionRefusal } from './lookup';

/**
 * Encrypt, decrypt, rewrap and data keys. AES-GCM ciphertexts are laid out as Vault lays them out:
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

/** Derivation and convergence are a later part: a context or nonce is refused rather than ignored. */
function refuseDerivation(item: Input): void {
  if (item.string('context')) throw badRequest('derived keys are not supported yet by this gateway (context given)', 'UNSUPPORTED');
  if (item.string('nonce')) throw badRequest('convergent encryption is not supported yet by this gateway (nonce given)', 'UNSUPPORTED');
}

async function encryptBytes(c: VaultCall, key: NamedKey, plaintext: Buffer, aad: Buffer | undefined, keyVersion: number | undefined) {
  const { ref, version } = encryptionRef(key, keyVersion);
  if (key.type?.kind === 'rsa') {
    const ct = await c.keys.asymEncrypt(c.caller, ref, OAEP, plaintext);
    // The core does not say which version an RSA encryption used: the one named, else the latest the record knew.
    const v = version ?? key.record.currentVersion;
    return { ciphertext: versioned(v, ct.toString('base64')), key_version: v };
  }
  const r = await c.keys.encrypt(c.caller, ref, { alg: 'AES-GCM', plaintext, aad });
  return { ciphertext: versioned(r.keyVersion, Buffer.concat([r.iv, r.ciphertext, r.tag]).toString('base64')), key_version: r.keyVersion };
}

async function decryptBytes(c: VaultCall, key: NamedKey, value: string, aad: Buffer | undefined): Promise<Buffer> {
  const { version, body } = parseVersioned(value, 'ciphertext');
  const bytes = bodyBytes(body, 'ciphertext');
  const ref = atVersion(key.record.id, version);
  try {
    if (key.type?.kind === 'rsa') return await c.keys.asymDecrypt(c.caller, ref, OAEP, bytes);
    if (bytes.length < NONCE + TAG) throw badRequest('invalid ciphertext: too short');
    return await c.keys.decrypt(c.caller, ref, {
      alg: 'AES-GCM',
      iv: bytes.subarray(0, NONCE),
      ciphertext: bytes.subarray(NONCE, bytes.length - TAG),
      tag: bytes.subarray(bytes.length - TAG),
      aad,
    });
  } catch (err) {
    throw versionRefusal(err, version, key, 'ciphertext');
  }
}

/**
 * Encrypt, with Vault's upsert: a name that names no key is created first (aes256-gcm96, or the
 * AEAD `type` asked for), as Vault does for a token with the create capability.
 */
async function encrypt(c: VaultCall): Promise<VaultAnswer> {
  if (!c.input.has('batch_input') && !c.input.has('plaintext')) throw badRequest('missing plaintext to encrypt');
  let key = await findKey(c, name(c));
  if (!key) {
    // Vault would make a derived key for a context: refused before anything is made.
    for (const item of c.input.batch() ?? [c.input]) refuseDerivation(item);
    const type = c.input.string('type') || 'aes256-gcm96';
    if (!['aes128-gcm96', 'aes256-gcm96', 'chacha20-poly1305'].includes(type)) throw badRequest(`key type ${type} not supported for this operation`);
    await createNamed(c, name(c), type, c.input);
    key = await requireKey(c, name(c), 'encryption key not found');
  }
  requireKind(key, ENCRYPTING, 'encryption');
  const topVersion = c.input.integer('key_version');
  return runItems(c, 'encrypt', async (item) => {
    refuseDerivation(item);
    const plaintext = item.base64('plaintext') ?? Buffer.alloc(0);
    return encryptBytes(c, key, plaintext, aadOf(item, key), item.integer('key_version') ?? topVersion);
  });
}

async function decrypt(c: VaultCall): Promise<VaultAnswer> {
  if (!c.input.has('batch_input') && !c.input.has('ciphertext')) throw badRequest('missing ciphertext to decrypt');
  const key = await requireKey(c, name(c), 'encryption key not found');
  requireKind(key, ENCRYPTING, 'decryption');
  return runItems(c, 'decrypt', async (item) => {
    refuseDerivation(item);
    const plaintext = await decryptBytes(c, key, item.string('ciphertext') ?? '', aadOf(item, key));
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
    refuseDerivation(item);
    const aad = aadOf(item, key);
    const plaintext = await decryptBytes(c, key, item.string('ciphertext') ?? '', aad);
    try {
      return await encryptBytes(c, key, plaintext, aad, item.integer('key_version') ?? topVersion);
    } finally {
      plaintext.fill(0);
    }
  });
}

const DATAKEY_BITS = [128, 256, 512];

/** A fresh data key sealed under the key: `plaintext` answers it too, `wrapped` only sealed. */
async function datakey(c: VaultCall): Promise<VaultAnswer> {
  const kind = c.params.kind!;
  if (kind !== 'plaintext' && kind !== 'wrapped') throw badRequest('invalid path: datakey type must be "plaintext" or "wrapped"');
  const key = await requireKey(c, name(c), 'encryption key not found');
  requireKind(key, ENCRYPTING, 'encryption');
  refuseDerivation(c.input);
  const bits = c.input.integer('bits') ?? 256;
  if (!DATAKEY_BITS.includes(bits)) throw badRequest('invalid bit length');
  const aad = aadOf(c.input, key);
  const { ref } = encryptionRef(key, c.input.integer('key_version'));
  let dataKey: Buffer;
  let sealed: { ciphertext: string; key_version: number };
  if (key.type?.kind === 'rsa') {
    dataKey = await c.keys.random(c.caller, bits / 8);
    sealed = await encryptBytes(c, key, dataKey, undefined, c.input.integer('key_version'));
  } else {
    const r = await c.keys.generateDataKey(c.caller, ref, { alg: 'AES-GCM', length: bits / 8, aad });
    dataKey = r.dataKey;
    sealed = { ciphertext: versioned(r.keyVersion, Buffer.concat([r.sealed.iv, r.sealed.ciphertext, r.sealed.tag]).toString('base64')), key_version: r.keyVersion };
  }
  try {
    return { data: { ...sealed, ...(kind === 'plaintext' ? { plaintext: dataKey.toString('base64') } : {}) } };
  } finally {
    dataKey.fill(0);
  }
}

export const CRYPTO_ACTIONS = { encrypt, decrypt, rewrap, datakey } satisfies Record<string, VaultAction>;
