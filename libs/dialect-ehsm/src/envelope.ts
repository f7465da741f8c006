/**
 * eHSM's reply shape. The HTTP status is always 200; only `code` says how it went. We always send
 * `message` (the vendor omits it for an unknown appid, and the Go SDK panics on that) and prefer
 * `result: {}` to `null` on errors, which every client accepts.
 */
export interface EhsmReply {
  code: number;
  message: string;
  result: Record<string, unknown>;
}

/** Exact vendor strings (ehsm_kms_service/*.js and core/App/ffi_operation.cpp at 3454cac). */
export const MSG = {
  /** The enclave's success text, used by the crypto actions. */
  coreOk: 'success!',
  /** The node service's success text, used by key management and Enroll. */
  nodeOk: 'successful',
  missingParams: 'Missing required parameters',
  paramType: 'param type error',
  nonceLength: 'Nonce length error',
  timestampLength: 'Timestamp length error',
  timestamp: 'Timestamp error',
  replay: "Timestamp can't be repeated in 20 minutes",
  signError: 'sign error',
  /** The vendor sends no message here; v1 used this one. */
  unknownAppid: 'Appid not found',
  databaseError: 'database error',
  invalidJson: 'Invalid JSON',
  notFound: 'API Not Found',
  keyidError: 'keyid error',
  appidError: 'appid error',
  keyDisabled: 'keyid is disabled',
  keyExpired: 'keyid expire',
  keyNotFound: 'not find this keyid',
  serverException: 'Server exception.',
  decryptFailed: 'Decryption failed, Please confirm that your parameters are correct.',
  internal: 'Server internal error, please contact the administrator.',
} as const;

export const ok = (result: Record<string, unknown>, message: string = MSG.coreOk): EhsmReply => ({ code: 200, message, result });
export const fail = (code: number, message: string): EhsmReply => ({ code, message, result: {} });

/** Thrown by an action or a check to end the request with this reply. */
export class EhsmFailure extends Error {
  constructor(
    readonly code: number,
    message: string,
    /** The core already audited this refusal (it came from a core call): no second row. */
    readonly audited = false,
  ) {
    super(message);
    this.name = 'EhsmFailure';
  }
  toReply(): EhsmReply {
    return fail(this.code, this.message);
  }
}

export const badRequest = (message: string) => new EhsmFailure(400, message);
export const serverException = () => new EhsmFailure(500, MSG.serverException);
