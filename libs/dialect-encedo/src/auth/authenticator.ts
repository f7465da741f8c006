import type { TenantService } from '@kms/core';
import { hem } from '../hem-error';
import { DIALECT, type HemIdentity } from './caller';
import type { TokenIssuer } from './token';

/**
 * `Authorization: Bearer <token>` → who it speaks for, or 401 (missing, bad, expired, or the
 * user's credential revoked since: the user is resolved again on every request, through the
 * tenant service's cache). Only role U exists here: the gateway registers no Master key.
 */
export class Authenticator {
  constructor(
    private readonly tokens: TokenIssuer,
    private readonly tenants: TenantService,
  ) {}

  async identify(authorization: string | undefined): Promise<HemIdentity> {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
    if (!m) throw hem(401, 'no bearer token');
    const claims = await this.tokens.verify(m[1]);
    if (!claims || claims.sub !== 'U') throw hem(401, 'bad token');
    const user = await this.tenants.resolve('encedo-user', claims.usr);
    if (!user) throw hem(401, 'unknown user');
    // The user's X25519 public key (base64) is the audit principal.
    return { tenantId: user.tenantId, dialect: DIALECT, principal: claims.usr, credential: { kind: 'token', scope: claims.scope } };
  }
}
