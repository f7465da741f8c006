import { Inject, Injectable } from '@nestjs/common';
import { KeyOperations, TenantService } from '@kms/core';
import { Authenticator } from './auth/authenticator';
import { DIALECT, type HemIdentity } from './auth/caller';
import { ChallengeStore, type Challenges } from './auth/challenges';
import { DeviceIdentity } from './auth/identity';
import { TokenIssuer } from './auth/token';
import { HemError } from './hem-error';
import { ENCEDO_OPTIONS, type EncedoDialectOptions } from './options';

/** The dialect's per-process state (identity, challenges, token key) and who a request speaks for. */
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
    @Inject(ENCEDO_OPTIONS) readonly options: EncedoDialectOptions,
  ) {
    this.identity = new DeviceIdentity(options.identitySeed, options.sessionKey);
    this.challenges = options.challenges ?? new ChallengeStore();
    this.tokens = new TokenIssuer(options.tokenKey);
    this.auth = new Authenticator(this.tokens, tenants);
  }

  /** The bearer token's user and scope, or 401. */
  identify(authorization: string | undefined): Promise<HemIdentity> {
    return this.auth.identify(authorization);
  }

  /**
   * A token-less search (`allow_keysearch`), as the configured tenant; null when that is off (401).
   * It holds no scope: only the search route accepts it.
   */
  async keysearchIdentity(): Promise<HemIdentity | null> {
    const name = this.options.keysearchTenant;
    if (!name) return null;
    const tenant = await this.tenants.findTenant(name);
    if (!tenant) return null;
    return { tenantId: tenant.id, dialect: DIALECT, principal: 'allow_keysearch', credential: { kind: 'keysearch' } };
  }

  /** Whether a presented Authorization header carries a valid token of a known user. */
  async bearerValid(authorization: string): Promise<boolean> {
    try {
      await this.auth.identify(authorization);
      return true;
    } catch (err) {
      if (err instanceof HemError) return false;
      throw err;
    }
  }
}
