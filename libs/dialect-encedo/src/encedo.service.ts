import { Inject, Injectable } from '@nestjs/common';
import { AuditWriter, KeyOperations, TenantService } from '@kms/core';
import { Authenticator } from './auth/authenticator';
import { ChallengeStore, type Challenges } from './auth/challenges';
import { DeviceIdentity } from './auth/identity';
import { TokenIssuer } from './auth/token';
import { HemCall } from './hem-call';
import { HemStatus } from './hem-status';
import type { LogType } from './log-events';
import { ENCEDO_OPTIONS, type EncedoDialectOptions } from './options';

/** The dialect's per-process state (identity, challenges, token key) and its request entry point. */
@Injectable()
export class EncedoService {
  readonly identity: DeviceIdentity;
  readonly challenges: Challenges;
  readonly tokens: TokenIssuer;
  readonly startedAt = Date.now();
  private readonly auth: Authenticator;

  constructor(
    readonly keys: KeyOperations,
    readonly tenants: TenantService,
    readonly audit: AuditWriter,
    @Inject(ENCEDO_OPTIONS) readonly options: EncedoDialectOptions,
  ) {
    this.identity = new DeviceIdentity(options.identitySeed, options.sessionKey);
    this.challenges = options.challenges ?? new ChallengeStore();
    this.tokens = new TokenIssuer(options.tokenKey);
    this.auth = new Authenticator(this.tokens, tenants);
  }

  /**
   * A token-less search (`allow_keysearch`), as the configured tenant; null when that is off (401).
   * It holds no scope: only the search route accepts it.
   */
  async keysearchCall(op: string): Promise<HemCall | null> {
    const name = this.options.keysearchTenant;
    if (!name) return null;
    const tenant = await this.tenants.findTenant(name);
    if (!tenant) return null;
    return new HemCall({ tenantId: tenant.id, principal: 'allow_keysearch', scope: '' }, this.audit, null, op);
  }

  /** Whether a presented Authorization header carries a valid token of a known user. */
  async bearerValid(authorization: string): Promise<boolean> {
    try {
      await this.auth.caller(authorization);
      return true;
    } catch (err) {
      if (err instanceof HemStatus) return false;
      throw err;
    }
  }

  /** Authenticates (401) and opens the audit context of one request. */
  async call(authorization: string | undefined, type: LogType | null, op: string): Promise<HemCall> {
    return new HemCall(await this.auth.caller(authorization), this.audit, type, op);
  }
}
