import { randomBytes } from 'node:crypto';
import { Controller, Get, Param } from '@nestjs/common';
import { AuditReader } from '@kms/core';
import { Ctx } from '@kms/dialect-kit';
import type { HemCaller } from './auth/caller';
import { ROUTE_SCOPES } from './auth/scopes';
import { EncedoService } from './encedo.service';
import { HemApi } from './hem-api';
import { HemAuditTrail } from './hem-audit';
import { hem } from './hem-error';
import { HemLogger } from './logger-format';
import { HemRoute, type HemRouteSpec, type ScopeSource } from './route';

const PAGE = 128;
const LOGGER: ScopeSource = { kind: 'rules', rules: ROUTE_SCOPES.logger };
const LIST: HemRouteSpec = { op: 'logger-list', log: 'LOGGER_LIST_LOG', scope: LOGGER };

/**
 * The HEM logger (notes §5), scope `logger:get`: the signing key, the list of log files and each
 * file, made from the tenant's audit rows that carry a HEM event. The device serves the list and
 * the files on PPA only; the gateway serves them always (docs/encedo.md), as the audit trail
 * exists whatever `hwv` says.
 */
@Controller('api/logger')
@HemApi()
export class LoggerController {
  private readonly logger: HemLogger;

  constructor(
    svc: EncedoService,
    private readonly audit: AuditReader,
    private readonly trail: HemAuditTrail,
  ) {
    this.logger = new HemLogger(svc.options.identitySeed);
  }

  @Get('key')
  @HemRoute({ op: 'logger-key', log: null, scope: LOGGER })
  key() {
    const nonce = randomBytes(32);
    return { key: this.logger.publicKey.toString('base64'), nonce: nonce.toString('base64'), nonce_signed: this.logger.sign(nonce).toString('base64') };
  }

  @Get('list')
  @HemRoute(LIST)
  list(@Ctx() caller: HemCaller) {
    return this.listFrom(caller, '0');
  }

  @Get('list/:offset')
  @HemRoute(LIST)
  async page(@Ctx() caller: HemCaller, @Param('offset') offsetRaw: string) {
    return this.listFrom(caller, offsetRaw);
  }

  @Get(':id')
  @HemRoute({ op: 'logger-read', log: 'LOGGER_READ_LOG', scope: LOGGER })
  async file(@Ctx() caller: HemCaller, @Param('id') id: string) {
    const day = HemLogger.dayOf(id);
    if (day === null) throw hem(404, 'log id');
    const rows = await this.audit.query({ tenantId: caller.tenantId, since: day * 86400000, until: (day + 1) * 86400000, withEvent: true, oldestFirst: true, limit: 100000 });
    if (rows.length === 0) throw hem(404, 'no such log');
    // A read of the log is an event of the log; the answer waits for its row, as any operation's.
    await this.trail.succeeded(caller);
    return this.logger.file(caller.tenantId, day, rows);
  }

  private async listFrom(caller: HemCaller, offsetRaw: string) {
    if (!/^\d{1,9}$/.test(offsetRaw)) throw hem(400, 'offset');
    const days = await this.audit.eventDays(caller.tenantId);
    const offset = Number(offsetRaw);
    const out = { total: days.length, id: days.slice(offset, offset + PAGE).map((day) => HemLogger.idOf(day)) };
    await this.trail.succeeded(caller);
    return out;
  }
}
