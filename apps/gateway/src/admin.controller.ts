import { Controller, Get, Headers, HttpException, Inject } from '@nestjs/common';
import { createHash, timingSafeEqual } from 'node:crypto';
import { BackendRouter } from '@kms/core';
import { healthOf } from './backend-status';
import { ADMIN_TOKEN } from './core.module';

/**
 * Admin HTTP routes, behind KMS_ADMIN_TOKEN (a bearer token from the configuration only). Without
 * a configured token the routes do not exist (404, as any unknown path); with one, a request
 * without the right `Authorization: Bearer <token>` gets 401. The comparison runs in constant time
 * over SHA-256 digests, so neither the token's content nor its length leaks through timing.
 */
@Controller()
export class AdminController {
  private readonly digest: Buffer | null;

  constructor(
    private readonly router: BackendRouter,
    @Inject(ADMIN_TOKEN) token: string | null,
  ) {
    this.digest = token ? sha256(token) : null;
  }

  /** Each backend, its health and the capability matrix it computed, and the routing in force. */
  @Get('backends')
  async backends(@Headers('authorization') authorization: string | undefined) {
    this.authorize(authorization);
    const backends = [];
    for (const b of this.router.all()) {
      const detail = (b as { describe?: () => string[] }).describe?.();
      backends.push({ name: b.name, health: await healthOf(b), capabilities: b.capabilities(), ...(detail ? { mechanisms: detail } : {}) });
    }
    return { backends, routing: this.router.routing() };
  }

  private authorize(header: string | undefined): void {
    if (!this.digest) throw new HttpException({ statusCode: 404, message: 'Not Found' }, 404);
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
    if (!m || !timingSafeEqual(sha256(m[1]), this.digest)) {
      throw new HttpException({ statusCode: 401, message: 'admin bearer token required' }, 401);
    }
  }
}

function sha256(s: string): Buffer {
  return createHash('sha256').update(s, 'utf8').digest();
}
