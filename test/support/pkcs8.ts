/** DER wrappers for raw RFC 8032 / RFC 7748 keys, so the RFC vectors can be imported as PKCS#8 / SPKI. */
export const ed25519Pkcs8 = (seed: Buffer) => Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed]);
export const x25519Pkcs8 = (k: Buffer) => Buffer.concat([Buffer.from('302e020100300506032b656e04220420', 'hex'), k]);
export const x25519Spki = (u: Buffer) => Buffer.concat([Buffer.from('302a300506032b656e032100', 'hex'), u]);
export const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
