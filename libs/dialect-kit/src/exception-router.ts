import { type ArgumentsHost, Catch, Inject, Logger } from '@nestjs/common';
import { BaseExceptionFilter, HttpAdapterHost } from '@nestjs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { type DialectErrorCodec, ErrorCodecs } from './error-codec';

/**
 * The one global exception filter. Fastify refuses a malformed body before any controller runs,
 * so only a global filter sees those errors; Nest runs a single global filter per exception, so
 * the dialect that owns the path writes the answer through its registered codec. Anything else
 * (ops routes, unknown paths) gets Nest's default answer.
 */
@Catch()
export class ExceptionRouter extends BaseExceptionFilter {
  private readonly log = new Logger('errors');

  constructor(
    host: HttpAdapterHost,
    @Inject(ErrorCodecs) private readonly codecs: ErrorCodecs,
  ) {
    super(host.httpAdapter);
  }

  override catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') return super.catch(exception, host);
    const req = host.switchToHttp().getRequest<FastifyRequest>();
    const codec = this.codecs.forPath((req.url ?? '').split('?', 1)[0]);
    if (!codec) return super.catch(exception, host);
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const audit = codec.audit?.(exception, req);
    if (!audit) return this.write(codec, exception, req, reply);
    // Fail closed: a refusal whose row cannot be written is answered as the fault that stopped it.
    audit.then(
      () => this.write(codec, exception, req, reply),
      (err: unknown) => this.write(codec, err, req, reply),
    );
  }

  private write(codec: DialectErrorCodec, exception: unknown, req: FastifyRequest, reply: FastifyReply): void {
    writeThroughCodec(codec, exception, req, reply, this.log);
  }
}

/** The dialect's own answer to `exception`, written through its codec. */
export function writeThroughCodec(codec: DialectErrorCodec, exception: unknown, req: FastifyRequest, reply: FastifyReply, log: Pick<Logger, 'error'>): void {
  const wire = codec.encode(exception, req);
  // Name and message only: an internal error's text never reaches a client, and no payload is logged.
  if (wire.internal) log.error(`internal error on a ${codec.dialect} route: ${describe(exception)}`);
  void reply.status(wire.status);
  for (const [name, value] of Object.entries(wire.headers ?? {})) void reply.header(name, value);
  if (typeof wire.body === 'string' || Buffer.isBuffer(wire.body)) {
    void reply.send(wire.body);
  } else {
    void reply.header('content-type', 'application/json').send(JSON.stringify(wire.body));
  }
}

function describe(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}${err.stack ? `\n${err.stack.split('\n').slice(1, 6).join('\n')}` : ''}` : typeof err;
}
