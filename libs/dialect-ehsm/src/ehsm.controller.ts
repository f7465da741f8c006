import { Body, Controller, Get, HttpCode, Inject, Post, Query, UseGuards } from '@nestjs/common';
import { KeyOperations, QuotePolicyService, invalidArgument, Sealer, SecretService, TenantService } from '@kms/core';
import { Ctx } from '@kms/dialect-kit';
import { ACTIONS, actionName } from './actions';
import { EhsmCallerGuard } from './caller-guard';
import { type EhsmCaller, signedPayloadOf } from './signed-request-guard';
import { type EhsmReply, EhsmFailure, MSG } from './envelope';
import { EHSM_OPTIONS, type EhsmDialectOptions } from './options';
import { UNAUTHENTICATED } from './unauthenticated';

/**
 * eHSM-KMS speaks one URL, `/ehsm?Action=<Name>` (and `/ehsm/`, via ignoreTrailingSlash): GET
 * for the two unauthenticated calls, POST with a signed JSON body for everything else. The HTTP
 * status is always 200; the body's `code` carries the outcome (EhsmErrorCodec writes refusals).
 */
@Controller('ehsm')
@UseGuards(EhsmCallerGuard)
export class EhsmController {
  private readonly importTokenKey: Buffer;

  constructor(
    private readonly keys: KeyOperations,
    private readonly tenants: TenantService,
    private readonly secrets: SecretService,
    private readonly quotePolicies: QuotePolicyService,
    sealer: Sealer,
    @Inject(EHSM_OPTIONS) private readonly options: EhsmDialectOptions,
  ) {
    this.importTokenKey = sealer.derive('ehsm/byok-import-token');
  }

  /** The guard lets through only the unauthenticated actions: a GET has no body to sign. */
  @Get()
  @HttpCode(200)
  async get(@Query('Action') action: unknown): Promise<EhsmReply> {
    const name = actionName(action);
    const serve = Object.hasOwn(UNAUTHENTICATED, name) ? UNAUTHENTICATED[name] : undefined;
    if (!serve) throw new EhsmFailure(404, MSG.notFound);
    return serve(this.tenants, this.options);
  }

  @Post()
  @HttpCode(200)
  async post(@Query('Action') rawAction: unknown, @Body() body: unknown, @Ctx() caller: EhsmCaller): Promise<EhsmReply> {
    const action = actionName(rawAction);
    const handler = Object.hasOwn(ACTIONS, action) ? ACTIONS[action] : undefined;
    try {
      if (!handler) throw new EhsmFailure(404, MSG.notFound);
      return await handler({
        op: caller,
        keys: this.keys,
        payload: signedPayloadOf(body),
        action,
        secrets: this.secrets,
        quotePolicies: this.quotePolicies,
        importTokenKey: this.importTokenKey,
      });
    } catch (err) {
      // The dialect's own refusal of an authenticated call (a key of the wrong kind, a bad field)
      // gets its audit row here; one that came from a core call has its row already.
      if (err instanceof EhsmFailure && !err.audited) await this.keys.refusal(caller, action.slice(0, 48) || 'unknown-action', invalidArgument(err.message));
      throw err;
    }
  }
}
