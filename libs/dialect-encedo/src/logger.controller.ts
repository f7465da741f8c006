import { randomBytes } from 'node:crypto';
import { Controller, Get, Headers, Param } from '@nestjs/common';
import { AuditReader } from '@kms/core';
import { ROUTE_SCOPES } from './auth/scopes';
import { EncedoService } from './encedo.service';
import { hem } from './hem-status';
import { HemLogger } from './logger-format';

const PAGE = 128;

/**
 * The HEM logger (notes §5), scope `logger:get`: the signing key, the list of log files and each
 * file, made from the tenant's audit rows that carry a HEM event. The device serves the list and
 * the files on PPA only; the gateway serves them always (docs/encedo.md), as the audit trail
 * exists whatever `hwv` says.
 */
@Controller('api/logger')
export class LoggerController {
  private readonly logger: HemLogger;

  constructor(
    private readonly svc: EncedoService,
    private readonly audit: AuditReader,
  ) {
    this.logger = new HemLogger(svc.options.identitySeed);
  }

  @Get('key')
  async key(@Headers('authorization') authz: string | undefined) {
    const call = await this.svc.call(authz, null, 'logger-key');
    return call.run(async () => {
      await call.requireScope(ROUTE_SCOPES.logger);
      const nonce = randomBytes(32);
      return { key: this.logger.publicKey.toString('base64'), nonce: nonce.toString('base64'), nonce_signed: this.logger.sign(nonce).toString('base64') };
    });
  }

  @Get('list')
  list(@Headers('authorization') authz: string | undefined) {
    return this.page(authz, '0');
  }

  @Get('list/:offset')
  page(@Headers('authorization') authz: string | undefined, @Param('offset') offsetRaw: string) {
    return this.withCall(authz, 'LOGGER_LIST_LOG', 'logger-list', async (tenantId) => {
      if (!/^\d{1,9}$/.test(offsetRaw)) throw hem(400, 'offset');
      const days = await this.audit.eventDays(tenantId);
      const offset = Number(offsetRaw);
      return { total: days.length, id: days.slice(offset, offset + PAGE).map(HemLogger.idOf) };
    });
  }

  @Get(':id')
  file(@Headers('authorization') authz: string | undefined, @Param('id') id: string) {
    return this.withCall(authz, 'LOGGER_READ_LOG', 'logger-read', async (tenantId) => {
      const day = HemLogger.dayOf(id);
      if (day === null) throw hem(404, 'log id');
      const rows = await this.audit.query({ tenantId, since: day * 86400000, until: (day + 1) * 86400000, withEvent: true, oldestFirst: true, limit: 100000 });
      if (rows.length === 0) throw hem(404, 'no such log');
      return this.logger.file(tenantId, day, rows);
    });
  }

  private async withCall<T>(authz: string | undefined, type: 'LOGGER_LIST_LOG' | 'LOGGER_READ_LOG', op: string, fn: (tenantId: string) => Promise<T>): Promise<T> {
    const call = await this.svc.call(authz, type, op);
    return call.run(async () => {
      await call.requireScope(ROUTE_SCOPES.logger);
      const out = await fn(call.caller.tenantId);
      await call.succeeded();
      return out;
    });
  }
}
