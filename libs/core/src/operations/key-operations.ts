import { randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import {
  CIPHER_ALGS,
  ASYM_SCHEMES,
  HASHES,
  MAC_HASHES,
  SIGN_SCHEMES,
  type AsymParams,
  type DecryptParams,
  type EncryptParams,
  type EncryptResult,
  type HashAlg,
  type MacKeyChoice,
  type SignParams,
  type WrapAlg,
} from '../algorithms';
import type { AuditWriter } from '../audit/audit-writer';
import type { CryptoBackend, KeyMaterial, LoadedKey } from '../backend';
import { KmsError, asKmsError, forbidden, invalidArgument, notFound, unsupported, wrongKeyState } from '../errors';
import { type KeyOrigin, type KeyRecord, type OpContext, UUID_RE, materialId } from '../key';
import type { AliasStore } from '../keys/alias-store';
import type { CachedKey, KeyCache } from '../keys/key-cache';
import { type CreateSealedRequest, type KeyAtVersion, type KeyRef, type SealedKey, decodeSealedBody, encodeSealedBody, storedKeyId } from '../keys/sealed-key';
import { type ConcatKdfParams, checkConcatKdf, concatKdf } from '../crypto/concat-kdf';
import { type SecretKdf, checkSecretKdf } from '../crypto/secret-kdf';
import { ephemeralAgreement } from '../crypto/ephemeral-ecdh';
import { newDataKeyPair } from '../crypto/data-key-pair';
import type { Sealer } from '../crypto/sealer';
import { type AgreedResults, type AgreedUse, type AgreementKdf, applyKdf, useAgreedKey } from '../crypto/agreement';
import type { KeyPatch, KeyStore } from '../keys/key-store';
import { KeyLifecycle, checkDescription, checkTags } from './key-lifecycle';
import { type Trial, TRIAL_LIMIT, trialFor } from './version-trial';
import { checkMacKey, checkSubkeyDecryption, checkSubkeyEncryption } from './subkey-checks';
import { checkExportable, copyMaterial } from './key-export';
import type { KmsMetrics } from '../metrics';
import type { BackendRouter } from '../router';
import { isUniqueViolation } from '../store/db-errors';
import { type KeyClass, type KeyUsage, type SpecInfo, checkUsages, specInfo } from '../specs';

export interface CreateKeyRequest {
  spec: string;
  usages?: KeyUsage[];
  label?: string | null;
  exportable?: boolean;
  attributes?: Record<string, unknown>;
  expiresAt?: number | null;
  /** `external`: create the record now, the material arrives later through importMaterial. */
  origin?: 'generated' | 'external';
  /** Keep an id chosen elsewhere (re-homing, linked JOSE public halves); a fresh UUID otherwise. */
  id?: string;
  description?: string | null;
  tags?: Record<string, string>;
  /** The backend to hold the key, instead of the routing rules' choice (a seed file pins its keys). */
  backend?: string;
}

export interface ImportKeyRequest extends Omit<CreateKeyRequest, 'origin'> {
  material: KeyMaterial;
}

/** A key resolved for one operation: its record, the version in use, spec, backend and ready-to-use material. */
function checkUsage(record: KeyRecord, usage: KeyUsage): void {
  if (!record.usages.includes(usage)) throw forbidden(`the key's usage does not allow ${usage}`);
}

interface Resolved {
  record: KeyRecord;
  version: number;
  info: SpecInfo;
  backend: CryptoBackend;
  loaded: LoadedKey;
}

/** What the canonical service is built from. */
export interface KeyOperationsDeps {
  store: KeyStore;
  aliases: AliasStore;
  cache: KeyCache;
  router: BackendRouter;
  audit: AuditWriter;
  metrics: KmsMetrics;
  onInternalError?: (err: unknown, op: string) => void;
  /** Seals self-contained key blobs (createSealed/openSealed); without it they are unsupported. */
  sealer?: Sealer;
}

/** The parts of the service that the lifecycle operations run on (see key-lifecycle.ts). */
export interface OperationHost {
  store: KeyStore;
  aliases: AliasStore;
  router: BackendRouter;
  run<T>(ctx: OpContext, op: string, keyId: string | null, fn: (meta: OpMeta) => Promise<T>): Promise<T>;
  lookup(ctx: OpContext, keyId: string, meta?: OpMeta): Promise<KeyRecord>;
  change(id: string, patch: KeyPatch): Promise<KeyRecord>;
  evict(id: string): void;
  onInternalError(err: unknown, op: string): void;
}

type Peer = { spki: Buffer } | { keyId: string };

/** What an operation learns about itself on the way, for its metrics and audit row. */
export interface OpMeta {
  backend: string | null;
  keyId: string | null;
}

/**
 * The one canonical key-operation service. Every dialect calls this; it is the single place that
 * checks tenant, key state and usage, picks the backend, and writes the audit record. Key lookups
 * come from the in-memory cache, so an operation on a key in use never reads the database.
 */
export class KeyOperations {
  private readonly loading = new Map<string, Promise<LoadedKey>>();
  private readonly store: KeyStore;
  private readonly aliases: AliasStore;
  private readonly cache: KeyCache;
  private readonly router: BackendRouter;
  private readonly audit: AuditWriter;
  private readonly metrics: KmsMetrics;
  private readonly onInternalError: (err: unknown, op: string) => void;
  private readonly sealer?: Sealer;
  /** Versions, rotation, aliases, scheduled deletion, tags: the same pipeline, in its own file. */
  readonly lifecycle: KeyLifecycle;

  constructor(deps: KeyOperationsDeps) {
    ({ store: this.store, aliases: this.aliases, cache: this.cache, router: this.router, audit: this.audit, metrics: this.metrics, sealer: this.sealer } = deps);
    this.onInternalError = deps.onInternalError ?? (() => {});
    this.lifecycle = new KeyLifecycle({
      store: this.store,
      aliases: this.aliases,
      router: this.router,
      run: (ctx, op, keyId, fn) => this.run(ctx, op, keyId, fn),
      lookup: (ctx, keyId, meta) => this.lookup(ctx, keyId, meta),
      change: (id, patch) => this.change(id, patch),
      evict: (id) => this.cache.evict(id),
      onInternalError: (err, op) => this.onInternalError(err, op),
    });
  }

  // ---- key lifecycle -------------------------------------------------------------------------

  async create(ctx: OpContext, req: CreateKeyRequest): Promise<KeyRecord> {
    return this.run(ctx, 'create', req.id ?? null, async (meta) => {
      const info = specInfo(req.spec);
      const keyClass: KeyClass = info.symmetric ? 'secret' : 'private';
      const usages = req.usages ?? [...info.defaultUsages];
      checkUsages(info, usages, keyClass);
      checkMetadata(req);
      const backend = req.backend ? this.router.forNewKeyOn(req.backend, info, keyClass) : this.router.forNewKey(ctx.tenantId, ctx.dialect, info, keyClass);
      meta.backend = backend.name;
      const id = (meta.keyId = req.id ?? randomUUID());
      await this.refuseTakenId(req.id);
      const external = req.origin === 'external';
      const exportable = req.exportable ?? false;
      const stored = external ? { backendRef: null, publicKey: null } : await backend.generate(id, info, { exportable });
      const record = this.newRecord(ctx, id, info, keyClass, usages, backend, external ? 'external' : 'generated', req, stored);
      return this.persist(record, backend);
    });
  }

  async import(ctx: OpContext, req: ImportKeyRequest): Promise<KeyRecord> {
    return this.run(ctx, 'import', req.id ?? null, async (meta) => {
      const info = specInfo(req.spec);
      const keyClass = classOf(req.material, info);
      const usages = req.usages ?? [...info.defaultUsages].filter((u) => keyClass !== 'public' || ['verify', 'encrypt', 'wrap', 'derive'].includes(u));
      checkUsages(info, usages.length ? usages : ['verify'], keyClass);
      checkMetadata(req);
      const backend = req.backend ? this.router.forNewKeyOn(req.backend, info, keyClass) : this.router.forNewKey(ctx.tenantId, ctx.dialect, info, keyClass);
      meta.backend = backend.name;
      const id = (meta.keyId = req.id ?? randomUUID());
      await this.refuseTakenId(req.id);
      const exportable = req.exportable ?? false;
      const stored = await backend.import(id, info, req.material, { exportable });
      const record = this.newRecord(ctx, id, info, keyClass, usages.length ? usages : ['verify'], backend, 'imported', req, stored);
      return this.persist(record, backend);
    });
  }

  /** Supplies the material of a key created with origin `external` (BYOK). */
  async importMaterial(ctx: OpContext, keyId: string, material: KeyMaterial, opts: { expiresAt?: number | null } = {}): Promise<KeyRecord> {
    return this.run(ctx, 'import-material', keyId, async (meta) => {
      const record = await this.lookup(ctx, keyId, meta);
      if (record.state !== 'pending_import') throw wrongKeyState('the key already has its material');
      const info = specInfo(record.spec);
      if (classOf(material, info) !== record.keyClass) throw invalidArgument('the material does not match the key', 'material');
      const backend = this.router.forKey(record);
      meta.backend = backend.name;
      const stored = await backend.import(record.id, info, material, { exportable: record.exportable });
      return this.change(record.id, { ...stored, state: 'enabled', ...(opts.expiresAt !== undefined ? { expiresAt: opts.expiresAt } : {}) });
    });
  }

  async get(ctx: OpContext, keyId: string): Promise<KeyRecord> {
    return this.lookup(ctx, keyId);
  }

  async list(ctx: OpContext, offset = 0, limit = 10000, opts: { includeInternal?: boolean } = {}): Promise<{ keys: KeyRecord[]; total: number }> {
    return this.run(ctx, 'list', null, () => this.store.list(ctx.tenantId, offset, limit, opts.includeInternal));
  }

  /**
   * Who holds a live key of this id: the caller, another tenant, or nobody. Some vendors word the
   * last two apart (eHSM: "appid error" against "keyid error"). The answer tells the caller that
   * another tenant's key exists, so every probe is audited under the caller, with the probed id and
   * the outcome FORBIDDEN (another tenant's) or NOT_FOUND (nobody's).
   */
  async holderOf(ctx: OpContext, keyId: string): Promise<'caller' | 'another-tenant' | 'nobody'> {
    try {
      await this.run(ctx, 'probe-holder', keyId, async () => {
        // As lookup(): no store query for an id no key can have (PostgreSQL refuses NUL in text).
        const record = keyId.length === 0 || keyId.length > 64 || keyId.includes('\u0000') ? null : await this.store.find(keyId);
        if (!record || record.state === 'destroyed') throw notFound();
        if (record.tenantId !== ctx.tenantId) throw forbidden('the key belongs to another tenant');
      });
      return 'caller';
    } catch (err) {
      const code = err instanceof KmsError ? err.code : null;
      if (code === 'NOT_FOUND') return 'nobody';
      if (code === 'FORBIDDEN') return 'another-tenant';
      throw err;
    }
  }

  /** The public half of the current version, or of the version asked for. */
  async getPublicKey(ctx: OpContext, keyId: string, version?: number): Promise<{ record: KeyRecord; spki: Buffer; version: number }> {
    return this.run(ctx, 'get-public-key', keyId, async (meta) => {
      const record = await this.lookup(ctx, keyId, meta);
      meta.backend = record.backend;
      const v = version ?? record.currentVersion;
      return { record, spki: publicKeyAt(record, v), version: v };
    });
  }

  /**
   * The sender's side of ECDH-ES (ephemeral-static, RFC 7518 §4.6): a one-time pair on the key's
   * curve, its agreement with the key's public half, and the Concat KDF. Only the public half is
   * used, which anyone may hold, so this checks what getPublicKey checks (the tenant's live key),
   * not the key's state or usage; the recipient's side does. A bare id agrees with the current
   * version's public half, a KeyAtVersion with that version's (one the key still decrypts with);
   * `keyVersion` says which, for formats that carry it.
   */
  ecdhEsSend(ctx: OpContext, keyId: string | KeyAtVersion, kdf: ConcatKdfParams): Promise<{ key: Buffer; ephemeralSpki: Buffer; keyVersion: number }> {
    return this.run(ctx, 'ecdh-es-send', storedKeyId(keyId), async (meta) => {
      const record = await this.lookup(ctx, typeof keyId === 'string' ? keyId : keyId.id, meta);
      meta.backend = record.backend;
      const version = typeof keyId === 'string' ? record.currentVersion : keyId.version;
      const spki = publicKeyAt(record, version);
      if (version < record.minDecryptVersion) throw invalidArgument(`version ${version} is below the key's minimum decryption version (${record.minDecryptVersion})`, 'version');
      checkConcatKdf(kdf);
      const { z, ephemeralSpki } = ephemeralAgreement(spki);
      try {
        return { key: concatKdf(z, kdf), ephemeralSpki, keyVersion: version };
      } finally {
        z.fill(0);
      }
    });
  }

  /**
   * The recipient's side of ECDH-ES: the key's private half agrees with the sender's ephemeral
   * public key (SPKI), then the Concat KDF, which answers the derived key. With `opens`, the
   * derived key is handed to it instead (and zeroed after), and its result is the answer: then a
   * bare key id tries the kept versions newest first until one opens, as decrypt does, since an
   * ECDH-ES ciphertext (JOSE with a bare `kid`) does not say which version's public half it was
   * made for. `opens` must authenticate what it opens (AEAD content, AES-KW), throwing
   * CRYPTO_FAILURE under a wrong key: the trial is safe only then. One operation, one audit row.
   */
  ecdhEsReceive(ctx: OpContext, keyId: KeyRef, ephemeralSpki: Buffer, kdf: ConcatKdfParams): Promise<Buffer>;
  ecdhEsReceive<T>(ctx: OpContext, keyId: KeyRef, ephemeralSpki: Buffer, kdf: ConcatKdfParams, opens: (key: Buffer) => T | Promise<T>): Promise<T>;
  ecdhEsReceive<T>(ctx: OpContext, keyId: KeyRef, ephemeralSpki: Buffer, kdf: ConcatKdfParams, opens?: (key: Buffer) => T | Promise<T>): Promise<T | Buffer> {
    const receive = async (k: Resolved): Promise<Buffer> => {
      checkConcatKdf(kdf);
      const z = await k.backend.deriveEcdh(k.loaded, ephemeralSpki);
      try {
        return concatKdf(z, kdf);
      } finally {
        z.fill(0);
      }
    };
    if (!opens) return this.withKey(ctx, 'ecdh-es-receive', keyId, 'derive', receive);
    const open = async (k: Resolved): Promise<T> => {
      const key = await receive(k);
      try {
        return await opens(key);
      } finally {
        key.fill(0);
      }
    };
    return this.withKey(ctx, 'ecdh-es-receive', keyId, 'derive', open, trialFor.opened);
  }

  async setEnabled(ctx: OpContext, keyId: string, enabled: boolean): Promise<KeyRecord> {
    return this.run(ctx, enabled ? 'enable' : 'disable', keyId, async (meta) => {
      const record = await this.lookup(ctx, keyId, meta);
      meta.backend = record.backend;
      if (record.state !== 'enabled' && record.state !== 'disabled') throw wrongKeyState(`the key is ${record.state}`);
      if (record.state === (enabled ? 'enabled' : 'disabled')) return record;
      return this.change(record.id, { state: enabled ? 'enabled' : 'disabled' });
    });
  }

  async updateAttributes(ctx: OpContext, keyId: string, patch: Record<string, unknown>): Promise<KeyRecord> {
    return this.run(ctx, 'update', keyId, async (meta) => {
      const record = await this.lookup(ctx, keyId, meta);
      return this.change(record.id, { attributes: { ...record.attributes, ...patch } });
    });
  }

  /** Destroys every version's material at once; the row stays as a tombstone for the audit trail. */
  async destroy(ctx: OpContext, keyId: string): Promise<void> {
    await this.run(ctx, 'destroy', keyId, async (meta) => {
      const record = await this.lookup(ctx, keyId, meta);
      meta.backend = record.backend;
      await this.change(record.id, { state: 'destroyed', backendRef: null });
      await this.lifecycle.destroyMaterial(record);
    });
  }

  /**
   * Re-homing: moves an exportable key to another backend under the same id, so every dialect
   * keeps finding it. The material leaves its backend through exportMaterial() and enters the
   * target wrapped where the target can take it so (`importWrapped`: C_UnwrapKey on a token);
   * then one row update switches backend and reference (the sealed copy goes with the old
   * reference) and bumps the version, which evicts the key from this process's cache at once and
   * from other processes' caches through the change feed or within the cache TTL. If the update
   * fails, the new copy is destroyed again.
   */
  async rehome(ctx: OpContext, keyId: string, target: string): Promise<KeyRecord> {
    return this.run(ctx, 'rehome', keyId, async (meta) => {
      const record = await this.lookup(ctx, keyId, meta);
      const from = this.router.forKey(record);
      meta.backend = from.name;
      const to = this.router.byName(target);
      const info = specInfo(record.spec);
      if (record.keyClass === 'public') throw invalidArgument('a public key holds nothing secret: it stays in the software engine', 'key');
      if (to.name === from.name) throw invalidArgument(`the key is already on backend '${to.name}'`, 'backend');
      if (record.state !== 'enabled' && record.state !== 'disabled') throw wrongKeyState(`the key is ${record.state.replace('_', ' ')}`);
      if (!record.exportable)
        throw forbidden(`the key is not exportable: its material may not leave backend '${from.name}', so it cannot be re-homed (create a new key on '${to.name}' instead)`);
      if (!to.canHold(info, record.keyClass)) throw unsupported(`key spec ${record.spec} is not supported by backend '${to.name}'`);
      if (record.versions.length > 1)
        throw wrongKeyState(`the key keeps ${record.versions.length} versions; re-homing moves one: trim the older versions first (key versions, then trim)`);
      // The one kept version moves under its own material id, so its CKA_ID / sealing binding stay derived from (key id, version).
      const mid = materialId(record.id, record.currentVersion);
      const loaded = await from.load({ id: mid, spec: info, keyClass: record.keyClass, backendRef: record.backendRef, publicKey: record.publicKey });
      const material = await from.exportMaterial(loaded);
      let stored;
      try {
        stored = to.importWrapped
          ? await to.importWrapped(mid, info, material, { exportable: record.exportable })
          : await to.import(mid, info, material, { exportable: record.exportable });
      } finally {
        if (material.kind === 'secret' || material.kind === 'raw-private') material.bytes.fill(0);
      }
      const ref = { id: mid, spec: info, keyClass: record.keyClass, backendRef: stored.backendRef, publicKey: stored.publicKey };
      if (record.publicKey && stored.publicKey && !record.publicKey.equals(stored.publicKey)) {
        await to.destroy(ref).catch(() => {});
        throw new KmsError('INTERNAL', 'the re-homed key does not have the same public key');
      }
      try {
        this.cache.evict(record.id);
        const next = await this.store.update(record.id, { backend: to.name, backendRef: stored.backendRef, publicKey: record.publicKey ?? stored.publicKey }, record.revision);
        if (!next) throw notFound();
        meta.backend = to.name;
        return next;
      } catch (err) {
        await to.destroy(ref).catch(() => {});
        throw err;
      }
    });
  }

  /**
   * The material of an exportable key's current version, or of the version named: its own
   * operation and audit row (`export`), on an enabled key whatever its usages. A key that is not
   * exportable is FORBIDDEN; the answer is the caller's copy, to zero when done.
   */
  exportKey(ctx: OpContext, keyId: KeyRef): Promise<{ material: KeyMaterial; keyId: string; keyVersion: number }> {
    return this.run(ctx, 'export', storedKeyId(keyId), async (meta) => {
      const k = await this.resolve(ctx, keyId, meta);
      checkExportable(k.record);
      return { material: copyMaterial(await k.backend.exportMaterial(k.loaded)), keyId: k.record.id, keyVersion: k.version };
    });
  }

  // ---- sealed keys (held by the client, never stored) -----------------------------------------

  /**
   * A new key whose only copy is the returned blob, sealed under the master key with the caller's
   * binding as AAD. Its material is made by the software engine whatever the routing rules say:
   * a token object would outlive every blob that names it, and nothing could ever delete it.
   */
  async createSealed(ctx: OpContext, req: CreateSealedRequest, aad: Buffer): Promise<Buffer> {
    return this.run(ctx, 'create-sealed', null, async (meta) => {
      const sealer = this.requireSealer();
      const info = specInfo(req.spec);
      const usages = req.usages ?? [...info.defaultUsages];
      checkUsages(info, usages, info.symmetric ? 'secret' : 'private');
      const backend = this.router.byName('soft');
      meta.backend = backend.name;
      const id = randomUUID();
      const stored = await backend.generate(id, info, { exportable: false });
      const body = { id, spec: info.spec, usages, ref: stored.backendRef ?? '', pub: stored.publicKey?.toString('base64') ?? null, at: Date.now() };
      return sealer.seal('key-blob', encodeSealedBody(body), aad);
    });
  }

  /**
   * Opens a blob of createSealed into a key of the caller's tenant; anything that fails to open
   * or parse is CRYPTO_FAILURE. `legacy` reads blobs of the earlier layout, whose payload is the
   * raw material of a key of that spec (the caller knows it from its own header).
   */
  async openSealed(ctx: OpContext, blob: Buffer, aad: Buffer, legacy?: { spec: string; usages: KeyUsage[] }): Promise<SealedKey> {
    try {
      return await this.unsealKey(ctx, blob, aad, legacy);
    } catch (err) {
      // A blob that does not open is a refusal worth its audit row (tampering, another app's blob).
      await this.refusal(ctx, 'open-sealed', asKmsError(err));
      throw err;
    }
  }

  /**
   * Audits (and meters) a request refused before any key was touched: by a dialect's own checks
   * (validation, a key of the wrong kind for the action) or here. One row, as any operation;
   * `keyId` names the key the request named, when it named one.
   */
  async refusal(ctx: OpContext, op: string, error: KmsError, keyId: string | null = null): Promise<void> {
    try {
      await this.run(ctx, op, keyId, () => Promise.reject(error));
    } catch (err) {
      if (err !== error) throw err;
    }
  }

  private async unsealKey(ctx: OpContext, blob: Buffer, aad: Buffer, legacy?: { spec: string; usages: KeyUsage[] }): Promise<SealedKey> {
    const sealer = this.requireSealer();
    const payload = sealer.open('key-blob', blob, aad);
    try {
      let body;
      try {
        body = decodeSealedBody(payload);
      } catch {
        throw new KmsError('CRYPTO_FAILURE', 'the sealed key is malformed');
      }
      const soft = this.router.byName('soft');
      if (!body) {
        if (!legacy) throw new KmsError('CRYPTO_FAILURE', 'the sealed key is malformed');
        const info = specInfo(legacy.spec);
        const id = randomUUID();
        const material: KeyMaterial = info.symmetric ? { kind: 'secret', bytes: payload } : { kind: 'pkcs8', der: payload };
        const stored = await soft.import(id, info, material, { exportable: false });
        body = { id, spec: info.spec, usages: legacy.usages, ref: stored.backendRef ?? '', pub: stored.publicKey?.toString('base64') ?? null, at: 0 };
      }
      const info = specInfo(body.spec);
      const keyClass: KeyClass = info.symmetric ? 'secret' : 'private';
      const stored = { backendRef: body.ref, publicKey: body.pub ? Buffer.from(body.pub, 'base64') : null };
      const record = this.newRecord(ctx, body.id, info, keyClass, body.usages, soft, 'generated', {}, stored);
      return { kind: 'sealed', record: { ...record, createdAt: body.at, updatedAt: body.at } };
    } finally {
      payload.fill(0);
    }
  }

  private requireSealer(): Sealer {
    if (!this.sealer) throw unsupported('sealed keys are not configured');
    return this.sealer;
  }

  // ---- crypto --------------------------------------------------------------------------------

  /**
   * Encrypts under the current version (or the one named). `keyId` and `keyVersion` say which key
   * (an alias resolved) and version, for formats that carry them (AWS blobs, Vault's prefix).
   * With `derive`, under the version's subkey for that context (algorithms.ts, SubkeyEncryption).
   */
  encrypt(ctx: OpContext, keyId: KeyRef, p: EncryptParams): Promise<EncryptResult & { keyId: string; keyVersion: number }> {
    return this.withKey(ctx, 'encrypt', keyId, 'encrypt', async (k) => {
      checkAead(k.info, p.alg, p.iv, p.plaintext);
      checkSubkeyEncryption(p.alg, p);
      return Object.assign(await k.backend.encrypt(k.loaded, p), { keyId: k.record.id, keyVersion: k.version });
    });
  }

  /**
   * A fresh random data key of `length` bytes sealed under the key: the envelope-encryption
   * primitive (eHSM GenerateDataKey, KMS-style data keys). One operation, one audit row.
   */
  generateDataKey(
    ctx: OpContext,
    keyId: KeyRef,
    p: Omit<EncryptParams, 'plaintext'> & { length: number },
  ): Promise<{ dataKey: Buffer; sealed: EncryptResult; keyId: string; keyVersion: number }> {
    return this.withKey(ctx, 'generate-data-key', keyId, 'encrypt', async (k) => {
      if (!Number.isInteger(p.length) || p.length < 1 || p.length > 65536) throw invalidArgument('length must be 1..65536', 'length');
      checkAead(k.info, p.alg, p.iv);
      checkSubkeyEncryption(p.alg, p);
      const dataKey = randomBytes(p.length);
      const sealed = await k.backend.encrypt(k.loaded, { alg: p.alg, iv: p.iv, aad: p.aad, derive: p.derive, plaintext: dataKey });
      return { dataKey, sealed, keyId: k.record.id, keyVersion: k.version };
    });
  }

  /**
   * A fresh key pair of `spec` whose private half (PKCS#8 DER) is sealed under the key: AWS
   * GenerateDataKeyPair. The pair is made here, never held by a backend; one operation, one row.
   */
  generateDataKeyPair(
    ctx: OpContext,
    keyId: KeyRef,
    p: Omit<EncryptParams, 'plaintext'> & { spec: string },
  ): Promise<{ privateKey: Buffer; publicKey: Buffer; sealed: EncryptResult; keyId: string; keyVersion: number }> {
    return this.withKey(ctx, 'generate-data-key-pair', keyId, 'encrypt', async (k) => {
      checkAead(k.info, p.alg, p.iv);
      checkSubkeyEncryption(p.alg, p);
      const pair = await newDataKeyPair(specInfo(p.spec));
      try {
        const sealed = await k.backend.encrypt(k.loaded, { alg: p.alg, iv: p.iv, aad: p.aad, derive: p.derive, plaintext: pair.pkcs8 });
        return { privateKey: pair.pkcs8, publicKey: pair.spki, sealed, keyId: k.record.id, keyVersion: k.version };
      } catch (err) {
        pair.pkcs8.fill(0);
        throw err;
      }
    });
  }

  /**
   * A bare key id tries the kept versions newest first when the mode authenticates (a wrong
   * version fails its tag); an unauthenticated mode (CBC, ECB, CTR) cannot tell a wrong version
   * from garbage, so it uses the current version only. See version-trial.ts. With `derive`, each
   * version tried opens under its own subkey for the context.
   */
  decrypt(ctx: OpContext, keyId: KeyRef, p: DecryptParams): Promise<Buffer> {
    return this.withKey(
      ctx,
      'decrypt',
      keyId,
      'decrypt',
      (k) => {
        checkAead(k.info, p.alg, p.iv, p.ciphertext);
        checkSubkeyDecryption(p.alg, p.derive);
        return k.backend.decrypt(k.loaded, p);
      },
      trialFor.decrypt(p.alg),
    );
  }

  asymEncrypt(ctx: OpContext, keyId: KeyRef, p: AsymParams, plaintext: Buffer): Promise<Buffer> {
    return this.withKey(ctx, 'asym-encrypt', keyId, 'encrypt', (k) => {
      checkScheme(ASYM_SCHEMES, k.info, p.scheme);
      return k.backend.asymEncrypt(k.loaded, p, plaintext);
    });
  }

  asymDecrypt(ctx: OpContext, keyId: KeyRef, p: AsymParams, ciphertext: Buffer): Promise<Buffer> {
    return this.withKey(
      ctx,
      'asym-decrypt',
      keyId,
      'decrypt',
      (k) => {
        checkScheme(ASYM_SCHEMES, k.info, p.scheme);
        return k.backend.asymDecrypt(k.loaded, p, ciphertext);
      },
      trialFor.asymDecrypt(p.scheme),
    );
  }

  sign(ctx: OpContext, keyId: KeyRef, p: SignParams, data: Buffer): Promise<Buffer> {
    return this.withKey(ctx, 'sign', keyId, 'sign', (k) => {
      checkSign(k.info, p, data);
      return k.backend.sign(k.loaded, p, data);
    });
  }

  /** sign(), saying which version signed, for formats that carry it (Vault's `vault:v<N>:`). */
  signVersioned(ctx: OpContext, keyId: KeyRef, p: SignParams, data: Buffer): Promise<{ signature: Buffer; keyVersion: number }> {
    return this.withKey(ctx, 'sign', keyId, 'sign', async (k) => {
      checkSign(k.info, p, data);
      return { signature: await k.backend.sign(k.loaded, p, data), keyVersion: k.version };
    });
  }

  /** A bare key id verifies against each kept version, newest first: a signature made before a rotation stays valid. */
  verify(ctx: OpContext, keyId: KeyRef, p: SignParams, data: Buffer, signature: Buffer): Promise<boolean> {
    return this.withKey(
      ctx,
      'verify',
      keyId,
      'verify',
      (k) => {
        checkSign(k.info, p, data);
        return k.backend.verify(k.loaded, p, data, signature);
      },
      trialFor.verify,
    );
  }

  /** HMAC with an HMAC key, or (`key` = 'hmac-subkey') with an AES or ChaCha20 key's HMAC subkey; the `mac` usage either way. */
  mac(ctx: OpContext, keyId: KeyRef, hash: HashAlg, data: Buffer, key: MacKeyChoice = 'key'): Promise<Buffer> {
    return this.withKey(ctx, 'mac', keyId, 'mac', (k) => {
      checkMacHash(hash);
      checkMacKey(k.info, key);
      return k.backend.mac(k.loaded, hash, data, key);
    });
  }

  /** Recomputes the MAC and compares in constant time. */
  macVerify(ctx: OpContext, keyId: KeyRef, hash: HashAlg, data: Buffer, mac: Buffer, key: MacKeyChoice = 'key'): Promise<boolean> {
    return this.withKey(
      ctx,
      'mac-verify',
      keyId,
      'mac',
      async (k) => {
        checkMacHash(hash);
        checkMacKey(k.info, key);
        const expected = await k.backend.mac(k.loaded, hash, data, key);
        return expected.length === mac.length && timingSafeEqual(expected, mac);
      },
      trialFor.verify,
    );
  }

  /** Raw ECDH shared secret with a peer given as SPKI or as another key of the same tenant. */
  deriveEcdh(ctx: OpContext, keyId: string, peer: Peer): Promise<Buffer> {
    return this.withKey(ctx, 'derive', keyId, 'derive', (k) => this.sharedSecret(ctx, k, peer));
  }

  /**
   * ECDH with a peer, a KDF over the secret, and one use of the key that yields, as one operation
   * (Encedo's ECDH mode of cipher, wrap and HMAC, and its hashed `ecdh`). The secret and the agreed
   * key are zeroed here; only `secret` answers with the agreed key, since that is what it asks for.
   */
  agree<U extends AgreedUse>(ctx: OpContext, keyId: string, peer: Peer, kdf: AgreementKdf, use: U): Promise<AgreedResults[U['op']]> {
    return this.withKey(ctx, `ecdh-${use.op}`, keyId, 'derive', async (k) => {
      const key = await this.agreedKey(ctx, k, peer, kdf);
      try {
        return useAgreedKey(key, use);
      } finally {
        key.fill(0);
      }
    });
  }

  /**
   * A new secret key from ECDH with a peer and a KDF, stored under the id the caller chose (a
   * derivation names its key, so a repeat is ALREADY_EXISTS, refused before any work). One
   * operation and one audit row, on the new key; the material never leaves the core.
   */
  deriveKey(ctx: OpContext, keyId: string, peer: Peer, kdf: AgreementKdf, req: Omit<CreateKeyRequest, 'origin'> & { id: string }): Promise<KeyRecord> {
    return this.run(ctx, 'derive-key', req.id, async (meta) => {
      await this.refuseTakenId(req.id);
      const info = specInfo(req.spec);
      if (!info.symmetric) throw unsupported(`${info.spec} keys cannot be derived`);
      const usages = req.usages ?? [...info.defaultUsages];
      checkUsages(info, usages, 'secret');
      const source = await this.resolve(ctx, keyId, meta);
      // The row names the derived key, not its source.
      meta.keyId = req.id;
      if (!source.record.usages.includes('derive')) throw forbidden("the key's usage does not allow derive");
      const bytes = await this.agreedKey(ctx, source, peer, kdf);
      try {
        const backend = this.router.forNewKey(ctx.tenantId, ctx.dialect, info, 'secret');
        meta.backend = backend.name;
        const stored = await backend.import(req.id, info, { kind: 'secret', bytes }, { exportable: req.exportable ?? false });
        return await this.persist(this.newRecord(ctx, req.id, info, 'secret', usages, backend, 'imported', req, stored), backend);
      } finally {
        bytes.fill(0);
      }
    });
  }

  /**
   * A new secret key derived from a stored secret key by PBKDF2 or HMAC (KMIP Derive Key). The
   * base key needs the `derive` usage; its backend runs the KDF (UNSUPPORTED where it cannot), and
   * the derived bytes are imported into the backend the routing rules pick for the new key, then
   * zeroed: they never reach the caller. One operation and one audit row, on the new key.
   */
  deriveFromKey(ctx: OpContext, baseKeyId: string, kdf: SecretKdf, req: Omit<CreateKeyRequest, 'origin'>): Promise<KeyRecord> {
    return this.run(ctx, 'derive-key', req.id ?? null, async (meta) => {
      await this.refuseTakenId(req.id);
      const info = specInfo(req.spec);
      if (!info.symmetric) throw unsupported(`${info.spec} keys cannot be derived`);
      const usages = req.usages ?? [...info.defaultUsages];
      checkUsages(info, usages, 'secret');
      checkMetadata(req);
      checkSecretKdf(kdf, info.bits / 8);
      const source = await this.resolve(ctx, baseKeyId, meta);
      // The row names the derived key, not its source.
      const id = (meta.keyId = req.id ?? randomUUID());
      if (source.record.keyClass !== 'secret') throw unsupported(`${kdf.kind} derives from secret keys, not ${source.record.spec} keys`);
      checkUsage(source.record, 'derive');
      // The derived key is a function of the base key: export would hand out what the base key's owner chose to keep in.
      if (req.exportable && !source.record.exportable) throw forbidden('a key derived from a key that is not exportable cannot be exportable');
      if (!source.backend.deriveSecret) throw unsupported(`the ${source.backend.name} backend cannot derive keys from a stored secret`);
      const bytes = await source.backend.deriveSecret(source.loaded, kdf, info.bits / 8);
      try {
        const backend = this.router.forNewKey(ctx.tenantId, ctx.dialect, info, 'secret');
        meta.backend = backend.name;
        const stored = await backend.import(id, info, { kind: 'secret', bytes }, { exportable: req.exportable ?? false });
        return await this.persist(this.newRecord(ctx, id, info, 'secret', usages, backend, 'imported', req, stored), backend);
      } finally {
        bytes.fill(0);
      }
    });
  }

  /**
   * Audits (and meters) a request that succeeded without touching a key: a login, a read of the
   * audit trail. The dialect names the event through `ctx.event`, as for any operation.
   */
  async succeeded(ctx: OpContext, op: string): Promise<void> {
    await this.run(ctx, op, null, () => Promise.resolve());
  }

  private async sharedSecret(ctx: OpContext, k: Resolved, peer: Peer): Promise<Buffer> {
    let spki: Buffer;
    if ('keyId' in peer) {
      const other = await this.lookup(ctx, peer.keyId);
      if (other.spec !== k.record.spec) throw invalidArgument('the peer key is of another type', 'peer');
      if (!other.publicKey) throw invalidArgument('the peer key has no public part', 'peer');
      spki = other.publicKey;
    } else {
      spki = peer.spki;
    }
    return k.backend.deriveEcdh(k.loaded, spki);
  }

  private async agreedKey(ctx: OpContext, k: Resolved, peer: Peer, kdf: AgreementKdf): Promise<Buffer> {
    const secret = await this.sharedSecret(ctx, k, peer);
    try {
      return applyKdf(secret, kdf);
    } finally {
      secret.fill(0);
    }
  }

  wrap(ctx: OpContext, keyId: KeyRef, alg: WrapAlg, data: Buffer): Promise<Buffer> {
    return this.withKey(ctx, 'wrap', keyId, 'wrap', (k) => {
      checkWrap(k.info, alg, data, 'wrap');
      return k.backend.wrap(k.loaded, alg, data);
    });
  }

  /** AES-KW and AES-KWP check their integrity value, so a bare key id tries the kept versions. */
  unwrap(ctx: OpContext, keyId: KeyRef, alg: WrapAlg, data: Buffer): Promise<Buffer> {
    return this.withKey(
      ctx,
      'unwrap',
      keyId,
      'unwrap',
      (k) => {
        checkWrap(k.info, alg, data, 'unwrap');
        return k.backend.unwrap(k.loaded, alg, data);
      },
      trialFor.unwrap,
    );
  }

  /** ML-KEM encapsulation to the key's public half: a fresh shared secret and its ciphertext. */
  encapsulate(ctx: OpContext, keyId: string): Promise<{ sharedSecret: Buffer; ciphertext: Buffer }> {
    return this.withKey(ctx, 'encapsulate', keyId, 'encrypt', (k) => {
      if (k.info.family !== 'ml-kem') throw unsupported(`${k.info.spec} keys cannot encapsulate`);
      if (!k.backend.encapsulate) throw unsupported(`the ${k.backend.name} backend has no ML-KEM`);
      return k.backend.encapsulate(k.loaded);
    });
  }

  /** ML-KEM decapsulation; the ciphertext must have the parameter set's exact length. */
  decapsulate(ctx: OpContext, keyId: string, ciphertext: Buffer): Promise<Buffer> {
    return this.withKey(ctx, 'decapsulate', keyId, 'decrypt', (k) => {
      if (k.info.family !== 'ml-kem') throw unsupported(`${k.info.spec} keys cannot decapsulate`);
      const want = ML_KEM_CIPHERTEXT[k.info.spec];
      if (ciphertext.length !== want) throw invalidArgument(`the ciphertext must be ${want} bytes`, 'ciphertext');
      if (!k.backend.decapsulate) throw unsupported(`the ${k.backend.name} backend has no ML-KEM`);
      return k.backend.decapsulate(k.loaded, ciphertext);
    });
  }

  /**
   * Every check an operation with `usage` on the key would make (tenant, state, expiry, version,
   * usage) without loading or using its material: a dry run (AWS's DryRun). Audited as
   * `<usage>-dry-run`.
   */
  authorize(ctx: OpContext, keyId: string | KeyAtVersion, usage: KeyUsage): Promise<void> {
    return this.run(ctx, `${usage}-dry-run`, storedKeyId(keyId), async (meta) => {
      checkUsage((await this.usable(ctx, keyId, meta)).record, usage);
    });
  }

  random(ctx: OpContext, length: number): Promise<Buffer> {
    return this.run(ctx, 'random', null, async () => {
      if (!Number.isInteger(length) || length < 1 || length > 65536) throw invalidArgument('length must be 1..65536', 'length');
      return randomBytes(length);
    });
  }

  // ---- internals -----------------------------------------------------------------------------

  /**
   * Runs an operation on an enabled key the caller may use for `usage`. With a trial, a bare key
   * id (no version named) also tries the key's older kept versions, newest first, when the
   * current one does not open or verify (see version-trial.ts).
   */
  private withKey<T>(ctx: OpContext, op: string, keyId: KeyRef, usage: KeyUsage, fn: (k: Resolved) => Promise<T> | T, trial?: Trial<T>): Promise<T> {
    return this.run(ctx, op, storedKeyId(keyId), async (meta) => {
      const k = await this.resolve(ctx, keyId, meta);
      checkUsage(k.record, usage);
      if (!trial || typeof keyId !== 'string' || k.record.versions.length < 2) return fn(k);
      return this.tryVersions(k, fn, trial);
    });
  }

  private async tryVersions<T>(k: Resolved, fn: (k: Resolved) => Promise<T> | T, trial: Trial<T>): Promise<T> {
    const versions = k.record.versions
      .map((v) => v.version)
      .filter((v) => v >= k.record.minDecryptVersion)
      .sort((a, b) => b - a)
      .slice(0, TRIAL_LIMIT);
    let firstFailure: { err: unknown } | null = null;
    let firstResult: { value: T } | null = null;
    for (const v of versions) {
      const kv = v === k.version ? k : { ...k, version: v, loaded: await this.loadVersion(k.record, k.backend, k.info, v) };
      try {
        const value = await fn(kv);
        if (trial.accepts(value)) return value;
        firstResult ??= { value };
      } catch (err) {
        if (!trial.retries(err)) throw err;
        firstFailure ??= { err };
      }
    }
    if (firstResult) return firstResult.value;
    throw firstFailure ? firstFailure.err : wrongKeyState('no version of the key may decrypt');
  }

  /** Times, meters and audits one operation; the answer waits for its audit row to commit. */
  private async run<T>(ctx: OpContext, op: string, keyId: string | null, fn: (meta: OpMeta) => Promise<T>): Promise<T> {
    const start = performance.now();
    const meta: OpMeta = { backend: null, keyId };
    let result: T | undefined;
    let error: KmsError | null = null;
    try {
      result = await fn(meta);
    } catch (err) {
      error = asKmsError(err);
      if (error.code === 'INTERNAL') this.onInternalError(err, op);
    }
    const seconds = (performance.now() - start) / 1000;
    const outcome = error ? error.code : 'ok';
    this.metrics.observe(ctx.dialect, op, meta.backend, outcome, seconds);
    try {
      await this.audit.record({
        at: Date.now(),
        tenantId: ctx.tenantId,
        dialect: ctx.dialect,
        operation: op,
        keyId: meta.keyId && meta.keyId.length <= 36 ? meta.keyId : null,
        backend: meta.backend,
        outcome,
        latencyUs: Math.round(seconds * 1e6),
        principal: ctx.principal ?? null,
        event: typeof ctx.event === 'function' ? ctx.event(outcome, result) : (ctx.event ?? null),
      });
    } catch (err) {
      this.onInternalError(err, 'audit');
      throw new KmsError('INTERNAL', 'the audit record could not be written');
    }
    if (error) throw error;
    return result as T;
  }

  /**
   * The record of a live key of this tenant, named by its id or by one of the tenant's aliases;
   * another tenant's key is reported as not found. `meta` learns the key id an alias named.
   */
  private async lookup(ctx: OpContext, keyId: string, meta?: OpMeta): Promise<KeyRecord> {
    // NUL never appears in an id or alias, and PostgreSQL refuses it in text: not found, not a 500.
    if (typeof keyId !== 'string' || keyId.length === 0 || keyId.length > 256 || keyId.includes('\u0000')) throw notFound();
    const now = Date.now();
    const hit = this.cache.get(keyId);
    let record: KeyRecord | null;
    if (hit && this.cache.isFresh(hit, now)) record = hit.record;
    else if (UUID_RE.test(keyId)) record = await this.fetch(keyId, hit, now);
    else {
      // Not of a key id's form: an alias (resolved from the alias cache), or an id chosen elsewhere.
      const id = await this.aliases.resolve(ctx.tenantId, keyId, now);
      record = id ? await this.lookupId(id, now) : keyId.length <= 64 ? await this.fetch(keyId, hit, now) : null;
    }
    if (!record || record.tenantId !== ctx.tenantId || record.state === 'destroyed') throw notFound();
    if (meta) meta.keyId = record.id;
    return record;
  }

  private async lookupId(id: string, now: number): Promise<KeyRecord | null> {
    const hit = this.cache.get(id);
    return hit && this.cache.isFresh(hit, now) ? hit.record : this.fetch(id, hit, now);
  }

  /** Reads a record from the store into the cache, keeping loaded material whose revision is unchanged. */
  private async fetch(keyId: string, entry: CachedKey | undefined, now: number): Promise<KeyRecord | null> {
    const record = await this.store.find(keyId);
    if (!record) {
      this.cache.evict(keyId);
      return null;
    }
    const same = entry && entry.record.revision === record.revision;
    this.cache.set(keyId, { record, loaded: same ? entry.loaded : null, older: same ? entry.older : undefined, checkedAt: now });
    return record;
  }

  private async resolve(ctx: OpContext, keyId: KeyRef, meta: OpMeta): Promise<Resolved> {
    if (typeof keyId !== 'string' && keyId.kind === 'sealed') return this.resolveSealed(ctx, keyId, meta);
    const { record, version } = await this.usable(ctx, keyId, meta);
    const backend = this.router.forKey(record);
    const info = specInfo(record.spec);
    if (version === record.currentVersion) return { record, version, info, backend, loaded: await this.loadCurrent(record, backend, info) };
    return { record, version, info, backend, loaded: await this.loadVersion(record, backend, info, version) };
  }

  /** The live, enabled, unexpired key of this tenant and the version an operation would use, checked without loading its material. */
  private async usable(ctx: OpContext, keyId: string | KeyAtVersion, meta: OpMeta): Promise<{ record: KeyRecord; version: number }> {
    let record = await this.lookup(ctx, typeof keyId === 'string' ? keyId : keyId.id, meta);
    if (typeof keyId !== 'string' && keyId.version > record.currentVersion) {
      // A version newer than the cached record knows: another replica rotated and its change
      // notice has not arrived yet. Read the record again rather than refuse a valid version.
      this.cache.evict(record.id);
      record = await this.lookup(ctx, record.id, meta);
    }
    meta.backend = record.backend;
    if (record.state !== 'enabled') throw wrongKeyState(`the key is ${record.state.replace('_', ' ')}`);
    if (record.expiresAt !== null && record.expiresAt <= Date.now()) throw wrongKeyState('the key has expired');
    const version = typeof keyId === 'string' ? record.currentVersion : keyId.version;
    if (version === record.currentVersion) return { record, version };
    if (!record.versions.some((v) => v.version === version)) throw invalidArgument(`the key has no version ${version}`, 'version');
    if (version < record.minDecryptVersion) throw invalidArgument(`version ${version} is below the key's minimum decryption version (${record.minDecryptVersion})`, 'version');
    return { record, version };
  }

  /** The current version's material, loaded once per revision and shared by concurrent callers. */
  private async loadCurrent(record: KeyRecord, backend: CryptoBackend, info: SpecInfo): Promise<LoadedKey> {
    const entry = this.cache.get(record.id);
    if (entry?.loaded && entry.record.revision === record.revision) return entry.loaded;
    const loaded = await this.loadOnce(record, backend, info, record.currentVersion, record.backendRef, record.publicKey);
    const current = this.cache.get(record.id);
    if (current && current.record.revision === record.revision) current.loaded = loaded;
    return loaded;
  }

  /** An older version's material, cached beside the current one until the record changes. */
  private async loadVersion(record: KeyRecord, backend: CryptoBackend, info: SpecInfo, version: number): Promise<LoadedKey> {
    const entry = this.cache.get(record.id);
    const same = entry && entry.record.revision === record.revision;
    const hit = same ? entry.older?.get(version) : undefined;
    if (hit) return hit;
    const v = record.versions.find((x) => x.version === version);
    if (!v) throw invalidArgument(`the key has no version ${version}`, 'version');
    const loaded = await this.loadOnce(record, backend, info, version, v.backendRef, v.publicKey);
    const current = this.cache.get(record.id);
    if (current && current.record.revision === record.revision) (current.older ??= new Map()).set(version, loaded);
    return loaded;
  }

  private loadOnce(record: KeyRecord, backend: CryptoBackend, info: SpecInfo, version: number, backendRef: string | null, publicKey: Buffer | null): Promise<LoadedKey> {
    // Keyed by version: a load of the version that was current before a rotation is never handed out as the new one.
    const id = materialId(record.id, version);
    let pending = this.loading.get(id);
    if (!pending) {
      pending = backend.load({ id, spec: info, keyClass: record.keyClass, backendRef, publicKey });
      this.loading.set(id, pending);
      pending.finally(() => this.loading.delete(id)).catch(() => {});
    }
    return pending;
  }

  /** A sealed key is loaded per operation (its blob is the only copy: nothing to cache it under). */
  private async resolveSealed(ctx: OpContext, key: SealedKey, meta: OpMeta): Promise<Resolved> {
    const record = key.record;
    if (record.tenantId !== ctx.tenantId) throw notFound();
    meta.backend = record.backend;
    const backend = this.router.forKey(record);
    const info = specInfo(record.spec);
    const loaded = await backend.load({ id: record.id, spec: info, keyClass: record.keyClass, backendRef: record.backendRef, publicKey: record.publicKey });
    return { record, version: 1, info, backend, loaded };
  }

  private newRecord(
    ctx: OpContext,
    id: string,
    info: SpecInfo,
    keyClass: KeyClass,
    usages: KeyUsage[],
    backend: CryptoBackend,
    origin: KeyOrigin,
    req: Pick<CreateKeyRequest, 'label' | 'exportable' | 'expiresAt' | 'attributes' | 'description' | 'tags'>,
    stored: { backendRef: string | null; publicKey: Buffer | null },
  ): KeyRecord {
    const now = Date.now();
    return {
      id,
      tenantId: ctx.tenantId,
      spec: info.spec,
      keyClass,
      usages,
      state: origin === 'external' ? 'pending_import' : 'enabled',
      origin,
      backend: backend.name,
      backendRef: stored.backendRef,
      publicKey: stored.publicKey,
      currentVersion: 1,
      minDecryptVersion: 1,
      versions: [{ version: 1, backendRef: stored.backendRef, publicKey: stored.publicKey, createdAt: now }],
      rotation: null,
      description: req.description ?? null,
      tags: req.tags ?? {},
      label: req.label ?? null,
      exportable: req.exportable ?? false,
      createdAt: now,
      updatedAt: now,
      expiresAt: req.expiresAt ?? null,
      deletionAt: null,
      attributes: req.attributes ?? {},
      revision: 1,
    };
  }

  /**
   * A chosen id already in the store is refused before the backend makes anything: undoing a
   * duplicate afterwards destroys by id, which on a token would take the existing key's object
   * too. Two requests racing for one new id still meet on the primary key in persist().
   */
  private async refuseTakenId(id: string | undefined): Promise<void> {
    if (id !== undefined && (await this.store.find(id))) throw new KmsError('ALREADY_EXISTS', 'a key with this id already exists');
  }

  /** Acknowledge after commit: the record is reported only once its row is written. */
  private async persist(record: KeyRecord, backend: CryptoBackend): Promise<KeyRecord> {
    try {
      // PostgreSQL refuses NUL in text; refused alike on every store.
      if (record.id.includes('\u0000')) throw invalidArgument('a key id may not contain NUL', 'id');
      if (record.label?.includes('\u0000')) throw invalidArgument('a label may not contain NUL', 'label');
      await this.store.insert(record);
    } catch (err) {
      // Leave nothing behind on the backend for a key the store never knew.
      if (record.backendRef !== null) {
        await backend
          .destroy({ id: record.id, spec: specInfo(record.spec), keyClass: record.keyClass, backendRef: record.backendRef, publicKey: record.publicKey })
          .catch(() => {});
      }
      if (isUniqueViolation(err)) {
        throw new KmsError('ALREADY_EXISTS', 'a key with this id already exists');
      }
      throw err;
    }
    this.cache.set(record.id, { record, loaded: null, checkedAt: Date.now() });
    return record;
  }

  private async change(id: string, patch: KeyPatch): Promise<KeyRecord> {
    this.cache.evict(id);
    const next = await this.store.update(id, patch);
    if (!next) throw notFound();
    return next;
  }
}

/** A version's public half (SPKI): the current one's from the record itself, an older one's from its versions. */
function publicKeyAt(record: KeyRecord, version: number): Buffer {
  const spki = version === record.currentVersion ? record.publicKey : record.versions.find((x) => x.version === version)?.publicKey;
  if (spki === undefined) throw invalidArgument(`the key has no version ${version}`, 'version');
  if (!spki) throw invalidArgument('the key has no public part', 'keyId');
  return spki;
}

function checkMetadata(req: Pick<CreateKeyRequest, 'description' | 'tags'>): void {
  if (req.description !== undefined) checkDescription(req.description);
  if (req.tags !== undefined) checkTags(req.tags);
}

function classOf(material: KeyMaterial, info: SpecInfo): KeyClass {
  const cls: KeyClass = material.kind === 'secret' ? 'secret' : material.kind === 'public' ? 'public' : 'private';
  if (info.symmetric !== (cls === 'secret')) throw invalidArgument(`the material does not fit a ${info.spec} key`, 'material');
  return cls;
}

function checkScheme<S extends string>(table: Partial<Record<string, readonly S[]>>, info: SpecInfo, scheme: S): void {
  if (!table[info.family]?.includes(scheme)) throw unsupported(`${scheme} is not available for ${info.spec} keys`);
}

function checkAead(info: SpecInfo, alg: EncryptParams['alg'], iv?: Buffer, data?: Buffer): void {
  checkScheme(CIPHER_ALGS, info, alg);
  if (alg === 'AES-CBC-HMAC-SHA2' && ![256, 384, 512].includes(info.bits)) {
    throw invalidArgument('AES-CBC-HMAC-SHA2 needs a 256, 384 or 512-bit key', 'key');
  }
  if (alg === 'AES-ECB') {
    // ECB has no IV and no padding: whole blocks only.
    if (data !== undefined && (data.length === 0 || data.length % 16 !== 0)) throw invalidArgument('AES-ECB data must be a non-empty multiple of 16 bytes', 'data');
    return;
  }
  if (iv !== undefined) {
    // GCM: the 12-byte IV of SP 800-38D's fast path, or 16 bytes (Encedo HEM's nonce size; GHASH-derived J0).
    const want = IV_SIZES[alg] ?? [16];
    if (!want.includes(iv.length)) throw invalidArgument(`the IV must be ${want.join(' or ')} bytes`, 'iv');
  }
}

/** IV sizes in bytes where they are not the block size. */
const IV_SIZES: Partial<Record<EncryptParams['alg'], number[]>> = { 'AES-GCM': [12, 16], 'CHACHA20-POLY1305': [12] };

function checkSign(info: SpecInfo, p: SignParams, data: Buffer): void {
  checkScheme(SIGN_SCHEMES, info, p.scheme);
  const needsHash = p.scheme === 'RSA-PKCS1' || p.scheme === 'RSA-PSS' || p.scheme === 'ECDSA';
  if (needsHash && !p.hash) throw invalidArgument(`${p.scheme} needs a digest algorithm`, 'hash');
  if (p.hash && !(p.hash in HASHES)) throw unsupported(`digest ${p.hash} is not supported`);
  if (p.scheme === 'SM2' && p.hash && p.hash !== 'SM3') throw unsupported('SM2 signatures use SM3');
  if (p.context !== undefined) {
    if (p.scheme !== 'EdDSA' && p.scheme !== 'ML-DSA') throw unsupported(`${p.scheme} takes no context`);
    if (p.context.length > 255) throw invalidArgument('the context is at most 255 bytes', 'context');
  }
  if (p.variant === 'ph' && p.scheme !== 'EdDSA') throw unsupported(`${p.scheme} has no pre-hash variant`);
  if (p.prehashed) {
    if (p.scheme === 'EdDSA' || p.scheme === 'ML-DSA') throw unsupported(`${p.scheme} signs the message itself, not a digest`);
    const size = HASHES[p.hash ?? 'SM3'].size;
    if (data.length !== size) throw invalidArgument(`the digest must be ${size} bytes`, 'digest');
  }
}

/** FIPS 203 ciphertext sizes. */
const ML_KEM_CIPHERTEXT: Record<string, number> = { 'ml-kem-512': 768, 'ml-kem-768': 1088, 'ml-kem-1024': 1568 };

function checkMacHash(hash: HashAlg): void {
  if (!MAC_HASHES.includes(hash)) throw unsupported(`HMAC with ${hash} is not supported`);
}

function checkWrap(info: SpecInfo, alg: WrapAlg, data: Buffer, dir: 'wrap' | 'unwrap'): void {
  if (info.family !== 'aes') throw unsupported(`${alg} needs an AES key`);
  if (alg === 'AES-KW') {
    const min = dir === 'wrap' ? 16 : 24;
    if (data.length < min || data.length % 8 !== 0) throw invalidArgument(`AES-KW input must be a multiple of 8 bytes, at least ${min}`, 'data');
  } else if (data.length < (dir === 'wrap' ? 1 : 16)) {
    throw invalidArgument('AES-KWP input is too short', 'data');
  }
}
