import { createPublicKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Inject, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { createLocalJWKSet, jwtVerify, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose';
import { TenantService, hashToken, type OpContext } from '@kms/core';
import { CallerGuard, verifiedClientCert } from '@kms/dialect-kit';
import { JoseError } from './errors';
import { JOSE_OPTIONS, type JoseDialectOptions } from './options';

const unauthorized = (d = 'Missing or invalid bearer token') => new JoseError('unauthorized', d);

/**
 * Bearer authentication mapped to a tenant: an opaque API token issued by the admin CLI (looked up
 * by its SHA-256, cached), or a JWT from a configured issuer checked with `jose` (signature,
 * expiry, issuer, audience), whose tenant claim names the tenant. Without an Authorization header,
 * a TLS client certificate the client CA verified and the admin CLI mapped to a tenant
 * authenticates instead, as Cosmian's server accepts one. A presented token decides alone: a bad
 * one is refused even over a mapped certificate, so a client never silently acts as another
 * principal than the one it named. `auth: none` maps every request to the default tenant, for
 * local development only.
 */
@Injectable()
export class JoseGuard extends CallerGuard {
  private readonly jwtKey: KeyObject | JWTVerifyGetKey | null;
  private defaultTenantId: Promise<string> | null = null;
  private readonly tenantByClaim = new Map<string, string>();

  constructor(
    @Inject(JOSE_OPTIONS) private readonly opts: JoseDialectOptions,
    private readonly tenants: TenantService,
  ) {
    super();
    this.jwtKey = opts.jwt ? loadIssuerKey(opts.jwt.keysFile) : null;
  }

  protected async authenticate(req: FastifyRequest): Promise<OpContext> {
    if (this.opts.auth === 'none') return { tenantId: await this.defaultTenant(), dialect: 'jose', principal: 'no-auth' };
    const header = req.headers.authorization;
    if (header === undefined) return this.fromClientCert(req);
    if (!/^Bearer\s+\S+$/i.test(header)) throw unauthorized();
    const token = header.replace(/^Bearer\s+/i, '');
    if (this.jwtKey && !token.startsWith('kgw_') && token.split('.').length === 3) return this.fromJwt(token);
    const cred = await this.tenants.resolve('jose-token', hashToken(token));
    if (!cred) throw unauthorized();
    return { tenantId: cred.tenantId, dialect: 'jose', principal: cred.credentialId };
  }

  private async fromClientCert(req: FastifyRequest): Promise<OpContext> {
    const lookup = verifiedClientCert(req.raw);
    const cred = lookup === null ? null : await this.tenants.resolve('tls-client-cert', lookup);
    if (!cred) throw unauthorized();
    return { tenantId: cred.tenantId, dialect: 'jose', principal: cred.credentialId };
  }

  private async fromJwt(token: string): Promise<OpContext> {
    const jwt = this.opts.jwt!;
    let payload: Record<string, unknown>;
    try {
      const key = this.jwtKey as KeyObject & JWTVerifyGetKey;
      ({ payload } = await jwtVerify(token, key, { issuer: jwt.issuer, audience: jwt.audience }));
    } catch {
      throw unauthorized('Invalid or expired token');
    }
    const claim = payload[jwt.tenantClaim];
    if (typeof claim !== 'string' || !claim) throw unauthorized(`The token has no '${jwt.tenantClaim}' claim`);
    let tenantId = this.tenantByClaim.get(claim);
    if (!tenantId) {
      const tenant = await this.tenants.findTenant(claim);
      if (!tenant) throw unauthorized('Unknown tenant');
      tenantId = tenant.id;
      this.tenantByClaim.set(claim, tenantId);
    }
    return { tenantId, dialect: 'jose', principal: typeof payload.sub === 'string' ? `jwt:${payload.sub}`.slice(0, 128) : 'jwt' };
  }

  private defaultTenant(): Promise<string> {
    this.defaultTenantId ??= (async () => {
      const name = this.opts.defaultTenant;
      const found = await this.tenants.findTenant(name);
      if (found) return found.id;
      try {
        return (await this.tenants.createTenant(name)).id;
      } catch {
        // Another replica created it meanwhile.
        return (await this.tenants.requireTenant(name)).id;
      }
    })().catch((err) => {
      this.defaultTenantId = null;
      throw err;
    });
    return this.defaultTenantId;
  }
}

/** A JWKS document or a PEM public key, read once at start-up. */
function loadIssuerKey(file: string): KeyObject | JWTVerifyGetKey {
  const text = readFileSync(file, 'utf8');
  if (text.includes('-----BEGIN')) return createPublicKey(text);
  return createLocalJWKSet(JSON.parse(text) as JSONWebKeySet);
}
