/**
 * The canonical error set. Every dialect maps these codes to its own wire form; nothing else
 * (no raw exception text) ever reaches a client. Messages are written for clients: they never
 * carry key material, plaintext or internal paths.
 */
export type KmsErrorCode =
  'INVALID_ARGUMENT' | 'UNAUTHENTICATED' | 'FORBIDDEN' | 'NOT_FOUND' | 'ALREADY_EXISTS' | 'WRONG_KEY_STATE' | 'UNSUPPORTED' | 'CRYPTO_FAILURE' | 'INTERNAL';

/**
 * A refusal, not a fault: its stack trace is never logged or sent, so none is captured (an
 * INTERNAL one keeps it). Capturing one costs more than the check
 * that refused, and a trial over key versions makes one per wrong version (about a fifth of the
 * trial's cost in the bench profile).
 */
export class KmsError extends Error {
  readonly code: KmsErrorCode;
  /** Which argument was wrong, when there is one: dialects use it to pick their vendor's message. */
  readonly field?: string;

  constructor(code: KmsErrorCode, message: string, field?: string) {
    const limit = Error.stackTraceLimit;
    // An INTERNAL error is a fault the log should place.
    if (code !== 'INTERNAL') Error.stackTraceLimit = 0;
    try {
      super(message);
    } finally {
      Error.stackTraceLimit = limit;
    }
    this.code = code;
    this.field = field;
    this.name = 'KmsError';
  }
}

export const invalidArgument = (message: string, field?: string) => new KmsError('INVALID_ARGUMENT', message, field);
export const notFound = (message = 'key not found') => new KmsError('NOT_FOUND', message);
export const unsupported = (message: string) => new KmsError('UNSUPPORTED', message);
export const wrongKeyState = (message: string) => new KmsError('WRONG_KEY_STATE', message);
export const forbidden = (message: string) => new KmsError('FORBIDDEN', message);
/** One message for every failed authentication check, so that callers learn nothing from it. */
export const cryptoFailure = (message = 'cryptographic operation failed') => new KmsError('CRYPTO_FAILURE', message);

/** Anything that is not a KmsError is an internal failure; its text stays in the server log. */
export function asKmsError(err: unknown): KmsError {
  return err instanceof KmsError ? err : new KmsError('INTERNAL', 'internal error');
}
