import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { curveByNodeName, hexToUuid, randomIv, type AgreementKdf, type HashAlg, type KeyRecord } from '@kms/core';
import { Ctx } from '@kms/dialect-kit';
import { EXDSA_ALGS, HEM_HASHES, cipherAlg } from './algorithms';
import type { HemCaller } from './auth/caller';
import {
  CIPHER_BODY,
  type CipherBody,
  DECAPS_BODY,
  DECRYPT_BODY,
  ECDH_BODY,
  EXDSA_BODY,
  EXDSA_VERIFY_BODY,
  type ExdsaBody,
  HMAC_BODY,
  HMAC_VERIFY_BODY,
  type HmacBody,
  MLDSA_BODY,
  MLDSA_VERIFY_BODY,
  type MldsaBody,
  type PeerBody,
  USE_BODY,
  type UseKeyBody,
  WRAP_BODY,
  type WrapBody,
} from './dto/crypto.dto';
import type { BodyOf } from './dto/field-table';
import { ecdhPeer, encedoKdf, isEcdhType } from './ecdh';
import { EncedoService } from './encedo.service';
import { HemApi } from './hem-api';
import { answered, hem } from './hem-error';
import { findKey } from './key-lookup';
import { type HemTypeInfo, typeOfRecord } from './key-types';
import { HemRoute, USE_OF_BODY_KID } from './route';
import { LIMITS, optionalB64 } from './wire';

const b64 = (b: Buffer) => b.toString('base64');
const KW_DEFAULT_IV = Buffer.from('a6a6a6a6a6a6a6a6', 'hex');
const EMPTY = Buffer.alloc(0);

type PeerRef = { keyId: string } | { spki: Buffer };
/** ECDH mode of cipher/wrap/HMAC: the peer, and the KDF that makes the key used with it. */
interface EcdhMode {
  peer: PeerRef;
  kdf: AgreementKdf;
}

interface UseKey<D> {
  caller: HemCaller;
  body: D;
  rec: KeyRecord;
  type: HemTypeInfo;
  uuid: string;
}

/** Crypto routes (notes §4): all POST, scope exactly `keymgmt:use:<kid>`, binary fields base64. */
@Controller('api/crypto')
@HemApi()
export class CryptoController {
  constructor(private readonly svc: EncedoService) {}

  /** After the guard (401 → kid 400 → scope 403) and the body's table (400): the key (406), then the route's own checks. */
  private async use<D extends UseKeyBody, T>(caller: HemCaller, body: D, fn: (k: UseKey<D>) => Promise<T>): Promise<T> {
    const uuid = hexToUuid(body.kid)!;
    const rec = await findKey(this.svc.keys, caller, body.kid, uuid);
    const t = typeOfRecord(rec);
    if (!t) throw hem(406, 'not a HEM key');
    return fn({ caller, body, rec, type: t, uuid });
  }

  /** The peer of an ECDH-mode operation: `ext_kid` (wins) or `pubkey`, of the key's own type. */
  private async peer(k: UseKey<PeerBody>, required: boolean): Promise<PeerRef | null> {
    return (await ecdhPeer(k.caller, this.svc.keys, k.type, k.body, required))?.ref ?? null;
  }

  @Post('ecdh')
  @HttpCode(200)
  @HemRoute({ op: 'ecdh', log: 'CRYPTO_ECDH', scope: USE_OF_BODY_KID })
  ecdh(@Ctx() caller: HemCaller, @Body(ECDH_BODY) dto: BodyOf<typeof ECDH_BODY>) {
    return this.use(caller, dto, async (k) => {
      const hash = k.body.alg ? HEM_HASHES[k.body.alg] : null;
      const peer = (await this.peer(k, true))!;
      if (!isEcdhType(k.type)) throw hem(406, 'not an ECDH key');
      // No `alg`: the whole raw secret (the device reportedly cuts it to 32 bytes; we do not).
      const kdf: AgreementKdf = hash ? { kind: 'digest', hash } : { kind: 'raw' };
      return { ecdh: b64(await this.svc.keys.agree(k.caller, k.uuid, peer, kdf, { op: 'secret' })) };
    });
  }

  @Post('hmac/hash')
  @HttpCode(200)
  @HemRoute({ op: 'mac', log: 'CRYPTO_HMAC_HASH', scope: USE_OF_BODY_KID })
  hmacHash(@Ctx() caller: HemCaller, @Body(HMAC_BODY) dto: HmacBody) {
    return this.use(caller, dto, async (k) => ({ mac: b64(await this.hmac(k)) }));
  }

  /** 200 empty when the MAC matches, 406 otherwise. */
  @Post('hmac/verify')
  @HttpCode(200)
  @HemRoute({ op: 'mac-verify', log: 'CRYPTO_HMAC_VERIFY', scope: USE_OF_BODY_KID })
  hmacVerify(@Ctx() caller: HemCaller, @Body(HMAC_VERIFY_BODY) dto: BodyOf<typeof HMAC_VERIFY_BODY>) {
    return this.use(caller, dto, async (k) => {
      const { msg, mac } = k.body;
      const ok =
        k.type.kind === 'hmac'
          ? await this.svc.keys.macVerify(k.caller, k.uuid, k.type.hash!, msg, mac)
          : await this.withEcdhHmac(k, (mode, hash) => this.svc.keys.agree(k.caller, k.uuid, mode.peer, mode.kdf, { op: 'mac-verify', hash, data: msg, mac }));
      if (!ok) throw answered(406, 'verify answered false');
      return '';
    });
  }

  /**
   * A stored SHA* key: HMAC with the type's digest (`alg` ignored). An ECDH key with `ext_kid` or
   * `pubkey`: HMAC_alg(key = Hash_alg(ECDH secret), msg), `alg` required (notes §4).
   */
  private hmac(k: UseKey<HmacBody>): Promise<Buffer> {
    if (k.type.kind === 'hmac') return this.svc.keys.mac(k.caller, k.uuid, k.type.hash!, k.body.msg);
    return this.withEcdhHmac(k, (mode, hash) => this.svc.keys.agree(k.caller, k.uuid, mode.peer, mode.kdf, { op: 'mac', hash, data: k.body.msg }));
  }

  /** ECDH-mode HMAC: key = Hash_alg(secret); `alg` required here, though a SHA* key ignores it. */
  private async withEcdhHmac<T>(k: UseKey<HmacBody>, fn: (mode: EcdhMode, hash: HashAlg) => Promise<T>): Promise<T> {
    if (!isEcdhType(k.type)) throw hem(406, 'not an HMAC key');
    const hash = hashOf(k.body.alg);
    const peer = (await this.peer(k, true))!;
    return fn({ peer, kdf: { kind: 'digest', hash } }, hash);
  }

  @Post('exdsa/sign')
  @HttpCode(200)
  @HemRoute({ op: 'sign', log: 'CRYPTO_EXDSA_SIGN', scope: USE_OF_BODY_KID })
  sign(@Ctx() caller: HemCaller, @Body(EXDSA_BODY) dto: ExdsaBody) {
    return this.use(caller, dto, async (k) => ({ sign: b64(await this.svc.keys.sign(k.caller, k.uuid, exdsaParams(k), k.body.msg)) }));
  }

  @Post('exdsa/verify')
  @HttpCode(200)
  @HemRoute({ op: 'verify', log: 'CRYPTO_EXDSA_VERIFY', scope: USE_OF_BODY_KID })
  verify(@Ctx() caller: HemCaller, @Body(EXDSA_VERIFY_BODY) dto: BodyOf<typeof EXDSA_VERIFY_BODY>) {
    return this.use(caller, dto, async (k) => {
      const params = exdsaParams(k);
      const sig = k.body.sign;
      // ECDSA: r‖s as we emit it, or DER (X9.62) as most tools make it.
      const encoding = params.scheme !== 'ECDSA' ? undefined : sig[0] === 0x30 && sig.length !== 2 * coordBytes(k.type) ? 'der' : 'raw';
      if (!(await this.svc.keys.verify(k.caller, k.uuid, { ...params, ...(encoding ? { encoding } : {}) }, k.body.msg, sig))) throw answered(406, 'verify answered false');
      return '';
    });
  }

  @Post('cipher/encrypt')
  @HttpCode(200)
  @HemRoute({ op: 'encrypt', log: 'CRYPTO_ENCRYPT', scope: USE_OF_BODY_KID })
  encrypt(@Ctx() caller: HemCaller, @Body(CIPHER_BODY) dto: CipherBody) {
    return this.use(caller, dto, async (k) => {
      const { mode, msg, aad, ecdh } = await this.cipher(k);
      if (mode === 'ECB' && msg.length % 16 !== 0) throw hem(400, 'ECB input must be 16-aligned');
      // The device picks a random 16-byte IV/nonce itself (notes §4); the core accepts 16-byte GCM IVs.
      const iv = mode === 'ECB' ? undefined : randomIv(16);
      const params = { alg: `AES-${mode}` as const, plaintext: msg, iv, aad };
      const r = ecdh ? await this.svc.keys.agree(k.caller, k.uuid, ecdh.peer, ecdh.kdf, { op: 'encrypt', params }) : await this.svc.keys.encrypt(k.caller, k.uuid, params);
      if (mode === 'GCM') return { ciphertext: b64(r.ciphertext), iv: b64(r.iv), tag: b64(r.tag) };
      return mode === 'CBC' ? { ciphertext: b64(r.ciphertext), iv: b64(r.iv) } : { ciphertext: b64(r.ciphertext) };
    });
  }

  @Post('cipher/decrypt')
  @HttpCode(200)
  @HemRoute({ op: 'decrypt', log: 'CRYPTO_DECRYPT', scope: USE_OF_BODY_KID })
  decrypt(@Ctx() caller: HemCaller, @Body(DECRYPT_BODY) dto: BodyOf<typeof DECRYPT_BODY>) {
    return this.use(caller, dto, async (k) => {
      const { mode, msg, aad, ecdh } = await this.cipher(k);
      if (mode !== 'GCM' && (msg.length === 0 || msg.length % 16 !== 0)) throw hem(400, 'ciphertext must be whole blocks');
      // The DTO checked iv (not ECB) and tag (GCM); a mode that has none ignores what was sent.
      const params = { alg: `AES-${mode}` as const, ciphertext: msg, iv: mode === 'ECB' ? EMPTY : k.body.iv!, tag: mode === 'GCM' ? k.body.tag! : EMPTY, aad };
      const plaintext = ecdh ? await this.svc.keys.agree(k.caller, k.uuid, ecdh.peer, ecdh.kdf, { op: 'decrypt', params }) : await this.svc.keys.decrypt(k.caller, k.uuid, params);
      return { plaintext: b64(plaintext) };
    });
  }

  /**
   * A stored AES key: `alg` must name the key's own width (AES256-GCM on an AES256 key). An ECDH key
   * with `ext_kid` or `pubkey` (ECDH mode, TESTER T-11.5): the AES key of `alg`'s width is
   * HKDF-SHA256(ECDH secret, salt none, info "encedo-aes" ‖ ctx) (notes §4), in the core.
   */
  private async cipher(k: UseKey<CipherBody>) {
    const alg = cipherAlg(k.body.alg)!;
    const msg = k.body.msg;
    const aad = alg.mode === 'GCM' ? k.body.aad : undefined;
    const ecdh = await this.ecdhMode(k, 'encedo-aes', alg.bits);
    if (ecdh) return { mode: alg.mode, msg, aad, ecdh };
    if (k.type.kind !== 'aes') throw hem(406, 'not an AES key');
    if (`AES${alg.bits}` !== k.type.type) throw hem(406, 'alg width differs from the key');
    return { mode: alg.mode, msg, aad, ecdh: null };
  }

  /**
   * ECDH mode of cipher/wrap: an ECDH key and a peer → HKDF-SHA256(secret, info ‖ ctx); else null.
   * `ctx` is read only here: in the other modes the device ignores it, whatever it holds.
   */
  private async ecdhMode(k: UseKey<CipherBody | WrapBody>, info: string, bits: number): Promise<EcdhMode | null> {
    if (!isEcdhType(k.type)) return null;
    const peer = await this.peer(k, false);
    if (!peer) return null;
    const ctx = optionalB64(k.body.ctx, 'ctx', { max: LIMITS.ctx }) ?? Buffer.alloc(0);
    return { peer, kdf: encedoKdf(Buffer.concat([Buffer.from(info), ctx]), bits / 8) };
  }

  @Post('cipher/wrap')
  @HttpCode(200)
  @HemRoute({ op: 'wrap', log: 'CRYPTO_WRAP', scope: USE_OF_BODY_KID })
  wrap(@Ctx() caller: HemCaller, @Body(WRAP_BODY) dto: WrapBody) {
    return this.use(caller, dto, async (k) => {
      const { msg, ecdh } = await this.wrapArgs(k);
      const wrapped = ecdh
        ? await this.svc.keys.agree(k.caller, k.uuid, ecdh.peer, ecdh.kdf, { op: 'wrap', alg: 'AES-KW', data: msg })
        : await this.svc.keys.wrap(k.caller, k.uuid, 'AES-KW', msg);
      return { wrapped: b64(wrapped) };
    });
  }

  @Post('cipher/unwrap')
  @HttpCode(200)
  @HemRoute({ op: 'unwrap', log: 'CRYPTO_UNWRAP', scope: USE_OF_BODY_KID })
  unwrap(@Ctx() caller: HemCaller, @Body(WRAP_BODY) dto: WrapBody) {
    return this.use(caller, dto, async (k) => {
      const { msg, ecdh } = await this.wrapArgs(k);
      const unwrapped = ecdh
        ? await this.svc.keys.agree(k.caller, k.uuid, ecdh.peer, ecdh.kdf, { op: 'unwrap', alg: 'AES-KW', data: msg })
        : await this.svc.keys.unwrap(k.caller, k.uuid, 'AES-KW', msg);
      return { unwrapped: b64(unwrapped) };
    });
  }

  /**
   * RFC 3394 with the default IV; `alg` (default AES256) must be the key's type.
   * ECDH mode (an ECDH key with `ext_kid`/`pubkey`): KEK = HKDF-SHA256(secret, "encedo-kek" ‖ ctx).
   */
  private async wrapArgs(k: UseKey<WrapBody>): Promise<{ msg: Buffer; ecdh: EcdhMode | null }> {
    const alg = k.body.alg ?? 'AES256';
    const msg = k.body.msg;
    if (k.body.iv && !k.body.iv.equals(KW_DEFAULT_IV)) throw hem(406, 'alternative initial values are not supported');
    const ecdh = await this.ecdhMode(k, 'encedo-kek', Number(alg.slice(3)));
    if (ecdh) return { msg, ecdh };
    if (k.type.kind !== 'aes' || alg !== k.type.type) throw hem(406, 'not an AES key of this width');
    return { msg, ecdh: null };
  }

  @Post('pqc/mlkem/encaps')
  @HttpCode(200)
  @HemRoute({ op: 'encapsulate', log: 'CRYPTO_PQC_MLKEM_ENCAPS', scope: USE_OF_BODY_KID })
  encaps(@Ctx() caller: HemCaller, @Body(USE_BODY) dto: UseKeyBody) {
    return this.use(caller, dto, async (k) => {
      if (k.type.kind !== 'mlkem') throw hem(406, 'not an ML-KEM key');
      const r = await this.svc.keys.encapsulate(k.caller, k.uuid);
      return { alg: k.type.type, ss: b64(r.sharedSecret), ct: b64(r.ciphertext) };
    });
  }

  @Post('pqc/mlkem/decaps')
  @HttpCode(200)
  @HemRoute({ op: 'decapsulate', log: 'CRYPTO_PQC_MLKEM_DECAPS', scope: USE_OF_BODY_KID })
  decaps(@Ctx() caller: HemCaller, @Body(DECAPS_BODY) dto: BodyOf<typeof DECAPS_BODY>) {
    return this.use(caller, dto, async (k) => {
      if (k.type.kind !== 'mlkem') throw hem(406, 'not an ML-KEM key');
      // The device's decaps `alg` is garbage on 1.2.2 (notes §4); we name the type.
      return { alg: k.type.type, ss: b64(await this.svc.keys.decapsulate(k.caller, k.uuid, k.body.ct)) };
    });
  }

  @Post('pqc/mldsa/sign')
  @HttpCode(200)
  @HemRoute({ op: 'sign', log: 'CRYPTO_PQC_MLDSA_SIGN', scope: USE_OF_BODY_KID })
  mldsaSign(@Ctx() caller: HemCaller, @Body(MLDSA_BODY) dto: MldsaBody) {
    return this.use(caller, dto, async (k) => {
      const context = mldsaContext(k);
      return { alg: k.type.type, sign: b64(await this.svc.keys.sign(k.caller, k.uuid, { scheme: 'ML-DSA', context }, k.body.msg)) };
    });
  }

  /** A failed verify is 406 here (the device leaks a non-standard status; notes §8.13). */
  @Post('pqc/mldsa/verify')
  @HttpCode(200)
  @HemRoute({ op: 'verify', log: 'CRYPTO_PQC_MLDSA_VERIFY', scope: USE_OF_BODY_KID })
  mldsaVerify(@Ctx() caller: HemCaller, @Body(MLDSA_VERIFY_BODY) dto: BodyOf<typeof MLDSA_VERIFY_BODY>) {
    return this.use(caller, dto, async (k) => {
      const context = mldsaContext(k);
      if (!(await this.svc.keys.verify(k.caller, k.uuid, { scheme: 'ML-DSA', context }, k.body.msg, k.body.sign))) throw answered(406, 'verify answered false');
      return '';
    });
  }
}

/** ECDH-mode HMAC `alg`: required, a HEM hash name (400). */
function hashOf(alg: unknown): HashAlg {
  const h = typeof alg === 'string' && Object.hasOwn(HEM_HASHES, alg) ? HEM_HASHES[alg] : undefined;
  if (!h) throw hem(400, 'alg');
  return h;
}

/** The DTO checked `alg`, `msg` and `ctx`; Ed25519ctx needs a context (400), and the alg must fit the key (406). */
function exdsaParams(k: UseKey<ExdsaBody>) {
  const alg = EXDSA_ALGS[k.body.alg];
  const ctx = k.body.ctx;
  if (alg.needsCtx && !ctx?.length) throw hem(400, 'ctx');
  if (!alg.types.includes(k.type.type)) throw hem(406, `${k.body.alg} does not fit ${k.type.type}`);
  const context = alg.noCtx ? undefined : ctx;
  return { ...alg.params, ...(context ? { context } : {}) };
}

function mldsaContext(k: UseKey<MldsaBody>): Buffer | undefined {
  if (k.type.kind !== 'mldsa') throw hem(406, 'not an ML-DSA key');
  return k.body.ctx?.length ? k.body.ctx : undefined;
}

const coordBytes = (t: HemTypeInfo) => curveByNodeName(t.curve)?.size ?? 0;
