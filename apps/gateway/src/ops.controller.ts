import cluster from 'node:cluster';
import { Controller, Get, Header, HttpCode, Inject, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { KmsMetrics } from '@kms/core';
import { KERNEL } from './core.module';
import type { Kernel } from './kernel';
import { VERSION } from './version';

/** Liveness, readiness, Prometheus metrics and version: no authentication, no key data. */
@Controller()
export class OpsController {
  constructor(
    @Inject(KERNEL) private readonly kernel: Kernel,
    private readonly metrics: KmsMetrics,
  ) {}

  /** With KMS_WORKERS > 1, which worker answered (connections are spread over them). */
  @Get('health/live')
  live() {
    return cluster.isWorker ? { status: 'ok', worker: cluster.worker!.id } : { status: 'ok' };
  }

  @Get('health/ready')
  async ready(@Res({ passthrough: true }) reply: FastifyReply) {
    const checks: Record<string, { ok: boolean; detail?: string }> = {};
    try {
      await this.kernel.ds.query('SELECT 1');
      checks.database = { ok: true };
    } catch {
      checks.database = { ok: false, detail: 'the database does not answer' };
    }
    for (const [name, backend] of this.kernel.backends) {
      try {
        checks[`backend:${name}`] = await backend.health();
      } catch {
        checks[`backend:${name}`] = { ok: false, detail: 'health check failed' };
      }
    }
    const ok = Object.values(checks).every((c) => c.ok);
    reply.status(ok ? 200 : 503);
    return { status: ok ? 'ready' : 'not ready', checks };
  }

  @Get('metrics')
  @HttpCode(200)
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  async prometheus() {
    return this.metrics.registry.metrics();
  }

  @Get('version')
  version() {
    return { ...VERSION, backends: [...this.kernel.backends.keys()] };
  }
}
