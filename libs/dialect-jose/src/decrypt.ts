import { randomBytes } from 'node:crypto';
import { KmsError, aesKeyUnwrap, type KeyOperations, type KeyRef, type OpContext } from '@kms/core';
import { JWE_ALG, JWE_ENC, JWS, HMAC, ECDH_CURVES, type JweEnc } from './algorithms';
import { b64url, decodeB64url } from './b64url';
import { decryptContent, jweAad } from './content';
import { epkToSpki } from './ecdh-es';
import { badRequest, cryptoFail, decryptionFailed, notFound, unsupportedAlg } from './errors';
import { headerString, parseProtected } from './header';
import { OptionalString, RequiredString } from './fields';
import { checkMadeFor, lookup, type Found } from './lookup';
import { namedVersion, versionRef } from './versions';

/** `POST /v1/crypto/decrypt` body: a flattened JWE, and (beyond the vendor) the key's `kid`. */
export class DecryptDto {
  @RequiredString() protected!: string;
  @RequiredString() iv!: string;
  @RequiredString() ciphertext!: string;
  @RequiredString() tag!: string;
  @OptionalString() encrypted_key?: string | null;
  @OptionalString() aad?: string | null;
  @OptionalString() kid?: string | null;
}

/**
 * `POST /v1/crypto/decrypt` (notes §2.5), checks in the vendor's order. Every path that unwraps a
 * CEK uses implicit rejection: a CEK that fails to unwrap, or has the wrong size, is replaced by a
 * random one, so the only failure a caller ever sees is the one generic `decryption_failed` from
 * the content decryption, whatever was tampered with.
 *
 * Beyond the vendor: a top-level `kid` in the body names the key when the JWE was made elsewhere
 * (its header carries another kid, or none); the header is then only authenticated data.
 */
export async function decrypt(keys: KeyOperations, ctx: OpContext, body: DecryptDto) {
  const { protected: protectedB64, iv: ivB64, ciphertext: ctB64, tag: tagB64 } = body;
  const ekB64 = body.encrypted_key ?? undefined;
  const aadB64 = body.aad ?? undefined;

  const header = parseProtected(protectedB64);
  // Beyond the vendor: a `kid` in the body names the key (JWEs made elsewhere carry other kids, or none).
  const headerKid = headerString(header, 'kid');
  const kid = body.kid ?? headerKid;
  if (kid === undefined) throw badRequest('Protected header is missing `kid` (or give `kid` in the body)');
  const alg = headerString(header, 'alg');
  if (alg === undefined) throw badRequest('Protected header is missing `alg`');
  if (!(alg in JWE_ALG) && !(alg in JWS) && !(alg in HMAC)) throw unsupportedAlg(`Unsupported algorithm '${alg}'`);
  const encName = headerString(header, 'enc');
  if (encName === undefined) throw badRequest('Protected header is missing `enc`');
  const enc = JWE_ENC[encName];
  if (!enc) throw unsupportedAlg(`Unsupported content encryption '${encName}'`);
  const mode = JWE_ALG[alg];
  if (!mode) throw unsupportedAlg(`'${alg}' is not a key management algorithm`);
  const version = namedVersion(header, body.kid, headerKid);
  const aad = () => {
    if (aadB64 !== undefined) decodeB64url(aadB64, 'aad');
    return jweAad(protectedB64, aadB64);
  };
  const ivAndTag = () => {
    const iv = decodeB64url(ivB64, 'iv');
    if (iv.length !== enc.ivBytes) throw badRequest(`The IV must be ${enc.ivBytes} bytes`);
    const tag = decodeB64url(tagB64, 'tag');
    if (tag.length !== enc.tagBytes) throw badRequest(`The tag must be ${enc.tagBytes} bytes`);
    return { iv, tag };
  };
  const answer = (plaintext: Buffer) => ({ kid, data: b64url(plaintext) });

  if (mode.kind === 'dir') {
    if (ekB64 !== undefined && ekB64 !== '') throw badRequest('A `dir` JWE has no `encrypted_key`');
    const iv = decodeB64url(ivB64, 'iv');
    if (iv.length !== enc.ivBytes) throw badRequest(`The IV must be ${enc.ivBytes} bytes`);
    const ciphertext = decodeB64url(ctB64, 'ciphertext');
    const tag = decodeB64url(tagB64, 'tag');
    if (tag.length !== enc.tagBytes) throw badRequest(`The tag must be ${enc.tagBytes} bytes`);
    const additional = aad();
    const key = await lookup(keys, ctx, kid);
    if (!key.info.symmetric || key.publicOnly) throw notFound();
    checkMadeFor(key, enc.core, `dir with ${encName}`, JWE_ENC);
    if (key.info.bits / 8 !== enc.keyBytes) throw cryptoFail(`The key is ${key.info.bits} bits; ${encName} needs ${enc.keyBytes * 8}`);
    return answer(await keys.decrypt(ctx, versionRef(key, version), { alg: enc.core, ciphertext, iv, tag, aad: additional }));
  }

  if (mode.kind !== 'ecdh' && (ekB64 === undefined || ekB64 === '')) throw badRequest(`An ${alg} JWE needs an \`encrypted_key\``);
  const encryptedKey = decodeB64url(ekB64 ?? '', 'encrypted_key');
  decodeB64url(ivB64, 'iv');
  const ciphertext = decodeB64url(ctB64, 'ciphertext');
  decodeB64url(tagB64, 'tag');
  const key = await lookup(keys, ctx, kid);
  const ref = versionRef(key, version);
  if (mode.kind === 'ecdh') {
    const sealed = { encryptedKey, ciphertext, aad, ivAndTag };
    return answer(await ecdhOpen(keys, ctx, key, ref, header, { alg, encName, enc, kwBytes: mode.kwBytes }, sealed));
  }

  let cek: Buffer;
  switch (mode.kind) {
    case 'rsa':
      if (key.info.family !== 'rsa') throw cryptoFail(`${alg} needs an RSA key`);
      cek = await implicitCek(enc, () => keys.asymDecrypt(ctx, ref, { scheme: mode.scheme, hash: mode.hash }, encryptedKey));
      break;
    case 'kw':
      checkMadeFor(key, 'AES-KW', alg, JWE_ENC);
      if (key.info.family !== 'aes' || key.info.bits / 8 !== mode.kekBytes) throw cryptoFail(`${alg} needs a ${mode.kekBytes * 8}-bit AES key`);
      cek = await implicitCek(enc, () => keys.unwrap(ctx, ref, 'AES-KW', encryptedKey));
      break;
  }
  const additional = aad();
  const { iv, tag } = ivAndTag();
  try {
    return answer(decryptContent(enc, cek, iv, ciphertext, tag, additional));
  } catch {
    // The CEK came from a core operation, whose row records this request.
    throw decryptionFailed().afterCoreRow();
  }
}

/** Unwraps the CEK, or substitutes a random one of the right size on any failure. */
async function implicitCek(enc: JweEnc, unwrap: () => Promise<Buffer>): Promise<Buffer> {
  const fallback = randomBytes(enc.keyBytes);
  try {
    const cek = await unwrap();
    return cek.length === enc.keyBytes ? cek : fallback;
  } catch (err) {
    // Only cryptographic failures are hidden; a refused key (state, usage) is still reported.
    if (err instanceof KmsError && err.code !== 'CRYPTO_FAILURE' && err.code !== 'INVALID_ARGUMENT') throw err;
    return fallback;
  }
}

/** The parts of an ECDH-ES JWE its content decryption takes; AAD, IV and tag are checked before the key is used. */
interface SealedContent {
  encryptedKey: Buffer;
  ciphertext: Buffer;
  aad: () => Buffer;
  ivAndTag: () => { iv: Buffer; tag: Buffer };
}

/**
 * ECDH-ES (★): one core operation agrees, derives and, through the check it is handed, opens the
 * content, so that a bare kid tries the key's kept versions newest first (a JWE made for an older
 * version's public half) with one audit row. The derived key is the CEK itself, or the KEK of an
 * AES-KW-wrapped CEK, unwrapped with implicit rejection: every failure, whichever version, is the
 * one `decryption_failed` of a bad tag.
 */
async function ecdhOpen(
  keys: KeyOperations,
  ctx: OpContext,
  key: Found,
  ref: KeyRef,
  header: Record<string, unknown>,
  m: { alg: string; encName: string; enc: JweEnc; kwBytes: number | undefined },
  sealed: SealedContent,
): Promise<Buffer> {
  const { alg, encName, enc, kwBytes } = m;
  if (!(key.info.spec in ECDH_CURVES)) throw cryptoFail(`${alg} needs a P-256, P-384, P-521 or X25519 key`);
  const apu = optionalB64Member(header, 'apu');
  const apv = optionalB64Member(header, 'apv');
  const epk = epkToSpki(header.epk, key.info.spec);
  if (!kwBytes && sealed.encryptedKey.length) throw badRequest('A direct ECDH-ES JWE has no `encrypted_key`');
  const additional = sealed.aad();
  const { iv, tag } = sealed.ivAndTag();
  const kdf = { keyBits: (kwBytes ?? enc.keyBytes) * 8, algorithmId: kwBytes ? alg : encName, partyUInfo: apu, partyVInfo: apv };
  const opens = (derived: Buffer): Buffer => {
    if (!kwBytes) return decryptContent(enc, derived, iv, sealed.ciphertext, tag, additional);
    const cek = implicitUnwrap(enc, derived, sealed.encryptedKey);
    try {
      return decryptContent(enc, cek, iv, sealed.ciphertext, tag, additional);
    } finally {
      cek.fill(0);
    }
  };
  try {
    return await keys.ecdhEsReceive(ctx, ref, epk, kdf, opens);
  } catch (err) {
    // The core's row (ecdh-es-receive, CRYPTO_FAILURE) records this request.
    if (err instanceof KmsError && err.code === 'CRYPTO_FAILURE') throw decryptionFailed().afterCoreRow();
    throw err;
  }
}

/** AES-KW unwrap of the CEK under a derived KEK, or a random CEK of the right size on any failure. */
function implicitUnwrap(enc: JweEnc, kek: Buffer, encryptedKey: Buffer): Buffer {
  try {
    const cek = aesKeyUnwrap(kek, encryptedKey);
    if (cek.length === enc.keyBytes) return cek;
    cek.fill(0);
  } catch {
    // Hidden: the content decryption fails as for a bad tag.
  }
  return randomBytes(enc.keyBytes);
}

function optionalB64Member(header: Record<string, unknown>, member: string): Buffer | undefined {
  const v = headerString(header, member);
  return v === undefined ? undefined : decodeB64url(v, member);
}
