/**
 * What the orchestrator tells the minimal handlers (as JSON in `BENCH_MINIMAL`): the credentials
 * the bench's clients present and the key ids their requests name. Key material is the
 * handlers' own (fresh keys of the same kind), except where the requests carry ciphertext made by
 * the gateway (JOSE decrypt): those AES keys come from the seed, the same bytes the gateway holds.
 */
export interface MinimalConfig {
  jose?: {
    /** Bearer tokens as issued by the gateway's admin CLI; the handlers keep only their SHA-256. */
    tokens: { token: string; tenant: string }[];
    keys: JoseKeyConfig[];
  };
  ehsm?: {
    apps: { appid: string; apikey: string }[];
    keys: { keyid: string; kind: 'aes-256' | 'ec-p256' }[];
  };
  encedo?: {
    /** The HS256 key the gateway signs its Encedo bearer tokens with (base64). */
    tokenKey: string;
    /** Known users: their X25519 public keys (base64), the tokens' `usr`. */
    users: string[];
    keys: { kid: string; kind: 'hmac-sha256' | 'x25519' }[];
  };
  /** The SoftHSM2 token the gateway uses (SOFTHSM2_CONF comes through the environment). */
  pkcs11?: { module: string; label: string; pin: string; sessions: number };
}

export type JoseKeyConfig =
  | { kid: string; tenant: string; kind: 'aes-256'; /** base64; fresh when absent */ material?: string }
  | { kid: string; tenant: string; kind: 'hs256' }
  | { kid: string; tenant: string; kind: 'es256' | 'rs256' | 'p11-es256'; /** the `kid` the gateway puts in the JWS header */ publicKid: string };
