import { type CallHandler, type ExecutionContext, Injectable, type NestInterceptor } from '@nestjs/common';
import { type Observable, catchError, from, mergeMap, tap, throwError } from 'rxjs';
import { LoginThrottle } from './throttle';

/**
 * The brute-force delay around the whole login, its body's validation included (pipes run inside
 * interceptors): any refusal waits it out, a success resets the run.
 */
@Injectable()
export class LoginThrottleInterceptor implements NestInterceptor {
  private readonly throttle = new LoginThrottle();

  intercept(_context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const startedAt = Date.now();
    return next.handle().pipe(
      tap(() => this.throttle.succeeded()),
      catchError((err: unknown) => from(this.throttle.failed(startedAt)).pipe(mergeMap(() => throwError(() => err)))),
    );
  }
}
