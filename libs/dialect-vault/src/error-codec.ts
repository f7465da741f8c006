import type { FastifyRequest } from 'fastify';
import { KmsError, type KeyOperations } from '@kms/core';
import { type DialectErrorCodec, type WireError, findCaller } from '@kms/dialect-kit';
import { VaultError, noRoute, toVaultError } from './errors';
import { isVaultPath } from './wire';

/**
 * Every failure under /v1/ (but /v1/crypto, the JOSE dialect's) as Vault writes it:
 * `{"errors": [...]}` with Vault's status. A path no route serves is Vault's 404 naming it. A
 * refusal of the dialect's own after the guard let the caller in gets its audit row through the
 * core; a core operation's failure has its row already.
 */
export class VaultErrorCodec implements DialectErrorCodec {
  readonly dialect = 'vault';

  constructor(private readonly keys: KeyOperations) {}

  owns(path: string): boolean {
    return isVaultPath(path);
  }

  encode(exception: unknown, req: FastifyRequest): WireError {
    const err = this.toError(exception, req);
    return {
      status: err.status,
      // Bytes, not a string: Fastify would append `; charset=utf-8` to a string's JSON type, and
      // hvac reads `errors` only under a Content-Type of exactly `application/json`, as Vault sends.
      body: Buffer.from(JSON.stringify({ errors: err.errors })),
      headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
      internal: err.status >= 500 && !(exception instanceof VaultError),
    };
  }

  audit(exception: unknown, req: FastifyRequest): Promise<void> | null {
    const caller = findCaller(req);
    if (!caller) return null;
    const err = this.toError(exception, req);
    if (err.audited || err.status >= 500) return null;
    return this.keys.refusal(caller, `vault-${operationOf(req)}`.slice(0, 48), new KmsError(err.code, err.message || 'not found'));
  }

  private toError(exception: unknown, req: FastifyRequest): VaultError {
    // Nest's answer to a path no controller has: Vault names the route it could not find.
    if (isNestNotFound(exception)) return noRoute((req.url ?? '').split('?', 1)[0].replace(/^\/v1\//, ''));
    return toVaultError(exception);
  }
}

const isNestNotFound = (e: unknown) => e instanceof Error && e.name === 'NotFoundException' && (e as { getStatus?: () => number }).getStatus?.() === 404;

/** The transit operation a path names (`encrypt`, `keys`...), for the audit row. */
function operationOf(req: FastifyRequest): string {
  const parts = (req.url ?? '').split('?', 1)[0].split('/');
  return parts[2] === 'transit' ? (parts[3] ?? 'transit') : parts.slice(2, 4).join('-');
}
