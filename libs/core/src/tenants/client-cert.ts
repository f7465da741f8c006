import type { X509Certificate } from 'node:crypto';

/**
 * A TLS client certificate as a tenant's credential (kind `tls-client-cert`): looked up by the
 * SHA-256 of its DER encoding, so a certificate re-issued for the same key is a new credential,
 * and revoking one certificate leaves its successors alone.
 */
export function clientCertLookup(cert: X509Certificate): string {
  return cert.fingerprint256.replace(/:/g, '').toLowerCase();
}

/** A SHA-256 fingerprint as an operator pastes it (OpenSSL's colons, either case) in lookup form; null when it is not one. */
export function fingerprintLookup(text: string): string | null {
  const hex = text.trim().replace(/:/g, '').toLowerCase();
  return /^[0-9a-f]{64}$/.test(hex) ? hex : null;
}
