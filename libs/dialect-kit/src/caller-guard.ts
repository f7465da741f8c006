import type { CanActivate, ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { OpContext } from '@kms/core';
import { setCaller } from './caller';

/**
 * The one way a dialect authenticates: a guard that turns the request's credential into the
 * caller (tenant, principal, and whatever the dialect's scopes need) and leaves it on the request
 * for `@Ctx()`. A refusal is thrown as the dialect's own error, so its codec writes the wire form.
 */
export abstract class CallerGuard<C extends OpContext = OpContext> implements CanActivate {
  protected abstract authenticate(req: FastifyRequest): Promise<C>;

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<FastifyRequest>();
    setCaller(req, await this.authenticate(req));
    return true;
  }
}
