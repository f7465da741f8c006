import { type CallHandler, type ExecutionContext, Injectable, type NestInterceptor } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { type Observable, catchError, from, mergeMap, throwError } from 'rxjs';
import { HemAuditTrail } from './hem-audit';

/**
 * Writes the audit row of a refusal the route (its DTO pipe or its handler) made itself, then
 * lets the error go on to the codec. Pipes run inside interceptors, so validation is covered.
 */
@Injectable()
export class HemRefusalAudit implements NestInterceptor {
  constructor(private readonly trail: HemAuditTrail) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const req = context.switchToHttp().getRequest<FastifyRequest>();
    return next.handle().pipe(catchError((err: unknown) => from(this.trail.refused(req, err)).pipe(mergeMap(() => throwError(() => err)))));
  }
}
