import { Controller, Get, Headers, HttpException, Inject } from '@nestjs/common';
import { createHash, timingSafeEqual } from 'node:crypto';
import { KERNEL } from './core.module';
import type { Kernel } from './kernel';

/**
 * Admin HTTP routes, behind KMS_ADMIN_TOKEN (a bearer token from the configuration only). Without
 * a configured token the routes do not exist (404, as any unknown path); with one, a request
 * without the right `Authorization: Bearer <token>` gets 401. The comparison runs in constant time
 * over SHA-256 digests, so neither the token's content nor its length leaks through timing.
 */
@Controller()
export class AdminController {
  private readonly digest: Buffer | null;

  constructor(@Inject(KERNEL) private readonly kernel: Kernel) {
    this.digest = kernel.config.adminToken ? sha256(kernel.config.adminToken) : null;
  }

  /** Each backend, its health and the capability matrix it computed, and the routing in force. */
  @Get('backends')
  async backends(@Headers('authorization') authorization: string | undefined) {
    this.authorize(authorization);
    const backends = [];
    for (const [name, b] of this.kernel.backends) {
      let health;
      try {
        health = await b.health();
      } catch {
        health = { ok: false, detail: 'health check failed' };
      }
      const detail = (b as { describe?: () => string[] }).describe?.();
      backends.push({ name, health, capabilities: b.capabilities(), ...(detail ? { mechanisms: detail } : {}) });
    }
    return { backends, routing: { default: this.kernel.config.defaultBackend, rules: this.kernel.config.routing } };
  }

  private authorize(header: string | undefined): void {
    if (!this.digest) throw new HttpException({ statusCode: 404, message: 'Not Found' }, 404);
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
    if (!m || !timingSafeEqual(sha256(m[1]!), this.digest)) {
      throw new HttpException({ statusCode: 401, message: 'admin bearer token required' }, 401);
    }
  }
}

function sha256(s: string): Buffer {
  return createHash('sha256').update(s, 'utf8').digest();
}
