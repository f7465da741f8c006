import { type ArgumentsHost, Catch, type ExceptionFilter } from '@nestjs/common';
import { BaseExceptionFilter, type HttpAdapterHost } from '@nestjs/core';
import { type ErrorCodecs, ExceptionRouter as CodecRouter } from '@kms/dialect-kit';

/** A dialect's error writer and the paths it answers for. */
export interface RoutedFilter {
  matches(path: string): boolean;
  filter: ExceptionFilter;
}

/**
 * The one global exception filter. Fastify refuses a malformed body before any controller runs,
 * so only a global filter sees those errors; Nest runs a single global filter per exception, so
 * each dialect's wire form is chosen here by path instead of by competing global filters.
 * Anything else (ops routes, unknown paths) gets Nest's default answer.
 */
@Catch()
export class ExceptionRouter extends BaseExceptionFilter {
  constructor(
    adapter: HttpAdapterHost['httpAdapter'],
    private readonly routes: readonly RoutedFilter[],
    codecs: ErrorCodecs,
  ) {
    super(adapter);
    this.codecs = new CodecRouter({ httpAdapter: adapter } as HttpAdapterHost, codecs);
    this.registry = codecs;
  }

  // Transitional: dialects that registered a codec (dialect-kit) answer through it.
  private readonly codecs: CodecRouter;
  private readonly registry: ErrorCodecs;

  override catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() === 'http') {
      const url = host.switchToHttp().getRequest<{ url?: string }>().url ?? '';
      const path = url.split('?', 1)[0];
      if (this.registry.forPath(path)) return this.codecs.catch(exception, host);
      const route = this.routes.find((r) => r.matches(path));
      if (route) return route.filter.catch(exception, host);
    }
    return super.catch(exception, host);
  }
}
