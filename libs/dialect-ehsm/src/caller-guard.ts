import { Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { actionName } from './actions';
import { checkPayload } from './checker';
import { EhsmFailure, MSG, badRequest } from './envelope';
import { replayKey } from './replay-ledger';
import { signatureMatches } from './signature';
import { type EhsmCaller, SignedRequestGuard, rawActionOf } from './signed-request-guard';
import { isUnauthenticated } from './unauthenticated';

/** ±10 minutes (`MAX_TIME_STAMP_DIFF`); the vendor docs' 30 minutes is not what the server does. */
export const MAX_CLOCK_SKEW_MS = 10 * 60 * 1000;
const TIMESTAMP_LENGTH = 13;
const MAX_NONCE_LENGTH = 64;

/** Actions whose payload is mandatory upstream (`KMS_ACTION.cryptographic` in apis.js). */
const PAYLOAD_REQUIRED = new Set([
  'CreateKey',
  'Encrypt',
  'Decrypt',
  'GenerateDataKey',
  'GenerateDataKeyWithoutPlaintext',
  'Sign',
  'Verify',
  'AsymmetricEncrypt',
  'AsymmetricDecrypt',
  'ExportDataKey',
  'GetPublicKey',
  'ImportKeyMaterial',
  'GetParametersForImport',
]);

/**
 * `_checkParams` of ehsm_kms_service/function.js, check for check and message for message (notes
 * §2.2), minus its bugs: a request is remembered for replay only once its signature verified,
 * keyed on exactly (appid, nonce, timestamp), and an unknown appid never verifies. The payload is
 * validated in the middle of it (after the replay check, before the appid is looked up), as upstream.
 */
@Injectable()
export class EhsmCallerGuard extends SignedRequestGuard {
  /** GetVersion and Enroll pass with no caller; upstream has no POST route for them. */
  protected unauthenticated(req: FastifyRequest): boolean {
    if (!isUnauthenticated(actionName(rawActionOf(req)))) return false;
    if (req.method === 'POST') throw new EhsmFailure(404, MSG.notFound);
    return true;
  }

  protected async authenticate(req: FastifyRequest): Promise<EhsmCaller> {
    const action = actionName(rawActionOf(req));
    // A GET carries no body, so the signed actions fail their first check, as upstream.
    const body = req.method === 'POST' ? req.body : undefined;
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
    if (!(Math.abs(Date.now() - Number(timestamp)) < MAX_CLOCK_SKEW_MS)) throw badRequest(MSG.timestamp);
    const key = replayKey(appid, nonce, timestamp);
    await this.refuseSeen(key);

    checkPayload(action, payload);

    const app = await this.appKey(appid, MSG.databaseError);
    if (!signatureMatches(app.secret, { appid, nonce, timestamp, payload }, sign)) throw badRequest(MSG.signError);
    await this.remember(key, Number(timestamp) + MAX_CLOCK_SKEW_MS);
    return { tenantId: app.tenantId, dialect: 'ehsm', principal: appid, appid };
  }
}
