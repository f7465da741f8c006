import { possibleMechanisms, specsNeverHeld } from '@kms/backend-pkcs11';
import { TEST_BACKEND } from './server';

/**
 * What the backend under test (KMS_TEST_BACKEND, see server.ts) can do, for the dialect suites.
 * In the pkcs11 run every new key goes to SoftHSM2 with no fallback, so a spec the token cannot
 * hold, or an operation the backend cannot do on a key it holds, must answer the dialect's own
 * "unsupported" error. The suites assert that answer instead of success (never skip), record it
 * with noteRefusal(), and end with a test stating exactly which refusals they met.
 */
export const ON_PKCS11 = TEST_BACKEND === 'pkcs11';

/**
 * Canonical specs the pkcs11 backend never holds, and why: the families its key-family table has
 * no row for (libs/backend-pkcs11/src/key-families.ts). SoftHSM2 holds everything else the table
 * has (each curve, RSA, AES, generic secrets): test/pkcs11/gateway.e2e.ts checks that the
 * capability matrix the gateway computes from the token lacks exactly these.
 */
export const NOT_ON_SOFTHSM: Readonly<Record<string, string>> = specsNeverHeld();

/** True when keys of `spec` are made on the backend under test; false when it must refuse them. */
export function backendHolds(spec: string): boolean {
  return !ON_PKCS11 || !(spec in NOT_ON_SOFTHSM);
}

const PKCS11_MECHANISMS = new Set(possibleMechanisms());

/**
 * Why the pkcs11 backend refuses `op` on a key it holds (null: it does not refuse): the operation is
 * not among the mechanisms its table can ever perform (AES-CBC/ECB/CTR, composite AES-CBC-HMAC,
 * HMAC with SHA-3, Ed25519ph / Ed25519ctx as `EdDSA-ph` / `EdDSA-ctx`...). Operations are named as
 * in the canonical algorithms.
 */
export function pkcs11Refuses(op: string): string | null {
  return PKCS11_MECHANISMS.has(op) ? null : `${op} is not among the pkcs11 backend's mechanisms`;
}

/** pkcs11Refuses() for the backend under test; the spec names the key the suite uses (for the reader). */
export function refusedOperation(_spec: string, op: string): string | null {
  return ON_PKCS11 ? pkcs11Refuses(op) : null;
}

const seen = new Map<string, string>();

/** Records a refusal the suite asserted (`what` in the dialect's words), with the reason. */
export function noteRefusal(what: string, why: string): void {
  seen.set(what, why);
}

/** The refusals recorded so far in this test file, sorted. */
export function refusalsSeen(): string[] {
  return [...seen.keys()].sort();
}

/** A suite's closing check: on pkcs11 exactly `expected` were refused (sorted compare), on soft none. */
export function describeRefusals(expected: string[]): void {
  describe(`backend under test: ${TEST_BACKEND}`, () => {
    it(ON_PKCS11 ? `refused as unsupported (SoftHSM2): ${[...expected].sort().join(', ')}` : 'refused nothing', () => {
      expect(refusalsSeen()).toEqual(ON_PKCS11 ? [...expected].sort() : []);
    });
  });
}
