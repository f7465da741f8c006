/** How the JOSE dialect authenticates (settings `KMS_JOSE_*`). */
export interface JoseDialectOptions {
  /** `token`: bearer tokens (admin CLI) or JWTs of a configured issuer; `none`: every request is the default tenant. */
  auth: 'token' | 'none';
  defaultTenant: string;
  jwt?: {
    /** JWKS (JSON) or PEM public key file the issuer signs with. */
    keysFile: string;
    issuer?: string;
    audience?: string;
    /** Claim naming the tenant (by name or id). */
    tenantClaim: string;
  };
}

export const JOSE_OPTIONS = Symbol('JOSE_OPTIONS');
