import { createHmac, timingSafeEqual } from 'node:crypto';
import type { TenantService } from '@kms/core';
import { checkPayload } from './checker';
import { EhsmFailure, MSG, badRequest } from './envelope';
import { type ReplayGuard, ReplayGuardFull, replayKey } from './replay-guard';
import { type AcceptOptions, acceptedSignStrings } from './sign-string';

/** ±10 minutes (`MAX_TIME_STAMP_DIFF`); the vendor docs' 30 minutes is not what the server does. */
export const MAX_CLOCK_SKEW_MS = 10 * 60 * 1000;
const TIMESTAMP_LENGTH = 13;
const MAX_NONCE_LENGTH = 64;

/** Actions whose payload is mandatory upstream (`KMS_ACTION.cryptographic` in apis.js). */
const PAYLOAD_REQUIRED = new Set([
  'CreateKey', 'Encrypt', 'Decrypt', 'GenerateDataKey', 'GenerateDataKeyWithoutPlaintext', 'Sign', 'Verify',
  'AsymmetricEncrypt', 'AsymmetricDecrypt', 'ExportDataKey', 'GetPublicKey', 'ImportKeyMaterial', 'GetParametersForImport',
]);

export interface EhsmCaller {
  appid: string;
  tenantId: string;
  payload: Record<string, unknown> | undefined;
}

/**
 * `_checkParams` of ehsm_kms_service/function.js, check for check and message for message (notes
 * §2.2), minus its bugs: a request is remembered for replay only once its signature verified,
 * keyed on exactly (appid, nonce, timestamp), and an unknown appid never verifies.
 */
export class EhsmAuthenticator {
  constructor(
    private readonly tenants: TenantService,
    private readonly replay: ReplayGuard,
    private readonly now: () => number = Date.now,
  ) {}

  async authenticate(action: string, body: unknown): Promise<EhsmCaller> {
    const b = (body !== null && typeof body === 'object' ? body : {}) as Record<string, unknown>;
    const { appid, nonce, timestamp, sign, payload } = b;
    if (!appid || !timestamp || !sign) throw badRequest(MSG.missingParams);
    if (PAYLOAD_REQUIRED.has(action) && !payload) throw badRequest(MSG.missingParams);
    if (typeof appid !== 'string' || typeof timestamp !== 'string' || typeof sign !== 'string' || (payload && typeof payload !== 'object')) {
      throw badRequest(MSG.paramType);
    }
    // Upstream reads `.length` whatever the type: a numeric nonce (the Rust SDK) has none and passes.
    const nonceLength = (nonce as { length?: unknown } | null | undefined)?.length;
    if (typeof nonceLength === 'number' && nonceLength > MAX_NONCE_LENGTH) throw badRequest(MSG.nonceLength);
    if (timestamp.length !== TIMESTAMP_LENGTH) throw badRequest(MSG.timestampLength);
    // Number() as JavaScript's `now - timestamp` coerces: anything non-numeric is NaN and fails.
    if (!(Math.abs(this.now() - Number(timestamp)) < MAX_CLOCK_SKEW_MS)) throw badRequest(MSG.timestamp);
    const key = replayKey(appid, nonce, timestamp);
    if (await this.replay.seen(key)) throw badRequest(MSG.replay);

    checkPayload(action, payload);

    let cred;
    try {
      cred = await this.tenants.resolve('ehsm-app', appid);
    } catch {
      throw badRequest(MSG.databaseError);
    }
    if (!cred || !cred.secret) throw badRequest(MSG.unknownAppid);
    if (!signatureMatches(cred.secret, { appid, nonce, timestamp, payload }, sign)) throw badRequest(MSG.signError);
    try {
      // Remembered while the timestamp passes the check above; after that the skew refuses a replay.
      if (!(await this.replay.claim(key, Number(timestamp) + MAX_CLOCK_SKEW_MS))) throw badRequest(MSG.replay);
    } catch (err) {
      if (err instanceof ReplayGuardFull) throw new EhsmFailure(500, MSG.internal);
      throw err;
    }
    return { appid, tenantId: cred.tenantId, payload: payload as Record<string, unknown> | undefined };
  }
}

/**
 * Whether `sign` is the base64 HMAC-SHA256 under the app's apikey of one of the strings a client
 * may have signed for these params (sign-string.ts), as sent or upper-cased: the vendor documents
 * tell clients to upper-case it (a 2022 leftover).
 */
export function signatureMatches(secret: string | Buffer, params: Record<string, unknown>, sign: string, opts: AcceptOptions = {}): boolean {
  return acceptedSignStrings(params, opts).some((text) => {
    const expected = createHmac('sha256', secret).update(text, 'utf8').digest('base64');
    return sameText(sign, expected) || sameText(sign, expected.toUpperCase());
  });
}

/** Constant time for equal lengths; the length of a base64 HMAC-SHA256 is public (44). */
function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}
