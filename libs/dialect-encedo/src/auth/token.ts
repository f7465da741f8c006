import { randomBytes } from 'node:crypto';
import { SignJWT, jwtVerify } from 'jose';

/** Our `aud`: a token of this gateway's Encedo dialect, and of nothing else that shares the key. */
export const TOKEN_AUDIENCE = 'kms-gateway/encedo';

/** What a bearer token carries (notes §2.3) plus `usr`, the user's X25519 key, to find the tenant. */
export interface TokenClaims {
  scope: string;
  sub: string;
  usr: string;
  exp: number;
}

/**
 * Bearer tokens: real compact HS256 JWTs `{scope, sub, iat, exp, jti, aud, usr, ctx?}`, since
 * clients decode the payload to read `exp`/`sub` (notes §2.3). Checked with `jose`.
 */
export class TokenIssuer {
  /**
   * Tokens already verified, until their `exp`: every HEM request presents its token twice (the
   * transport hook, then the route) and clients reuse one token per scope for hours, so the HS256
   * check ran twice per request for the same string (bench/ profile). A hit is the same string
   * whose signature and claims were checked; expiry is checked again on every use. Revocation is
   * unaffected: the user is resolved again per request (Authenticator).
   */
  private readonly verified = new Map<string, TokenClaims>();
  private static readonly MAX_VERIFIED = 10000;

  constructor(private readonly key: Buffer) {}

  issue(c: { scope: string; usr: string; iat: number; exp: number; ctx?: string }): Promise<string> {
    const claims: Record<string, unknown> = { scope: c.scope, sub: 'U', usr: c.usr };
    if (c.ctx !== undefined) claims.ctx = c.ctx;
    return new SignJWT(claims)
      .setProtectedHeader({ typ: 'JWT', alg: 'HS256' })
      .setIssuedAt(c.iat)
      .setExpirationTime(c.exp)
      .setJti(randomBytes(16).toString('base64url'))
      .setAudience(TOKEN_AUDIENCE)
      .sign(this.key);
  }

  /** The claims of a valid, unexpired token of ours; null for anything else. */
  async verify(token: string): Promise<TokenClaims | null> {
    const hit = this.verified.get(token);
    if (hit) {
      // jose's rule: expired once `exp` <= now, in whole seconds.
      if (hit.exp > Math.floor(Date.now() / 1000)) return hit;
      this.verified.delete(token);
    }
    const claims = await this.check(token);
    if (claims) {
      if (this.verified.size >= TokenIssuer.MAX_VERIFIED) this.verified.delete(this.verified.keys().next().value as string);
      this.verified.set(token, claims);
    }
    return claims;
  }

  private async check(token: string): Promise<TokenClaims | null> {
    try {
      const { payload } = await jwtVerify(token, this.key, { algorithms: ['HS256'], audience: TOKEN_AUDIENCE, requiredClaims: ['exp', 'scope', 'sub', 'usr'] });
      const { scope, sub, usr, exp } = payload as Record<string, unknown>;
      if (typeof scope !== 'string' || typeof sub !== 'string' || typeof usr !== 'string' || typeof exp !== 'number') return null;
      return { scope, sub, usr, exp };
    } catch {
      return null;
    }
  }
}
