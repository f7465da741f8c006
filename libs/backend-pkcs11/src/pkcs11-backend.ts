import { constants, createCipheriv, createHash, createPrivateKey, createPublicKey, publicEncrypt, randomBytes, type KeyObject } from 'node:crypto';
import * as pkcs11js from 'pkcs11js';
import {
  DIGEST_INFO,
  HASHES,
  randomIv,
  cryptoFailure,
  oaepUnpad,
  pkcs1v15ImplicitUnpad,
  invalidArgument,
  listedSpecs,
  specInfo,
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
  type KeyClass,
  type KeyMaterial,
  type LoadedKey,
  type SignParams,
  type SpecInfo,
  type StoredKey,
  type WrapAlg,
} from '@kms/core';
import { resolvePin, tokenName, type Pkcs11Config } from './config';
import { EC_CURVES, ED25519_PARAMS } from './curves';
import { derToRaw, leftPad, octets, rawToDer, readTlv, seq, tlv, bitString, uint } from './der';
import { asCryptoFailure, ckr, isDeadSession, isRefused, isStaleHandle, refusedAsUnsupported } from './errors';
import {
  CKM_EC_EDWARDS_KEY_PAIR_GEN,
  CKM_EDDSA,
  CKZ_DATA_SPECIFIED,
  HASH_PARAMS,
  HMAC_CKM,
  MECH_BY_NAME,
  canHoldSpec,
  canonicalMechanisms,
  canonicalSpecs,
  describeMechanisms,
  keyBits,
  offers,
  readMechanisms,
  type TokenMechanisms,
} from './mechanisms';
import { acquireModule, releaseModule } from './module-registry';
import { pointOf, readSpki } from './public-key';
import { SessionPool } from './session-pool';
import { generationExtras, keyPairTemplates, scratchSecretTemplate, secretKeyTemplate, type KeyIdentity } from './templates';

const F = pkcs11js;
type Handle = pkcs11js.Handle;

/** A key on the token: its object handles (valid across our sessions while logged in). */
interface P11Key extends LoadedKey {
  ckaId: Buffer;
  /** The secret key or the private key. */
  handle: Handle;
  /** The public-key object (key pairs). */
  pubHandle: Handle | null;
  /** Public operations that need no token (asymmetric encryption) use the stored SPKI. */
  publicKey: KeyObject | null;
  /** Secret for PKCS#1 v1.5 implicit rejection: SHA-256 of a raw RSA private operation. */
  kdkKey?: Buffer;
}

const GCM_TAG = 16;

/**
 * The PKCS#11 engine (pkcs11js; SoftHSM2 in CI). Keys are token objects found by CKA_ID (the key
 * id's 16 bytes); the store keeps only that id in hex. Every crypto call is a pkcs11js `...Async`
 * call, run on a libuv worker thread on a session of its own from the pool. Verification runs on
 * the token with the public-key object; asymmetric encryption (public data only) runs in
 * node:crypto with the stored SPKI. What the token can do is read from its mechanism list at
 * start-up, and keys of specs it cannot hold are refused (UNSUPPORTED) so the router can fall back.
 */
export class Pkcs11Backend implements CryptoBackend {
  readonly name = 'pkcs11';
  private p11: pkcs11js.PKCS11 | null = null;
  private slot: Handle | null = null;
  private pool: SessionPool | null = null;
  private mechs: TokenMechanisms = { ranges: new Map(), curves: new Set(), kwpConformant: false };
  /** OAEP hashes the token refused as parameters: those go through raw RSA + OAEP decoding here. */
  private readonly oaepRefused = new Set<HashAlg>();

  constructor(private readonly config: Pkcs11Config) {}

  /** The loaded module and the pool, for tests that disturb the token under the backend. */
  get module(): pkcs11js.PKCS11 {
    if (!this.p11) throw new Error('the PKCS#11 backend is not initialised');
    return this.p11;
  }
  get slotHandle(): Handle {
    return this.slot!;
  }
  get sessions(): SessionPool {
    return this.pool!;
  }

  // ---- lifecycle -----------------------------------------------------------------------------

  async init(): Promise<void> {
    const pin = resolvePin(this.config);
    const p11 = acquireModule(this.config.module);
    try {
      this.slot = findSlot(p11, this.config);
      this.pool = new SessionPool(p11, this.slot, pin, this.config.poolSize ?? 8, tokenName(this.config));
      await this.pool.start();
      this.p11 = p11;
      this.mechs = {
        ranges: readMechanisms(p11, this.slot),
        curves: await this.probeCurves(p11),
        kwpConformant: await this.probeKwp(p11),
      };
    } catch (err) {
      this.pool?.close();
      this.pool = null;
      this.p11 = null;
      releaseModule(this.config.module);
      throw err;
    }
  }

  async close(): Promise<void> {
    if (!this.p11) return;
    this.pool?.close();
    this.pool = null;
    this.p11 = null;
    releaseModule(this.config.module);
  }

  async health(): Promise<BackendHealth> {
    if (!this.p11 || !this.pool) return { ok: false, detail: 'not initialised' };
    const p11 = this.p11;
    const slot = this.slot!;
    const check = this.pool.use(async (s) => {
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
    const all = listedSpecs().map((s) => specInfo(s));
    return { specs: canonicalSpecs(this.mechs, all), mechanisms: canonicalMechanisms(this.mechs) };
  }

  /** Each mechanism of the table the token offers, with its key-size range, and the probed curves. */
  describe(): string[] {
    return [...describeMechanisms(this.mechs), `curves: ${[...this.mechs.curves].join(', ') || 'none'}`, `AES-KWP wrap per RFC 5649: ${this.mechs.kwpConformant}`];
  }

  canHold(spec: SpecInfo, keyClass: KeyClass): boolean {
    return canHoldSpec(this.mechs, spec, keyClass);
  }

  // ---- keys ----------------------------------------------------------------------------------

  async generate(id: string, spec: SpecInfo, opts: { exportable: boolean }): Promise<StoredKey> {
    this.mustHold(spec);
    const ident = identity(id);
    const p11 = this.module;
    return this.pool!.use(async (s) => {
      if (spec.symmetric) {
        const mech = spec.family === 'aes' ? F.CKM_AES_KEY_GEN : F.CKM_GENERIC_SECRET_KEY_GEN;
        await p11.C_GenerateKeyAsync(s, { mechanism: mech }, secretKeyTemplate(spec, ident, opts.exportable));
        return { backendRef: ident.ckaId.toString('hex'), publicKey: null };
      }
      const { pub, priv } = keyPairTemplates(spec, ident, opts.exportable);
      const mech = spec.family === 'rsa' ? F.CKM_RSA_PKCS_KEY_PAIR_GEN : spec.family === 'ec' ? F.CKM_EC_KEY_PAIR_GEN : CKM_EC_EDWARDS_KEY_PAIR_GEN;
      const pair = await p11.C_GenerateKeyPairAsync(s, { mechanism: mech }, [...pub, ...generationExtras(spec)], priv);
      try {
        return { backendRef: ident.ckaId.toString('hex'), publicKey: readSpki(p11, s, pair.publicKey, spec) };
      } catch (err) {
        destroyQuietly(p11, s, pair.publicKey);
        destroyQuietly(p11, s, pair.privateKey);
        throw err;
      }
    });
  }

  async import(id: string, spec: SpecInfo, material: KeyMaterial, opts: { exportable: boolean }): Promise<StoredKey> {
    this.mustHold(spec);
    const misfit = () => invalidArgument(`the key material is not a valid ${spec.spec} key`, 'material');
    const ident = identity(id);
    const p11 = this.module;
    if (spec.symmetric) {
      if (material.kind !== 'secret' || material.bytes.length * 8 !== spec.bits) throw misfit();
      await this.pool!.use(async (s) => p11.C_CreateObject(s, secretKeyTemplate(spec, ident, opts.exportable, material.bytes)));
      return { backendRef: ident.ckaId.toString('hex'), publicKey: null };
    }
    // Public-only material never reaches this backend: the router keeps public keys in `soft`.
    if (material.kind !== 'pkcs8') throw misfit();
    let key: KeyObject;
    try {
      key = createPrivateKey({ key: material.der, format: 'der', type: 'pkcs8' });
    } catch {
      throw misfit();
    }
    const pubKey = createPublicKey(key);
    const d = key.asymmetricKeyDetails;
    const { pub, priv } = keyPairTemplates(spec, ident, opts.exportable);
    if (spec.family === 'rsa') {
      if (key.asymmetricKeyType !== 'rsa' || d?.modulusLength !== spec.bits) throw misfit();
      const j = key.export({ format: 'jwk' });
      const b = (v: string | undefined) => Buffer.from(v!, 'base64url');
      pub.push({ type: F.CKA_MODULUS, value: b(j.n) }, { type: F.CKA_PUBLIC_EXPONENT, value: b(j.e) });
      priv.push(
        { type: F.CKA_MODULUS, value: b(j.n) },
        { type: F.CKA_PUBLIC_EXPONENT, value: b(j.e) },
        { type: F.CKA_PRIVATE_EXPONENT, value: b(j.d) },
        { type: F.CKA_PRIME_1, value: b(j.p) },
        { type: F.CKA_PRIME_2, value: b(j.q) },
        { type: F.CKA_EXPONENT_1, value: b(j.dp) },
        { type: F.CKA_EXPONENT_2, value: b(j.dq) },
        { type: F.CKA_COEFFICIENT, value: b(j.qi) },
      );
    } else if (spec.family === 'ec') {
      const curve = EC_CURVES[spec.curve!];
      if (key.asymmetricKeyType !== 'ec' || d?.namedCurve !== curve.node) throw misfit();
      // SEC 1 ECPrivateKey: SEQUENCE { version, privateKey OCTET STRING, ... } (JWK would not do P-224).
      const sec1 = readTlv(key.export({ format: 'der', type: 'sec1' }));
      const version = readTlv(sec1.value);
      const scalar = readTlv(sec1.value, version.end);
      pub.push({ type: F.CKA_EC_POINT, value: octets(pointOf(spec, pubKey)) });
      priv.push({ type: F.CKA_EC_PARAMS, value: curve.params }, { type: F.CKA_VALUE, value: leftPad(Buffer.from(scalar.value), curve.size) });
    } else if (spec.family === 'ed25519') {
      if (key.asymmetricKeyType !== 'ed25519') throw misfit();
      const j = key.export({ format: 'jwk' });
      pub.push({ type: F.CKA_EC_POINT, value: octets(Buffer.from(j.x!, 'base64url')) });
      priv.push({ type: F.CKA_EC_PARAMS, value: ED25519_PARAMS }, { type: F.CKA_VALUE, value: Buffer.from(j.d!, 'base64url') });
    } else {
      throw misfit();
    }
    await this.pool!.use(async (s) => {
      const privHandle = p11.C_CreateObject(s, priv);
      try {
        p11.C_CreateObject(s, pub);
      } catch (err) {
        destroyQuietly(p11, s, privHandle);
        throw err;
      }
    });
    return { backendRef: ident.ckaId.toString('hex'), publicKey: pubKey.export({ format: 'der', type: 'spki' }) };
  }

  async load(ref: BackendKeyRef): Promise<LoadedKey> {
    if (ref.keyClass === 'public' || !ref.backendRef) throw new Error('the pkcs11 backend holds no public-only keys');
    const key: P11Key = {
      ref,
      ckaId: Buffer.from(ref.backendRef, 'hex'),
      handle: Buffer.alloc(0),
      pubHandle: null,
      publicKey: ref.publicKey ? createPublicKey({ key: ref.publicKey, format: 'der', type: 'spki' }) : null,
    };
    await this.pool!.use(async (s) => this.findHandles(s, key));
    return key;
  }

  async destroy(ref: BackendKeyRef): Promise<void> {
    if (!ref.backendRef) return;
    const p11 = this.module;
    await this.pool!.use(async (s) => {
      for (const h of findObjects(p11, s, [{ type: F.CKA_ID, value: Buffer.from(ref.backendRef!, 'hex') }])) p11.C_DestroyObject(s, h);
    });
  }

  async exportMaterial(loaded: LoadedKey): Promise<KeyMaterial> {
    const key = loaded as P11Key;
    const spec = key.ref.spec;
    const p11 = this.module;
    return this.onKey(key, async (s) => {
      const [ext] = p11.C_GetAttributeValue(s, key.handle, [{ type: F.CKA_EXTRACTABLE }]);
      if (!ext!.value[0]) throw unsupported('the key is not exportable');
      const attr = (...types: number[]) => p11.C_GetAttributeValue(s, key.handle, types.map((type) => ({ type }))).map((a) => a.value);
      if (spec.symmetric) return { kind: 'secret', bytes: Buffer.from(attr(F.CKA_VALUE)[0]!) };
      if (spec.family === 'rsa') {
        const names = ['n', 'e', 'd', 'p', 'q', 'dp', 'dq', 'qi'];
        const values = attr(F.CKA_MODULUS, F.CKA_PUBLIC_EXPONENT, F.CKA_PRIVATE_EXPONENT, F.CKA_PRIME_1, F.CKA_PRIME_2, F.CKA_EXPONENT_1, F.CKA_EXPONENT_2, F.CKA_COEFFICIENT);
        const jwk = Object.fromEntries([['kty', 'RSA'], ...names.map((n, i) => [n, values[i]!.toString('base64url')])]);
        return { kind: 'pkcs8', der: createPrivateKey({ key: jwk, format: 'jwk' }).export({ format: 'der', type: 'pkcs8' }) };
      }
      const value = attr(F.CKA_VALUE)[0]!;
      if (spec.family === 'ed25519') return { kind: 'pkcs8', der: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), value]) };
      const curve = EC_CURVES[spec.curve!];
      const point = pointOf(spec, key.publicKey!);
      const sec1 = seq(tlv(0x02, Buffer.from([1])), octets(leftPad(value, curve.size)), tlv(0xa0, curve.params), tlv(0xa1, bitString(point)));
      return { kind: 'pkcs8', der: createPrivateKey({ key: sec1, format: 'der', type: 'sec1' }).export({ format: 'der', type: 'pkcs8' }) };
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
    this.mustHold(spec);
    const misfit = () => invalidArgument(`the key material is not a valid ${spec.spec} key`, 'material');
    if (spec.symmetric ? material.kind !== 'secret' : material.kind !== 'pkcs8') throw misfit();
    if (!offers(this.mechs, 'AES-KWP', 256)) throw unsupported('re-homing needs AES key wrap with padding (CKM_AES_KEY_WRAP_PAD) on the token');
    const clear = material.kind === 'secret' ? material.bytes : (material as { der: Buffer }).der;
    if (material.kind === 'secret' && clear.length * 8 !== spec.bits) throw misfit();
    let pubKey: KeyObject | null = null;
    if (!spec.symmetric) {
      try {
        pubKey = createPublicKey(createPrivateKey({ key: clear, format: 'der', type: 'pkcs8' }));
      } catch {
        throw misfit();
      }
    }
    const ident = identity(id);
    const kekValue = randomBytes(32);
    const cipher = createCipheriv('id-aes256-wrap-pad', kekValue, Buffer.from('a65959a6', 'hex'));
    const wrapped = Buffer.concat([cipher.update(clear), cipher.final()]);
    const p11 = this.module;
    const { pub, priv } = spec.symmetric ? { pub: null, priv: secretKeyTemplate(spec, ident, opts.exportable).filter((a) => a.type !== F.CKA_VALUE_LEN) } : keyPairTemplates(spec, ident, opts.exportable);
    try {
      await this.pool!.use(async (s) => {
        const kek = p11.C_CreateObject(s, [
          { type: F.CKA_CLASS, value: F.CKO_SECRET_KEY },
          { type: F.CKA_KEY_TYPE, value: F.CKK_AES },
          { type: F.CKA_TOKEN, value: false },
          { type: F.CKA_PRIVATE, value: true },
          { type: F.CKA_SENSITIVE, value: true },
          { type: F.CKA_EXTRACTABLE, value: false },
          { type: F.CKA_UNWRAP, value: true },
          { type: F.CKA_VALUE, value: kekValue },
        ]);
        try {
          const own = await p11.C_UnwrapKeyAsync(s, { mechanism: F.CKM_AES_KEY_WRAP_PAD }, kek, wrapped, priv);
          if (pub && pubKey) {
            try {
              p11.C_CreateObject(s, [...pub, ...publicValueTemplate(spec, pubKey)]);
            } catch (err) {
              destroyQuietly(p11, s, own);
              throw err;
            }
          }
        } finally {
          destroyQuietly(p11, s, kek);
        }
      });
    } catch (err) {
      // E.g. SoftHSM2 2.6 cannot unwrap an Ed25519 PKCS#8 key (CKR_FUNCTION_FAILED).
      if (ckr(err)) throw unsupported(`the token cannot unwrap a ${spec.spec} key (${ckr(err)})`);
      throw err;
    } finally {
      kekValue.fill(0);
    }
    return { backendRef: ident.ckaId.toString('hex'), publicKey: pubKey ? pubKey.export({ format: 'der', type: 'spki' }) : null };
  }

  /**
   * The software engine's master secret, kept wrapped (AES key wrap, RFC 3394) under an AES-256 key
   * on the token labelled `label`, which is sensitive and never extractable. `wrapped` is the blob
   * stored at a previous start; without it (first start) the token key and a fresh 32-byte secret
   * are generated on the token and the new blob is returned for the caller to store. The secret is
   * unwrapped into a short-lived session object, read into memory and the object destroyed; it is
   * never written anywhere in clear.
   */
  async masterSecret(label: string, wrapped: Buffer | null): Promise<{ secret: Buffer; wrapped: Buffer; created: boolean }> {
    if (!offers(this.mechs, 'AES-KW', 256) || !offers(this.mechs, 'AES-KEYGEN', 256)) {
      throw new Error('the PKCS#11 token offers no AES-256 key wrap (CKM_AES_KEY_WRAP): it cannot hold the master key');
    }
    const p11 = this.module;
    const where = `on the PKCS#11 token ${tokenName(this.config)}`;
    const readValue = (s: Handle, h: Handle) => Buffer.from(p11.C_GetAttributeValue(s, h, [{ type: F.CKA_VALUE }])[0]!.value);
    return this.pool!.use(async (s) => {
      const keks = findObjects(p11, s, [{ type: F.CKA_CLASS, value: F.CKO_SECRET_KEY }, { type: F.CKA_LABEL, value: label }]);
      if (keks.length > 1) throw new Error(`${keks.length} keys are labelled '${label}' ${where}: the master-key KEK must be unique`);
      const kek = keks[0];
      if (wrapped) {
        if (!kek) throw new Error(`no master-key KEK labelled '${label}' ${where}: the wrapped master key cannot be opened`);
        let tmp: Handle;
        try {
          tmp = await p11.C_UnwrapKeyAsync(s, { mechanism: F.CKM_AES_KEY_WRAP }, kek, wrapped, scratchSecretTemplate());
        } catch (err) {
          throw new Error(`the token key '${label}' cannot unwrap the stored master key (${ckr(err) ?? (err as Error).message}): wrong token, key or file`);
        }
        try {
          const secret = readValue(s, tmp);
          if (secret.length !== 32) throw new Error('the unwrapped master key is not 32 bytes');
          return { secret, wrapped, created: false };
        } finally {
          destroyQuietly(p11, s, tmp);
        }
      }
      if (kek) {
        throw new Error(`the master-key KEK '${label}' exists ${where}, but the wrapped master key is missing: restore it from backup (every software key is sealed under it)`);
      }
      const newKek = await p11.C_GenerateKeyAsync(s, { mechanism: F.CKM_AES_KEY_GEN }, [
        { type: F.CKA_CLASS, value: F.CKO_SECRET_KEY },
        { type: F.CKA_KEY_TYPE, value: F.CKK_AES },
        { type: F.CKA_TOKEN, value: true },
        { type: F.CKA_PRIVATE, value: true },
        { type: F.CKA_SENSITIVE, value: true },
        { type: F.CKA_EXTRACTABLE, value: false },
        { type: F.CKA_LABEL, value: label },
        { type: F.CKA_VALUE_LEN, value: 32 },
        { type: F.CKA_WRAP, value: true },
        { type: F.CKA_UNWRAP, value: true },
        { type: F.CKA_ENCRYPT, value: false },
        { type: F.CKA_DECRYPT, value: false },
      ]);
      const tmp = await p11.C_GenerateKeyAsync(s, { mechanism: F.CKM_GENERIC_SECRET_KEY_GEN }, [...scratchSecretTemplate(), { type: F.CKA_VALUE_LEN, value: 32 }]);
      try {
        const blob = Buffer.from(await p11.C_WrapKeyAsync(s, { mechanism: F.CKM_AES_KEY_WRAP }, newKek, tmp, Buffer.alloc(64)));
        return { secret: readValue(s, tmp), wrapped: blob, created: true };
      } catch (err) {
        destroyQuietly(p11, s, newKek);
        throw err;
      } finally {
        destroyQuietly(p11, s, tmp);
      }
    });
  }

  // ---- symmetric -----------------------------------------------------------------------------

  async encrypt(loaded: LoadedKey, p: EncryptParams): Promise<EncryptResult> {
    const key = loaded as P11Key;
    if (p.alg !== 'AES-GCM') throw unsupported(`${p.alg} is not available on the pkcs11 backend`);
    this.need('AES-GCM', key.ref.spec.bits);
    const iv = p.iv ?? randomIv(12);
    const p11 = this.module;
    const out = await this.onKey(key, async (s) => {
      p11.C_EncryptInit(s, gcm(iv, p.aad), key.handle);
      return p11.C_EncryptAsync(s, nonNull(p.plaintext), Buffer.alloc(p.plaintext.length + GCM_TAG));
    }).catch((err) => refusedAsUnsupported(err, 'AES-GCM'));
    return { ciphertext: Buffer.from(out.subarray(0, out.length - GCM_TAG)), iv, tag: Buffer.from(out.subarray(out.length - GCM_TAG)) };
  }

  async decrypt(loaded: LoadedKey, p: DecryptParams): Promise<Buffer> {
    const key = loaded as P11Key;
    if (p.alg !== 'AES-GCM') throw unsupported(`${p.alg} is not available on the pkcs11 backend`);
    this.need('AES-GCM', key.ref.spec.bits);
    if (p.tag.length !== GCM_TAG) throw cryptoFailure('decryption failed');
    const p11 = this.module;
    const input = Buffer.concat([p.ciphertext, p.tag]);
    return this.onKey(key, async (s) => {
      p11.C_DecryptInit(s, gcm(p.iv, p.aad), key.handle);
      return Buffer.from(await p11.C_DecryptAsync(s, input, Buffer.alloc(input.length)));
    }).catch((err) => asCryptoFailure(err, 'decryption failed'));
  }

  async mac(loaded: LoadedKey, hash: HashAlg, data: Buffer): Promise<Buffer> {
    const key = loaded as P11Key;
    const ckm = HMAC_CKM[hash];
    if (ckm === undefined || !offers(this.mechs, `HMAC-${hash}`, key.ref.spec.bits)) {
      throw unsupported(`HMAC-${hash} with a ${key.ref.spec.bits}-bit key is not available on this token`);
    }
    const p11 = this.module;
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
    this.need(alg, key.ref.spec.bits);
    if (alg === 'AES-KWP' && !this.mechs.kwpConformant && data.length % 8 !== 0) {
      throw unsupported('this token pads AES-KWP input before wrapping (not RFC 5649): only inputs of a multiple of 8 bytes can be wrapped');
    }
    const p11 = this.module;
    const mechanism = MECH_BY_NAME.get(alg)!.ckm;
    return this.onKey(key, async (s) => {
      const tmp = p11.C_CreateObject(s, scratchSecretTemplate(data));
      try {
        return Buffer.from(await p11.C_WrapKeyAsync(s, { mechanism }, key.handle, tmp, Buffer.alloc(data.length + 16)));
      } finally {
        destroyQuietly(p11, s, tmp);
      }
    }).catch((err) => refusedAsUnsupported(err, alg));
  }

  async unwrap(loaded: LoadedKey, alg: WrapAlg, data: Buffer): Promise<Buffer> {
    const key = loaded as P11Key;
    this.need(alg, key.ref.spec.bits);
    const p11 = this.module;
    const mechanism = MECH_BY_NAME.get(alg)!.ckm;
    return this.onKey(key, async (s) => {
      const tmp = await p11.C_UnwrapKeyAsync(s, { mechanism }, key.handle, data, scratchSecretTemplate());
      try {
        return Buffer.from(p11.C_GetAttributeValue(s, tmp, [{ type: F.CKA_VALUE }])[0]!.value);
      } finally {
        destroyQuietly(p11, s, tmp);
      }
    }).catch((err) => asCryptoFailure(err, 'unwrap failed'));
  }

  // ---- asymmetric ----------------------------------------------------------------------------

  async asymEncrypt(loaded: LoadedKey, p: AsymParams, plaintext: Buffer): Promise<Buffer> {
    const key = loaded as P11Key;
    if (p.scheme !== 'RSA-OAEP' && p.scheme !== 'RSA-PKCS1') throw unsupported(`${p.scheme} is not available on the pkcs11 backend`);
    try {
      return p.scheme === 'RSA-OAEP'
        ? publicEncrypt({ key: key.publicKey!, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: HASHES[p.hash ?? 'SHA-1'].node }, plaintext)
        : publicEncrypt({ key: key.publicKey!, padding: constants.RSA_PKCS1_PADDING }, plaintext);
    } catch {
      throw invalidArgument('the plaintext is too long for this key and padding', 'plaintext');
    }
  }

  async asymDecrypt(loaded: LoadedKey, p: AsymParams, ciphertext: Buffer): Promise<Buffer> {
    const key = loaded as P11Key;
    const k = Math.ceil(key.ref.spec.bits / 8);
    if (p.scheme === 'RSA-OAEP') {
      const hash = p.hash ?? 'SHA-1';
      const params = HASH_PARAMS[hash];
      if (params && offers(this.mechs, 'RSA-OAEP', key.ref.spec.bits) && !this.oaepRefused.has(hash)) {
        const p11 = this.module;
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
      if (!offers(this.mechs, 'RSA-RAW', key.ref.spec.bits)) throw unsupported(`RSA-OAEP with ${hash} is not available on this token`);
      const em = await this.rawRsa(key, ciphertext, k);
      const msg = oaepUnpad(em, hash);
      em.fill(0);
      if (!msg) throw cryptoFailure('decryption failed');
      return msg;
    }
    if (p.scheme === 'RSA-PKCS1') {
      // Implicit rejection: a bad padding yields a synthetic message, never a distinct error.
      if (!offers(this.mechs, 'RSA-RAW', key.ref.spec.bits)) throw unsupported('RSA PKCS#1 v1.5 decryption needs raw RSA (CKM_RSA_X_509) on the token');
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
    const { mech, input, size } = this.signMechanism(key, p, data);
    const p11 = this.module;
    const raw = await this.onKey(key, async (s) => {
      p11.C_SignInit(s, mech, key.handle);
      return Buffer.from(await p11.C_SignAsync(s, nonNull(input), Buffer.alloc(size)));
    }).catch((err) => refusedAsUnsupported(err, p.scheme));
    return p.scheme === 'ECDSA' && p.encoding !== 'raw' ? rawToDer(raw) : raw;
  }

  async verify(loaded: LoadedKey, p: SignParams, data: Buffer, signature: Buffer): Promise<boolean> {
    const key = loaded as P11Key;
    const spec = key.ref.spec;
    const { mech, input, size } = this.signMechanism(key, p, data);
    let sig = signature;
    if (p.scheme === 'ECDSA') {
      try {
        sig = p.encoding === 'raw' ? signature : derToRaw(signature, size / 2);
      } catch {
        return false;
      }
    }
    if (sig.length !== size || (spec.family === 'rsa' && sig.length !== Math.ceil(spec.bits / 8))) return false;
    const p11 = this.module;
    try {
      return await this.onKey(key, async (s) => {
        p11.C_VerifyInit(s, mech, key.pubHandle!);
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
    this.need('ECDH', keyBits(spec));
    let peer: KeyObject;
    try {
      peer = createPublicKey({ key: peerSpki, format: 'der', type: 'spki' });
    } catch {
      throw invalidArgument('the peer public key cannot be parsed', 'peer');
    }
    if (peer.asymmetricKeyType !== 'ec' || peer.asymmetricKeyDetails?.namedCurve !== EC_CURVES[spec.curve!].node) {
      throw invalidArgument(`the peer key is not a ${spec.spec} key`, 'peer');
    }
    const point = pointOf(spec, peer);
    const p11 = this.module;
    const mech = { mechanism: F.CKM_ECDH1_DERIVE, parameter: { type: F.CK_PARAMS_EC_DH, kdf: F.CKD_NULL, publicData: point } };
    return this.onKey(key, async (s) => {
      const secret = await p11.C_DeriveKeyAsync(s, mech, key.handle, scratchSecretTemplate());
      try {
        return Buffer.from(p11.C_GetAttributeValue(s, secret, [{ type: F.CKA_VALUE }])[0]!.value);
      } finally {
        destroyQuietly(p11, s, secret);
      }
    }).catch((err) => {
      if (isDeadSession(err) || isStaleHandle(err) || !ckr(err)) throw err;
      throw invalidArgument('the peer public key is not valid', 'peer');
    });
  }

  // ---- internals -----------------------------------------------------------------------------

  private mustHold(spec: SpecInfo): void {
    if (!this.canHold(spec, spec.symmetric ? 'secret' : 'private')) throw unsupported(`key spec ${spec.spec} is not supported by backend 'pkcs11'`);
  }

  private need(name: string, bits: number): void {
    if (!offers(this.mechs, name, bits)) throw unsupported(`${name} is not available on this token for a ${bits}-bit key`);
  }

  /** Runs `fn` on a session; a stale object handle is looked up again by CKA_ID and `fn` retried once. */
  private async onKey<T>(key: P11Key, fn: (s: Handle) => Promise<T>): Promise<T> {
    try {
      return await this.pool!.use(fn);
    } catch (err) {
      if (!isStaleHandle(err)) throw err;
      await this.pool!.use(async (s) => this.findHandles(s, key));
      return this.pool!.use(fn);
    }
  }

  private findHandles(s: Handle, key: P11Key): void {
    const p11 = this.module;
    const cls = key.ref.spec.symmetric ? F.CKO_SECRET_KEY : F.CKO_PRIVATE_KEY;
    const [own] = findObjects(p11, s, [{ type: F.CKA_ID, value: key.ckaId }, { type: F.CKA_CLASS, value: cls }]);
    if (!own) throw new Error(`key ${key.ref.id} is not on the token (CKA_ID ${key.ckaId.toString('hex')})`);
    key.handle = own;
    if (!key.ref.spec.symmetric) {
      const [pub] = findObjects(p11, s, [{ type: F.CKA_ID, value: key.ckaId }, { type: F.CKA_CLASS, value: F.CKO_PUBLIC_KEY }]);
      key.pubHandle = pub ?? null;
    }
  }

  /** The mechanism, its input and the signature size for a sign or verify. */
  private signMechanism(key: P11Key, p: SignParams, data: Buffer): { mech: pkcs11js.Mechanism; input: Buffer; size: number } {
    const spec = key.ref.spec;
    const digestOf = (hash: HashAlg) => (p.prehashed ? data : createHash(HASHES[hash].node).update(data).digest());
    switch (p.scheme) {
      case 'RSA-PKCS1':
      case 'RSA-PSS': {
        const hash = p.hash!;
        const size = Math.ceil(spec.bits / 8);
        const pss = p.scheme === 'RSA-PSS';
        const withHash = `${pss ? 'RSA-PSS' : 'RSA-PKCS1-SIGN'}/${hash}`;
        const hp = HASH_PARAMS[hash];
        const pssParams = hp && { type: F.CK_PARAMS_RSA_PSS, hashAlg: hp.ckm, mgf: hp.mgf, saltLen: p.saltLength ?? HASHES[hash].size };
        if (!p.prehashed && MECH_BY_NAME.has(withHash) && offers(this.mechs, withHash, spec.bits)) {
          return { mech: { mechanism: MECH_BY_NAME.get(withHash)!.ckm, parameter: pss ? pssParams : undefined }, input: data, size };
        }
        if (pss) {
          if (!pssParams) throw unsupported(`RSA-PSS with ${hash} is not available on this token`);
          this.need('RSA-PSS', spec.bits);
          return { mech: { mechanism: F.CKM_RSA_PKCS_PSS, parameter: pssParams }, input: digestOf(hash), size };
        }
        const prefix = DIGEST_INFO[hash];
        if (!prefix) throw unsupported(`RSA PKCS#1 v1.5 signatures with ${hash} are not available on this token`);
        this.need('RSA-PKCS1-SIGN', spec.bits);
        return { mech: { mechanism: F.CKM_RSA_PKCS }, input: Buffer.concat([prefix, digestOf(hash)]), size };
      }
      case 'ECDSA':
        this.need('ECDSA', keyBits(spec));
        // CKM_ECDSA signs a digest: hash here unless the client did.
        return { mech: { mechanism: F.CKM_ECDSA }, input: digestOf(p.hash!), size: 2 * EC_CURVES[spec.curve!].size };
      case 'EdDSA':
        if (p.context?.length || p.variant) throw unsupported('Ed25519ctx / Ed25519ph are not available on the pkcs11 backend');
        this.need('EdDSA', spec.bits);
        return { mech: { mechanism: CKM_EDDSA }, input: data, size: 64 };
      default:
        throw unsupported(`${p.scheme} is not available on the pkcs11 backend`);
    }
  }

  /** RSA_d(c) on the token (CKM_RSA_X_509), left-padded to the modulus size. */
  private async rawRsa(key: P11Key, ciphertext: Buffer, k: number): Promise<Buffer> {
    if (ciphertext.length !== k) throw cryptoFailure('decryption failed');
    const p11 = this.module;
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
  private async kdkKey(key: P11Key, k: number): Promise<Buffer> {
    if (!key.kdkKey) {
      const fixed = Buffer.alloc(k);
      const seed = createHash('sha512').update('kms-gateway pkcs11 rsa implicit rejection v1').digest();
      for (let i = 1; i < k; i++) fixed[i] = seed[i % seed.length]!;
      const out = await this.rawRsa(key, fixed, k);
      key.kdkKey = createHash('sha256').update(out).digest();
      out.fill(0);
    }
    return key.kdkKey;
  }

  /** Curves a key pair can really be made on (a module may list EC mechanisms and refuse a curve). */
  private async probeCurves(p11: pkcs11js.PKCS11): Promise<Set<import('@kms/core').Curve | 'Ed25519'>> {
    const ranges = readMechanisms(p11, this.slot!);
    const out = new Set<import('@kms/core').Curve | 'Ed25519'>();
    const tryPair = async (mechanism: number, params: Buffer) =>
      this.pool!.use(async (s) => {
        try {
          const pair = await p11.C_GenerateKeyPairAsync(
            s,
            { mechanism },
            [{ type: F.CKA_TOKEN, value: false }, { type: F.CKA_EC_PARAMS, value: params }, { type: F.CKA_VERIFY, value: true }],
            [{ type: F.CKA_TOKEN, value: false }, { type: F.CKA_SIGN, value: true }],
          );
          destroyQuietly(p11, s, pair.publicKey);
          destroyQuietly(p11, s, pair.privateKey);
          return true;
        } catch (err) {
          if (isDeadSession(err)) throw err;
          return false;
        }
      });
    if (ranges.has('EC-KEYGEN')) {
      for (const [curve, info] of Object.entries(EC_CURVES)) if (await tryPair(F.CKM_EC_KEY_PAIR_GEN, info.params)) out.add(curve as import('@kms/core').Curve);
    }
    if (ranges.has('EDWARDS-KEYGEN') && (await tryPair(CKM_EC_EDWARDS_KEY_PAIR_GEN, ED25519_PARAMS))) out.add('Ed25519');
    return out;
  }

  /** Does CKM_AES_KEY_WRAP_PAD give RFC 5649 output for a 5-byte input? (SoftHSM2 2.6 pads first.) */
  private async probeKwp(p11: pkcs11js.PKCS11): Promise<boolean> {
    if (!readMechanisms(p11, this.slot!).has('AES-KWP')) return false;
    const kek = randomBytes(16);
    const data = Buffer.from('probe');
    return this.pool!.use(async (s) => {
      let k: Handle | null = null;
      let tmp: Handle | null = null;
      try {
        k = p11.C_CreateObject(s, [
          { type: F.CKA_CLASS, value: F.CKO_SECRET_KEY },
          { type: F.CKA_KEY_TYPE, value: F.CKK_AES },
          { type: F.CKA_TOKEN, value: false },
          { type: F.CKA_WRAP, value: true },
          { type: F.CKA_VALUE, value: kek },
        ]);
        tmp = p11.C_CreateObject(s, scratchSecretTemplate(data));
        const got = await p11.C_WrapKeyAsync(s, { mechanism: F.CKM_AES_KEY_WRAP_PAD }, k, tmp, Buffer.alloc(64));
        const c = createCipheriv('id-aes128-wrap-pad', kek, Buffer.from('a65959a6', 'hex'));
        return Buffer.concat([c.update(data), c.final()]).equals(got);
      } catch (err) {
        if (isDeadSession(err)) throw err;
        return false;
      } finally {
        if (tmp) destroyQuietly(p11, s, tmp);
        if (k) destroyQuietly(p11, s, k);
      }
    });
  }
}

// ---- helpers -------------------------------------------------------------------------------

function identity(id: string): KeyIdentity {
  const hex = id.replace(/-/g, '');
  const ckaId = /^[0-9a-f]{32}$/i.test(hex) ? Buffer.from(hex, 'hex') : createHash('sha256').update(id).digest().subarray(0, 16);
  return { ckaId, label: `kms:${id}` };
}

/**
 * An empty Buffer may carry a NULL data pointer, which modules refuse (SoftHSM2: CKR_ARGUMENTS_BAD
 * for an empty GCM plaintext or HMAC message); a zero-length view of a real allocation does not.
 */
function nonNull(b: Buffer): Buffer {
  return b.length ? b : Buffer.alloc(1).subarray(0, 0);
}

/** The public values of a key pair's public object (CKA_MODULUS / CKA_EC_POINT), from its public key. */
function publicValueTemplate(spec: SpecInfo, pub: KeyObject): pkcs11js.Template {
  if (spec.family === 'rsa') {
    const j = pub.export({ format: 'jwk' });
    return [
      { type: F.CKA_MODULUS, value: Buffer.from(j.n!, 'base64url') },
      { type: F.CKA_PUBLIC_EXPONENT, value: Buffer.from(j.e!, 'base64url') },
    ];
  }
  if (spec.family === 'ed25519') return [{ type: F.CKA_EC_POINT, value: octets(Buffer.from(pub.export({ format: 'jwk' }).x!, 'base64url')) }];
  return [{ type: F.CKA_EC_POINT, value: octets(pointOf(spec, pub)) }];
}

function gcm(iv: Buffer, aad?: Buffer): pkcs11js.Mechanism {
  return { mechanism: F.CKM_AES_GCM, parameter: { type: F.CK_PARAMS_AES_GCM, iv, aad: aad?.length ? aad : undefined, ivBits: iv.length * 8, tagBits: GCM_TAG * 8 } as pkcs11js.AesGCM };
}

function findObjects(p11: pkcs11js.PKCS11, s: Handle, template: pkcs11js.Template): Handle[] {
  p11.C_FindObjectsInit(s, template);
  try {
    return p11.C_FindObjects(s, 16);
  } finally {
    p11.C_FindObjectsFinal(s);
  }
}

function destroyQuietly(p11: pkcs11js.PKCS11, s: Handle, h: Handle): void {
  try {
    p11.C_DestroyObject(s, h);
  } catch {
    // gone with its session
  }
}

function handleNumber(h: Handle): number {
  return Number(h.length === 8 ? h.readBigUInt64LE() : BigInt(h.readUInt32LE()));
}

/** The slot of the configured token: by label (preferred), else by slot id, else the first token. */
function findSlot(p11: pkcs11js.PKCS11, c: Pkcs11Config): Handle {
  const slots = p11.C_GetSlotList(true);
  const labels = slots.map((s) => {
    try {
      return p11.C_GetTokenInfo(s).label.trim();
    } catch {
      return '';
    }
  });
  if (c.tokenLabel) {
    const i = labels.indexOf(c.tokenLabel);
    if (i < 0) throw new Error(`no PKCS#11 token labelled '${c.tokenLabel}' in ${c.module} (tokens: ${labels.map((l) => `'${l}'`).join(', ') || 'none'})`);
    return slots[i]!;
  }
  if (c.slot !== undefined && c.slot !== null) {
    const s = slots.find((h) => handleNumber(h) === c.slot);
    if (!s) throw new Error(`no PKCS#11 token in slot ${c.slot} of ${c.module} (slots with tokens: ${slots.map(handleNumber).join(', ') || 'none'})`);
    return s;
  }
  if (!slots[0]) throw new Error(`no PKCS#11 token present in ${c.module}`);
  return slots[0];
}
