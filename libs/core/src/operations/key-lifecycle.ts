import type { CryptoBackend, KeyMaterial, StoredKey } from '../backend';
import { KmsError, invalidArgument, notFound, unsupported, wrongKeyState } from '../errors';
import { type KeyRecord, type OpContext, materialId } from '../key';
import { type KeyAlias, checkAliasName } from '../keys/alias-store';
import type { KeyVersionInfo } from '../keys/key-store';
import type { KeyVersionOrigin } from '../store/entities/key-version.entity';
import { type SpecInfo, specInfo } from '../specs';
import type { OperationHost, OpMeta } from './key-operations';

const DAY_MS = 86_400_000;
/** AWS's bounds and default for the waiting period of a scheduled deletion. */
export const DELETION_WINDOW_DAYS = { min: 7, max: 30, default: 30 } as const;
/** The shortest rotation period the core accepts (Vault's floor); dialects narrow it (AWS: 90 days). */
export const MIN_ROTATION_PERIOD_MS = 3_600_000;
/** A claim on a version older than this was left by a process that died while rotating. */
const STALE_CLAIM_MS = 10 * 60_000;
/** AWS's limits, which KMIP and Vault fit within. */
const TAG_LIMITS = { count: 50, key: 128, value: 256, description: 8192 } as const;

/** The audit identity of work the gateway does on its own schedule. */
const schedulerCtx = (tenantId: string): OpContext => ({ tenantId, dialect: 'lifecycle', principal: 'scheduler' });

/**
 * What the key's owner has agreed to: `importedMaterial` lets a key whose material came from
 * outside take gateway-made versions (Vault's `allow_rotation` of an imported key).
 */
export interface RotationConsent {
  importedMaterial?: boolean;
}

/** How a claimed version gets its material: made by the backend, or given (an imported version). */
type VersionMaker = (backend: CryptoBackend, id: string, info: SpecInfo, opts: { exportable: boolean }) => Promise<StoredKey>;
const generated: VersionMaker = (backend, id, info, opts) => backend.generate(id, info, opts);

export interface DueResult {
  rotated: string[];
  destroyed: string[];
}

/**
 * A key's life after creation: material versions (rotation on demand and on a schedule, minimum
 * decryption version, trimming), aliases, scheduled deletion, tags and description. Every call
 * runs through the canonical pipeline (tenant check, audit row, metrics) of KeyOperations, whose
 * `lifecycle` this is.
 *
 * Work that several replicas may attempt at once (a scheduled rotation or deletion coming due, two
 * rotate requests) is decided by the store, not by timing: a rotation claims its version's row
 * first (primary key), a deletion moves the key out of `pending_deletion` with a revision check.
 * Exactly one process wins; the others find nothing left to do.
 */
export class KeyLifecycle {
  constructor(private readonly host: OperationHost) {}

  // ---- versions ------------------------------------------------------------------------------

  /** A new current version (a new pair for asymmetric keys); older versions stay for decryption and verification. */
  rotate(ctx: OpContext, keyId: string, now = Date.now(), consent: RotationConsent = {}): Promise<KeyRecord> {
    return this.host.run(ctx, 'rotate', keyId, async (meta) => {
      const record = await this.host.lookup(ctx, keyId, meta);
      checkRotatable(record, consent);
      const version = await this.claim(record, 'rotate');
      if (version === null) throw wrongKeyState('the key is being rotated by another request; retry');
      return this.makeVersion(record, version, meta, now, generated);
    });
  }

  /**
   * A new current version whose material the caller brings (Vault's import_version), for a key
   * imported whole: a key the gateway made never takes material of which copies may exist
   * elsewhere. The version is claimed first, as a rotation claims it; the backend checks that the
   * material fits the key's spec.
   */
  importVersion(ctx: OpContext, keyId: string, material: KeyMaterial, now = Date.now()): Promise<KeyRecord> {
    return this.host.run(ctx, 'import-version', keyId, async (meta) => {
      const record = await this.host.lookup(ctx, keyId, meta);
      if (record.state !== 'enabled' && record.state !== 'disabled') throw wrongKeyState(`the key is ${record.state.replace('_', ' ')}`);
      if (record.origin !== 'imported') throw unsupported('only a key imported whole takes imported versions');
      if (material.kind === 'public' || (material.kind === 'secret') !== (record.keyClass === 'secret'))
        throw invalidArgument(`the material does not fit a ${record.spec} key`, 'material');
      const version = await this.claim(record, 'import');
      if (version === null) throw wrongKeyState('the key is being rotated by another request; retry');
      return this.makeVersion(record, version, meta, now, (backend, id, info, opts) => backend.import(id, info, material, opts));
    });
  }

  /** Turns automatic rotation on (every `periodMs`, first due one period from now) or off (null). */
  setRotation(ctx: OpContext, keyId: string, periodMs: number | null, now = Date.now(), consent: RotationConsent = {}): Promise<KeyRecord> {
    return this.host.run(ctx, 'set-rotation', keyId, async (meta) => {
      const record = await this.host.lookup(ctx, keyId, meta);
      if (periodMs !== null) {
        if (!Number.isSafeInteger(periodMs) || periodMs < MIN_ROTATION_PERIOD_MS) throw invalidArgument('the rotation period is at least one hour', 'period');
        checkRotatable(record, consent);
      }
      return this.host.change(record.id, { rotation: periodMs === null ? null : { periodMs, nextAt: now + periodMs } });
    });
  }

  /** Every version of the key, destroyed ones included, oldest first. */
  versions(ctx: OpContext, keyId: string): Promise<{ record: KeyRecord; versions: KeyVersionInfo[] }> {
    return this.host.run(ctx, 'list-versions', keyId, async (meta) => {
      const record = await this.host.lookup(ctx, keyId, meta);
      return { record, versions: await this.host.store.versionHistory(record.id) };
    });
  }

  /** Versions below `version` are kept but no longer decrypt or verify (Vault's min_decryption_version). */
  setMinDecryptVersion(ctx: OpContext, keyId: string, version: number): Promise<KeyRecord> {
    return this.host.run(ctx, 'set-min-decrypt-version', keyId, async (meta) => {
      const record = await this.host.lookup(ctx, keyId, meta);
      if (!Number.isInteger(version) || version < 1 || version > record.currentVersion)
        throw invalidArgument(`the minimum decryption version is 1 to ${record.currentVersion}`, 'version');
      const oldest = record.versions[0]?.version ?? record.currentVersion;
      if (version < oldest) throw invalidArgument(`versions below ${oldest} have been trimmed`, 'version');
      return this.host.change(record.id, { minDecryptVersion: version });
    });
  }

  /**
   * Destroys the material of every version below `below`, which may not exceed the minimum
   * decryption version (as Vault's trim): only versions nothing may use any more can go.
   */
  trim(ctx: OpContext, keyId: string, below: number): Promise<KeyRecord> {
    return this.host.run(ctx, 'trim-versions', keyId, async (meta) => {
      const record = await this.host.lookup(ctx, keyId, meta);
      meta.backend = record.backend;
      if (!Number.isInteger(below) || below < 1 || below > record.minDecryptVersion)
        throw invalidArgument(`versions can be trimmed up to the minimum decryption version (${record.minDecryptVersion})`, 'version');
      this.host.evict(record.id);
      const { record: next, trimmed } = await this.host.store.trimVersions(record.id, below);
      await this.destroyVersions(record, trimmed);
      return next;
    });
  }

  // ---- export --------------------------------------------------------------------------------

  /**
   * Lets the key's material leave from now on (Vault's `exportable` config, which cannot be
   * unset): one way, checked against the revision read, audited as `allow-export`. A key already
   * exportable is answered as it is. Versions made afterwards are made exportable; whether older
   * ones can leave is their backend's to say when exported (the software engine: yes; a PKCS#11
   * object made non-extractable never becomes extractable, so its export stays refused).
   */
  allowExport(ctx: OpContext, keyId: string): Promise<KeyRecord> {
    return this.host.run(ctx, 'allow-export', keyId, async (meta) => {
      const record = await this.host.lookup(ctx, keyId, meta);
      meta.backend = record.backend;
      if (record.keyClass === 'public') throw invalidArgument('a public key has no secret material to export', 'key');
      if (record.exportable) return record;
      this.host.evict(record.id);
      const next = await this.host.store.update(record.id, { exportable: true }, record.revision);
      if (!next) throw notFound();
      return next;
    });
  }

  // ---- aliases -------------------------------------------------------------------------------

  /** A new alias of the tenant for one of its keys; ALREADY_EXISTS if the name is taken. */
  createAlias(ctx: OpContext, name: string, keyId: string): Promise<KeyAlias> {
    return this.host.run(ctx, 'create-alias', keyId, async (meta) => {
      checkAliasName(name);
      const record = await this.host.lookup(ctx, keyId, meta);
      return this.host.aliases.create(ctx.tenantId, name, record.id);
    });
  }

  /** Points an existing alias at another key of the tenant. */
  updateAlias(ctx: OpContext, name: string, keyId: string): Promise<KeyAlias> {
    return this.host.run(ctx, 'update-alias', keyId, async (meta) => {
      checkAliasName(name);
      const record = await this.host.lookup(ctx, keyId, meta);
      if (!(await this.host.aliases.repoint(ctx.tenantId, name, record.id))) throw notFound(`alias '${name}' not found`);
      return (await this.host.aliases.find(ctx.tenantId, name))!;
    });
  }

  /** Creates the alias, or re-points it if it exists (the admin CLI's `alias set`). */
  async setAlias(ctx: OpContext, name: string, keyId: string): Promise<KeyAlias> {
    try {
      return await this.createAlias(ctx, name, keyId);
    } catch (err) {
      if (err instanceof KmsError && err.code === 'ALREADY_EXISTS') return this.updateAlias(ctx, name, keyId);
      throw err;
    }
  }

  deleteAlias(ctx: OpContext, name: string): Promise<void> {
    return this.host.run(ctx, 'delete-alias', null, async (meta) => {
      const alias = typeof name === 'string' ? await this.host.aliases.find(ctx.tenantId, name) : null;
      if (!alias) throw notFound(`alias '${String(name)}' not found`);
      meta.keyId = alias.keyId;
      await this.host.aliases.remove(ctx.tenantId, name);
    });
  }

  /** The tenant's aliases by name, or those of one key. */
  listAliases(ctx: OpContext, keyId?: string): Promise<KeyAlias[]> {
    return this.host.run(ctx, 'list-aliases', keyId ?? null, async (meta) => {
      const id = keyId === undefined ? undefined : (await this.host.lookup(ctx, keyId, meta)).id;
      return this.host.aliases.list(ctx.tenantId, id);
    });
  }

  // ---- scheduled deletion --------------------------------------------------------------------

  /**
   * The key becomes `pending_deletion` for a waiting period of 7 to 30 days (default 30, as AWS):
   * every cryptographic use is refused meanwhile, and the material is destroyed when it ends.
   */
  scheduleDeletion(ctx: OpContext, keyId: string, days: number = DELETION_WINDOW_DAYS.default, now = Date.now()): Promise<KeyRecord> {
    return this.host.run(ctx, 'schedule-deletion', keyId, async (meta) => {
      if (!Number.isInteger(days) || days < DELETION_WINDOW_DAYS.min || days > DELETION_WINDOW_DAYS.max)
        throw invalidArgument(`the waiting period is ${DELETION_WINDOW_DAYS.min} to ${DELETION_WINDOW_DAYS.max} days`, 'days');
      const record = await this.host.lookup(ctx, keyId, meta);
      if (!['enabled', 'disabled', 'pending_import'].includes(record.state)) throw wrongKeyState(`the key is ${record.state.replace('_', ' ')}`);
      return this.host.change(record.id, { state: 'pending_deletion', deletionAt: now + days * DAY_MS });
    });
  }

  /** Cancels a scheduled deletion; the key is left disabled (or still awaiting its material), as AWS does. */
  cancelDeletion(ctx: OpContext, keyId: string): Promise<KeyRecord> {
    return this.host.run(ctx, 'cancel-deletion', keyId, async (meta) => {
      const record = await this.host.lookup(ctx, keyId, meta);
      if (record.state !== 'pending_deletion') throw wrongKeyState(`the key is ${record.state.replace('_', ' ')}, not pending deletion`);
      const awaitingMaterial = record.origin === 'external' && record.backendRef === null;
      return this.host.change(record.id, { state: awaitingMaterial ? 'pending_import' : 'disabled', deletionAt: null });
    });
  }

  /**
   * Deletes a key's imported material (AWS DeleteImportedKeyMaterial): the key waits for its
   * material again (`pending_import`), and the material is destroyed on its backend.
   */
  deleteImportedMaterial(ctx: OpContext, keyId: string): Promise<KeyRecord> {
    return this.host.run(ctx, 'delete-imported-material', keyId, async (meta) => {
      const record = await this.host.lookup(ctx, keyId, meta);
      meta.backend = record.backend;
      if (record.origin !== 'external') throw unsupported('only keys whose material was imported can lose it');
      if (record.state !== 'enabled' && record.state !== 'disabled') throw wrongKeyState(`the key is ${record.state.replace('_', ' ')}`);
      const next = await this.host.change(record.id, { state: 'pending_import', backendRef: null, publicKey: null, expiresAt: null });
      await this.destroyVersions(record, record.versions);
      return next;
    });
  }

  // ---- tags and description ------------------------------------------------------------------

  tag(ctx: OpContext, keyId: string, tags: Record<string, string>): Promise<KeyRecord> {
    return this.host.run(ctx, 'tag', keyId, async (meta) => {
      const record = await this.host.lookup(ctx, keyId, meta);
      return this.host.change(record.id, { tags: checkTags({ ...record.tags, ...checkTags(tags) }) });
    });
  }

  untag(ctx: OpContext, keyId: string, names: string[]): Promise<KeyRecord> {
    return this.host.run(ctx, 'untag', keyId, async (meta) => {
      const record = await this.host.lookup(ctx, keyId, meta);
      const tags = { ...record.tags };
      for (const n of names) delete tags[n];
      return this.host.change(record.id, { tags });
    });
  }

  describe(ctx: OpContext, keyId: string, description: string | null): Promise<KeyRecord> {
    return this.host.run(ctx, 'describe', keyId, async (meta) => {
      const record = await this.host.lookup(ctx, keyId, meta);
      return this.host.change(record.id, { description: checkDescription(description) });
    });
  }

  // ---- the scheduler -------------------------------------------------------------------------

  /**
   * Carries out the deletions and rotations due at `now`, at most `limit` of each. The gateway
   * calls it on a timer; tests and `npm run cli -- lifecycle run --at <time>` pass their own
   * clock. Safe to run on every replica at once: each piece of work is claimed in the store.
   */
  async runDue(now = Date.now(), limit = 100): Promise<DueResult> {
    const out: DueResult = { rotated: [], destroyed: [] };
    for (const work of await this.host.store.due(now, limit)) {
      try {
        if (work.kind === 'deletion' ? await this.destroyIfDue(work.id, now) : await this.rotateIfDue(work.id, now)) {
          (work.kind === 'deletion' ? out.destroyed : out.rotated).push(work.id);
        }
      } catch (err) {
        // One key's failure (a token that is down) must not stop the others; its audit row says why.
        this.host.onInternalError(err, work.kind === 'deletion' ? 'scheduled-destroy' : 'scheduled-rotate');
      }
    }
    return out;
  }

  /** Destroys the material of every kept version (the key's metadata stays, as `destroyed`). */
  async destroyMaterial(record: KeyRecord): Promise<void> {
    this.host.evict(record.id);
    await this.host.aliases.removeAllOf(record.tenantId, record.id);
    await this.destroyVersions(record, record.versions);
  }

  private async destroyIfDue(id: string, now: number): Promise<boolean> {
    const record = await this.host.store.find(id);
    if (!record || record.state !== 'pending_deletion' || record.deletionAt === null || record.deletionAt > now) return false;
    // The revision check is the once-only gate: of several replicas, one moves the key on.
    try {
      this.host.evict(id);
      await this.host.store.update(id, { state: 'destroyed', backendRef: null }, record.revision);
    } catch (err) {
      if (err instanceof KmsError && err.code === 'WRONG_KEY_STATE') return false;
      throw err;
    }
    await this.host.run(schedulerCtx(record.tenantId), 'scheduled-destroy', id, async (meta) => {
      meta.backend = record.backend;
      await this.destroyMaterial(record);
    });
    return true;
  }

  private async rotateIfDue(id: string, now: number): Promise<boolean> {
    const record = await this.host.store.find(id);
    if (!record || record.state !== 'enabled' || !record.rotation || record.rotation.nextAt > now) return false;
    const version = await this.claim(record, 'scheduler');
    if (version === null) return false;
    await this.host.run(schedulerCtx(record.tenantId), 'scheduled-rotate', id, (meta) => this.makeVersion(record, version, meta, now, generated));
    return true;
  }

  /**
   * Claims the version after the current one; null when another rotation holds or made it. A
   * claim left by a process that died mid-rotation is released once it is stale, for a retry.
   * Staleness is wall-clock time since the claim was written (claimVersion stamps Date.now()),
   * never the scheduler's `now`, which names when work is due and may be ahead (`lifecycle run
   * --at`): judged by that, a live claim of another replica looks stale and is dropped under it.
   */
  private async claim(record: KeyRecord, madeBy: KeyVersionOrigin): Promise<number | null> {
    const version = record.currentVersion + 1;
    if (await this.host.store.claimVersion(record.id, version, madeBy)) return version;
    const held = (await this.host.store.versionHistory(record.id)).find((v) => v.version === version);
    if (held?.state === 'pending' && Date.now() - held.createdAt > STALE_CLAIM_MS) await this.host.store.dropClaim(record.id, version);
    return null;
  }

  /** Makes (or imports) the claimed version's material and records it as current; undoes both on failure. */
  private async makeVersion(record: KeyRecord, version: number, meta: OpMeta, now: number, make: VersionMaker): Promise<KeyRecord> {
    const backend = this.host.router.forKey(record);
    meta.backend = backend.name;
    const info = specInfo(record.spec);
    const id = materialId(record.id, version);
    let stored;
    try {
      stored = await make(backend, id, info, { exportable: record.exportable });
    } catch (err) {
      await this.host.store.dropClaim(record.id, version);
      throw err;
    }
    try {
      this.host.evict(record.id);
      const rotation = record.rotation ? { periodMs: record.rotation.periodMs, nextAt: now + record.rotation.periodMs } : null;
      return await this.host.store.commitVersion(record.id, version, stored, { rotation });
    } catch (err) {
      await backend.destroy({ id, spec: info, keyClass: record.keyClass, ...stored }).catch(() => {});
      await this.host.store.dropClaim(record.id, version).catch(() => {});
      throw err;
    }
  }

  private async destroyVersions(record: KeyRecord, versions: KeyRecord['versions']): Promise<void> {
    const backend = this.host.router.forKey(record);
    const info = specInfo(record.spec);
    for (const v of versions) {
      if (v.backendRef === null) continue;
      await backend.destroy({ id: materialId(record.id, v.version), spec: info, keyClass: record.keyClass, backendRef: v.backendRef, publicKey: v.publicKey });
    }
  }
}

/**
 * What may rotate: keys whose material the gateway made. Imported material has no successor we
 * could make, unless its owner agreed to one (`consent.importedMaterial`; a key still waiting for
 * its material has nothing to follow); a public key has no material of ours; SM4's modes (CBC,
 * CTR) carry neither a version nor a tag, so after a rotation nothing could tell which version
 * opens an old ciphertext.
 */
function checkRotatable(record: KeyRecord, consent: RotationConsent): void {
  if (record.state !== 'enabled' && record.state !== 'disabled') throw wrongKeyState(`the key is ${record.state.replace('_', ' ')}`);
  if (record.keyClass === 'public') throw unsupported('a public key has no material of ours to rotate');
  if (record.origin !== 'generated' && !(record.origin === 'imported' && consent.importedMaterial))
    throw unsupported('keys with imported material cannot be rotated: import the new material as a new key');
  if (specInfo(record.spec).family === 'sm4') throw unsupported('SM4 ciphertexts carry no version and no tag: an SM4 key cannot be rotated without losing its old ciphertexts');
}

export function checkTags(tags: unknown): Record<string, string> {
  if (typeof tags !== 'object' || tags === null || Array.isArray(tags)) throw invalidArgument('tags are a map of strings', 'tags');
  const entries = Object.entries(tags as Record<string, unknown>);
  if (entries.length > TAG_LIMITS.count) throw invalidArgument(`a key has at most ${TAG_LIMITS.count} tags`, 'tags');
  for (const [k, v] of entries) {
    if (k.length < 1 || k.length > TAG_LIMITS.key) throw invalidArgument(`a tag key is 1 to ${TAG_LIMITS.key} characters`, 'tags');
    if (typeof v !== 'string' || v.length > TAG_LIMITS.value) throw invalidArgument(`a tag value is a string of at most ${TAG_LIMITS.value} characters`, 'tags');
    if (k.includes('\u0000') || v.includes('\u0000')) throw invalidArgument('tags may not contain NUL', 'tags');
  }
  return Object.fromEntries(entries) as Record<string, string>;
}

export function checkDescription(description: unknown): string | null {
  if (description === null) return null;
  if (typeof description !== 'string' || description.length > TAG_LIMITS.description)
    throw invalidArgument(`a description is a string of at most ${TAG_LIMITS.description} characters`, 'description');
  if (description.includes('\u0000')) throw invalidArgument('a description may not contain NUL', 'description');
  return description;
}
