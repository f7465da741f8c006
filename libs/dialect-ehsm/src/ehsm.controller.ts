import { Body, Controller, Get, HttpCode, Inject, Logger, Optional, Post, Query } from '@nestjs/common';
import { KeyOperations, KeyStore, KmsError, QuotePolicyService, Sealer, SecretService, TenantService } from '@kms/core';
import { ACTIONS, ACTION_ALIASES, type ActionContext } from './actions';
import { EhsmAuthenticator } from './auth';
import { EHSM_API_VERSION, enroll } from './enroll';
import { type EhsmReply, EhsmFailure, MSG, fail, ok } from './envelope';
import { kmsErrorReply } from './errors';
import { EHSM_OPTIONS, type EhsmDialectOptions } from './options';
import { REPLAY_GUARD, type ReplayGuard } from './replay-guard';

const DIALECT = 'ehsm';

/**
 * eHSM-KMS speaks one URL, `/ehsm?Action=<Name>` (and `/ehsm/`, via ignoreTrailingSlash): GET
 * for the two unauthenticated calls, POST with a signed JSON body for everything else. The HTTP
 * status is always 200; the body's `code` carries the outcome.
 */
@Controller('ehsm')
export class EhsmController {
  private readonly log = new Logger('ehsm');
  private readonly auth: EhsmAuthenticator;
  private readonly importTokenKey: Buffer;

  constructor(
    private readonly keys: KeyOperations,
    private readonly tenants: TenantService,
    private readonly secrets: SecretService,
    private readonly quotePolicies: QuotePolicyService,
    sealer: Sealer,
    @Inject(REPLAY_GUARD) replay: ReplayGuard,
    @Inject(EHSM_OPTIONS) private readonly options: EhsmDialectOptions,
    @Optional() private readonly keyStore?: KeyStore,
  ) {
    this.auth = new EhsmAuthenticator(tenants, replay);
    this.importTokenKey = sealer.derive('ehsm/byok-import-token');
  }

  @Get()
  @HttpCode(200)
  async get(@Query('Action') action: unknown): Promise<EhsmReply> {
    return this.guard('GET', async () => {
      if (action === 'GetVersion') return ok(EHSM_API_VERSION);
      if (action === 'Enroll') return this.options.enroll === false ? fail(404, MSG.notFound) : enroll(this.tenants);
      // A GET carries no body, so the signed actions fail their first check, as upstream.
      return this.signed(action, undefined);
    });
  }

  @Post()
  @HttpCode(200)
  async post(@Query('Action') action: unknown, @Body() body: unknown): Promise<EhsmReply> {
    // Upstream skips authentication for these two whatever the method, then finds no POST route.
    if (action === 'GetVersion' || action === 'Enroll') return fail(404, MSG.notFound);
    return this.guard('POST', () => this.signed(action, body));
  }

  private async signed(rawAction: unknown, body: unknown): Promise<EhsmReply> {
    const named = typeof rawAction === 'string' ? rawAction : '';
    const action = ACTION_ALIASES[named] ?? named;
    const caller = await this.auth.authenticate(action, body);
    const handler = Object.hasOwn(ACTIONS, action) ? ACTIONS[action] : undefined;
    if (!handler) return fail(404, MSG.notFound);
    const ctx: ActionContext = {
      op: { tenantId: caller.tenantId, dialect: DIALECT, principal: caller.appid },
      keys: this.keys,
      payload: caller.payload ?? {},
      keyOwner: (id) => this.keyOwner(id),
      action,
      secrets: this.secrets,
      quotePolicies: this.quotePolicies,
      importTokenKey: this.importTokenKey,
    };
    try {
      return await handler(ctx);
    } catch (err) {
      if (err instanceof KmsError) return kmsErrorReply(action, err.code);
      throw err;
    }
  }

  /** No client mistake becomes an unhandled exception; anything unexpected is logged, never echoed. */
  private async guard(method: string, fn: () => Promise<EhsmReply>): Promise<EhsmReply> {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof EhsmFailure) return err.toReply();
      if (err instanceof KmsError && err.code !== 'INTERNAL') return kmsErrorReply('', err.code);
      // Name and message only: request bodies (plaintext, signatures) stay out of the log.
      this.log.error(`${method} /ehsm failed: ${err instanceof Error ? `${err.name}: ${err.message}` : typeof err}`);
      return fail(500, MSG.internal);
    }
  }

  private async keyOwner(keyId: string): Promise<string | null> {
    if (!this.keyStore) return null;
    const record = await this.keyStore.find(keyId);
    return record && record.state !== 'destroyed' ? record.tenantId : null;
  }
}
