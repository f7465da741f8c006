import { KmsError, type KeyOperations, type OpContext } from '@kms/core';

/**
 * HEM labels and the tenant's aliases (docs/encedo.md, choice 18). The HEM names keys by KID only
 * and lets several keys share a label, so a label is not an alias there; but a key made here with
 * a label takes that label as an alias of the tenant when no alias has that name yet, so that the
 * other dialects reach it by the name its HEM client gave it (a JOSE `kid`, later an AWS alias or
 * a Vault key name). A name already taken stays with its key: the first key labelled so keeps it,
 * until it is destroyed (which frees its aliases) or the admin points it elsewhere. Nothing on the
 * HEM wire changes. Best effort: a claim that fails leaves the key as made, and the core's audit
 * row says why.
 */

/** The caller without the route's HEM event: alias changes are not HEM log events (the device has no aliases). */
const quiet = ({ tenantId, dialect, principal }: OpContext): OpContext => ({ tenantId, dialect, principal });

/** The key a name is an alias of, or null; a read of the core's cache, not audited. */
async function holderOf(keys: KeyOperations, ctx: OpContext, name: string): Promise<string | null> {
  try {
    return (await keys.get(ctx, name)).id;
  } catch (err) {
    if (err instanceof KmsError && err.code === 'NOT_FOUND') return null;
    throw err;
  }
}

/** Makes `label` an alias of the new key `keyId` when the name is free. */
export async function claimLabel(keys: KeyOperations, ctx: OpContext, label: string, keyId: string): Promise<void> {
  try {
    if ((await holderOf(keys, ctx, label)) !== null) return;
    await keys.lifecycle.createAlias(quiet(ctx), label, keyId);
  } catch {
    // Taken meanwhile, or a store failure: the key stays as made.
  }
}

/** A relabelled key: its alias named like the old label goes, and the new label is claimed when free. */
export async function moveLabel(keys: KeyOperations, ctx: OpContext, keyId: string, from: string | null, to: string): Promise<void> {
  if (from === to) return;
  try {
    if (from !== null && (await holderOf(keys, ctx, from)) === keyId) await keys.lifecycle.deleteAlias(quiet(ctx), from);
  } catch {
    // As for a claim: the label changes whatever becomes of the alias.
  }
  await claimLabel(keys, ctx, to, keyId);
}
