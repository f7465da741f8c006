import cluster from 'node:cluster';
import { Controller, Get, Header, HttpCode, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { BackendRouter, KmsMetrics } from '@kms/core';
import { healthOf } from './backend-status';
import { type Check, StoreHealth } from './store-health';
import { VERSION } from './version';

/** Liveness, readiness, Prometheus metrics and version: no authentication, no key data. */
@Controller()
export class OpsController {
  constructor(
    private readonly store: StoreHealth,
    private readonly router: BackendRouter,
    private readonly metrics: KmsMetrics,
  ) {}

  /** With KMS_WORKERS > 1, which worker answered (connections are spread over them). */
  @Get('health/live')
  live() {
    return cluster.isWorker ? { status: 'ok', worker: cluster.worker!.id } : { status: 'ok' };
  }

  @Get('health/ready')
  async ready(@Res({ passthrough: true }) reply: FastifyReply) {
    const checks: Record<string, Check> = { database: await this.store.check() };
    for (const backend of this.router.all()) checks[`backend:${backend.name}`] = await healthOf(backend);
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
    return { ...VERSION, backends: this.router.all().map((b) => b.name) };
  }
}
