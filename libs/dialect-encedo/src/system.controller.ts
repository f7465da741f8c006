import { createHash, randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { Body, Controller, Get, HttpCode, Post, Req } from '@nestjs/common';
import { EncedoService } from './encedo.service';
import { arrivedOverTls } from './http-hooks';

/** Which firmware the dialect speaks; `fwv` must not say -DIAG (TESTER then runs fault tests). */
const FWV = 'Encedo nGINE FW v1.2.2 (kms-gateway)';

/** Open system routes (notes §5, §7.1, §10); the rest of /api/system is not served (404). */
@Controller('api/system')
export class SystemController {
  constructor(private readonly svc: EncedoService) {}

  /** No `inited`, no `hostname`; `ts`/`time` always set so clients never run a broker check-in. */
  @Get('status')
  status(@Req() req: { raw: IncomingMessage }) {
    const now = new Date();
    return {
      ctx: 0,
      uptime: Math.floor((Date.now() - this.svc.startedAt) / 1000),
      temp: 30,
      fls_state: 0,
      ts: now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
      time: Math.floor(now.getTime() / 1000),
      https: arrivedOverTls(req.raw),
    };
  }

  /** `hwv` says EPA: clients then expect logs in syslog, not /api/logger files (notes §5). */
  @Get('version')
  version() {
    return {
      hwv: 'EPA kms-gateway (virtual)',
      fwv: FWV,
      fwk: this.svc.identity.eid,
      fws: createHash('sha256').update(FWV).digest('base64'),
      blv: 'kms-gateway',
    };
  }

  /** Check-in stub (notes §10): the clock is the host's, so any reply is accepted. */
  @Get('checkin')
  checkinStart() {
    return { check: randomBytes(32).toString('base64') };
  }

  @Post('checkin')
  @HttpCode(200)
  checkinFinish(@Body() _body: unknown) {
    return { status: 1 };
  }
}
