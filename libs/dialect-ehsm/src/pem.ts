import { createPublicKey } from 'node:crypto';

/**
 * GetPublicKey's PEM as OpenSSL 3's encoder writes it upstream: RSA as PKCS#1
 * (`RSA PUBLIC KEY`, which the Rust SDK requires), EC and SM2 as SPKI; 64-column lines and a
 * trailing newline.
 */
export function publicKeyPem(kind: 'rsa' | 'ec' | 'sm2', spki: Buffer): string {
  if (kind === 'rsa') return createPublicKey({ key: spki, format: 'der', type: 'spki' }).export({ format: 'pem', type: 'pkcs1' }).toString();
  // Wrapped by hand: node:crypto may not parse an SM2 SPKI, and the DER is already what we send.
  const lines = spki.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN PUBLIC KEY-----\n${lines.join('\n')}\n-----END PUBLIC KEY-----\n`;
}
