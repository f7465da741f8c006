import { type ExecutionContext, createParamDecorator } from '@nestjs/common';
import type { OpContext } from '@kms/core';

/** Where a dialect's guard leaves the caller it authenticated, on the request object. */
export const CALLER = Symbol.for('kms.caller');

type WithCaller = { [CALLER]?: OpContext };

/** The caller a guard attached to this request; a route without its dialect's guard is a wiring bug. */
export function callerOf<C extends OpContext = OpContext>(req: object): C {
  const caller = (req as WithCaller)[CALLER];
  if (!caller) throw new Error('no caller on this request: the route is not behind its dialect guard');
  return caller as C;
}

/** The caller a guard attached, if any (a refusal may come before the guard ran). */
export function findCaller<C extends OpContext = OpContext>(req: object): C | undefined {
  return (req as WithCaller)[CALLER] as C | undefined;
}

export function setCaller(req: object, caller: OpContext): void {
  (req as WithCaller)[CALLER] = caller;
}

/** A handler parameter: the `OpContext` (or the dialect's richer caller) its guard authenticated. */
export const Ctx = createParamDecorator((_: unknown, ctx: ExecutionContext) => callerOf(ctx.switchToHttp().getRequest<object>()));
