import { badRequest } from './errors';

/**
 * Vault's versioned values: `vault:v<N>:<base64>` for ciphertexts, signatures and HMACs, N the
 * core key version that made it. Signatures marshaled as JWS carry base64url instead.
 */
const PREFIX = /^vault:v(\d{1,9}):/;

export const versioned = (version: number, body: string) => `vault:v${version}:${body}`;

export interface Versioned {
  version: number;
  body: string;
}

/** What Vault answers a value without its prefix, per kind ("ciphertext", "signature", "hmac"). */
export function parseVersioned(value: string, what: 'ciphertext' | 'signature' | 'hmac'): Versioned {
  if (!value.startsWith('vault:')) throw badRequest(`invalid ${what}: no prefix`);
  const m = PREFIX.exec(value);
  if (!m) throw badRequest(`invalid ${what}: version number could not be decoded`);
  const version = Number(m[1]);
  if (version < 1) throw badRequest(`invalid ${what}: version number could not be decoded`);
  return { version, body: value.slice(m[0].length) };
}

/** The body of a versioned value as bytes: standard base64, or base64url (JWS-marshaled signatures). */
export function bodyBytes(body: string, what: string, url = false): Buffer {
  const ok = url ? /^[A-Za-z0-9_-]*$/.test(body) : /^[A-Za-z0-9+/]*={0,2}$/.test(body) && body.length % 4 === 0;
  if (!ok) throw badRequest(`invalid ${what}: could not decode base64`);
  return Buffer.from(body, url ? 'base64url' : 'base64');
}
