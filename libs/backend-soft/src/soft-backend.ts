import {
  constants,
  createHmac,
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
  capabilitiesOf,
  curveOf,
  listedSpecInfos,
  pkcs1Encode,
  pssEncode,
  pssVerify,
  aesKeyUnwrap,
  aesKeyWrap,
  convergentNonce,
  deriveSubkey,
  hmacSubkey,
  cryptoFailure,
  curveByNodeName,
  invalidArgument,
  runSecretKdf,
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
  type MacKeyChoice,
  type Sealer,
  type SecretKdf,
  type SignParams,
  type SpecInfo,
  type StoredKey,
  type WrapAlg,
} from '@kms/core';
import { decryptWith, encryptWith } from './ciphers';
import { NOBLE } from './curves';
import { decodeMaterial, encodeMaterial } from './material';
import { DerReader, encodeBigInt, encodeSequence } from './primitives/der';
import { eddsaSign, eddsaVerify, needsNoble } from './eddsa';
import { mlDsaSign, mlDsaVerify, mlKemDecapsulate, mlKemEncapsulate, pqcSeedLength } from './ml-dsa';
import { rsaPkcs1v15Decrypt, rsaPkcs1v15Encrypt } from './primitives/rsa-pkcs1v15';
import { sm2Decrypt, sm2Encrypt, sm2GenerateKeyPair, sm2Sign, sm2SignDigest, sm2Verify, sm2VerifyDigest } from './primitives/sm2';
import { rawRsaPrivate, rawRsaPublic } from './rsa-prehashed';
import {
  HOLDERS,
  loadPublic,
  materialOf,
  nodePrivateOf,
  nodePublicOf,
  pqcPrivateOf,
  pqcPublicOf,
  publicSpki,
  secretOf,
  sm2PrivateOf,
  sm2PublicOf,
  spkiOf,
  toSoftKey,
} from './soft-key';

const generateKeyPairAsync = promisify(generateKeyPair) as (type: string, opts: object) => Promise<{ privateKey: KeyObject; publicKey: KeyObject }>;
/** node's callback form of sign/verify runs on the libuv thread pool: RSA and ECDSA leave the event loop. */
const signAsync = promisify(nodeSign) as (alg: string | null, data: Buffer, key: object) => Promise<Buffer>;
const verifyAsync = promisify(nodeVerify) as (alg: string | null, data: Buffer, key: object, sig: Buffer) => Promise<boolean>;

/** The capability matrix: everything the core's tables define, since this engine does all of it. */
const CAPABILITIES = capabilitiesOf(listedSpecInfos());

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
    return CAPABILITIES;
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
    return toSoftKey(ref, material);
  }

  async destroy(): Promise<void> {
    // The sealed material lives only in the key's row, which the core has already cleared.
  }

  async exportMaterial(key: LoadedKey): Promise<KeyMaterial> {
    return materialOf(key);
  }

  private store(id: string, spec: SpecInfo, material: KeyMaterial, _opts: { exportable: boolean }): StoredKey {
    // Parse before sealing: a bad import is refused here, not at first use.
    const loaded = toSoftKey({ id, spec, keyClass: spec.symmetric ? 'secret' : 'private', backendRef: null, publicKey: null }, material);
    const sealed = this.sealer.seal('key-material', encodeMaterial(material), `key:${id}`);
    return { backendRef: sealed.toString('base64'), publicKey: spkiOf(loaded) };
  }

  // ---- symmetric -----------------------------------------------------------------------------

  async encrypt(key: LoadedKey, p: EncryptParams): Promise<EncryptResult> {
    const secret = secretOf(key);
    if (!p.derive) return encryptWith(secret, p);
    const subkey = deriveSubkey(secret, p.derive.context);
    try {
      const iv = p.derive.mode === 'convergent' ? convergentNonce(subkey, p.aad, p.plaintext) : p.iv;
      return encryptWith(subkey, { ...p, iv });
    } finally {
      subkey.fill(0);
    }
  }

  async decrypt(key: LoadedKey, p: DecryptParams): Promise<Buffer> {
    const secret = secretOf(key);
    if (!p.derive) return decryptWith(secret, p);
    const subkey = deriveSubkey(secret, p.derive.context);
    try {
      return decryptWith(subkey, p);
    } finally {
      subkey.fill(0);
    }
  }

  async mac(key: LoadedKey, hash: HashAlg, data: Buffer, keyedWith: MacKeyChoice = 'key'): Promise<Buffer> {
    const secret = secretOf(key);
    if (keyedWith === 'key') return createHmac(HASHES[hash].node, secret).update(data).digest();
    const subkey = hmacSubkey(secret);
    try {
      return createHmac(HASHES[hash].node, subkey).update(data).digest();
    } finally {
      subkey.fill(0);
    }
  }

  async wrap(key: LoadedKey, alg: WrapAlg, data: Buffer): Promise<Buffer> {
    return aesKeyWrap(secretOf(key), data, alg === 'AES-KWP');
  }

  async unwrap(key: LoadedKey, alg: WrapAlg, data: Buffer): Promise<Buffer> {
    return aesKeyUnwrap(secretOf(key), data, alg === 'AES-KWP');
  }

  // ---- asymmetric ----------------------------------------------------------------------------

  async asymEncrypt(key: LoadedKey, p: AsymParams, plaintext: Buffer): Promise<Buffer> {
    // The key's part first, outside the try: a key without it is UNSUPPORTED, not a too-long plaintext.
    const encryptWith = ASYM_ENCRYPT[p.scheme](key, p);
    try {
      return encryptWith(plaintext);
    } catch {
      throw invalidArgument('the plaintext is too long for this key and padding', 'plaintext');
    }
  }

  async asymDecrypt(key: LoadedKey, p: AsymParams, ciphertext: Buffer): Promise<Buffer> {
    const decryptWith = ASYM_DECRYPT[p.scheme](key, p);
    try {
      return decryptWith(ciphertext);
    } catch {
      throw cryptoFailure('decryption failed');
    }
  }

  async sign(key: LoadedKey, p: SignParams, data: Buffer): Promise<Buffer> {
    const spec = key.ref.spec;
    switch (p.scheme) {
      case 'RSA-PKCS1':
      case 'RSA-PSS': {
        const privateKey = nodePrivateOf(key);
        const hash = hashOf(p);
        const saltLength = p.saltLength ?? HASHES[hash].size;
        if (!p.prehashed) {
          const padding = p.scheme === 'RSA-PSS' ? { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength } : {};
          return signAsync(HASHES[hash].node, data, { key: privateKey, ...padding });
        }
        const kBytes = Math.ceil(spec.bits / 8);
        const em = p.scheme === 'RSA-PKCS1' ? pkcs1Encode(hash, data, kBytes) : leftPad(pssEncode(hash, data, spec.bits, saltLength), kBytes);
        return rawRsaPrivate(privateKey, em);
      }
      case 'ECDSA': {
        const privateKey = nodePrivateOf(key);
        const dsaEncoding = p.encoding === 'raw' ? 'ieee-p1363' : 'der';
        if (!p.prehashed) return signAsync(HASHES[hashOf(p)].node, data, { key: privateKey, dsaEncoding });
        const sig = NOBLE[curveOf(spec).curve].sign(data, ecScalar(spec, privateKey), { prehash: false, lowS: false, format: p.encoding === 'raw' ? 'compact' : 'der' });
        return Buffer.from(sig);
      }
      case 'SM2': {
        const d = sm2PrivateOf(key);
        const der = p.prehashed ? sm2SignDigest(d, data) : sm2Sign(d, data, { id: p.sm2Id });
        return p.encoding === 'raw' ? derToRaw(der, 32) : Buffer.from(der);
      }
      case 'EdDSA': {
        const privateKey = nodePrivateOf(key);
        // node:crypto 20 signs pure Ed25519/Ed448 only; contexts and pre-hash variants go through noble.
        if (needsNoble(spec, p)) return eddsaSign(spec, privateKey, p, data);
        return signAsync(null, data, privateKey);
      }
      case 'ML-DSA':
        return Buffer.from(mlDsaSign(pqcPrivateOf(key), data, spec.spec, p.context));
    }
  }

  async verify(key: LoadedKey, p: SignParams, data: Buffer, signature: Buffer): Promise<boolean> {
    const spec = key.ref.spec;
    try {
      switch (p.scheme) {
        case 'RSA-PKCS1':
        case 'RSA-PSS': {
          const publicKey = nodePublicOf(key);
          const hash = hashOf(p);
          const saltLength = p.saltLength ?? HASHES[hash].size;
          if (signature.length !== Math.ceil(spec.bits / 8)) return false;
          if (!p.prehashed) {
            const padding = p.scheme === 'RSA-PSS' ? { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength } : {};
            return await verifyAsync(HASHES[hash].node, data, { key: publicKey, ...padding }, signature);
          }
          const em = rawRsaPublic(publicKey, signature);
          return p.scheme === 'RSA-PKCS1' ? em.equals(pkcs1Encode(hash, data, em.length)) : pssVerify(hash, data, em, spec.bits, saltLength);
        }
        case 'ECDSA': {
          const publicKey = nodePublicOf(key);
          const dsaEncoding = p.encoding === 'raw' ? 'ieee-p1363' : 'der';
          if (!p.prehashed) return await verifyAsync(HASHES[hashOf(p)].node, data, { key: publicKey, dsaEncoding }, signature);
          return NOBLE[curveOf(spec).curve].verify(signature, data, ecPoint(publicKey), { prehash: false, lowS: false, format: p.encoding === 'raw' ? 'compact' : 'der' });
        }
        case 'SM2': {
          const pub = sm2PublicOf(key);
          const der = p.encoding === 'raw' ? rawToDer(signature, 32) : signature;
          return p.prehashed ? sm2VerifyDigest(pub, data, der) : sm2Verify(pub, data, der, { id: p.sm2Id });
        }
        case 'EdDSA': {
          const publicKey = nodePublicOf(key);
          if (needsNoble(spec, p)) return eddsaVerify(spec, publicKey, p, data, signature);
          return await verifyAsync(null, data, publicKey, signature);
        }
        case 'ML-DSA':
          return mlDsaVerify(pqcPublicOf(key), data, signature, spec.spec, p.context);
      }
    } catch {
      // A malformed signature is simply not valid.
      return false;
    }
  }

  async deriveEcdh(key: LoadedKey, peerSpki: Buffer): Promise<Buffer> {
    const spec = key.ref.spec;
    if (spec.family !== 'ec' && spec.family !== 'x25519' && spec.family !== 'x448') throw unsupported(`ECDH is not available for ${spec.spec} keys`);
    const privateKey = nodePrivateOf(key);
    let peer: KeyObject;
    try {
      peer = createPublicKey({ key: peerSpki, format: 'der', type: 'spki' });
    } catch {
      throw invalidArgument('the peer public key cannot be parsed', 'peer');
    }
    if (peer.asymmetricKeyType !== privateKey.asymmetricKeyType || (spec.curve && curveByNodeName(peer.asymmetricKeyDetails?.namedCurve)?.curve !== spec.curve)) {
      throw invalidArgument(`the peer key is not a ${spec.spec} key`, 'peer');
    }
    try {
      return diffieHellman({ privateKey, publicKey: peer });
    } catch {
      throw invalidArgument('the peer public key is not valid', 'peer');
    }
  }

  async deriveSecret(key: LoadedKey, kdf: SecretKdf, length: number): Promise<Buffer> {
    return runSecretKdf(secretOf(key), kdf, length);
  }

  async encapsulate(key: LoadedKey): Promise<{ sharedSecret: Buffer; ciphertext: Buffer }> {
    if (key.ref.spec.family !== 'ml-kem') throw unsupported(`${key.ref.spec.spec} keys cannot encapsulate`);
    return mlKemEncapsulate(pqcPublicOf(key), key.ref.spec.spec);
  }

  async decapsulate(key: LoadedKey, ciphertext: Buffer): Promise<Buffer> {
    if (key.ref.spec.family !== 'ml-kem') throw unsupported(`${key.ref.spec.spec} keys cannot decapsulate`);
    return mlKemDecapsulate(pqcPrivateOf(key), ciphertext, key.ref.spec.spec);
  }
}

// ---- helpers -------------------------------------------------------------------------------

async function generateMaterial(spec: SpecInfo): Promise<KeyMaterial> {
  const holder = HOLDERS[spec.family];
  switch (holder.by) {
    case 'secret':
      return { kind: 'secret', bytes: randomBytes(spec.bits / 8) };
    case 'node': {
      const { privateKey } = await generateKeyPairAsync(holder.type, NODE_KEYGEN_OPTIONS[holder.type](spec));
      return { kind: 'pkcs8', der: privateKey.export({ format: 'der', type: 'pkcs8' }) };
    }
    case 'sm2':
      return { kind: 'raw-private', bytes: Buffer.from(sm2GenerateKeyPair().privateKey) };
    case 'pqc':
      return { kind: 'raw-private', bytes: randomBytes(pqcSeedLength(spec.spec)) };
  }
}

const NODE_KEYGEN_OPTIONS: Record<'rsa' | 'ec' | 'ed25519' | 'x25519' | 'ed448' | 'x448', (spec: SpecInfo) => object> = {
  rsa: (spec) => ({ modulusLength: spec.bits, publicExponent: 0x10001 }),
  ec: (spec) => ({ namedCurve: curveOf(spec).node }),
  ed25519: () => ({}),
  x25519: () => ({}),
  ed448: () => ({}),
  x448: () => ({}),
};

/** The asymmetric encryption schemes: each takes the key's part it needs, then the plaintext. */
const ASYM_ENCRYPT: Record<AsymParams['scheme'], (key: LoadedKey, p: AsymParams) => (plaintext: Buffer) => Buffer> = {
  'RSA-OAEP': (key, p) => {
    const publicKey = nodePublicOf(key);
    return (plaintext) => publicEncrypt({ key: publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: HASHES[p.hash ?? 'SHA-1'].node }, plaintext);
  },
  'RSA-PKCS1': (key) => {
    const publicKey = nodePublicOf(key);
    return (plaintext) => rsaPkcs1v15Encrypt(publicKey, plaintext);
  },
  SM2: (key) => {
    const pub = sm2PublicOf(key);
    return (plaintext) => Buffer.from(sm2Encrypt(pub, plaintext));
  },
};

const ASYM_DECRYPT: Record<AsymParams['scheme'], (key: LoadedKey, p: AsymParams) => (ciphertext: Buffer) => Buffer> = {
  'RSA-OAEP': (key, p) => {
    const privateKey = nodePrivateOf(key);
    return (ciphertext) => privateDecrypt({ key: privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: HASHES[p.hash ?? 'SHA-1'].node }, ciphertext);
  },
  // Implicit rejection: a bad padding yields a synthetic message, never a distinct error.
  'RSA-PKCS1': (key) => {
    const privateKey = nodePrivateOf(key);
    return (ciphertext) => rsaPkcs1v15Decrypt(privateKey, ciphertext);
  },
  SM2: (key) => {
    const d = sm2PrivateOf(key);
    return (ciphertext) => Buffer.from(sm2Decrypt(d, ciphertext));
  },
};

/** RSA and ECDSA name their hash; the core checks it is there, so its absence is a bug. */
function hashOf(p: SignParams): HashAlg {
  if (!p.hash) throw invalidArgument(`${p.scheme} needs a hash`, 'hash');
  return p.hash;
}

/**
 * An EC key as noble takes it (for a client-computed digest), made on first use and kept as long
 * as the KeyObject. From DER, not JWK: node cannot export P-224 keys as JWK.
 */
const ecScalars = new WeakMap<KeyObject, Uint8Array>();
const ecPoints = new WeakMap<KeyObject, Uint8Array>();

function ecScalar(spec: SpecInfo, privateKey: KeyObject): Uint8Array {
  let d = ecScalars.get(privateKey);
  if (!d) {
    // SEC 1 ECPrivateKey: SEQUENCE { version, privateKey OCTET STRING, ... }
    const sec1 = new DerReader(privateKey.export({ format: 'der', type: 'sec1' })).expectSequence();
    sec1.readSmallInteger();
    d = leftPad(Buffer.from(sec1.expect(0x04)), curveOf(spec).size);
    ecScalars.set(privateKey, d);
  }
  return d;
}

function ecPoint(publicKey: KeyObject): Uint8Array {
  let pub = ecPoints.get(publicKey);
  if (!pub) {
    const spki = new DerReader(publicKey.export({ format: 'der', type: 'spki' })).expectSequence();
    spki.expectSequence();
    pub = Buffer.from(spki.readBitStringOctets());
    ecPoints.set(publicKey, pub);
  }
  return pub;
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
