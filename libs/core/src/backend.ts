import type { AsymParams, DecryptParams, EncryptParams, EncryptResult, HashAlg, MacKeyChoice, SignParams, WrapAlg } from './algorithms';
import type { SecretKdf } from './crypto/secret-kdf';
import type { KeyClass, SpecInfo } from './specs';

/**
 * Key material crossing into a backend (import, re-homing). It only ever travels inward, from a
 * dialect's parser to a backend that seals it or hands it to a token.
 */
export type KeyMaterial =
  | { kind: 'secret'; bytes: Buffer }
  /** RSA, EC (NIST, secp256k1), Ed25519, X25519 private keys. */
  | { kind: 'pkcs8'; der: Buffer }
  /** Private keys node:crypto cannot represent: SM2 `d` (32 bytes), ML-DSA seed (32) or secret key. */
  | { kind: 'raw-private'; bytes: Buffer; publicKey?: Buffer }
  | { kind: 'public'; spki: Buffer };

/** What a backend hands back for the store: its reference and the public key, never the secret. */
export interface StoredKey {
  backendRef: string | null;
  publicKey: Buffer | null;
}

/** The part of a key record a backend needs to find and use the material. */
export interface BackendKeyRef {
  id: string;
  spec: SpecInfo;
  keyClass: KeyClass;
  backendRef: string | null;
  publicKey: Buffer | null;
}

/** A ready-to-use key (parsed KeyObject, token handle...). Opaque to the core, which caches it. */
export interface LoadedKey {
  readonly ref: BackendKeyRef;
}

export interface BackendHealth {
  ok: boolean;
  detail?: string;
}

export interface BackendCapabilities {
  /** Canonical spec names (or sized families such as `rsa-*`, `secret-*`) the backend can hold. */
  specs: string[];
  /** Canonical mechanism names it can perform, e.g. `AES-GCM`, `ECDSA/SHA-256`, `ECDH/P-256`. */
  mechanisms: string[];
}

/**
 * The port every crypto engine implements. Parameters are canonical and already validated by the
 * core (family, usage, state, sizes); a backend reports its own failures as KmsError
 * (CRYPTO_FAILURE for a bad tag or padding, UNSUPPORTED for a mechanism it lacks).
 */
export interface CryptoBackend {
  readonly name: string;
  init(): Promise<void>;
  close(): Promise<void>;
  health(): Promise<BackendHealth>;
  capabilities(): BackendCapabilities;
  canHold(spec: SpecInfo, keyClass: KeyClass): boolean;

  generate(id: string, spec: SpecInfo, opts: { exportable: boolean }): Promise<StoredKey>;
  import(id: string, spec: SpecInfo, material: KeyMaterial, opts: { exportable: boolean }): Promise<StoredKey>;
  load(ref: BackendKeyRef): Promise<LoadedKey>;
  destroy(ref: BackendKeyRef): Promise<void>;
  /** Material of an exportable key, for moving it to another backend or handing it to its owner (the core checks `exportable`). */
  exportMaterial(key: LoadedKey): Promise<KeyMaterial>;
  /**
   * Optional: imports material that never crosses into the backend in clear (it is wrapped on the
   * way, e.g. C_UnwrapKey on a token). Re-homing uses it when the target backend has it.
   */
  importWrapped?(id: string, spec: SpecInfo, material: KeyMaterial, opts: { exportable: boolean }): Promise<StoredKey>;

  /** With `p.derive`, under the version's per-context subkey (crypto/subkeys.ts), or UNSUPPORTED. */
  encrypt(key: LoadedKey, p: EncryptParams): Promise<EncryptResult>;
  decrypt(key: LoadedKey, p: DecryptParams): Promise<Buffer>;
  asymEncrypt(key: LoadedKey, p: AsymParams, plaintext: Buffer): Promise<Buffer>;
  asymDecrypt(key: LoadedKey, p: AsymParams, ciphertext: Buffer): Promise<Buffer>;
  sign(key: LoadedKey, p: SignParams, data: Buffer): Promise<Buffer>;
  verify(key: LoadedKey, p: SignParams, data: Buffer, signature: Buffer): Promise<boolean>;
  /** `keyedWith` 'hmac-subkey': keyed with the version's HMAC subkey (crypto/subkeys.ts), or UNSUPPORTED. */
  mac(key: LoadedKey, hash: HashAlg, data: Buffer, keyedWith?: MacKeyChoice): Promise<Buffer>;
  /** Raw ECDH shared secret (x-coordinate / X25519 output) with the peer's SPKI. */
  deriveEcdh(key: LoadedKey, peerSpki: Buffer): Promise<Buffer>;
  wrap(key: LoadedKey, alg: WrapAlg, data: Buffer): Promise<Buffer>;
  unwrap(key: LoadedKey, alg: WrapAlg, data: Buffer): Promise<Buffer>;
  /** ML-KEM (FIPS 203). Optional: the core answers UNSUPPORTED for a backend without it. */
  encapsulate?(key: LoadedKey): Promise<{ sharedSecret: Buffer; ciphertext: Buffer }>;
  decapsulate?(key: LoadedKey, ciphertext: Buffer): Promise<Buffer>;
  /**
   * Optional: `length` bytes derived from a secret key by a KDF the core has checked (PBKDF2, HMAC;
   * crypto/secret-kdf.ts). Only the derived bytes leave the backend; without it the core answers
   * UNSUPPORTED.
   */
  deriveSecret?(key: LoadedKey, kdf: SecretKdf, length: number): Promise<Buffer>;
}
