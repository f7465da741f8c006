import { Inject, Injectable } from '@nestjs/common';
import { AuditWriter, KeyOperations, TenantService } from '@kms/core';
import { Authenticator } from './auth/authenticator';
import { ChallengeStore } from './auth/challenges';
import { DeviceIdentity } from './auth/identity';
import { TokenIssuer } from './auth/token';
import { HemCall } from './hem-call';
import type { LogType } from './log-events';
import { ENCEDO_OPTIONS, type EncedoDialectOptions } from './options';

/** The dialect's per-process state (identity, challenges, token key) and its request entry point. */
@Injectable()
export class EncedoService {
  readonly identity: DeviceIdentity;
  readonly challenges = new ChallengeStore();
  readonly tokens: TokenIssuer;
  readonly startedAt = Date.now();
  private readonly auth: Authenticator;

  constructor(
    readonly keys: KeyOperations,
    readonly tenants: TenantService,
    readonly audit: AuditWriter,
    @Inject(ENCEDO_OPTIONS) readonly options: EncedoDialectOptions,
  ) {
    this.identity = new DeviceIdentity(options.identitySeed);
    this.tokens = new TokenIssuer(options.tokenKey);
    this.auth = new Authenticator(this.tokens, tenants);
  }

  /** Authenticates (401) and opens the audit context of one request. */
  async call(authorization: string | undefined, type: LogType | null, op: string): Promise<HemCall> {
    return new HemCall(await this.auth.caller(authorization), this.audit, type, op);
  }
}
