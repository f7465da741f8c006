import { Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { TenantService, hashToken } from '@kms/core';
import { CallerGuard } from '@kms/dialect-kit';
import type { VaultCaller } from './caller';
import { permissionDenied } from './errors';

/** Issued tokens are 48 characters; anything far longer is refused without hashing. */
const MAX_TOKEN = 512;

/**
 * Vault's token authentication: `X-Vault-Token`, else `Authorization: Bearer` (Vault reads them in
 * that order). The token resolves to a tenant by its SHA-256 (cached like every credential); a
 * missing, unknown, revoked or malformed token is Vault's 403 "permission denied", alike.
 */
@Injectable()
export class VaultGuard extends CallerGuard<VaultCaller> {
  constructor(private readonly tenants: TenantService) {
    super();
  }

  protected async authenticate(req: FastifyRequest): Promise<VaultCaller> {
    const token = tokenOf(req);
    if (!token || token.length > MAX_TOKEN || !/^[\x21-\x7e]+$/.test(token)) throw permissionDenied();
    const cred = await this.tenants.resolve('vault-token', hashToken(token));
    if (!cred) throw permissionDenied();
    return { tenantId: cred.tenantId, dialect: 'vault', principal: cred.credentialId, credentialId: cred.credentialId, token };
  }
}

function tokenOf(req: FastifyRequest): string | null {
  const header = req.headers['x-vault-token'];
  if (typeof header === 'string' && header.length) return header.trim();
  const auth = req.headers.authorization;
  const m = typeof auth === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(auth) : null;
  return m ? m[1] : null;
}
