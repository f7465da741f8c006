/**
 * Bounds the decoder enforces, so that a client cannot make the server allocate, recurse or loop
 * more than a legitimate request needs.
 */
export interface DecodeLimits {
  /** Bytes in a whole message, header included. */
  maxMessageBytes: number;
  /** Structures inside structures; the outermost item is at depth 1. */
  maxDepth: number;
  /** Items directly inside one structure. */
  maxItemsPerStructure: number;
  /** Items in the whole message, the outermost one included. */
  maxItems: number;
  /** Bytes (UTF-8) in one Text String. */
  maxTextBytes: number;
  /** Bytes in one Byte String. */
  maxByteStringBytes: number;
  /** Bytes in one Big Integer value. */
  maxBigIntegerBytes: number;
}

/**
 * Sized for the Baseline Server profile: a Register carrying an RSA-8192 private key in PKCS#8 is
 * a few KiB; the deepest 1.x request (Request Message / Batch Item / Request Payload /
 * Template-Attribute / Attribute / Attribute Value / Name ...) is about 7 levels; an Encrypt of
 * the largest Data a 1 MiB message can carry still fits the Byte String bound.
 */
export const DEFAULT_LIMITS: Readonly<DecodeLimits> = {
  maxMessageBytes: 1 << 20,
  maxDepth: 16,
  maxItemsPerStructure: 4096,
  maxItems: 65536,
  maxTextBytes: 64 << 10,
  maxByteStringBytes: 1 << 20,
  maxBigIntegerBytes: 2048,
};

/**
 * The decoder recurses once per level, so the depth bound is also its stack bound; a bound past
 * this would let a configuration error become a stack overflow on hostile input.
 */
export const MAX_CONFIGURABLE_DEPTH = 256;

/** DEFAULT_LIMITS with the given overrides, each checked to be a positive whole number. */
export function limitsOf(overrides: Partial<DecodeLimits> = {}): DecodeLimits {
  const limits = { ...DEFAULT_LIMITS, ...overrides };
  for (const [name, value] of Object.entries(limits)) {
    if (!Number.isSafeInteger(value) || value < 1) throw new RangeError(`KMIP decode limit ${name} must be a positive integer, not ${String(value)}`);
  }
  if (limits.maxDepth > MAX_CONFIGURABLE_DEPTH) throw new RangeError(`KMIP decode limit maxDepth is at most ${MAX_CONFIGURABLE_DEPTH}`);
  if (limits.maxMessageBytes > 0xffffffff + 8) throw new RangeError('KMIP decode limit maxMessageBytes cannot exceed what a 32-bit length can describe');
  return limits;
}
