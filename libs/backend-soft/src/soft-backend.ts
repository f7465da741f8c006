import {
  constants,
  createCipheriv,
  createDecipheriv,
  createHmac,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  generateKeyPair,
  privateDecrypt,
  publicEncrypt,
  randomBytes,
  sign as nodeSign,
  verify as nodeVerify,
  type KeyObject,
} from 'node:crypto';
import { promisify } from 'node:util';
import {
  HASHES,
  pkcs1Encode,
  pssEncode,
  pssVerify,
  randomIv,
  aesGcmDecrypt,
  aesGcmEncrypt,
  aesCbcDecrypt,
  aesCbcEncrypt,
  aesEcb,
  aesKeyUnwrap,
  aesKeyWrap,
  cbcHmacDecrypt,
  cbcHmacEncrypt,
  cryptoFailure,
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
  type KeyClass,
  type KeyMaterial,
  type LoadedKey,
  type Sealer,
  type SignParams,
  type SpecInfo,
  type StoredKey,
  type WrapAlg,
} from '@kms/core';
import { CURVES, CURVE_BY_NODE_NAME } from './curves';
import { decodeMaterial, encodeMaterial } from './material';
import { DerReader, encodeBigInt, encodeSequence } from './primitives/der';
import { eddsaSign, eddsaVerify, needsNoble } from './eddsa';
import { mlDsaFromMaterial, mlDsaPublicFromSpki, mlDsaSign, mlDsaSpki, mlDsaVerify, mlKemDecapsulate, mlKemEncapsulate, pqcSeedLength, type MlDsaKey } from './ml-dsa';
import { rsaPkcs1v15Decrypt, rsaPkcs1v15Encrypt } from './primitives/rsa-pkcs1v15';
import {
  sm2Decrypt,
  sm2Encrypt,
  sm2GenerateKeyPair,
  sm2PublicFromPrivate,
  sm2PublicFromSpki,
  sm2Sign,
  sm2SignDigest,
  sm2SpkiDer,
  sm2ValidatePrivate,
  sm2Verify,
  sm2VerifyDigest,
} from './primitives/sm2';
import { rawRsaPrivate, rawRsaPublic } from './rsa-prehashed';

const generateKeyPairAsync = promisify(generateKeyPair) as (type: string, opts: object) => Promise<{ privateKey: KeyObject; publicKey: KeyObject }>;
/** node's callback form of sign/verify runs on the libuv thread pool: RSA and ECDSA leave the event loop. */
const signAsync = promisify(nodeSign) as (alg: string | null, data: Buffer, key: object) => Promise<Buffer>;
const verifyAsync = promisify(nodeVerify) as (alg: string | null, data: Buffer, key: object, sig: Buffer) => Promise<boolean>;

/** A key ready for use: parsed once at load, then cached by the core. */
interface SoftKey extends LoadedKey {
  secret?: Buffer;
  privateKey?: KeyObject;
  publicKey?: KeyObject;
  sm2?: { d?: Uint8Array; pub: Uint8Array };
  mlDsa?: MlDsaKey;
  /** Raw material kept only for exportable keys (re-homing). */
  material?: KeyMaterial;
  /** noble form of an EC private scalar / public point, made on first prehashed use. */
  ecRaw?: { d?: Uint8Array; pub: Uint8Array };
}

/** Which node:crypto key type each family is. */
const NODE_TYPE: Partial<Record<SpecInfo['family'], string>> = { rsa: 'rsa', ec: 'ec', ed25519: 'ed25519', x25519: 'x25519', ed448: 'ed448', x448: 'x448' };
/** Families kept as an @noble/post-quantum key pair (`mlDsa` holds ML-KEM keys too: same shape). */
const PQC = new Set<SpecInfo['family']>(['ml-dsa', 'ml-kem']);



/**
 * The software engine: node:crypto for everything OpenSSL 3.0 does, @noble for SM2 and ML-DSA and
 * for ECDSA over a client-computed digest. Material is sealed under the master key with the key
 * id as AAD before it reaches the store; in memory it lives only in the core's bounded cache.
 */
export class SoftBackend implements CryptoBackend {
  readonly name = 'soft';

  constructor(private readonly sealer: Sealer) {}

  async init(): Promise<void> {}
  async close(): Promise<void> {}
  async health(): Promise<BackendHealth> {
    return { ok: true };
  }

  capabilities(): BackendCapabilities {
    return {
      specs: ['aes-128', 'aes-192', 'aes-256', 'sm4-128', 'secret-*', 'rsa-*', 'ec-p224', 'ec-p256', 'ec-secp256k1', 'ec-p384', 'ec-p521', 'ec-sm2', 'okp-ed25519', 'okp-x25519', 'okp-ed448', 'okp-x448', 'ml-dsa-44', 'ml-dsa-65', 'ml-dsa-87', 'ml-kem-512', 'ml-kem-768', 'ml-kem-1024'],
      mechanisms: [
        'AES-GCM', 'AES-CBC-HMAC-SHA2', 'SM4-CBC', 'SM4-CTR', 'AES-KW', 'AES-KWP',
        'RSA-OAEP', 'RSA-PKCS1', 'RSA-PKCS1-SIGN', 'RSA-PSS', 'ECDSA', 'ECDH', 'SM2', 'EdDSA', 'X25519', 'ML-DSA-44',
        ...Object.keys(HASHES).map((h) => `HMAC-${h}`),
      ],
    };
  }

  canHold(): boolean {
    return true;
  }

  // ---- lifecycle -----------------------------------------------------------------------------

  async generate(id: string, spec: SpecInfo, opts: { exportable: boolean }): Promise<StoredKey> {
    const material = await generateMaterial(spec);
    return this.store(id, spec, material, opts);
  }

  async import(id: string, spec: SpecInfo, material: KeyMaterial, _opts: { exportable: boolean }): Promise<StoredKey> {
    if (material.kind === 'public') return { backendRef: null, publicKey: publicSpki(spec, material.spki) };
    return this.store(id, spec, material, _opts);
  }

  async load(ref: BackendKeyRef): Promise<LoadedKey> {
    if (ref.keyClass === 'public') return loadPublic(ref);
    if (!ref.backendRef) throw invalidArgument('the key has no material');
    const material = decodeMaterial(this.sealer.open('key-material', Buffer.from(ref.backendRef, 'base64'), `key:${ref.id}`));
    const key = toSoftKey(ref, material);
    return key;
  }

  async destroy(): Promise<void> {
    // The sealed material lives only in the key's row, which the core has already cleared.
  }

  async exportMaterial(key: LoadedKey): Promise<KeyMaterial> {
    const k = key as SoftKey;
    if (!k.material) throw unsupported('the key has no exportable material');
    return k.material;
  }

  private store(id: string, spec: SpecInfo, material: KeyMaterial, _opts: { exportable: boolean }): StoredKey {
    // Parse before sealing: a bad import is refused here, not at first use.
    const loaded = toSoftKey({ id, spec, keyClass: spec.symmetric ? 'secret' : 'private', backendRef: null, publicKey: null }, material);
    const sealed = this.sealer.seal('key-material', encodeMaterial(material), `key:${id}`);
    return { backendRef: sealed.toString('base64'), publicKey: spec.symmetric ? null : publicKeyOf(loaded) };
  }

  // ---- symmetric -----------------------------------------------------------------------------

  async encrypt(key: LoadedKey, p: EncryptParams): Promise<EncryptResult> {
    const secret = secretOf(key);
    switch (p.alg) {
      case 'AES-GCM': {
        const iv = p.iv ?? randomIv(12);
        const { ciphertext, tag } = aesGcmEncrypt(secret, iv, p.plaintext, p.aad);
        return { iv, ciphertext, tag };
      }
      case 'AES-CBC-HMAC-SHA2': {
        const iv = p.iv ?? randomIv(16);
        return { iv, ...cbcHmacEncrypt(secret, iv, p.plaintext, p.aad) };
      }
      case 'SM4-CBC':
      case 'SM4-CTR': {
        const iv = p.iv ?? randomIv(16);
        const c = createCipheriv(p.alg.toLowerCase(), secret, iv);
        return { ciphertext: Buffer.concat([c.update(p.plaintext), c.final()]), iv, tag: Buffer.alloc(0) };
      }
      case 'AES-CBC': {
        const iv = p.iv ?? randomIv(16);
        return { ciphertext: aesCbcEncrypt(secret, iv, p.plaintext), iv, tag: Buffer.alloc(0) };
      }
      case 'AES-ECB':
        return { ciphertext: aesEcb(secret, p.plaintext, 'encrypt'), iv: Buffer.alloc(0), tag: Buffer.alloc(0) };
    }
  }

  async decrypt(key: LoadedKey, p: DecryptParams): Promise<Buffer> {
    const secret = secretOf(key);
    switch (p.alg) {
      case 'AES-GCM':
        return aesGcmDecrypt(secret, p.iv, p.ciphertext, p.tag, p.aad);
      case 'AES-CBC-HMAC-SHA2':
        return cbcHmacDecrypt(secret, p.iv, p.ciphertext, p.tag, p.aad);
      case 'SM4-CBC':
      case 'SM4-CTR':
        try {
          const d = createDecipheriv(p.alg.toLowerCase(), secret, p.iv);
          return Buffer.concat([d.update(p.ciphertext), d.final()]);
        } catch {
          throw cryptoFailure('decryption failed');
        }
      case 'AES-CBC':
        return aesCbcDecrypt(secret, p.iv, p.ciphertext);
      case 'AES-ECB':
        return aesEcb(secret, p.ciphertext, 'decrypt');
    }
  }

  async mac(key: LoadedKey, hash: HashAlg, data: Buffer): Promise<Buffer> {
    return createHmac(HASHES[hash].node, secretOf(key)).update(data).digest();
  }

  async wrap(key: LoadedKey, alg: WrapAlg, data: Buffer): Promise<Buffer> {
    return aesKeyWrap(secretOf(key), data, alg === 'AES-KWP');
  }

  async unwrap(key: LoadedKey, alg: WrapAlg, data: Buffer): Promise<Buffer> {
    return aesKeyUnwrap(secretOf(key), data, alg === 'AES-KWP');
  }

  // ---- asymmetric ----------------------------------------------------------------------------

  async asymEncrypt(key: LoadedKey, p: AsymParams, plaintext: Buffer): Promise<Buffer> {
    const k = key as SoftKey;
    try {
      switch (p.scheme) {
        case 'RSA-OAEP':
          return publicEncrypt({ key: k.publicKey!, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: HASHES[p.hash ?? 'SHA-1'].node }, plaintext);
        case 'RSA-PKCS1':
          return rsaPkcs1v15Encrypt(k.publicKey!, plaintext);
        case 'SM2':
          return Buffer.from(sm2Encrypt(k.sm2!.pub, plaintext));
      }
    } catch {
      throw invalidArgument('the plaintext is too long for this key and padding', 'plaintext');
    }
  }

  async asymDecrypt(key: LoadedKey, p: AsymParams, ciphertext: Buffer): Promise<Buffer> {
    const k = requirePrivate(key);
    try {
      switch (p.scheme) {
        case 'RSA-OAEP':
          return privateDecrypt({ key: k.privateKey!, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: HASHES[p.hash ?? 'SHA-1'].node }, ciphertext);
        case 'RSA-PKCS1':
          // Implicit rejection: a bad padding yields a synthetic message, never a distinct error.
          return rsaPkcs1v15Decrypt(k.privateKey!, ciphertext);
        case 'SM2':
          return Buffer.from(sm2Decrypt(k.sm2!.d!, ciphertext));
      }
    } catch {
      throw cryptoFailure('decryption failed');
    }
  }

  async sign(key: LoadedKey, p: SignParams, data: Buffer): Promise<Buffer> {
    const k = requirePrivate(key);
    const spec = key.ref.spec;
    switch (p.scheme) {
      case 'RSA-PKCS1':
      case 'RSA-PSS': {
        const hash = p.hash!;
        const saltLength = p.saltLength ?? HASHES[hash].size;
        if (!p.prehashed) {
          const padding = p.scheme === 'RSA-PSS' ? { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength } : {};
          return signAsync(HASHES[hash].node, data, { key: k.privateKey, ...padding });
        }
        const kBytes = Math.ceil(spec.bits / 8);
        const em = p.scheme === 'RSA-PKCS1' ? pkcs1Encode(hash, data, kBytes) : leftPad(pssEncode(hash, data, spec.bits, saltLength), kBytes);
        return rawRsaPrivate(k.privateKey!, em);
      }
      case 'ECDSA': {
        const dsaEncoding = p.encoding === 'raw' ? 'ieee-p1363' : 'der';
        if (!p.prehashed) return signAsync(HASHES[p.hash!].node, data, { key: k.privateKey, dsaEncoding });
        const { noble } = CURVES[spec.curve!];
        const sig = noble.sign(data, ecRaw(k).d!, { prehash: false, lowS: false, format: p.encoding === 'raw' ? 'compact' : 'der' });
        return Buffer.from(sig);
      }
      case 'SM2': {
        const der = p.prehashed ? sm2SignDigest(k.sm2!.d!, data) : sm2Sign(k.sm2!.d!, data, { id: p.sm2Id });
        return p.encoding === 'raw' ? derToRaw(der, 32) : Buffer.from(der);
      }
      case 'EdDSA':
        // node:crypto 20 signs pure Ed25519/Ed448 only; contexts and pre-hash variants go through noble.
        if (needsNoble(spec, p)) return eddsaSign(spec, k.privateKey!, p, data);
        return signAsync(null, data, k.privateKey!);
      case 'ML-DSA':
        return Buffer.from(mlDsaSign(k.mlDsa!.secretKey!, data, spec.spec, p.context));
    }
  }

  async verify(key: LoadedKey, p: SignParams, data: Buffer, signature: Buffer): Promise<boolean> {
    const k = key as SoftKey;
    const spec = key.ref.spec;
    try {
      switch (p.scheme) {
        case 'RSA-PKCS1':
        case 'RSA-PSS': {
          const hash = p.hash!;
          const saltLength = p.saltLength ?? HASHES[hash].size;
          if (signature.length !== Math.ceil(spec.bits / 8)) return false;
          if (!p.prehashed) {
            const padding = p.scheme === 'RSA-PSS' ? { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength } : {};
            return await verifyAsync(HASHES[hash].node, data, { key: k.publicKey, ...padding }, signature);
          }
          const em = rawRsaPublic(k.publicKey!, signature);
          return p.scheme === 'RSA-PKCS1' ? em.equals(pkcs1Encode(hash, data, em.length)) : pssVerify(hash, data, em, spec.bits, saltLength);
        }
        case 'ECDSA': {
          const dsaEncoding = p.encoding === 'raw' ? 'ieee-p1363' : 'der';
          if (!p.prehashed) return await verifyAsync(HASHES[p.hash!].node, data, { key: k.publicKey, dsaEncoding }, signature);
          const { noble } = CURVES[spec.curve!];
          return noble.verify(signature, data, ecRaw(k).pub, { prehash: false, lowS: false, format: p.encoding === 'raw' ? 'compact' : 'der' });
        }
        case 'SM2': {
          const der = p.encoding === 'raw' ? rawToDer(signature, 32) : signature;
          return p.prehashed ? sm2VerifyDigest(k.sm2!.pub, data, der) : sm2Verify(k.sm2!.pub, data, der, { id: p.sm2Id });
        }
        case 'EdDSA':
          if (needsNoble(spec, p)) return eddsaVerify(spec, k.publicKey!, p, data, signature);
          return await verifyAsync(null, data, k.publicKey!, signature);
        case 'ML-DSA':
          return mlDsaVerify(k.mlDsa!.publicKey, data, signature, spec.spec, p.context);
      }
    } catch {
      // A malformed signature is simply not valid.
      return false;
    }
  }

  async deriveEcdh(key: LoadedKey, peerSpki: Buffer): Promise<Buffer> {
    const k = requirePrivate(key);
    const spec = key.ref.spec;
    if (spec.family !== 'ec' && spec.family !== 'x25519' && spec.family !== 'x448') throw unsupported(`ECDH is not available for ${spec.spec} keys`);
    let peer: KeyObject;
    try {
      peer = createPublicKey({ key: peerSpki, format: 'der', type: 'spki' });
    } catch {
      throw invalidArgument('the peer public key cannot be parsed', 'peer');
    }
    if (peer.asymmetricKeyType !== NODE_TYPE[spec.family] || (spec.curve && CURVE_BY_NODE_NAME[peer.asymmetricKeyDetails?.namedCurve ?? ''] !== spec.curve)) {
      throw invalidArgument(`the peer key is not a ${spec.spec} key`, 'peer');
    }
    try {
      return diffieHellman({ privateKey: k.privateKey!, publicKey: peer });
    } catch {
      throw invalidArgument('the peer public key is not valid', 'peer');
    }
  }

  async encapsulate(key: LoadedKey): Promise<{ sharedSecret: Buffer; ciphertext: Buffer }> {
    const k = key as SoftKey;
    if (key.ref.spec.family !== 'ml-kem' || !k.mlDsa) throw unsupported(`${key.ref.spec.spec} keys cannot encapsulate`);
    return mlKemEncapsulate(k.mlDsa.publicKey, key.ref.spec.spec);
  }

  async decapsulate(key: LoadedKey, ciphertext: Buffer): Promise<Buffer> {
    const k = requirePrivate(key);
    if (key.ref.spec.family !== 'ml-kem' || !k.mlDsa?.secretKey) throw unsupported(`${key.ref.spec.spec} keys cannot decapsulate`);
    return mlKemDecapsulate(k.mlDsa.secretKey, ciphertext, key.ref.spec.spec);
  }
}

// ---- helpers -------------------------------------------------------------------------------

async function generateMaterial(spec: SpecInfo): Promise<KeyMaterial> {
  switch (spec.family) {
    case 'aes':
    case 'sm4':
    case 'secret':
      return { kind: 'secret', bytes: randomBytes(spec.bits / 8) };
    case 'rsa':
    case 'ec':
    case 'ed25519':
    case 'x25519':
    case 'ed448':
    case 'x448': {
      const opts = spec.family === 'rsa' ? { modulusLength: spec.bits, publicExponent: 0x10001 } : spec.family === 'ec' ? { namedCurve: CURVES[spec.curve!].node } : {};
      const { privateKey } = await generateKeyPairAsync(NODE_TYPE[spec.family]!, opts);
      return { kind: 'pkcs8', der: privateKey.export({ format: 'der', type: 'pkcs8' }) };
    }
    case 'sm2':
      return { kind: 'raw-private', bytes: Buffer.from(sm2GenerateKeyPair().privateKey) };
    case 'ml-dsa':
    case 'ml-kem':
      return { kind: 'raw-private', bytes: randomBytes(pqcSeedLength(spec.spec)) };
  }
}

/** Parses material for a spec, refusing anything that does not fit it exactly. */
function toSoftKey(ref: BackendKeyRef, m: KeyMaterial): SoftKey {
  const spec = ref.spec;
  const misfit = () => invalidArgument(`the key material is not a valid ${spec.spec} key`, 'material');
  const keep = { material: m };
  if (spec.symmetric) {
    if (m.kind !== 'secret' || m.bytes.length * 8 !== spec.bits) throw misfit();
    return { ref, secret: Buffer.from(m.bytes), ...keep };
  }
  if (spec.family === 'sm2') {
    if (m.kind !== 'raw-private' || m.bytes.length !== 32) throw misfit();
    try {
      sm2ValidatePrivate(m.bytes);
    } catch {
      throw misfit();
    }
    return { ref, sm2: { d: m.bytes, pub: sm2PublicFromPrivate(m.bytes) }, ...keep };
  }
  if (PQC.has(spec.family)) {
    if (m.kind !== 'raw-private') throw misfit();
    try {
      return { ref, mlDsa: mlDsaFromMaterial(m.bytes, m.publicKey, spec.spec), ...keep };
    } catch {
      throw misfit();
    }
  }
  if (m.kind !== 'pkcs8') throw misfit();
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey({ key: m.der, format: 'der', type: 'pkcs8' });
  } catch {
    throw misfit();
  }
  checkNodeKey(spec, privateKey, misfit);
  return { ref, privateKey, publicKey: createPublicKey(privateKey), ...keep };
}

function checkNodeKey(spec: SpecInfo, key: KeyObject, misfit: () => Error): void {
  const d = key.asymmetricKeyDetails;
  if (key.asymmetricKeyType !== NODE_TYPE[spec.family]) throw misfit();
  if (spec.family === 'rsa' && d?.modulusLength !== spec.bits) throw misfit();
  if (spec.family === 'ec' && CURVE_BY_NODE_NAME[d?.namedCurve ?? ''] !== spec.curve) throw misfit();
}

function loadPublic(ref: BackendKeyRef): SoftKey {
  const spki = ref.publicKey!;
  switch (ref.spec.family) {
    case 'sm2':
      return { ref, sm2: { pub: sm2PublicFromSpki(spki) } };
    case 'ml-dsa':
    case 'ml-kem':
      return { ref, mlDsa: { publicKey: mlDsaPublicFromSpki(spki, ref.spec.spec) } };
    default:
      return { ref, publicKey: createPublicKey({ key: spki, format: 'der', type: 'spki' }) };
  }
}

/** Validates an imported public key against its spec and returns its canonical SPKI. */
function publicSpki(spec: SpecInfo, spki: Buffer): Buffer {
  const misfit = () => invalidArgument(`the public key is not a valid ${spec.spec} key`, 'material');
  try {
    if (spec.family === 'sm2') return sm2SpkiDer(sm2PublicFromSpki(spki));
    if (PQC.has(spec.family)) return mlDsaSpki(mlDsaPublicFromSpki(spki, spec.spec), spec.spec);
  } catch {
    throw misfit();
  }
  let key: KeyObject;
  try {
    key = createPublicKey({ key: spki, format: 'der', type: 'spki' });
  } catch {
    throw misfit();
  }
  checkNodeKey(spec, key, misfit);
  return key.export({ format: 'der', type: 'spki' });
}

function publicKeyOf(k: SoftKey): Buffer {
  if (k.sm2) return sm2SpkiDer(k.sm2.pub);
  if (k.mlDsa) return mlDsaSpki(k.mlDsa.publicKey, k.ref.spec.spec);
  return k.publicKey!.export({ format: 'der', type: 'spki' });
}

function secretOf(key: LoadedKey): Buffer {
  const s = (key as SoftKey).secret;
  if (!s) throw unsupported('this operation needs a symmetric key');
  return s;
}

function requirePrivate(key: LoadedKey): SoftKey {
  const k = key as SoftKey;
  if (key.ref.keyClass !== 'private') throw unsupported('this operation needs the private key');
  return k;
}



/** The EC key as noble takes it. From DER, not JWK: node cannot export P-224 keys as JWK. */
function ecRaw(k: SoftKey): { d?: Uint8Array; pub: Uint8Array } {
  if (!k.ecRaw) {
    const size = CURVES[k.ref.spec.curve!].size;
    const spki = new DerReader(k.publicKey!.export({ format: 'der', type: 'spki' })).expectSequence();
    spki.expectSequence();
    const pub = Buffer.from(spki.readBitStringOctets());
    let d: Buffer | undefined;
    if (k.privateKey) {
      // SEC 1 ECPrivateKey: SEQUENCE { version, privateKey OCTET STRING, ... }
      const sec1 = new DerReader(k.privateKey.export({ format: 'der', type: 'sec1' })).expectSequence();
      sec1.readSmallInteger();
      d = leftPad(Buffer.from(sec1.expect(0x04)), size);
    }
    k.ecRaw = { pub, d };
  }
  return k.ecRaw;
}

function leftPad(b: Buffer | Uint8Array, size: number): Buffer {
  return b.length >= size ? Buffer.from(b) : Buffer.concat([Buffer.alloc(size - b.length), b]);
}

/** DER SEQUENCE{r, s} <-> fixed-width r||s, for SM2 in JOSE-style encodings. */
function derToRaw(der: Uint8Array, size: number): Buffer {
  const seq = new DerReader(der).expectSequence();
  const r = seq.readUnsignedInteger();
  const s = seq.readUnsignedInteger();
  return Buffer.concat([leftPad(bigToBytes(r), size), leftPad(bigToBytes(s), size)]);
}
function rawToDer(raw: Buffer, size: number): Buffer {
  if (raw.length !== 2 * size) return Buffer.alloc(0);
  const toBig = (b: Buffer) => BigInt('0x' + b.toString('hex'));
  return Buffer.from(encodeSequence(encodeBigInt(toBig(raw.subarray(0, size))), encodeBigInt(toBig(raw.subarray(size)))));
}
function bigToBytes(v: bigint): Buffer {
  const hex = v.toString(16);
  return Buffer.from(hex.length % 2 ? '0' + hex : hex, 'hex');
}

export type { KeyClass };
