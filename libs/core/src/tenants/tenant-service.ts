import { createHash, randomBytes, randomInt, randomUUID, timingSafeEqual } from 'node:crypto';
import type { DataSource, Repository } from 'typeorm';
import type { Sealer } from '../crypto/sealer';
import { KmsError, invalidArgument, notFound } from '../errors';
import { isUniqueViolation } from '../store/db-errors';
import { CredentialEntity } from '../store/entities/credential.entity';
import { TenantEntity } from '../store/entities/tenant.entity';
import { type GivenSecretFormat, givenSecretProblem } from './given-secrets';

export type CredentialKind = 'ehsm-app' | 'jose-token' | 'encedo-user' | 'aws-access-key' | 'vault-token' | 'tls-client-cert';

export interface Tenant {
  id: string;
  name: string;
  createdAt: number;
}

export interface ResolvedCredential {
  credentialId: string;
  tenantId: string;
  /** The unsealed secret, for credentials checked by recomputation (eHSM apikey). */
  secret: Buffer | null;
  scopes: string[];
}

interface CacheEntry {
  value: ResolvedCredential | null;
  at: number;
}

/** eHSM's apikey alphabet (no 0/O, 1/I/l look-alikes), 32 characters. */
const APIKEY_ALPHABET = '0123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz';
const APIKEY_LENGTH = 32;
/** The alphabet of AWS access key ids after their `AKIA` prefix. */
const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

const tokenHashes = new Map<string, string>();
const TOKEN_MEMO_ENTRIES = 1024;
/** Issued tokens are 47 characters (`kgw_` + 32 bytes base64url); longer ones are hashed each time. */
const TOKEN_MEMO_MAX_LENGTH = 128;

/**
 * The SHA-256 (hex) a bearer token is stored and looked up by. Clients present the same token on
 * every request, so recent results are memoised (2% of the gateway's CPU per JOSE request in the
 * bench profile): the memo holds only token -> hash, a pure function, and resolution (revocation,
 * expiry, the TTL cache) is untouched. Bounded in entries and in token length, oldest dropped
 * first: a flood of made-up tokens cannot grow it, and each still costs one hash.
 */
export function hashToken(token: string): string {
  let hash = tokenHashes.get(token);
  if (hash === undefined) {
    hash = createHash('sha256').update(token, 'utf8').digest('hex');
    if (token.length <= TOKEN_MEMO_MAX_LENGTH) {
      if (tokenHashes.size >= TOKEN_MEMO_ENTRIES) tokenHashes.delete(tokenHashes.keys().next().value as string);
      tokenHashes.set(token, hash);
    }
  }
  return hash;
}

/**
 * Tenants and the credentials that resolve to them. Secrets are sealed (when the server must
 * recompute with them) or hashed (bearer tokens), never stored in clear. Resolutions are cached
 * for `ttlMs` (the documented revocation staleness bound) so that authentication reads no row
 * per request.
 */
export class TenantService {
  private readonly tenants: Repository<TenantEntity>;
  private readonly creds: Repository<CredentialEntity>;
  private readonly cache = new Map<string, CacheEntry>();
  /** Called after a credential is revoked (the kernel tells the other replicas; see forget). */
  onRevoked: ((kind: CredentialKind, lookup: string) => void) | null = null;

  constructor(
    ds: DataSource,
    private readonly sealer: Sealer,
    private readonly ttlMs: number,
  ) {
    this.tenants = ds.getRepository(TenantEntity);
    this.creds = ds.getRepository(CredentialEntity);
  }

  async createTenant(name: string): Promise<Tenant> {
    if (!/^[A-Za-z0-9._@-]{1,128}$/.test(name)) throw invalidArgument('tenant names are 1-128 characters of A-Z a-z 0-9 . _ @ -', 'name');
    const row: TenantEntity = { id: randomUUID(), name, createdAt: Date.now() };
    try {
      await this.tenants.insert(row);
    } catch (err) {
      if (isUniqueViolation(err)) throw new KmsError('ALREADY_EXISTS', `tenant '${name}' already exists`);
      throw err;
    }
    return row;
  }

  async findTenant(idOrName: string): Promise<Tenant | null> {
    return (await this.tenants.findOneBy({ id: idOrName })) ?? (await this.tenants.findOneBy({ name: idOrName }));
  }

  async requireTenant(idOrName: string): Promise<Tenant> {
    const t = await this.findTenant(idOrName);
    if (!t) throw notFound(`no tenant '${idOrName}'`);
    return t;
  }

  async listTenants(): Promise<Tenant[]> {
    return this.tenants.find({ order: { createdAt: 'ASC' } });
  }

  /**
   * A new eHSM appid/apikey pair. The apikey is returned once and kept sealed under the appid. The
   * appid may be chosen by the caller (eHSM Enroll names the tenant after it before issuing).
   */
  async issueEhsmApp(tenantId: string, label?: string, appid: string = randomUUID()): Promise<{ appid: string; apikey: string }> {
    // randomInt draws without modulo bias (the alphabet has 58 letters, not a power of two).
    const apikey = Array.from({ length: APIKEY_LENGTH }, () => APIKEY_ALPHABET[randomInt(APIKEY_ALPHABET.length)]).join('');
    await this.insertSealed(tenantId, 'ehsm-app', appid, apikey, label);
    return { appid, apikey };
  }

  /** An eHSM appid/apikey pair chosen by the caller (a seed file), of the issued shapes, stored as issued ones are. */
  async registerEhsmApp(tenantId: string, appid: string, apikey: string, label?: string): Promise<string> {
    checkGiven('ehsm-appid', appid, 'appid');
    checkGiven('ehsm-apikey', apikey, 'apikey');
    return this.insertSealed(tenantId, 'ehsm-app', appid, apikey, label);
  }

  /**
   * A new AWS access key pair (AWS KMS dialect): an id of AWS's form (`AKIA` + 16 of A-Z2-7) and a
   * 40-character secret, returned once and kept sealed under the id, since SigV4 needs the secret
   * itself to recompute each signature.
   */
  async issueAwsAccessKey(tenantId: string, label?: string): Promise<{ accessKeyId: string; secretAccessKey: string }> {
    const accessKeyId = `AKIA${Array.from({ length: 16 }, () => BASE32[randomInt(32)]).join('')}`;
    const secretAccessKey = randomBytes(30).toString('base64');
    await this.insertSealed(tenantId, 'aws-access-key', accessKeyId, secretAccessKey, label);
    return { accessKeyId, secretAccessKey };
  }

  /** An AWS access key pair chosen by the caller (a seed file), of AWS's shapes, sealed as issued ones are. */
  async registerAwsAccessKey(tenantId: string, accessKeyId: string, secretAccessKey: string, label?: string): Promise<string> {
    checkGiven('aws-access-key-id', accessKeyId, 'accessKeyId');
    checkGiven('aws-secret-access-key', secretAccessKey, 'secretAccessKey');
    return this.insertSealed(tenantId, 'aws-access-key', accessKeyId, secretAccessKey, label);
  }

  /** A new opaque bearer token (JOSE dialect). Only its SHA-256 is stored. */
  async issueBearerToken(tenantId: string, label?: string, scopes: string[] = []): Promise<{ id: string; token: string }> {
    const token = `kgw_${randomBytes(32).toString('base64url')}`;
    const id = await this.insertCredential(tenantId, 'jose-token', hashToken(token), { secretHash: hashToken(token), label: label ?? null, scopes });
    return { id, token };
  }

  /** A bearer token chosen by the caller (a seed file), of the issued shape; only its SHA-256 is stored. */
  async registerBearerToken(tenantId: string, token: string, label?: string): Promise<string> {
    checkGiven('jose-token', token, 'token');
    return this.insertCredential(tenantId, 'jose-token', hashToken(token), { secretHash: hashToken(token), label: label ?? null });
  }

  /**
   * A new Vault token (Vault transit dialect), of Vault's service-token form (`hvs.` and random
   * characters). Only its SHA-256 is stored, as for JOSE bearer tokens.
   */
  async issueVaultToken(tenantId: string, label?: string): Promise<{ id: string; token: string }> {
    const token = `hvs.${randomBytes(32).toString('base64url')}`;
    const id = await this.insertCredential(tenantId, 'vault-token', hashToken(token), { secretHash: hashToken(token), label: label ?? null });
    return { id, token };
  }

  /** A Vault token chosen by the caller (a seed file), of the issued shape; only its SHA-256 is stored. */
  async registerVaultToken(tenantId: string, token: string, label?: string): Promise<string> {
    checkGiven('vault-token', token, 'token');
    return this.insertCredential(tenantId, 'vault-token', hashToken(token), { secretHash: hashToken(token), label: label ?? null });
  }

  /** Stores a credential whose secret the caller already holds (e.g. an Encedo user's password hash). */
  async addCredential(
    tenantId: string,
    kind: CredentialKind,
    lookup: string,
    fields: { secret?: Buffer; secretHash?: string; label?: string; scopes?: string[] },
  ): Promise<string> {
    return this.insertCredential(tenantId, kind, lookup, {
      secretSealed: fields.secret ? this.sealer.seal('credential', fields.secret, `${kind}:${lookup}`).toString('base64') : null,
      secretHash: fields.secretHash ?? null,
      label: fields.label ?? null,
      scopes: fields.scopes,
    });
  }

  /**
   * What the store holds under a lookup, for a caller that declares the credential again (a seed
   * file): its tenant, whether it is revoked, and whether `secret` is its sealed secret (compared
   * in constant time; the secret itself never leaves). Credentials without a sealed secret (token
   * hashes, public keys, certificate fingerprints) are the lookup itself, so they always match.
   */
  async findDeclared(kind: CredentialKind, lookup: string, secret?: string): Promise<{ tenantId: string; revoked: boolean; sameSecret: boolean } | null> {
    const row = await this.creds.findOneBy({ kind, lookup });
    if (!row) return null;
    let sameSecret = true;
    if (row.secretSealed !== null && secret !== undefined) {
      const held = this.sealer.open('credential', Buffer.from(row.secretSealed, 'base64'), `${kind}:${lookup}`);
      const given = Buffer.from(secret, 'utf8');
      sameSecret = held.length === given.length && timingSafeEqual(held, given);
      held.fill(0);
    }
    return { tenantId: row.tenantId, revoked: row.revokedAt !== null, sameSecret };
  }

  /** Finds a live credential by what the request presented; null when unknown or revoked. */
  async resolve(kind: CredentialKind, lookup: string): Promise<ResolvedCredential | null> {
    // NUL is never part of a lookup, and PostgreSQL refuses it in text.
    if (lookup.includes('\u0000')) return null;
    const key = `${kind}\u0000${lookup}`;
    const now = Date.now();
    const hit = this.cache.get(key);
    if (hit && now - hit.at < this.ttlMs) return hit.value;
    const row = await this.creds.findOneBy({ kind, lookup });
    let value: ResolvedCredential | null = null;
    if (row && row.revokedAt === null && (row.expiresAt === null || row.expiresAt > now)) {
      value = {
        credentialId: row.id,
        tenantId: row.tenantId,
        secret: row.secretSealed ? this.sealer.open('credential', Buffer.from(row.secretSealed, 'base64'), `${kind}:${lookup}`) : null,
        scopes: row.scopes ? (JSON.parse(row.scopes) as string[]) : [],
      };
    }
    // Unknown lookups are not cached: a flood of random appids must not fill memory.
    if (value) this.cache.set(key, { value, at: now });
    else this.cache.delete(key);
    return value;
  }

  async revoke(kind: CredentialKind, lookup: string): Promise<boolean> {
    const res = await this.creds.update({ kind, lookup }, { revokedAt: Date.now() });
    this.cache.delete(`${kind}\u0000${lookup}`);
    this.onRevoked?.(kind, lookup);
    return (res.affected ?? 0) > 0;
  }

  /** Drops a cached resolution (another replica revoked it), or every one when called bare. */
  forget(kind?: string, lookup?: string): void {
    if (kind === undefined || lookup === undefined) this.cache.clear();
    else this.cache.delete(`${kind}\u0000${lookup}`);
  }

  async listCredentials(tenantId: string): Promise<Array<{ id: string; kind: string; lookup: string; label: string | null; createdAt: number; revokedAt: number | null }>> {
    const rows = await this.creds.find({ where: { tenantId }, order: { createdAt: 'ASC' } });
    // Token lookups are hashes; show the appid / user name, never a secret.
    return rows.map((r) => ({
      id: r.id,
      kind: r.kind,
      lookup: r.kind === 'jose-token' || r.kind === 'vault-token' ? `sha256:${r.lookup.slice(0, 12)}…` : r.lookup,
      label: r.label,
      createdAt: r.createdAt,
      revokedAt: r.revokedAt,
    }));
  }

  private insertSealed(tenantId: string, kind: CredentialKind, lookup: string, secret: string, label: string | undefined): Promise<string> {
    return this.insertCredential(tenantId, kind, lookup, {
      secretSealed: this.sealer.seal('credential', Buffer.from(secret, 'utf8'), `${kind}:${lookup}`).toString('base64'),
      label: label ?? null,
    });
  }

  private async insertCredential(
    tenantId: string,
    kind: CredentialKind,
    lookup: string,
    f: { secretSealed?: string | null; secretHash?: string | null; label?: string | null; scopes?: string[] },
  ): Promise<string> {
    const id = randomUUID();
    try {
      await this.creds.insert({
        id,
        tenantId,
        kind,
        lookup,
        secretSealed: f.secretSealed ?? null,
        secretHash: f.secretHash ?? null,
        label: f.label ?? null,
        scopes: f.scopes?.length ? JSON.stringify(f.scopes) : null,
        createdAt: Date.now(),
        expiresAt: null,
        revokedAt: null,
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw new KmsError('ALREADY_EXISTS', 'this credential already exists');
      throw err;
    }
    return id;
  }
}

/** Refuses a given secret not of the issued shape, naming the field, never the value. */
function checkGiven(format: GivenSecretFormat, value: string, field: string): void {
  const problem = givenSecretProblem(format, value);
  if (problem) throw invalidArgument(`${field} ${problem}`, field);
}
