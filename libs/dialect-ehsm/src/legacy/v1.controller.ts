import { Body, Controller, HttpCode, Inject, Post, Query, Req, type Type, UseGuards } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { KeyOperations, TenantService, invalidArgument } from '@kms/core';
import { callerOf } from '@kms/dialect-kit';
import { type EhsmCaller, signedPayloadOf } from '../signed-request-guard';
import { type EhsmReply, EhsmFailure, MSG, fail, ok } from '../envelope';
import { EHSM_OPTIONS, type EhsmDialectOptions } from '../options';
import { enroll } from '../unauthenticated';
import { V1_ACTIONS } from './v1-actions';
import { V1CallerGuard, V1_ENROLL } from './v1-caller-guard';

const NOT_FOUND = 'Not Fount'; // sic, ehsm_kms_server.js@1b35bd1

/**
 * The v1 (2022-01, `1b35bd1`) eHSM API: stateless CMK blobs that the client keeps, under a
 * configurable prefix, authenticated by V1CallerGuard. Keys live in blobs the core seals
 * (v1-blob.ts) and every operation goes through the core, which audits it (dialect `ehsm-v1`); a
 * refusal of an authenticated call before any key is touched is audited through the core too.
 * Refusals reach the wire through the dialect's error codec, as on `/ehsm`.
 */
export function legacyV1Controller(path: string): Type<unknown> {
  @Controller(path.replace(/^\/+/, ''))
  @UseGuards(V1CallerGuard)
  class EhsmV1Controller {
    constructor(
      readonly tenants: TenantService,
      readonly keys: KeyOperations,
      @Inject(EHSM_OPTIONS) readonly options: EhsmDialectOptions,
    ) {}

    @Post()
    @HttpCode(200)
    async post(@Query('Action') action: unknown, @Body() body: unknown, @Req() req: FastifyRequest): Promise<EhsmReply> {
      // The unauthenticated action shares the route, so the caller is read only past it.
      if (action === V1_ENROLL) return this.enrollTest();
      return this.dispatch(typeof action === 'string' ? action : '', signedPayloadOf(body), callerOf<EhsmCaller>(req));
    }

    /** Test enrolment upstream (appid = appkey = a timestamp!); here a real random apikey. */
    async enrollTest(): Promise<EhsmReply> {
      if (this.options.enroll === false) return fail(404, NOT_FOUND);
      const r = await enroll(this.tenants, 'enroll-v1');
      return ok({ appid: r.result.appid, appkey: r.result.apikey }, MSG.nodeOk);
    }

    /**
     * A refusal of the authenticated call that no core operation has audited yet gets its row here
     * (unauthenticated noise, refused by the guard, has no tenant to file it under).
     */
    async dispatch(action: string, payload: Record<string, unknown>, op: EhsmCaller): Promise<EhsmReply> {
      try {
        const handler = Object.hasOwn(V1_ACTIONS, action) ? V1_ACTIONS[action] : undefined;
        if (!handler) throw new EhsmFailure(404, NOT_FOUND);
        return await handler({ action, payload, keys: this.keys, op });
      } catch (err) {
        if (err instanceof EhsmFailure && !err.audited) await this.keys.refusal(op, `v1-${action}`.slice(0, 48), invalidArgument(err.message));
        throw err;
      }
    }
  }
  return EhsmV1Controller;
}
