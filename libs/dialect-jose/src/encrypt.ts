import { randomBytes } from 'node:crypto';
import { aesKeyWrap, type KeyOperations, type OpContext } from '@kms/core';
import { ECDH_CURVES, JWE_ALG, JWE_ENC, isKnownAlg } from './algorithms';
import { b64url, decodeB64url } from './b64url';
import { encryptContent, jweAad } from './content';
import { epkFromSpki } from './ecdh-es';
import { cryptoFail, notFound, unsupportedAlg } from './errors';
import { OptionalString, RequiredName, RequiredString } from './fields';
import { checkMadeFor, lookup } from './lookup';
import { currentVersionOf } from './versions';

/** `POST /v1/crypto/encrypt` body: `data` and `aad` are base64url, decoded by the handler. */
export class EncryptDto {
  @RequiredString() kid!: string;
  @RequiredName(isKnownAlg) alg!: string;
  @RequiredName((name) => name in JWE_ENC) enc!: string;
  @RequiredString() data!: string;
  @OptionalString() aad?: string | null;
}

/**
 * `POST /v1/crypto/encrypt` → flattened JWE (notes §2.4). The header is built in the vendor's
 * member order with no spaces; the AAD is the protected header (and `aad`) as RFC 7516 says. It
 * names the key by its id (a kid that is an alias is resolved) and, once the key has been
 * rotated, the version used in `kv` (versions.ts).
 */
export async function encrypt(keys: KeyOperations, ctx: OpContext, body: EncryptDto) {
  const { kid, alg, enc: encName, data: dataB64 } = body;
  const aadB64 = body.aad ?? undefined;
  const enc = JWE_ENC[encName];
  const data = decodeB64url(dataB64, 'data');
  if (aadB64 !== undefined) decodeB64url(aadB64, 'aad');
  const mode = JWE_ALG[alg];
  if (!mode) throw unsupportedAlg(`'${alg}' is not a key management algorithm`);

  const key = await lookup(keys, ctx, kid);
  const { info } = key;
  // The current version, named: the header (the AAD) says which version the key material is, once rotated.
  const { ref, member } = currentVersionOf(key);
  const finish = async (header: Record<string, unknown>, encryptedKey: Buffer, cek: Buffer | null) => {
    const protectedB64 = b64url(JSON.stringify(header));
    const aad = jweAad(protectedB64, aadB64);
    const out = cek ? encryptContent(enc, cek, data, aad) : await keys.encrypt(ctx, ref, { alg: enc.core, plaintext: data, aad });
    const jwe: Record<string, string> = {
      protected: protectedB64,
      encrypted_key: b64url(encryptedKey),
      iv: b64url(out.iv),
      ciphertext: b64url(out.ciphertext),
      tag: b64url(out.tag),
    };
    if (aadB64 !== undefined) jwe.aad = aadB64;
    return jwe;
  };

  switch (mode.kind) {
    case 'dir': {
      // The vendor's KMIP layer refuses a non-symmetric key for dir as not found.
      if (!info.symmetric || key.publicOnly) throw notFound();
      checkMadeFor(key, enc.core, `dir with ${encName}`, JWE_ENC);
      if (info.bits / 8 !== enc.keyBytes) throw cryptoFail(`The key is ${info.bits} bits; ${encName} needs ${enc.keyBytes * 8}`);
      return finish({ alg, enc: encName, kid: key.id, ...member }, Buffer.alloc(0), null);
    }
    case 'rsa': {
      if (info.family !== 'rsa') throw cryptoFail(`${alg} needs an RSA key`);
      const cek = randomBytes(enc.keyBytes);
      const encryptedKey = await keys.asymEncrypt(ctx, ref, { scheme: mode.scheme, hash: mode.hash }, cek);
      // The header names the private key, which decrypts.
      return finish({ alg, enc: encName, kid: key.id, ...member }, encryptedKey, cek);
    }
    case 'kw': {
      checkMadeFor(key, 'AES-KW', alg, JWE_ENC);
      if (info.family !== 'aes' || info.bits / 8 !== mode.kekBytes) throw cryptoFail(`${alg} needs a ${mode.kekBytes * 8}-bit AES key`);
      const cek = randomBytes(enc.keyBytes);
      const encryptedKey = await keys.wrap(ctx, ref, 'AES-KW', cek);
      return finish({ alg, enc: encName, kid: key.id, ...member }, encryptedKey, cek);
    }
    case 'ecdh': {
      if (!(info.spec in ECDH_CURVES)) throw cryptoFail(`${alg} needs a P-256, P-384, P-521 or X25519 key`);
      // The derived key is the CEK itself (direct), or the KEK that wraps a fresh one.
      const kdf = mode.kwBytes ? { keyBits: mode.kwBytes * 8, algorithmId: alg } : { keyBits: enc.keyBytes * 8, algorithmId: encName };
      const { key: derived, ephemeralSpki } = await keys.ecdhEsSend(ctx, ref, kdf);
      const header = { alg, enc: encName, kid: key.id, ...member, epk: epkFromSpki(ephemeralSpki) };
      if (!mode.kwBytes) return finish(header, Buffer.alloc(0), derived);
      const cek = randomBytes(enc.keyBytes);
      const encryptedKey = aesKeyWrap(derived, cek);
      derived.fill(0);
      return finish(header, encryptedKey, cek);
    }
  }
}
