import type { KeyRecord } from '@kms/core';

/**
 * JOSE names the public half of a generated pair `<uuid>_pk` (as the vendor does); both halves
 * are one canonical key, so the suffix only limits what the id may be used for.
 */
const PUBLIC_SUFFIX = '_pk';

export function parseKid(kid: string): { id: string; publicOnly: boolean } {
  return kid.endsWith(PUBLIC_SUFFIX) ? { id: kid.slice(0, -PUBLIC_SUFFIX.length), publicOnly: true } : { id: kid, publicOnly: false };
}

/** The public kid of an asymmetric key made here (or by another dialect); imports have none. */
export function publicKidOf(record: KeyRecord): string | null {
  return record.keyClass === 'private' && record.origin === 'generated' ? `${record.id}${PUBLIC_SUFFIX}` : null;
}
