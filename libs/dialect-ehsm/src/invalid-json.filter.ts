import { type ArgumentsHost, Catch, HttpException, Logger } from '@nestjs/common';
import { BaseExceptionFilter } from '@nestjs/core';
import { MSG, fail } from './envelope';

/**
 * Fastify's texts for a body its JSON parser refused (FST_ERR_CTP_*_JSON_BODY), and the gateway's
 * for a body nested too deep or holding too many members (apps/gateway/src/json-limits.ts).
 */
const JSON_ERRORS = /not valid JSON|cannot be empty when content-type|^JSON too (deep|large):/;

/**
 * Fastify parses the body before any controller runs, so a bad body reaches only global
 * filters; the gateway's exception router hands it the errors of `/ehsm`, answered in eHSM's envelope (upstream: `express.json`'s
 * verify hook sends `400 "Invalid JSON"`); anything else gets Nest's default answer.
 */
@Catch()
export class EhsmBodyErrorFilter extends BaseExceptionFilter {
  private readonly log = new Logger('ehsm');

  override catch(exception: unknown, host: ArgumentsHost): void {
    if (exception instanceof HttpException && host.getType() === 'http') {
      const reply = host.switchToHttp().getResponse<{ status(code: number): { send(body: unknown): void } }>();
      const status = exception.getStatus();
      if (status === 400 && JSON_ERRORS.test(exception.message)) return reply.status(200).send(fail(400, MSG.invalidJson));
      // Upstream parses only JSON; any other body leaves the fields unset.
      if (status === 415) return reply.status(200).send(fail(400, MSG.missingParams));
      if (status >= 500) this.log.error(`unexpected ${exception.name} on /ehsm`);
    }
    return super.catch(exception, host);
  }
}

/** The paths this filter answers for (the gateway's exception router asks). */
export function isEhsmPath(path: string): boolean {
  return path === '/ehsm' || path === '/ehsm/';
}
