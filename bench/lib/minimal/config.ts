/**
 * What the orchestrator tells the minimal handlers (as JSON in `BENCH_MINIMAL`): the credentials
 * the bench's clients present and the key ids their requests name. Key material is the
 * handlers' own (fresh keys of the same kind), except where the requests carry ciphertext made by
 * the gateway (JOSE and eHSM decrypt): those AES keys come from the seed, the same bytes the
 * gateway holds, every version of a rotated key included.
 */
export interface MinimalConfig {
  jose?: {
    /** Bearer tokens as issued by the gateway's admin CLI; the handlers keep only their SHA-256. */
    tokens: { token: string; tenant: string }[];
    keys: JoseKeyConfig[];
  };
  ehsm?: {
    apps: { appid: string; apikey: string }[];
    keys: ({ keyid: string; kind: 'aes-256'; versions?: AesVersions } | { keyid: string; kind: 'ec-p256' })[];
  };
  encedo?: {
    /** The HS256 key the gateway signs its Encedo bearer tokens with (base64). */
    tokenKey: string;
    /** Known users: their X25519 public keys (base64), the tokens' `usr`. */
    users: string[];
    keys: { kid: string; kind: 'hmac-sha256' | 'x25519' }[];
  };
  /** AWS KMS: the access keys (SigV4 secrets, as issued to the tenant) and the AES keys Encrypt names (the seed's bytes, version 1). */
  aws?: {
    accessKeys: { accessKeyId: string; secretAccessKey: string; tenant: string }[];
    keys: { keyId: string; tenant: string; material: string }[];
  };
  /** Vault transit: tokens as issued by `credential vault` (kept as their SHA-256) and the AES keys encrypt names (the seed's bytes, version 1, by UUID). */
  vault?: {
    tokens: { token: string; tenant: string }[];
    keys: { name: string; tenant: string; material: string }[];
  };
  /** KMIP over TLS: PEM file paths, the client certificates' SHA-256 fingerprints (lowercase hex) by tenant, and the AES keys Encrypt names (the seed's bytes, by UUID). */
  kmip?: {
    cert: string;
    key: string;
    ca: string;
    clients: { fingerprint: string; tenant: string }[];
    keys: { id: string; tenant: string; material: string }[];
  };
  /** The SoftHSM2 token the gateway uses (SOFTHSM2_CONF comes through the environment). */
  pkcs11?: { module: string; label: string; pin: string; sessions: number };
}

/**
 * A rotated AES key: the material of its kept versions (base64), oldest first, the last being the
 * current one, which encrypts. A ciphertext that names no version is opened by trying them newest
 * first, as the gateway does (the orchestrator passes at most the gateway's TRIAL_LIMIT).
 */
export type AesVersions = string[];

export type JoseKeyConfig =
  | { kid: string; tenant: string; kind: 'aes-256'; /** base64; fresh when absent */ material?: string; versions?: AesVersions }
  | { kid: string; tenant: string; kind: 'hs256' }
  | { kid: string; tenant: string; kind: 'es256' | 'rs256' | 'p11-es256'; /** the `kid` the gateway puts in the JWS header */ publicKid: string };
