import type { KeyAtVersion, KeyUsage } from '@kms/core';
import { AwsError } from '../errors';
import type { AwsCall } from './context';

/** Is this a dry run? AWS takes `DryRun` on the cryptographic operations only; elsewhere it is not a member, so it is never read there. */
export const isDryRun = (c: AwsCall): boolean => c.input.boolean('DryRun') === true;

/**
 * AWS's DryRun: once the request has passed the dialect's checks, the core makes every check the
 * operation would (key, tenant, state, version, usage) for each key it names, with nothing
 * performed; then the answer is DryRunOperationException (HTTP 412), as AWS gives for a request
 * that would have succeeded. A failed check answers as the operation would.
 */
export async function dryRun(c: AwsCall, ...keys: Array<[ref: string | KeyAtVersion, usage: KeyUsage]>): Promise<never> {
  for (const [ref, usage] of keys) await c.keys.authorize(c.caller, ref, usage);
  // Each check wrote its audit row in the core: the answer needs none of its own.
  throw Object.assign(new AwsError('DryRunOperationException', 'The request would have succeeded, but the DryRun parameter was set.'), { audited: true });
}
