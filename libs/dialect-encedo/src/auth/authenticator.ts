import type { TenantService } from '@kms/core';
import { hem } from '../hem-status';
import type { TokenIssuer } from './token';

/** Who a bearer token speaks for: the tenant its user belongs to, and the one scope it holds. */
export interface Caller {
  tenantId: string;
  /** The user's X25519 public key (base64), as the audit principal. */
  principal: string;
  scope: string;
}

/**
 * `Authorization: Bearer <token>` → Caller, or 401 (missing, bad, expired, or the user's
 * credential revoked since: the user is resolved again on every request, through the tenant
 * service's cache). Only role U exists here: the gateway registers no Master key.
 */
export class Authenticator {
  constructor(
    private readonly tokens: TokenIssuer,
    private readonly tenants: TenantService,
  ) {}

  async caller(authorization: string | undefined): Promise<Caller> {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
    if (!m) throw hem(401, 'no bearer token');
    const claims = await this.tokens.verify(m[1]);
    if (!claims || claims.sub !== 'U') throw hem(401, 'bad token');
    const user = await this.tenants.resolve('encedo-user', claims.usr);
    if (!user) throw hem(401, 'unknown user');
    return { tenantId: user.tenantId, principal: claims.usr, scope: claims.scope };
  }
}
