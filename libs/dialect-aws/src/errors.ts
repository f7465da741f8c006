import { KmsError, type KmsErrorCode } from '@kms/core';

/** The exception names AWS KMS documents, which every SDK turns into its typed errors. */
export type AwsExceptionType =
  | 'AlreadyExistsException'
  | 'DisabledException'
  | 'DryRunOperationException'
  | 'IncorrectKeyException'
  | 'IncompleteSignatureException'
  | 'InvalidAliasNameException'
  | 'InvalidArnException'
  | 'InvalidCiphertextException'
  | 'InvalidImportTokenException'
  | 'InvalidKeyUsageException'
  | 'InvalidMarkerException'
  | 'InvalidSignatureException'
  | 'KMSInternalException'
  | 'KMSInvalidMacException'
  | 'KMSInvalidSignatureException'
  | 'KMSInvalidStateException'
  | 'KeyUnavailableException'
  | 'LimitExceededException'
  | 'MissingAuthenticationTokenException'
  | 'NotFoundException'
  | 'SerializationException'
  | 'TagException'
  | 'UnknownOperationException'
  | 'UnrecognizedClientException'
  | 'UnsupportedOperationException'
  | 'ExpiredImportTokenException'
  | 'IncorrectKeyMaterialException'
  | 'ValidationException';

/** AWS answers almost every refusal with 400; these are the exceptions. */
const STATUS: Partial<Record<AwsExceptionType, number>> = {
  KMSInternalException: 500,
  MissingAuthenticationTokenException: 403,
  KeyUnavailableException: 500,
  DryRunOperationException: 412,
};

/** A refusal in AWS's terms: `{"__type": type, "message": ...}` with AWS's status. */
export class AwsError extends Error {
  /** Set once the core wrote this refusal's audit row (it came from a core operation). */
  audited = false;
  constructor(
    readonly type: AwsExceptionType,
    message: string,
  ) {
    super(message);
    this.name = 'AwsError';
  }

  get status(): number {
    return STATUS[this.type] ?? 400;
  }
}

export const validation = (message: string) => new AwsError('ValidationException', message);

/**
 * The core's words for a disabled key: DisabledException. Not "the key is disabled, not pending
 * deletion" (CancelKeyDeletion of a key with nothing to cancel), which is a state error.
 */
const DISABLED = /^the key is disabled$/;

/**
 * What each canonical failure is in AWS's words. Wrong states split by state: a disabled key is
 * DisabledException, anything else (pending deletion or import) KMSInvalidStateException. A
 * failed tag is InvalidCiphertextException, unless the operation says otherwise (a MAC that does
 * not match is KMSInvalidMacException).
 */
const BY_CODE: Record<KmsErrorCode, (err: KmsError) => AwsExceptionType> = {
  INVALID_ARGUMENT: () => 'ValidationException',
  UNAUTHENTICATED: () => 'UnrecognizedClientException',
  FORBIDDEN: (err) => (/usage/.test(err.message) ? 'InvalidKeyUsageException' : 'NotFoundException'),
  NOT_FOUND: () => 'NotFoundException',
  ALREADY_EXISTS: () => 'AlreadyExistsException',
  WRONG_KEY_STATE: (err) => (DISABLED.test(err.message) ? 'DisabledException' : 'KMSInvalidStateException'),
  UNSUPPORTED: () => 'UnsupportedOperationException',
  CRYPTO_FAILURE: () => 'InvalidCiphertextException',
  INTERNAL: () => 'KMSInternalException',
};

export function toAwsError(err: unknown): AwsError {
  if (err instanceof AwsError) return err;
  if (err instanceof KmsError) {
    const out = new AwsError(BY_CODE[err.code](err), err.code === 'INTERNAL' ? 'An internal error occurred.' : awsMessage(err));
    out.audited = true;
    return out;
  }
  const status = (err as { statusCode?: number } | null)?.statusCode;
  if (status === 413) return new AwsError('ValidationException', 'Request body is too large.');
  if (status !== undefined && status >= 400 && status < 500) return new AwsError('SerializationException', 'The request body could not be parsed.');
  return new AwsError('KMSInternalException', 'An internal error occurred.');
}

/** The core's message, with AWS's phrasing for the states a client branches on. */
function awsMessage(err: KmsError): string {
  if (err.code === 'NOT_FOUND') return err.message === 'key not found' ? 'Key does not exist.' : err.message;
  if (err.code === 'WRONG_KEY_STATE') {
    if (DISABLED.test(err.message)) return 'The key is disabled.';
    if (/^the key is pending[ _]deletion$/.test(err.message)) return 'The key is pending deletion.';
    if (/^the key is pending[ _]import$/.test(err.message)) return 'The key is pending import.';
  }
  return err.message;
}
