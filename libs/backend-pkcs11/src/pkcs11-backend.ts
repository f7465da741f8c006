import { constants, createCipheriv, createHash, createPrivateKey, createPublicKey, publicEncrypt, randomBytes, type KeyObject } from 'node:crypto';
import * as pkcs11js from 'pkcs11js';
import {
  HASHES,
  curveOf,
  randomIv,
  cryptoFailure,
  oaepUnpad,
  pkcs1v15ImplicitUnpad,
  invalidArgument,
  unsupported,
  type AsymParams,
  type BackendCapabilities,
  type BackendHealth,
  type BackendKeyRef,
  type CryptoBackend,
  type DecryptParams,
  type EncryptParams,
  type EncryptResult,
  type HashAlg,
  type MacKeyChoice,
  type KeyClass,
  type KeyMaterial,
  type LoadedKey,
  type SignParams,
  type SpecInfo,
  type StoredKey,
  type WrapAlg,
} from '@kms/core';
import { resolvePin, tokenName, type Pkcs11Config } from './config';
import { derToRaw, leftPad, rawToDer } from './der';
import { asCryptoFailure, ckr, isDeadSession, isRefused, isStaleHandle, refusedAsUnsupported } from './errors';
import {
  KEY_FAMILIES,
  ecPoint,
  keyPairTemplates,
  scratchSecretTemplate,
  secretKeyTemplate,
  sessionAesKey,
  tokenHolds,
  tokenSpecs,
  type KeyIdentity,
  type PairRow,
  type SecretRow,
} from './key-families';
import { masterSecret, type MasterSecret } from './master-key-kek';
import { CKZ_DATA_SPECIFIED, HASH_PARAMS, HMAC_CKM, MECH_BY_NAME, canonicalMechanisms, describeMechanisms, offers, type TokenMechanisms } from './mechanisms';
import { acquireModule, releaseModule } from './module-registry';
import { SessionPool } from './session-pool';
import { signMechanism } from './sign-mechanism';
import { destroyObjectIgnoringErrors, findObjects, findSlot, identity, nonNull, readValue } from './token-objects';
import { probeToken } from './token-probes';

const F = pkcs11js;
type Handle = pkcs11js.Handle;

/** The token once logged in: the module, its slot, the session pool and what it can do. */
interface Token {
  p11: pkcs11js.PKCS11;
  slot: Handle;
  pool: SessionPool;
  mechs: TokenMechanisms;
}

const NO_MECHANISMS: TokenMechanisms = { ranges: new Map(), curves: new Set(), kwpConformant: false };

/**
 * A key on the token: its object handles (valid across our sessions while logged in), found again
 * by CKA_ID when they go stale. Key pairs also carry the stored SPKI: public operations that need
 * no token (asymmetric encryption) run in node:crypto with it.
 */
type P11Key = LoadedKey & { ckaId: Buffer; handle: Handle } & (
    | { kind: 'secret' }
    | {
        kind: 'pair';
        row: PairRow;
        pubHandle: Handle | null;
        publicKey: KeyObject;
        /** Secret for PKCS#1 v1.5 implicit rejection: SHA-256 of a raw RSA private operation. */
        kdkKey?: Buffer;
      }
  );
type P11Pair = Extract<P11Key, { kind: 'pair' }>;

const GCM_TAG = 16;

/**
 * The PKCS#11 engine (pkcs11js; SoftHSM2 in CI). Keys are token objects found by CKA_ID (the key
 * id's 16 bytes); the store keeps only that id in hex. Every crypto call is a pkcs11js `...Async`
 * call, run on a libuv worker thread on a session of its own from the pool. Verification runs on
 * the token with the public-key object; asymmetric encryption (public data only) runs in
 * node:crypto with the stored SPKI. What the token can do is probed at start-up (token-probes.ts),
 * and keys of specs it cannot hold (key-families.ts) are refused (UNSUPPORTED) so the router can
 * fall back.
 */
export class Pkcs11Backend implements CryptoBackend {
  readonly name = 'pkcs11';
  private token: Token | null = null;
  /** OAEP hashes the token refused as parameters: those go through raw RSA + OAEP decoding here. */
  private readonly oaepRefused = new Set<HashAlg>();

  constructor(private readonly config: Pkcs11Config) {}

  // ---- lifecycle -----------------------------------------------------------------------------

  async init(): Promise<void> {
    const pin = resolvePin(this.config);
    const p11 = acquireModule(this.config.module);
    let pool: SessionPool | null = null;
    try {
      const slot = findSlot(p11, this.config);
      pool = new SessionPool(p11, slot, pin, this.config.poolSize ?? 8, tokenName(this.config));
      await pool.start();
      this.token = { p11, slot, pool, mechs: await probeToken(p11, slot, pool) };
    } catch (err) {
      pool?.close();
      releaseModule(this.config.module);
      throw err;
    }
  }

  async close(): Promise<void> {
    if (!this.token) return;
    this.token.pool.close();
    this.token = null;
    releaseModule(this.config.module);
  }

  async health(): Promise<BackendHealth> {
    if (!this.token) return { ok: false, detail: 'not initialised' };
    const { p11, slot, pool } = this.token;
    const check = pool.use(async (s) => {
      p11.C_GetTokenInfo(slot);
      p11.C_GetSessionInfo(s);
      return true;
    });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('timeout')), this.config.healthTimeoutMs ?? 2000);
    });
    try {
      await Promise.race([check, timeout]);
      return { ok: true };
    } catch (err) {
      check.catch(() => {});
      return { ok: false, detail: ckr(err) ?? (err as Error).message };
    } finally {
      clearTimeout(timer);
    }
  }

  capabilities(): BackendCapabilities {
    const mechs = this.token?.mechs ?? NO_MECHANISMS;
    return { specs: tokenSpecs(mechs), mechanisms: canonicalMechanisms(mechs) };
  }

  /** Each mechanism of the table the token offers, with its key-size range, and the probed curves. */
  describe(): string[] {
    const mechs = this.token?.mechs ?? NO_MECHANISMS;
    return [...describeMechanisms(mechs), `curves: ${[...mechs.curves].join(', ') || 'none'}`, `AES-KWP wrap per RFC 5649: ${mechs.kwpConformant}`];
  }

  canHold(spec: SpecInfo, keyClass: KeyClass): boolean {
    // Public keys stay in the software engine.
    return keyClass !== 'public' && tokenHolds(this.token?.mechs ?? NO_MECHANISMS, spec);
  }

  /** The software engine's master secret, wrapped under a KEK on the token (master-key-kek.ts). */
  async masterSecret(label: string, wrapped: Buffer | null): Promise<MasterSecret> {
    const t = this.live();
    return masterSecret({ ...t, name: tokenName(this.config) }, label, wrapped);
  }

  // ---- keys ----------------------------------------------------------------------------------

  async generate(id: string, spec: SpecInfo, opts: { exportable: boolean }): Promise<StoredKey> {
    const row = this.rowFor(spec);
    const ident = identity(id);
    const { p11, pool } = this.live();
    const backendRef = ident.ckaId.toString('hex');
    return pool.use(async (s) => {
      if (row.kind === 'secret') {
        await p11.C_GenerateKeyAsync(s, { mechanism: row.keyGen }, secretKeyTemplate(row, spec, ident, opts.exportable, 'length'));
        return { backendRef, publicKey: null };
      }
      const { pub, priv } = keyPairTemplates(row, spec, ident, opts.exportable);
      const pair = await p11.C_GenerateKeyPairAsync(s, { mechanism: row.keyGen }, [...pub, ...row.generationExtras(spec)], priv);
      try {
        const values = p11
          .C_GetAttributeValue(
            s,
            pair.publicKey,
            row.publicAttrs.map((type) => ({ type })),
          )
          .map((a) => Buffer.from(a.value));
        return { backendRef, publicKey: row.spkiFrom(spec, values) };
      } catch (err) {
        destroyObjectIgnoringErrors(p11, s, pair.publicKey);
        destroyObjectIgnoringErrors(p11, s, pair.privateKey);
        throw err;
      }
    });
  }

  async import(id: string, spec: SpecInfo, material: KeyMaterial, opts: { exportable: boolean }): Promise<StoredKey> {
    const row = this.rowFor(spec);
    const misfit = () => invalidArgument(`the key material is not a valid ${spec.spec} key`, 'material');
    const ident = identity(id);
    const { p11, pool } = this.live();
    const backendRef = ident.ckaId.toString('hex');
    if (row.kind === 'secret') {
      if (material.kind !== 'secret' || material.bytes.length * 8 !== spec.bits) throw misfit();
      const bytes = material.bytes;
      await pool.use(async (s) => p11.C_CreateObject(s, secretKeyTemplate(row, spec, ident, opts.exportable, { value: bytes })));
      return { backendRef, publicKey: null };
    }
    // Public-only material never reaches this backend: the router keeps public keys in `soft`.
    if (material.kind !== 'pkcs8') throw misfit();
    let key: KeyObject;
    try {
      key = createPrivateKey({ key: material.der, format: 'der', type: 'pkcs8' });
    } catch {
      throw misfit();
    }
    if (!row.fits(spec, key)) throw misfit();
    const pubKey = createPublicKey(key);
    const { pub, priv } = keyPairTemplates(row, spec, ident, opts.exportable);
    await pool.use(async (s) => {
      const privHandle = p11.C_CreateObject(s, [...priv, ...row.privateValues(spec, key)]);
      try {
        p11.C_CreateObject(s, [...pub, ...row.publicValues(spec, pubKey)]);
      } catch (err) {
        destroyObjectIgnoringErrors(p11, s, privHandle);
        throw err;
      }
    });
    return { backendRef, publicKey: pubKey.export({ format: 'der', type: 'spki' }) };
  }

  async load(ref: BackendKeyRef): Promise<LoadedKey> {
    if (ref.keyClass === 'public' || !ref.backendRef) throw new Error('the pkcs11 backend holds no public-only keys');
    const row = KEY_FAMILIES[ref.spec.family];
    if (!row.held) throw unsupported(`key spec ${ref.spec.spec} is not supported by backend 'pkcs11'`);
    const base = { ref, ckaId: Buffer.from(ref.backendRef, 'hex'), handle: Buffer.alloc(0) };
    let key: P11Key;
    if (row.kind === 'secret') {
      key = { ...base, kind: 'secret' };
    } else {
      if (!ref.publicKey) throw new Error(`key ${ref.id} has no stored public key`);
      key = { ...base, kind: 'pair', row, pubHandle: null, publicKey: createPublicKey({ key: ref.publicKey, format: 'der', type: 'spki' }) };
    }
    await this.live().pool.use(async (s) => this.findHandles(s, key));
    return key;
  }

  async destroy(ref: BackendKeyRef): Promise<void> {
    const backendRef = ref.backendRef;
    if (!backendRef) return;
    const { p11, pool } = this.live();
    await pool.use(async (s) => {
      for (const h of findObjects(p11, s, [{ type: F.CKA_ID, value: Buffer.from(backendRef, 'hex') }])) p11.C_DestroyObject(s, h);
    });
  }

  async exportMaterial(loaded: LoadedKey): Promise<KeyMaterial> {
    const key = loaded as P11Key;
    const spec = key.ref.spec;
    const { p11 } = this.live();
    return this.onKey(key, async (s): Promise<KeyMaterial> => {
      const [ext] = p11.C_GetAttributeValue(s, key.handle, [{ type: F.CKA_EXTRACTABLE }]);
      if (!ext?.value[0]) throw unsupported('the key is not exportable');
      const read = (types: number[]) =>
        p11
          .C_GetAttributeValue(
            s,
            key.handle,
            types.map((type) => ({ type })),
          )
          .map((a) => Buffer.from(a.value));
      if (key.kind === 'secret') return { kind: 'secret', bytes: readValue(p11, s, key.handle) };
      return { kind: 'pkcs8', der: key.row.pkcs8From(spec, read(key.row.privateAttrs), key.publicKey) };
    });
  }

  /**
   * Imports key material without it ever crossing the PKCS#11 interface in clear (re-homing a
   * software key): a one-off AES-256 key is made as a session object on the token (CKA_UNWRAP only,
   * sensitive, not extractable), the material is wrapped under it here with AES key wrap with
   * padding (RFC 5649; secret keys as raw bytes, private keys as PKCS#8), and the token unwraps it
   * into a token object with C_UnwrapKey (CKA_ID = the key id). The one-off key is destroyed at
   * once. Key pairs get their public object from the public key.
   */
  async importWrapped(id: string, spec: SpecInfo, material: KeyMaterial, opts: { exportable: boolean }): Promise<StoredKey> {
    const row = this.rowFor(spec);
    const misfit = () => invalidArgument(`the key material is not a valid ${spec.spec} key`, 'material');
    const t = this.live();
    const ident = identity(id);
    const plan = wrappedImportPlan(row, spec, material, ident, opts.exportable);
    if (!plan) throw misfit();
    if (!offers(t.mechs, 'AES-KWP', 256)) throw unsupported('re-homing needs AES key wrap with padding (CKM_AES_KEY_WRAP_PAD) on the token');
    const kekValue = randomBytes(32);
    const cipher = createCipheriv('id-aes256-wrap-pad', kekValue, Buffer.from('a65959a6', 'hex'));
    const wrapped = Buffer.concat([cipher.update(plan.clear), cipher.final()]);
    const { p11 } = t;
    try {
      await t.pool.use(async (s) => {
        const kek = p11.C_CreateObject(s, sessionAesKey(F.CKA_UNWRAP, kekValue));
        try {
          const own = await p11.C_UnwrapKeyAsync(s, { mechanism: F.CKM_AES_KEY_WRAP_PAD }, kek, wrapped, plan.priv);
          if (plan.pub) {
            try {
              p11.C_CreateObject(s, plan.pub);
            } catch (err) {
              destroyObjectIgnoringErrors(p11, s, own);
              throw err;
            }
          }
        } finally {
          destroyObjectIgnoringErrors(p11, s, kek);
        }
      });
    } catch (err) {
      // E.g. SoftHSM2 2.6 cannot unwrap an Ed25519 PKCS#8 key (CKR_FUNCTION_FAILED).
      if (ckr(err)) throw unsupported(`the token cannot unwrap a ${spec.spec} key (${ckr(err)})`);
      throw err;
    } finally {
      kekValue.fill(0);
    }
    return { backendRef: ident.ckaId.toString('hex'), publicKey: plan.spki };
  }

  // ---- symmetric -----------------------------------------------------------------------------

  async encrypt(loaded: LoadedKey, p: EncryptParams): Promise<EncryptResult> {
    const key = loaded as P11Key;
    if (p.alg !== 'AES-GCM') throw unsupported(`${p.alg} is not available on the pkcs11 backend`);
    refuseSubkey(p.derive && 'per-context subkeys');
    this.need('AES-GCM', key.ref.spec.bits);
    const iv = p.iv ?? randomIv(12);
    const { p11 } = this.live();
    const out = await this.onKey(key, async (s) => {
      p11.C_EncryptInit(s, gcm(iv, p.aad), key.handle);
      return p11.C_EncryptAsync(s, nonNull(p.plaintext), Buffer.alloc(p.plaintext.length + GCM_TAG));
    }).catch((err) => refusedAsUnsupported(err, 'AES-GCM'));
    return { ciphertext: Buffer.from(out.subarray(0, out.length - GCM_TAG)), iv, tag: Buffer.from(out.subarray(out.length - GCM_TAG)) };
  }

  async decrypt(loaded: LoadedKey, p: DecryptParams): Promise<Buffer> {
    const key = loaded as P11Key;
    if (p.alg !== 'AES-GCM') throw unsupported(`${p.alg} is not available on the pkcs11 backend`);
    refuseSubkey(p.derive && 'per-context subkeys');
    this.need('AES-GCM', key.ref.spec.bits);
    if (p.tag.length !== GCM_TAG) throw cryptoFailure('decryption failed');
    const { p11 } = this.live();
    const input = Buffer.concat([p.ciphertext, p.tag]);
    return this.onKey(key, async (s) => {
      p11.C_DecryptInit(s, gcm(p.iv, p.aad), key.handle);
      return Buffer.from(await p11.C_DecryptAsync(s, input, Buffer.alloc(input.length)));
    }).catch((err) => asCryptoFailure(err, 'decryption failed'));
  }

  async mac(loaded: LoadedKey, hash: HashAlg, data: Buffer, keyedWith: MacKeyChoice = 'key'): Promise<Buffer> {
    const key = loaded as P11Key;
    refuseSubkey(keyedWith === 'hmac-subkey' ? 'HMAC subkeys' : undefined);
    const ckm = HMAC_CKM[hash];
    if (ckm === undefined || !offers(this.live().mechs, `HMAC-${hash}`, key.ref.spec.bits)) {
      throw unsupported(`HMAC-${hash} with a ${key.ref.spec.bits}-bit key is not available on this token`);
    }
    const { p11 } = this.live();
    return this.onKey(key, async (s) => {
      p11.C_SignInit(s, { mechanism: ckm }, key.handle);
      return Buffer.from(await p11.C_SignAsync(s, nonNull(data), Buffer.alloc(64)));
    }).catch((err) => refusedAsUnsupported(err, `HMAC-${hash}`));
  }

  /**
   * AES key wrap of caller bytes: the token wraps keys, not data (SoftHSM2 offers KEY_WRAP for
   * C_WrapKey only), so the bytes become a short-lived session object that is wrapped, then destroyed.
   */
  async wrap(loaded: LoadedKey, alg: WrapAlg, data: Buffer): Promise<Buffer> {
    const key = loaded as P11Key;
    const mechanism = this.wrapMechanism(alg, key.ref.spec.bits);
    if (alg === 'AES-KWP' && !this.live().mechs.kwpConformant && data.length % 8 !== 0) {
      throw unsupported('this token pads AES-KWP input before wrapping (not RFC 5649): only inputs of a multiple of 8 bytes can be wrapped');
    }
    const { p11 } = this.live();
    return this.onKey(key, async (s) => {
      const tmp = p11.C_CreateObject(s, scratchSecretTemplate(data));
      try {
        return Buffer.from(await p11.C_WrapKeyAsync(s, { mechanism }, key.handle, tmp, Buffer.alloc(data.length + 16)));
      } finally {
        destroyObjectIgnoringErrors(p11, s, tmp);
      }
    }).catch((err) => refusedAsUnsupported(err, alg));
  }

  async unwrap(loaded: LoadedKey, alg: WrapAlg, data: Buffer): Promise<Buffer> {
    const key = loaded as P11Key;
    const mechanism = this.wrapMechanism(alg, key.ref.spec.bits);
    const { p11 } = this.live();
    return this.onKey(key, async (s) => {
      const tmp = await p11.C_UnwrapKeyAsync(s, { mechanism }, key.handle, data, scratchSecretTemplate());
      try {
        return readValue(p11, s, tmp);
      } finally {
        destroyObjectIgnoringErrors(p11, s, tmp);
      }
    }).catch((err) => asCryptoFailure(err, 'unwrap failed'));
  }

  // ---- asymmetric ----------------------------------------------------------------------------

  async asymEncrypt(loaded: LoadedKey, p: AsymParams, plaintext: Buffer): Promise<Buffer> {
    const key = pairOf(loaded);
    if (p.scheme !== 'RSA-OAEP' && p.scheme !== 'RSA-PKCS1') throw unsupported(`${p.scheme} is not available on the pkcs11 backend`);
    try {
      return p.scheme === 'RSA-OAEP'
        ? publicEncrypt({ key: key.publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: HASHES[p.hash ?? 'SHA-1'].node }, plaintext)
        : publicEncrypt({ key: key.publicKey, padding: constants.RSA_PKCS1_PADDING }, plaintext);
    } catch {
      throw invalidArgument('the plaintext is too long for this key and padding', 'plaintext');
    }
  }

  async asymDecrypt(loaded: LoadedKey, p: AsymParams, ciphertext: Buffer): Promise<Buffer> {
    const key = pairOf(loaded);
    const k = Math.ceil(key.ref.spec.bits / 8);
    const { p11, mechs } = this.live();
    if (p.scheme === 'RSA-OAEP') {
      const hash = p.hash ?? 'SHA-1';
      const params = HASH_PARAMS[hash];
      if (params && offers(mechs, 'RSA-OAEP', key.ref.spec.bits) && !this.oaepRefused.has(hash)) {
        const mech = { mechanism: F.CKM_RSA_PKCS_OAEP, parameter: { type: F.CK_PARAMS_RSA_OAEP, hashAlg: params.ckm, mgf: params.mgf, source: CKZ_DATA_SPECIFIED } };
        let refused = false;
        const out = await this.onKey(key, async (s) => {
          try {
            p11.C_DecryptInit(s, mech, key.handle);
          } catch (err) {
            if (!isRefused(err)) throw err;
            refused = true;
            return null;
          }
          return Buffer.from(await p11.C_DecryptAsync(s, ciphertext, Buffer.alloc(k)));
        }).catch((err) => asCryptoFailure(err, 'decryption failed'));
        if (out) return out;
        if (refused) this.oaepRefused.add(hash);
      }
      if (!offers(mechs, 'RSA-RAW', key.ref.spec.bits)) throw unsupported(`RSA-OAEP with ${hash} is not available on this token`);
      const em = await this.rawRsa(key, ciphertext, k);
      const msg = oaepUnpad(em, hash);
      em.fill(0);
      if (!msg) throw cryptoFailure('decryption failed');
      return msg;
    }
    if (p.scheme === 'RSA-PKCS1') {
      // Implicit rejection: a bad padding yields a synthetic message, never a distinct error.
      if (!offers(mechs, 'RSA-RAW', key.ref.spec.bits)) throw unsupported('RSA PKCS#1 v1.5 decryption needs raw RSA (CKM_RSA_X_509) on the token');
      const kdkKey = await this.kdkKey(key, k);
      const em = await this.rawRsa(key, ciphertext, k);
      const out = pkcs1v15ImplicitUnpad(em, ciphertext, kdkKey);
      em.fill(0);
      return out;
    }
    throw unsupported(`${p.scheme} is not available on the pkcs11 backend`);
  }

  async sign(loaded: LoadedKey, p: SignParams, data: Buffer): Promise<Buffer> {
    const key = loaded as P11Key;
    const { p11, mechs } = this.live();
    const { mech, input, size } = signMechanism(mechs, key.ref.spec, p, data);
    const raw = await this.onKey(key, async (s) => {
      p11.C_SignInit(s, mech, key.handle);
      return Buffer.from(await p11.C_SignAsync(s, nonNull(input), Buffer.alloc(size)));
    }).catch((err) => refusedAsUnsupported(err, p.scheme));
    return p.scheme === 'ECDSA' && p.encoding !== 'raw' ? rawToDer(raw) : raw;
  }

  async verify(loaded: LoadedKey, p: SignParams, data: Buffer, signature: Buffer): Promise<boolean> {
    const key = pairOf(loaded);
    const spec = key.ref.spec;
    const { p11, mechs } = this.live();
    const { mech, input, size } = signMechanism(mechs, spec, p, data);
    let sig = signature;
    if (p.scheme === 'ECDSA') {
      try {
        sig = p.encoding === 'raw' ? signature : derToRaw(signature, size / 2);
      } catch {
        return false;
      }
    }
    // For RSA `size` is the modulus length: a shorter or longer signature is simply not valid.
    if (sig.length !== size) return false;
    try {
      return await this.onKey(key, async (s) => {
        if (!key.pubHandle) throw new Error(`key ${key.ref.id} has no public-key object on the token`);
        p11.C_VerifyInit(s, mech, key.pubHandle);
        return p11.C_VerifyAsync(s, nonNull(input), sig);
      });
    } catch (err) {
      if (isDeadSession(err) || isStaleHandle(err) || !ckr(err)) throw err;
      if (isRefused(err)) refusedAsUnsupported(err, p.scheme);
      // A malformed or wrong signature is simply not valid.
      return false;
    }
  }

  async deriveEcdh(loaded: LoadedKey, peerSpki: Buffer): Promise<Buffer> {
    const key = loaded as P11Key;
    const spec = key.ref.spec;
    if (spec.family !== 'ec') throw unsupported(`ECDH is not available for ${spec.spec} keys on the pkcs11 backend`);
    this.need('ECDH', spec.bits);
    let peer: KeyObject;
    try {
      peer = createPublicKey({ key: peerSpki, format: 'der', type: 'spki' });
    } catch {
      throw invalidArgument('the peer public key cannot be parsed', 'peer');
    }
    if (peer.asymmetricKeyType !== 'ec' || peer.asymmetricKeyDetails?.namedCurve !== curveOf(spec).node) {
      throw invalidArgument(`the peer key is not a ${spec.spec} key`, 'peer');
    }
    const point = ecPoint(spec, peer);
    const { p11 } = this.live();
    const mech = { mechanism: F.CKM_ECDH1_DERIVE, parameter: { type: F.CK_PARAMS_EC_DH, kdf: F.CKD_NULL, publicData: point } };
    return this.onKey(key, async (s) => {
      const secret = await p11.C_DeriveKeyAsync(s, mech, key.handle, scratchSecretTemplate());
      try {
        return readValue(p11, s, secret);
      } finally {
        destroyObjectIgnoringErrors(p11, s, secret);
      }
    }).catch((err) => {
      if (isDeadSession(err) || isStaleHandle(err) || !ckr(err)) throw err;
      throw invalidArgument('the peer public key is not valid', 'peer');
    });
  }

  // ---- internals -----------------------------------------------------------------------------

  private live(): Token {
    if (!this.token) throw new Error('the PKCS#11 backend is not initialised');
    return this.token;
  }

  /** The family row of a spec this token can hold, or UNSUPPORTED (so the router can fall back). */
  private rowFor(spec: SpecInfo): SecretRow | PairRow {
    const row = KEY_FAMILIES[spec.family];
    if (!row.held || !this.canHold(spec, spec.symmetric ? 'secret' : 'private')) throw unsupported(`key spec ${spec.spec} is not supported by backend 'pkcs11'`);
    return row;
  }

  private need(name: string, bits: number): void {
    if (!offers(this.live().mechs, name, bits)) throw unsupported(`${name} is not available on this token for a ${bits}-bit key`);
  }

  private wrapMechanism(alg: WrapAlg, bits: number): number {
    this.need(alg, bits);
    const row = MECH_BY_NAME.get(alg);
    if (!row) throw unsupported(`${alg} is not available on the pkcs11 backend`);
    return row.ckm;
  }

  /** Runs `fn` on a session; a stale object handle is looked up again by CKA_ID and `fn` retried once. */
  private async onKey<T>(key: P11Key, fn: (s: Handle) => Promise<T>): Promise<T> {
    const { pool } = this.live();
    try {
      return await pool.use(fn);
    } catch (err) {
      if (!isStaleHandle(err)) throw err;
      await pool.use(async (s) => this.findHandles(s, key));
      return pool.use(fn);
    }
  }

  private findHandles(s: Handle, key: P11Key): void {
    const { p11 } = this.live();
    const cls = key.kind === 'secret' ? F.CKO_SECRET_KEY : F.CKO_PRIVATE_KEY;
    const [own] = findObjects(p11, s, [
      { type: F.CKA_ID, value: key.ckaId },
      { type: F.CKA_CLASS, value: cls },
    ]);
    if (!own) throw new Error(`key ${key.ref.id} is not on the token (CKA_ID ${key.ckaId.toString('hex')})`);
    key.handle = own;
    if (key.kind === 'pair') {
      const [pub] = findObjects(p11, s, [
        { type: F.CKA_ID, value: key.ckaId },
        { type: F.CKA_CLASS, value: F.CKO_PUBLIC_KEY },
      ]);
      key.pubHandle = pub ?? null;
    }
  }

  /** RSA_d(c) on the token (CKM_RSA_X_509), left-padded to the modulus size. */
  private async rawRsa(key: P11Key, ciphertext: Buffer, k: number): Promise<Buffer> {
    if (ciphertext.length !== k) throw cryptoFailure('decryption failed');
    const { p11 } = this.live();
    const em = await this.onKey(key, async (s) => {
      p11.C_DecryptInit(s, { mechanism: F.CKM_RSA_X_509 }, key.handle);
      return Buffer.from(await p11.C_DecryptAsync(s, ciphertext, Buffer.alloc(k)));
    }).catch((err) => asCryptoFailure(err, 'decryption failed'));
    return leftPad(em, k);
  }

  /**
   * The implicit-rejection key: SHA-256 of the raw RSA private operation on a fixed value. Only
   * the key's holder can compute it (it needs d), it never leaves this process, and it is stable
   * for the key, so a given bad ciphertext always yields the same synthetic message.
   */
  private async kdkKey(key: P11Pair, k: number): Promise<Buffer> {
    if (!key.kdkKey) {
      const fixed = Buffer.alloc(k);
      const seed = createHash('sha512').update('kms-gateway pkcs11 rsa implicit rejection v1').digest();
      for (let i = 1; i < k; i++) fixed[i] = seed[i % seed.length] ?? 0;
      const out = await this.rawRsa(key, fixed, k);
      key.kdkKey = createHash('sha256').update(out).digest();
      out.fill(0);
    }
    return key.kdkKey;
  }
}

// ---- helpers -------------------------------------------------------------------------------

/** A key pair's loaded form; the core checks families first, so a secret here is a mismatch. */
/**
 * Subkeys (a per-context encryption subkey, the HMAC subkey; crypto/subkeys.ts in the core) are
 * HKDF-SHA256 over the key's value. Here the value stays on the token (a key that is not
 * exportable is sensitive and can never leave it), so computing a subkey in this process would
 * take it out on every use; deriving it on the token instead needs HKDF derivation
 * (CKM_HKDF_DERIVE, PKCS#11 3.0), which SoftHSM2 2.6 lacks. Hence UNSUPPORTED.
 */
function refuseSubkey(what: string | undefined): void {
  if (what) throw unsupported(`${what} are not available on the pkcs11 backend: the subkey would have to leave the token`);
}

function pairOf(loaded: LoadedKey): P11Pair {
  const key = loaded as P11Key;
  if (key.kind !== 'pair') throw unsupported(`${key.ref.spec.spec} keys have no asymmetric operations`);
  return key;
}

/** What importWrapped sends through C_UnwrapKey: the clear bytes, the templates, and the public key. */
interface WrappedImport {
  clear: Buffer;
  priv: pkcs11js.Template;
  pub: pkcs11js.Template | null;
  spki: Buffer | null;
}

function wrappedImportPlan(row: SecretRow | PairRow, spec: SpecInfo, material: KeyMaterial, ident: KeyIdentity, exportable: boolean): WrappedImport | null {
  if (row.kind === 'secret') {
    if (material.kind !== 'secret' || material.bytes.length * 8 !== spec.bits) return null;
    return { clear: material.bytes, priv: secretKeyTemplate(row, spec, ident, exportable, 'unwrap'), pub: null, spki: null };
  }
  if (material.kind !== 'pkcs8') return null;
  let pubKey: KeyObject;
  try {
    pubKey = createPublicKey(createPrivateKey({ key: material.der, format: 'der', type: 'pkcs8' }));
  } catch {
    return null;
  }
  const { pub, priv } = keyPairTemplates(row, spec, ident, exportable);
  return { clear: material.der, priv, pub: [...pub, ...row.publicValues(spec, pubKey)], spki: pubKey.export({ format: 'der', type: 'spki' }) };
}

function gcm(iv: Buffer, aad?: Buffer): pkcs11js.Mechanism {
  return {
    mechanism: F.CKM_AES_GCM,
    parameter: { type: F.CK_PARAMS_AES_GCM, iv, aad: aad?.length ? aad : undefined, ivBits: iv.length * 8, tagBits: GCM_TAG * 8 } as pkcs11js.AesGCM,
  };
}
