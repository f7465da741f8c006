import { KmsError } from '@kms/core';
import { toVaultError } from './errors';
import type { Input } from './input';
import type { VaultCall } from './operations/context';
import type { VaultAnswer } from './wire';

/**
 * One request or a batch of items (`batch_input`), as Vault runs them. A single request's refusal
 * is the request's (an error answer). In a batch each item succeeds or carries its own `error`,
 * and Vault's status rule applies: 200 when every item succeeded; otherwise 400, or the caller's
 * `partial_failure_response_code` when at least one item succeeded. A server fault fails the whole
 * request. Each item's `reference` is echoed back. An item refused by the dialect itself (before
 * any core operation) gets its audit row here, as a refused request gets its row from the codec.
 */
export async function runItems(c: VaultCall, op: string, each: (item: Input) => Promise<Record<string, unknown>>): Promise<VaultAnswer> {
  const items = c.input.batch();
  if (!items) return { data: await each(c.input) };
  const results: Record<string, unknown>[] = [];
  let succeeded = 0;
  for (const item of items) {
    const reference = item.string('reference') ?? '';
    try {
      results.push({ ...(await each(item)), reference });
      succeeded++;
    } catch (err) {
      const refusal = toVaultError(err);
      if (refusal.status >= 500) throw err;
      if (!refusal.audited) await c.keys.refusal(c.caller, `vault-${op}`, new KmsError(refusal.code, refusal.message));
      results.push({ error: refusal.message, reference });
    }
  }
  const answer: VaultAnswer = { data: { batch_results: results } };
  if (succeeded < items.length) answer.status = partialStatus(c, succeeded > 0, answer);
  return answer;
}

function partialStatus(c: VaultCall, someSucceeded: boolean, answer: VaultAnswer): number {
  const code = c.input.integer('partial_failure_response_code');
  if (code === undefined || !someSucceeded) return 400;
  if (code < 1 || code > 599) {
    answer.warnings = ['partial_failure_response_code must be between 1 and 599; answering 400'];
    return 400;
  }
  return code;
}
