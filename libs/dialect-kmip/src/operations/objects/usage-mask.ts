import type { KeyUsage } from '@kms/core';
import { KmipFailure } from '../operation';

/** Cryptographic Usage Mask bits (KMIP 1.4 section 9.1.3.3.1) this server maps. */
export const MASK = {
  Sign: 0x1,
  Verify: 0x2,
  Encrypt: 0x4,
  Decrypt: 0x8,
  'Wrap Key': 0x10,
  'Unwrap Key': 0x20,
  Export: 0x40,
  'MAC Generate': 0x80,
  'MAC Verify': 0x100,
  'Derive Key': 0x200,
  'Key Agreement': 0x800,
} as const;

/**
 * THE table between the mask and the core's usages. The core has one `mac` usage for both MAC
 * bits and one `derive` for Derive Key and Key Agreement; the Export bit is no usage but the
 * key's `exportable` flag (docs/kmip.md).
 */
const USAGE_BITS: Readonly<Record<KeyUsage, number>> = {
  sign: MASK.Sign,
  verify: MASK.Verify,
  encrypt: MASK.Encrypt,
  decrypt: MASK.Decrypt,
  wrap: MASK['Wrap Key'],
  unwrap: MASK['Unwrap Key'],
  mac: MASK['MAC Generate'] | MASK['MAC Verify'],
  derive: MASK['Derive Key'] | MASK['Key Agreement'],
};

const KNOWN = Object.values(MASK).reduce((a, b) => a | b, 0);

export function maskOf(usages: readonly KeyUsage[], exportable: boolean): number {
  return usages.reduce((m, u) => m | USAGE_BITS[u], exportable ? MASK.Export : 0);
}

/** The core usages and exportability a mask asks for; a bit with no meaning here is refused, not dropped. */
export function usagesOf(mask: number): { usages: KeyUsage[]; exportable: boolean } {
  const unknown = mask & ~KNOWN;
  if (unknown !== 0) throw new KmipFailure('Invalid Field', `Cryptographic Usage Mask bits 0x${unknown.toString(16)} are not served (docs/kmip.md lists the mapped bits)`);
  const usages = (Object.entries(USAGE_BITS) as [KeyUsage, number][]).filter(([, bits]) => (mask & bits) !== 0).map(([u]) => u);
  return { usages, exportable: (mask & MASK.Export) !== 0 };
}
