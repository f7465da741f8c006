import { KmsError, type AuditWriter, type KeyRecord, type KeyOperations, type OpContext } from '@kms/core';
import type { Caller } from './auth/authenticator';
import { type ScopeRule, scopeAllows } from './auth/scopes';
import { STATUS_OF, statusOfOutcome } from './errors';
import { HemStatus, hem } from './hem-status';
import { type LogType, eventName, resultOfStatus } from './log-events';

export const DIALECT = 'encedo';

/** A HemStatus whose audit row is already written (scope refusals). */
const AUDITED = new WeakSet<object>();

/**
 * One authenticated HEM request: the caller, the route's log event, and the audit rows for what
 * the dialect itself refuses (403, 400, unknown KID). Operations of the core write their own row,
 * tagged with the same event through OpContext.event.
 */
export class HemCall {
  private keyId: string | null = null;

  constructor(
    readonly caller: Caller,
    private readonly audit: AuditWriter,
    private readonly type: LogType | null,
    private readonly op: string,
  ) {}

  /** The canonical context, carrying the HEM event name and result for the core's audit row. */
  ctx(): OpContext {
    return {
      tenantId: this.caller.tenantId,
      dialect: DIALECT,
      principal: this.caller.principal,
      // A verify that answers false is LOG_RESULT_FAILED, as its 406.
      event: this.type === null ? undefined : (outcome, result) => eventName(this.type!, outcome === 'ok' ? (result === false ? 'FAILED' : 'OK') : resultOfStatus(statusOfOutcome(outcome))),
    };
  }

  /** 403 (audited as LOG_TYPE_FAILED_SCOPE_CHECK) unless the token's scope opens this route. */
  async requireScope(rules: readonly ScopeRule[], keyId?: string): Promise<void> {
    if (keyId) this.keyId = keyId;
    if (scopeAllows(this.caller.scope, rules)) return;
    await this.record('FORBIDDEN', eventName('FAILED_SCOPE_CHECK', 'FAILED'));
    const err = hem(403, 'scope');
    AUDITED.add(err);
    throw err;
  }

  /** A refusal whose audit row the core already wrote (a verify that answered false). */
  audited(status: number): HemStatus {
    const err = hem(status, 'audited');
    AUDITED.add(err);
    return err;
  }

  /** The audit row of a route that ran no core operation (logger reads). */
  succeeded(): Promise<void> {
    return this.record('ok', this.type === null ? null : eventName(this.type, 'OK'));
  }

  setKey(keyId: string): void {
    this.keyId = keyId;
  }

  /**
   * Runs the route body. A HemStatus raised by the dialect gets its audit row here; a KmsError
   * came from a core operation that wrote its own, and becomes its HEM status.
   */
  async run<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof HemStatus) {
        const status = err.getStatus();
        if (!AUDITED.has(err)) await this.record(err.outcome, this.type === null ? null : eventName(this.type, resultOfStatus(status)));
        throw err;
      }
      if (err instanceof KmsError && err.code !== 'INTERNAL') throw hem(STATUS_OF[err.code], err.code);
      throw err;
    }
  }

  /** A key record of the caller's tenant, without an audit row of its own; unknown → 406. */
  async find(keys: KeyOperations, kid: string, uuid: string | null): Promise<KeyRecord> {
    if (!uuid) throw hem(406, 'kid');
    try {
      return await keys.get(this.ctx(), uuid);
    } catch (err) {
      if (err instanceof KmsError && err.code !== 'INTERNAL') throw hem(STATUS_OF[err.code], `kid ${kid}`, err.code);
      throw err;
    }
  }

  private record(outcome: string, event: string | null): Promise<void> {
    return this.audit.record({
      at: Date.now(),
      tenantId: this.caller.tenantId,
      dialect: DIALECT,
      operation: this.op,
      keyId: this.keyId,
      backend: null,
      outcome,
      latencyUs: 0,
      principal: this.caller.principal,
      event,
    });
  }
}
