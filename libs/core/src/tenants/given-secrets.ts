import { UUID_RE } from '../key';

/**
 * The shapes of secrets a caller may hand in (a seed file) instead of having them issued: exactly
 * the shapes the gateway issues, so a given credential is as strong as an issued one and every
 * dialect's client accepts it. Each entry says what it expects in words, for the error message
 * (which never repeats the value).
 */
export const GIVEN_SECRET_FORMATS = {
  /** eHSM appids are UUIDs (Enroll and `credential ehsm` make them so). */
  'ehsm-appid': { re: UUID_RE, expects: 'a lower-case UUID' },
  /** 32 characters of eHSM's apikey alphabet (no 0/O, 1/I/l look-alikes). */
  'ehsm-apikey': { re: /^[0-9A-HJ-NP-Za-km-np-z]{32}$/, expects: '32 characters of 0-9 A-Z a-z without I, O, l and o' },
  /** `kgw_` and 32 random bytes in base64url, as `credential jose` issues them. */
  'jose-token': { re: /^kgw_[A-Za-z0-9_-]{43}$/, expects: '`kgw_` and 43 base64url characters (32 bytes)' },
  /** Vault's service-token form, `hvs.` and 32 random bytes in base64url, as `credential vault` issues them. */
  'vault-token': { re: /^hvs\.[A-Za-z0-9_-]{43}$/, expects: '`hvs.` and 43 base64url characters (32 bytes)' },
  /** AWS's access key id form. */
  'aws-access-key-id': { re: /^AKIA[A-Z2-7]{16}$/, expects: '`AKIA` and 16 characters of A-Z 2-7' },
  /** 40 characters of standard base64 (30 bytes), as AWS's and `credential aws`'s secrets are. */
  'aws-secret-access-key': { re: /^[A-Za-z0-9+/]{40}$/, expects: '40 characters of standard base64 (30 bytes)' },
} as const;

export type GivenSecretFormat = keyof typeof GIVEN_SECRET_FORMATS;

/** Null when `value` has the format, otherwise what was expected (never the value itself). */
export function givenSecretProblem(format: GivenSecretFormat, value: unknown): string | null {
  const f = GIVEN_SECRET_FORMATS[format];
  return typeof value === 'string' && f.re.test(value) ? null : `must be ${f.expects}`;
}
