import { Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { EhsmFailure, MSG } from '../envelope';
import { replayKey } from '../replay-ledger';
import { signatureMatches } from '../signature';
import { type EhsmCaller, SignedRequestGuard, rawActionOf } from '../signed-request-guard';
import { checkV1Payload } from './v1-rules';

/**
 * The v1 document's validity: 30 minutes either way (v1's code said 10). A replay is refused as
 * long as the timestamp passes, so the ledger keeps each request that long (REPLAY_TTL_MS).
 */
export const V1_CLOCK_SKEW_MS = 30 * 60 * 1000;
const TIMESTAMP_LENGTH = 13;

/** v1's test enrolment, its one action served without a signature. */
export const V1_ENROLL = 'RA_GET_API_KEY';

const bad = (message: string) => new EhsmFailure(400, message);

/**
 * Authentication as v1 (`1b35bd1`) did it: nonce := timestamp, signature over {appid, timestamp,
 * payload}, payload always required and validated before the appid is looked up; minus its bugs:
 * the replay entry is recorded only once the signature verified.
 */
@Injectable()
export class V1CallerGuard extends SignedRequestGuard {
  protected unauthenticated(req: FastifyRequest): boolean {
    return rawActionOf(req) === V1_ENROLL;
  }

  protected async authenticate(req: FastifyRequest): Promise<EhsmCaller> {
    const raw = rawActionOf(req);
    const action = typeof raw === 'string' ? raw : '';
    const body = req.body;
    const b = (body !== null && typeof body === 'object' ? body : {}) as Record<string, unknown>;
    const { appid, timestamp, sign, payload } = b;
    if (!appid || !timestamp || !sign || !payload) throw bad(MSG.missingParams);
    if (typeof appid !== 'string' || typeof timestamp !== 'string' || typeof sign !== 'string' || typeof payload !== 'object') throw bad(MSG.paramType);
    if (timestamp.length !== TIMESTAMP_LENGTH) throw bad(MSG.timestampLength);
    if (!(Math.abs(Date.now() - Number(timestamp)) < V1_CLOCK_SKEW_MS)) throw bad(MSG.timestamp);
    // v1: the timestamp is the nonce; one request per appid and millisecond.
    const key = replayKey(appid, `v1:${timestamp}`, timestamp);
    await this.refuseSeen(key);
    checkV1Payload(action, payload as Record<string, unknown>);
    const app = await this.appKey(appid, MSG.unknownAppid);
    // The document's samples sign `unquote(urlencode(...))` in their own field order: docs/ehsm.md.
    if (!signatureMatches(app.secret, { appid, timestamp, payload }, sign, { plusForSpace: true })) throw bad(MSG.signError);
    await this.remember(key, Number(timestamp) + V1_CLOCK_SKEW_MS);
    return { tenantId: app.tenantId, dialect: 'ehsm-v1', principal: appid, appid };
  }
}
