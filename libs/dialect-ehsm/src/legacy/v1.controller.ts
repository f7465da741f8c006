import { Body, Controller, HttpCode, Inject, Logger, Post, Query, type Type } from '@nestjs/common';
import { KeyOperations, KmsError, type OpContext, TenantService, invalidArgument } from '@kms/core';
import { signatureMatches } from '../auth';
import { type EhsmReply, EhsmFailure, MSG, fail, ok } from '../envelope';
import { enroll } from '../enroll';
import { kmsErrorReply } from '../errors';
import { EHSM_OPTIONS, type EhsmDialectOptions } from '../options';
import { REPLAY_GUARD, type ReplayGuard, ReplayGuardFull, replayKey } from '../replay-guard';
import { V1_ACTIONS } from './v1-actions';
import { checkV1Payload } from './v1-rules';

const DIALECT = 'ehsm-v1';
const NOT_FOUND = 'Not Fount'; // sic, ehsm_kms_server.js@1b35bd1
/**
 * The v1 document's validity: 30 minutes either way (v1's code said 10). A replay is refused as
 * long as the timestamp passes, so the guard keeps each request that long (REPLAY_TTL_MS).
 */
export const V1_CLOCK_SKEW_MS = 30 * 60 * 1000;

/** Where v1 words a core refusal differently from the keyid API (errors.ts). */
const V1_WORDING: Record<string, Partial<Record<string, EhsmReply>>> = {
  ExportDataKey: { CRYPTO_FAILURE: fail(400, 'Failed, Please confirm that your parameters are correct.') },
};

const bad = (message: string) => new EhsmFailure(400, message);

/**
 * The v1 (2022-01, `1b35bd1`) eHSM API: stateless CMK blobs that the client keeps, under a
 * configurable prefix. Authentication as v1 did it (nonce := timestamp, signature over
 * {appid, timestamp, payload}, payload always required), minus its bugs: the replay entry is
 * recorded only once the signature verified. Keys live in blobs the core seals (v1-blob.ts) and
 * every operation goes through the core, which audits it (dialect `ehsm-v1`); a refusal of an
 * authenticated call before any key is touched is audited through the core too.
 */
export function legacyV1Controller(path: string): Type<unknown> {
  @Controller(path.replace(/^\/+/, ''))
  class EhsmV1Controller {
    readonly log = new Logger('ehsm-v1');

    constructor(
      readonly tenants: TenantService,
      readonly keys: KeyOperations,
      @Inject(REPLAY_GUARD) readonly replay: ReplayGuard,
      @Inject(EHSM_OPTIONS) readonly options: EhsmDialectOptions,
    ) {}

    @Post()
    @HttpCode(200)
    async post(@Query('Action') action: unknown, @Body() body: unknown): Promise<EhsmReply> {
      const name = typeof action === 'string' ? action : '';
      let op: OpContext | null = null;
      try {
        if (name === 'RA_GET_API_KEY') return await this.enrollTest();
        const caller = await this.authenticate(name, body);
        op = { tenantId: caller.tenantId, dialect: DIALECT, principal: caller.appid };
        const handler = Object.hasOwn(V1_ACTIONS, name) ? V1_ACTIONS[name] : undefined;
        if (!handler) throw new EhsmFailure(404, NOT_FOUND);
        return await handler({ appid: caller.appid, action: name, payload: caller.payload, keys: this.keys, op });
      } catch (err) {
        return this.refuse(op, name, err);
      }
    }

    /** Test enrolment upstream (appid = appkey = a timestamp!); here a real random apikey. */
    async enrollTest(): Promise<EhsmReply> {
      if (this.options.enroll === false) return fail(404, NOT_FOUND);
      const r = await enroll(this.tenants, 'enroll-v1');
      return ok({ appid: r.result.appid, appkey: r.result.apikey }, MSG.nodeOk);
    }

    /**
     * The reply of a failed call. A refusal of an authenticated call that no core operation has
     * audited yet gets its row here (unauthenticated noise has no tenant to file it under); core
     * errors are worded as v1 words them; anything else is a server fault, logged, never echoed.
     */
    async refuse(op: OpContext | null, action: string, err: unknown): Promise<EhsmReply> {
      if (err instanceof EhsmFailure) {
        if (op && !err.audited) await this.keys.refusal(op, `v1-${action}`.slice(0, 48), invalidArgument(err.message));
        return err.toReply();
      }
      if (err instanceof KmsError && err.code !== 'INTERNAL') return V1_WORDING[action]?.[err.code] ?? kmsErrorReply(action, err.code);
      this.log.error(`POST v1 failed: ${err instanceof Error ? `${err.name}: ${err.message}` : typeof err}`);
      return fail(500, MSG.internal);
    }

    async authenticate(action: string, body: unknown): Promise<{ appid: string; tenantId: string; payload: Record<string, unknown> }> {
      const b = (body !== null && typeof body === 'object' ? body : {}) as Record<string, unknown>;
      const { appid, timestamp, sign, payload } = b;
      if (!appid || !timestamp || !sign || !payload) throw bad('Missing required parameters');
      if (typeof appid !== 'string' || typeof timestamp !== 'string' || typeof sign !== 'string' || typeof payload !== 'object') throw bad('param type error');
      if (timestamp.length !== 13) throw bad('Timestamp length error');
      if (!(Math.abs(Date.now() - Number(timestamp)) < V1_CLOCK_SKEW_MS)) throw bad('Timestamp error');
      // v1: the timestamp is the nonce; one request per appid and millisecond.
      const key = replayKey(appid, `v1:${timestamp}`, timestamp);
      if (await this.replay.seen(key)) throw bad("Timestamp can't be repeated in 20 minutes");
      checkV1Payload(action, payload as Record<string, unknown>);
      let cred;
      try {
        cred = await this.tenants.resolve('ehsm-app', appid);
      } catch {
        throw bad('Appid not found');
      }
      if (!cred || !cred.secret) throw bad('Appid not found');
      // The document's samples sign `unquote(urlencode(...))` in their own field order: docs/ehsm.md.
      if (!signatureMatches(cred.secret, { appid, timestamp, payload }, sign, { plusForSpace: true })) throw bad('sign error');
      try {
        // Remembered while the timestamp passes the check above; after that the skew refuses a replay.
        if (!(await this.replay.claim(key, Number(timestamp) + V1_CLOCK_SKEW_MS))) throw bad("Timestamp can't be repeated in 20 minutes");
      } catch (err) {
        if (err instanceof ReplayGuardFull) throw new EhsmFailure(500, MSG.internal);
        throw err;
      }
      return { appid, tenantId: cred.tenantId, payload: payload as Record<string, unknown> };
    }
  }
  return EhsmV1Controller;
}
