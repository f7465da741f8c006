import { type ArgumentsHost, Catch, HttpException, Logger } from '@nestjs/common';
import { BaseExceptionFilter } from '@nestjs/core';
import { MSG, fail } from './envelope';

/** Fastify's texts for a body its JSON parser refused (FST_ERR_CTP_*_JSON_BODY). */
const JSON_ERRORS = /not valid JSON|cannot be empty when content-type/;

/**
 * Fastify parses the body before any controller runs, so a bad body reaches only global
 * filters. This one answers for `/ehsm` alone, in eHSM's envelope (upstream: `express.json`'s
 * verify hook sends `400 "Invalid JSON"`), and hands every other path to Nest's default.
 */
@Catch(HttpException)
export class EhsmBodyErrorFilter extends BaseExceptionFilter {
  private readonly log = new Logger('ehsm');

  override catch(exception: HttpException, host: ArgumentsHost): void {
    if (host.getType() === 'http' && isEhsmPath(host.switchToHttp().getRequest<{ url?: string }>().url)) {
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

function isEhsmPath(url: string | undefined): boolean {
  const path = (url ?? '').split('?', 1)[0];
  return path === '/ehsm' || path === '/ehsm/';
}
