import { BadRequestException } from '@nestjs/common';
import { FastifyAdapter } from '@nestjs/platform-fastify';

/**
 * Limits on the shape of a parsed request body, for every dialect. No request of any dialect nests
 * deeper than 4 levels or carries more than a few dozen members; code that walks a body
 * recursively (eHSM's request signing) must never meet one that overflows the stack, and code
 * that sorts or copies members must never meet hundreds of thousands of them.
 */
export const JSON_LIMITS = { depth: 64, items: 10_000 } as const;

/** The eHSM body filter recognises these texts (with Fastify's own) as a malformed body: keep the `JSON too` prefix. */
const TOO_DEEP = `JSON too deep: more than ${JSON_LIMITS.depth} levels of nesting`;
const TOO_LARGE = `JSON too large: more than ${JSON_LIMITS.items} object members and array elements`;

/**
 * What is wrong with a parsed body's shape, or null. Iterative (an explicit stack, no recursion):
 * it must itself survive what it refuses, and it stops at the first limit crossed. Depth counts
 * containers: a top-level object is level 1. Items count every object member and array element.
 */
export function jsonShapeFault(root: unknown): string | null {
  if (typeof root !== 'object' || root === null) return null;
  const nodes: object[] = [root];
  const depths: number[] = [1];
  let items = 0;
  while (nodes.length > 0) {
    const node = nodes.pop() as Record<string, unknown> | unknown[];
    const depth = depths.pop() as number;
    if (Array.isArray(node)) {
      items += node.length;
      if (items > JSON_LIMITS.items) return TOO_LARGE;
      for (let i = 0; i < node.length; i++) {
        const v = node[i];
        if (typeof v !== 'object' || v === null) continue;
        if (depth === JSON_LIMITS.depth) return TOO_DEEP;
        nodes.push(v);
        depths.push(depth + 1);
      }
    } else {
      for (const key in node) {
        if (++items > JSON_LIMITS.items) return TOO_LARGE;
        const v = node[key];
        if (typeof v !== 'object' || v === null) continue;
        if (depth === JSON_LIMITS.depth) return TOO_DEEP;
        nodes.push(v);
        depths.push(depth + 1);
      }
    }
  }
  return null;
}

type BodyParser = NonNullable<Parameters<FastifyAdapter['useBodyParser']>[3]>;
type Done = (err: Error | null, body?: unknown) => void;

/**
 * Fastify's adapter whose body parsers refuse an over-deep or over-large body as they parse it.
 * Nest registers its JSON and urlencoded parsers through `useBodyParser`, so each one it registers
 * is wrapped: a refusal is a 400 like a malformed body, before any guard or handler sees the
 * request (only onRequest hooks, which never read the body, run earlier), and each dialect's
 * exception filter answers it in its own error form. Should Nest ever register a parser another
 * way, test/robustness/fuzz.e2e.ts (every dialect, past both limits) fails.
 */
export class LimitedBodyFastifyAdapter extends FastifyAdapter {
  override useBodyParser(...[type, rawBody, options, parser]: Parameters<FastifyAdapter['useBodyParser']>): void {
    // One type at a time, so that each gets its own default parser wrapped (the base does the same).
    if (Array.isArray(type)) {
      for (const t of type) this.useBodyParser(t, rawBody, options, parser);
      return;
    }
    // Nest 12 registers its JSON and urlencoded parsers with no parser of their own: the adapter's
    // defaults, taken here so that they are limited as well.
    const base = parser ?? (this as unknown as { getDefaultBodyParser(t: string | RegExp): BodyParser | undefined }).getDefaultBodyParser(type);
    super.useBodyParser(type, rawBody, options, base && limited(base));
  }
}

/** Nest's parsers are callback-style (they call `done`); the check runs on what they produce. */
function limited(parser: BodyParser): BodyParser {
  return function (this: unknown, req: unknown, body: Buffer, done: Done) {
    (parser as (this: unknown, req: unknown, body: Buffer, done: Done) => void).call(this, req, body, (err, value) => {
      if (err) return done(err, value);
      const fault = jsonShapeFault(value);
      return fault === null ? done(null, value) : done(new BadRequestException(fault));
    });
  } as BodyParser;
}
