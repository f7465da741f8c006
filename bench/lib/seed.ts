import 'reflect-metadata';
import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { KeyEntity, KeyVersionEntity, materialId, specInfo, type KeyRecord, type OpContext } from '@kms/core';
import { loadConfig } from '../../apps/gateway/src/config';
import { createKernel, createLogger } from '../../apps/gateway/src/kernel';
import { DERIVE_LABELS as ENCEDO_DERIVE_LABELS } from '../../libs/dialect-encedo/src/options';

/**
 * Prepares a bench data directory through the kernel, before the gateway starts: tenants, their
 * credentials (as the admin CLI issues them) and, fast, many AES-256 keys with real sealed
 * material (the soft backend generates and seals each one) inserted in large transactions.
 * Run as its own process with KMS_DATA_DIR set and `BENCH_SEED = {tenants, aesKeys}`; prints the
 * credentials, the first key ids and their material as JSON (the minimal handlers decrypt the
 * gateway's JWEs with the same keys), and the key the gateway signs its Encedo tokens with.
 * With `rotated`, one more AES-256 key made and rotated through the core (version trial scenarios).
 */
export interface SeedSpec {
  tenants: string[];
  /** AES-256 keys (encrypt, decrypt) created in the first tenant. */
  aesKeys: number;
  /** How many of their ids to print (the working set of the scenarios). */
  hot: number;
  /**
   * One more AES-256 key in the first tenant, created through the core; its first version seals
   * `payloads` random 64-byte plaintexts, then it is rotated until it has `versions` versions,
   * whose current one seals as many.
   */
  rotated?: { versions: number; payloads: number };
}

export interface SeededTenant {
  id: string;
  joseToken: string;
  ehsm: { appid: string; apikey: string };
  /** An AWS access key (SigV4), as the admin CLI's `credential aws` issues it. */
  aws: { accessKeyId: string; secretAccessKey: string };
  /** A Vault token (X-Vault-Token), as the admin CLI's `credential vault` issues it. */
  vault: string;
  /** The Encedo user's X25519 private key (PKCS#8 DER, base64); the gateway keeps the public half. */
  encedoUser: string;
}

export interface SeedResult {
  tenants: Record<string, SeededTenant>;
  hotKeys: string[];
  /** The hot keys' AES-256 material (base64), in the order of hotKeys. */
  hotKeyMaterial: string[];
  /** The HS256 key of the gateway's Encedo bearer tokens (base64), derived from the master key. */
  encedoTokenKey: string;
  rotated?: RotatedKey;
  seconds: number;
}

/** The rotated key of `SeedSpec.rotated`, and what its first (now oldest) and its current version sealed. */
export interface RotatedKey {
  id: string;
  /** Every version's AES-256 material (base64), oldest first: the last is the current one. */
  material: string[];
  sealed: { oldest: Sealed; current: Sealed };
}

/** Ciphertexts of one version, none of which names it. */
export interface Sealed {
  /** As eHSM Decrypt takes them: ct ‖ iv ‖ tag, base64. */
  ehsm: string[];
  /** As JOSE decrypt takes them (JSON bodies): flattened `dir`/A256GCM JWEs whose header has the bare key id, no `kv`. */
  jose: string[];
}

const X25519_SPKI_PREFIX = 12;

async function main(): Promise<void> {
  const spec = JSON.parse(process.env.BENCH_SEED ?? '{}') as SeedSpec;
  const started = performance.now();
  const config = loadConfig();
  const kernel = await createKernel(config, createLogger({ ...config, logLevel: 'warn' }, 2));
  try {
    const tenants: Record<string, SeededTenant> = {};
    for (const name of spec.tenants) {
      const t = await kernel.tenants.createTenant(name);
      const jose = await kernel.tenants.issueBearerToken(t.id, 'bench');
      const ehsm = await kernel.tenants.issueEhsmApp(t.id, 'bench');
      const aws = await kernel.tenants.issueAwsAccessKey(t.id, 'bench');
      const vault = (await kernel.tenants.issueVaultToken(t.id, 'bench')).token;
      const pair = generateKeyPairSync('x25519');
      const iss = pair.publicKey.export({ format: 'der', type: 'spki' }).subarray(X25519_SPKI_PREFIX).toString('base64');
      await kernel.tenants.addCredential(t.id, 'encedo-user', iss, { label: 'bench' });
      tenants[name] = { id: t.id, joseToken: jose.token, ehsm, aws, vault, encedoUser: pair.privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64') };
    }
    const owner = tenants[spec.tenants[0]].id;
    const soft = kernel.router.byName('soft');
    const info = specInfo('aes-256');
    const hotKeys: string[] = [];
    const hotKeyMaterial: string[] = [];
    const perTx = 10000;
    const perInsert = 500;
    for (let done = 0; done < spec.aesKeys;) {
      const n = Math.min(perTx, spec.aesKeys - done);
      const rows: KeyEntity[] = [];
      const versionRows: KeyVersionEntity[] = [];
      for (let i = 0; i < n; i++) {
        const id = randomUUID();
        // What soft.generate() does for an AES key (fresh random bytes, sealed), keeping the bytes.
        const bytes = randomBytes(info.bits / 8);
        const stored = await soft.import(id, info, { kind: 'secret', bytes }, { exportable: false });
        const now = Date.now();
        const record: Omit<KeyRecord, 'versions' | 'rotation'> = {
          id,
          tenantId: owner,
          spec: info.spec,
          keyClass: 'secret',
          usages: ['encrypt', 'decrypt'],
          state: 'enabled',
          origin: 'generated',
          backend: soft.name,
          backendRef: stored.backendRef,
          publicKey: stored.publicKey,
          currentVersion: 1,
          minDecryptVersion: 1,
          description: null,
          tags: {},
          label: null,
          exportable: false,
          createdAt: now,
          updatedAt: now,
          expiresAt: null,
          deletionAt: null,
          attributes: {},
          revision: 1,
        };
        rows.push(Object.assign(new KeyEntity(), record, { rotationPeriodMs: null, nextRotationAt: null }));
        versionRows.push(
          Object.assign(new KeyVersionEntity(), {
            keyId: id,
            version: 1,
            state: 'enabled',
            madeBy: 'create',
            backendRef: stored.backendRef,
            publicKey: null,
            createdAt: now,
            destroyedAt: null,
          }),
        );
        if (hotKeys.length < spec.hot) {
          hotKeys.push(id);
          hotKeyMaterial.push(bytes.toString('base64'));
        }
      }
      await kernel.ds.transaction(async (em) => {
        for (let i = 0; i < rows.length; i += perInsert)
          await em
            .createQueryBuilder()
            .insert()
            .into(KeyEntity)
            .values(rows.slice(i, i + perInsert))
            .execute();
        for (let i = 0; i < versionRows.length; i += perInsert)
          await em
            .createQueryBuilder()
            .insert()
            .into(KeyVersionEntity)
            .values(versionRows.slice(i, i + perInsert))
            .execute();
      });
      done += n;
    }
    const encedoTokenKey = kernel.sealer.derive(ENCEDO_DERIVE_LABELS.token).toString('base64');
    const rotated = spec.rotated && (await rotatedKey(kernel, { tenantId: owner, dialect: 'bench', principal: 'seed' }, spec.rotated));
    const out: SeedResult = { tenants, hotKeys, hotKeyMaterial, encedoTokenKey, rotated, seconds: (performance.now() - started) / 1000 };
    process.stdout.write(`${JSON.stringify(out)}\n`);
  } finally {
    await kernel.close();
  }
}

/**
 * An AES-256 key made, used and rotated through the core as a client's would be: version 1 seals
 * the payloads, then `versions - 1` rotations, then the current version seals as many. Packed as
 * each dialect's client gets them: eHSM `ct ‖ iv ‖ tag`, and the JWE of JOSE encrypt (whose
 * protected header is the AAD) as it was before the key's first rotation, or as made elsewhere:
 * JOSE encrypt now names the version (`kv`) of a rotated key, and decrypt goes straight to it.
 * Nothing in these ciphertexts names the version: the gateway finds it by trial.
 */
async function rotatedKey(kernel: Awaited<ReturnType<typeof createKernel>>, ctx: OpContext, spec: NonNullable<SeedSpec['rotated']>): Promise<RotatedKey> {
  const b64u = (b: Buffer) => b.toString('base64url');
  const { id } = await kernel.keys.create(ctx, { spec: 'aes-256', usages: ['encrypt', 'decrypt'] });
  const protectedB64 = b64u(Buffer.from(JSON.stringify({ alg: 'dir', enc: 'A256GCM', kid: id })));
  const seal = async (): Promise<Sealed> => {
    const out: Sealed = { ehsm: [], jose: [] };
    for (let i = 0; i < spec.payloads; i++) {
      const e = await kernel.keys.encrypt(ctx, id, { alg: 'AES-GCM', plaintext: randomBytes(64) });
      out.ehsm.push(Buffer.concat([e.ciphertext, e.iv, e.tag]).toString('base64'));
      const j = await kernel.keys.encrypt(ctx, id, { alg: 'AES-GCM', plaintext: randomBytes(64), aad: Buffer.from(protectedB64, 'ascii') });
      out.jose.push(JSON.stringify({ protected: protectedB64, encrypted_key: '', iv: b64u(j.iv), ciphertext: b64u(j.ciphertext), tag: b64u(j.tag) }));
    }
    return out;
  };
  const oldest = await seal();
  for (let v = 1; v < spec.versions; v++) await kernel.keys.lifecycle.rotate(ctx, id);
  const current = await seal();
  // Each version's bytes, read back as the gateway reads them, for the minimal handler.
  const record = await kernel.keys.get(ctx, id);
  const soft = kernel.router.byName('soft');
  const material: string[] = [];
  for (const v of record.versions) {
    const loaded = await soft.load({ id: materialId(id, v.version), spec: specInfo(record.spec), keyClass: record.keyClass, backendRef: v.backendRef, publicKey: v.publicKey });
    const m = await soft.exportMaterial(loaded);
    if (m.kind !== 'secret') throw new Error(`version ${v.version} of ${id} is not a secret key`);
    material.push(Buffer.from(m.bytes).toString('base64'));
  }
  if (material.length !== spec.versions) throw new Error(`${id} keeps ${material.length} versions, not ${spec.versions}`);
  return { id, material, sealed: { oldest, current } };
}

main().catch((err) => {
  process.stderr.write(`seed: ${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
