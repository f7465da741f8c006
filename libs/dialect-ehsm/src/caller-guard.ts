import { type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { type OpContext, TenantService } from '@kms/core';
import { CallerGuard } from '@kms/dialect-kit';
import { actionName } from './actions';
import { checkPayload } from './checker';
import { EhsmFailure, MSG, badRequest } from './envelope';
import { REPLAY_LEDGER, type ReplayLedger, ReplayLedgerFull, replayKey } from './replay-ledger';
import { signatureMatches } from './signature';
import { isUnauthenticated } from './unauthenticated';

/** ±10 minutes (`MAX_TIME_STAMP_DIFF`); the vendor docs' 30 minutes is not what the server does. */
export const MAX_CLOCK_SKEW_MS = 10 * 60 * 1000;
const TIMESTAMP_LENGTH = 13;
const MAX_NONCE_LENGTH = 64;

/** Actions whose payload is mandatory upstream (`KMS_ACTION.cryptographic` in apis.js). */
const PAYLOAD_REQUIRED = new Set([
  'CreateKey', 'Encrypt', 'Decrypt', 'GenerateDataKey', 'GenerateDataKeyWithoutPlaintext', 'Sign', 'Verify',
  'AsymmetricEncrypt', 'AsymmetricDecrypt', 'ExportDataKey', 'GetPublicKey', 'ImportKeyMaterial', 'GetParametersForImport',
]);

/** An app that signed its request: the tenant it belongs to, and its appid (the audit's principal). */
export interface EhsmCaller extends OpContext {
  principal: string;
  /** v1 blobs are bound to the app that made them. */
  appid: string;
}

/** The signed body's payload, which the guard checked; an absent one reads as empty. */
export function signedPayloadOf(body: unknown): Record<string, unknown> {
  const payload = (body as { payload?: unknown } | null | undefined)?.payload;
  return payload !== null && typeof payload === 'object' ? (payload as Record<string, unknown>) : {};
}

/** The `?Action=` of a request, as sent. */
export const rawActionOf = (req: FastifyRequest): unknown => (req.query as { Action?: unknown } | undefined)?.Action;

/**
 * `_checkParams` of ehsm_kms_service/function.js, check for check and message for message (notes
 * §2.2), minus its bugs: a request is remembered for replay only once its signature verified,
 * keyed on exactly (appid, nonce, timestamp), and an unknown appid never verifies. The payload is
 * validated in the middle of it (after the replay check, before the appid is looked up), as upstream.
 */
@Injectable()
export class EhsmCallerGuard extends CallerGuard<EhsmCaller> {
  constructor(
    private readonly tenants: TenantService,
    @Inject(REPLAY_LEDGER) private readonly replay: ReplayLedger,
  ) {
    super();
  }

  /** GetVersion and Enroll pass with no caller; upstream has no POST route for them. */
  override async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<FastifyRequest>();
    if (!isUnauthenticated(actionName(rawActionOf(req)))) return super.canActivate(context);
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
      if (err instanceof ReplayLedgerFull) throw new EhsmFailure(500, MSG.internal);
      throw err;
    }
    return { tenantId: cred.tenantId, dialect: 'ehsm', principal: appid, appid };
  }
}
