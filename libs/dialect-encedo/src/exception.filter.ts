import { type ArgumentsHost, type ExceptionFilter, HttpException } from '@nestjs/common';
import { isHemPath } from './http-hooks';

export const isEncedoPath = (path: string) => isHemPath(path);

/**
 * HEM errors are the status code alone (notes §1): empty body, `Content-Type: application/json`.
 * Covers what fails before a controller too (unparseable JSON → 400, unknown /api/ path → 404).
 * Anything that is not an HTTP status is a 500, logged through `onInternal`, never echoed.
 */
export class EncedoExceptionFilter implements ExceptionFilter {
  constructor(private readonly onInternal: (err: unknown) => void = () => {}) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<{ status(code: number): { header(k: string, v: string): { send(b: string): void } } }>();
    let status = 500;
    if (exception instanceof HttpException) status = exception.getStatus();
    else {
      // Fastify's own refusals (bad JSON, body too large) carry a 4xx statusCode.
      const code = (exception as { statusCode?: unknown })?.statusCode;
      if (typeof code === 'number' && code >= 400 && code < 500) status = code;
    }
    if (status >= 500) this.onInternal(exception);
    reply.status(status).header('content-type', 'application/json').send('');
  }
}
