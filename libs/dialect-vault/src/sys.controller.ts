import { Controller, Get, HttpCode, Res, UseGuards } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { KeyOperations, TenantService } from '@kms/core';
import { Ctx } from '@kms/dialect-kit';
import type { VaultCaller } from './caller';
import { VaultGuard } from './guard';
import { envelope } from './wire';

/** The Vault API level whose transit engine this dialect answers as (clients read `version`). */
export const VAULT_API_VERSION = '1.17.0';

/**
 * What Vault clients probe before they use an engine: `sys/health` (unauthenticated, as Vault's;
 * always initialized, unsealed and active here) and the token's own `lookup-self`.
 */
@Controller('v1')
export class SysController {
  constructor(
    private readonly tenants: TenantService,
    private readonly keys: KeyOperations,
  ) {}

  @Get('sys/health')
  @HttpCode(200)
  health(@Res({ passthrough: true }) reply: FastifyReply): Record<string, unknown> {
    void reply.header('cache-control', 'no-store');
    return {
      initialized: true,
      sealed: false,
      standby: false,
      performance_standby: false,
      replication_performance_mode: 'disabled',
      replication_dr_mode: 'disabled',
      server_time_utc: Math.floor(Date.now() / 1000),
      version: VAULT_API_VERSION,
      enterprise: false,
      cluster_name: 'kms-gateway',
    };
  }

  /**
   * The presented token, as Vault describes a token: a service token of no expiry and no TTL (it
   * lives until revoked with the admin CLI), its accessor the credential's id.
   */
  @Get('auth/token/lookup-self')
  @UseGuards(VaultGuard)
  async lookupSelf(@Ctx() caller: VaultCaller): Promise<Record<string, unknown>> {
    const [tenant, creds] = await Promise.all([this.tenants.findTenant(caller.tenantId), this.tenants.listCredentials(caller.tenantId)]);
    const cred = creds.find((x) => x.id === caller.credentialId);
    const created = cred ? Math.floor(cred.createdAt / 1000) : 0;
    await this.keys.succeeded(caller, 'token-lookup-self');
    return envelope(
      {
        data: {
          accessor: caller.credentialId,
          creation_time: created,
          creation_ttl: 0,
          display_name: cred?.label ? `token-${cred.label}` : 'token',
          entity_id: '',
          expire_time: null,
          explicit_max_ttl: 0,
          id: caller.token,
          issue_time: new Date(created * 1000).toISOString(),
          meta: { tenant: tenant?.name ?? '' },
          num_uses: 0,
          orphan: true,
          path: 'auth/token/create',
          policies: ['default'],
          renewable: false,
          ttl: 0,
          type: 'service',
        },
      },
      'token',
    );
  }
}
