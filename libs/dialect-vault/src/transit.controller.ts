import { All, Controller, Req, Res, UseGuards } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { KeyOperations, Sealer } from '@kms/core';
import { Ctx } from '@kms/dialect-kit';
import type { VaultCaller } from './caller';
import { VaultError, noRoute } from './errors';
import { VaultGuard } from './guard';
import { Input } from './input';
import type { VaultOperation, VaultSecrets } from './operations/context';
import { routeFor } from './operations/table';
import { TRANSIT_MOUNT, envelope } from './wire';

/** Vault's `list` query flag, read as Go's ParseBool reads it. */
export const LIST_TRUE: ReadonlySet<string> = new Set(['1', 't', 'T', 'true', 'TRUE', 'True']);

/** Vault's operation of each HTTP method served (Vault's own LIST arrives as GET with list=true); any other is 405. */
export const METHOD_OPERATIONS: Readonly<Record<string, VaultOperation>> = { GET: 'read', LIST: 'list', POST: 'update', PUT: 'update', DELETE: 'delete' };

function operationOf(req: FastifyRequest): VaultOperation {
  const op = Object.hasOwn(METHOD_OPERATIONS, req.method) ? METHOD_OPERATIONS[req.method] : undefined;
  if (!op) throw new VaultError(405, 'unsupported operation');
  const list = ((req.query ?? {}) as Record<string, unknown>).list;
  return op === 'read' && typeof list === 'string' && LIST_TRUE.has(list) ? 'list' : op;
}

function decoded(rest: string): string {
  try {
    return decodeURIComponent(rest);
  } catch {
    throw noRoute(`transit/${rest}`);
  }
}

/**
 * The transit secrets engine, mounted at `transit` (docs/vault.md): one route for every path
 * under it, dispatched through the table in operations/table.ts. Answers wear Vault's envelope;
 * an answer without data is 204, as Vault's.
 */
@Controller(`v1/${TRANSIT_MOUNT}`)
@UseGuards(VaultGuard)
export class TransitController {
  private readonly secrets: VaultSecrets;

  constructor(
    private readonly keys: KeyOperations,
    sealer: Sealer,
  ) {
    this.secrets = { wrappingKeyId: sealer.derive('vault/wrapping-key-id') };
  }

  @All('*')
  async call(@Req() req: FastifyRequest, @Ctx() caller: VaultCaller, @Res({ passthrough: true }) reply: FastifyReply): Promise<Record<string, unknown> | undefined> {
    const rest = (req.url ?? '').split('?', 1)[0].slice(`/v1/${TRANSIT_MOUNT}/`.length);
    const { action, params } = routeFor(decoded(rest), operationOf(req));
    const query = { ...((req.query ?? {}) as Record<string, unknown>) };
    delete query.list;
    const answer = await action({ caller, input: Input.of(req.body, query), params, keys: this.keys, secrets: this.secrets });
    void reply.header('cache-control', 'no-store');
    if (!answer.data && !answer.warnings?.length) {
      void reply.status(204);
      return undefined;
    }
    void reply.status(answer.status ?? 200);
    return envelope(answer, 'transit');
  }
}
