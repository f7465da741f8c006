import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { curveByNodeName, invalidArgument, unsupported, type BackendKeyRef, type KeyMaterial, type LoadedKey, type SpecInfo } from '@kms/core';
import { mlDsaFromMaterial, mlDsaPublicFromSpki, mlDsaSpki } from './ml-dsa';
import { sm2PublicFromPrivate, sm2PublicFromSpki, sm2SpkiDer, sm2ValidatePrivate } from './primitives/sm2';

/**
 * A key ready for use, parsed once at load and cached by the core. Each kind holds exactly the
 * parts it has, so an operation asks for the part it needs and a key without it is refused.
 * Private and secret kinds keep their material (re-homing exports it).
 */
export type SoftKey = LoadedKey &
  (
    | { kind: 'secret'; secret: Buffer; material: KeyMaterial }
    /** RSA, EC, Ed25519/Ed448, X25519/X448: what node:crypto holds as KeyObjects. */
    | { kind: 'node-private'; privateKey: KeyObject; publicKey: KeyObject; material: KeyMaterial }
    | { kind: 'node-public'; publicKey: KeyObject }
    | { kind: 'sm2-private'; d: Uint8Array; pub: Uint8Array; material: KeyMaterial }
    | { kind: 'sm2-public'; pub: Uint8Array }
    /** ML-DSA and ML-KEM (@noble/post-quantum): a secret key and its public key. */
    | { kind: 'pqc-private'; secretKey: Uint8Array; publicKey: Uint8Array; material: KeyMaterial }
    | { kind: 'pqc-public'; publicKey: Uint8Array }
  );

/** How a family's keys are held: by node:crypto (with its key type), as SM2 scalars, or as PQC byte strings. */
type Holder = { by: 'node'; type: NodeKeyType } | { by: 'sm2' } | { by: 'pqc' } | { by: 'secret' };
type NodeKeyType = 'rsa' | 'ec' | 'ed25519' | 'x25519' | 'ed448' | 'x448';

export const HOLDERS: Record<SpecInfo['family'], Holder> = {
  aes: { by: 'secret' },
  sm4: { by: 'secret' },
  secret: { by: 'secret' },
  chacha20: { by: 'secret' },
  rsa: { by: 'node', type: 'rsa' },
  ec: { by: 'node', type: 'ec' },
  ed25519: { by: 'node', type: 'ed25519' },
  x25519: { by: 'node', type: 'x25519' },
  ed448: { by: 'node', type: 'ed448' },
  x448: { by: 'node', type: 'x448' },
  sm2: { by: 'sm2' },
  'ml-dsa': { by: 'pqc' },
  'ml-kem': { by: 'pqc' },
};

const misfitOf =
  (spec: SpecInfo, what = 'key material') =>
  () =>
    invalidArgument(`the ${what} is not a valid ${spec.spec} key`, 'material');

/** Parses material for a spec, refusing anything that does not fit it exactly. */
export function toSoftKey(ref: BackendKeyRef, m: KeyMaterial): SoftKey {
  const spec = ref.spec;
  const misfit = misfitOf(spec);
  const holder = HOLDERS[spec.family];
  switch (holder.by) {
    case 'secret':
      if (m.kind !== 'secret' || m.bytes.length * 8 !== spec.bits) throw misfit();
      return { ref, kind: 'secret', secret: Buffer.from(m.bytes), material: m };
    case 'sm2':
      if (m.kind !== 'raw-private' || m.bytes.length !== 32) throw misfit();
      try {
        sm2ValidatePrivate(m.bytes);
      } catch {
        throw misfit();
      }
      return { ref, kind: 'sm2-private', d: m.bytes, pub: sm2PublicFromPrivate(m.bytes), material: m };
    case 'pqc': {
      if (m.kind !== 'raw-private') throw misfit();
      let pair: { secretKey: Uint8Array; publicKey: Uint8Array };
      try {
        pair = mlDsaFromMaterial(m.bytes, m.publicKey, spec.spec);
      } catch {
        throw misfit();
      }
      return { ref, kind: 'pqc-private', ...pair, material: m };
    }
    case 'node': {
      if (m.kind !== 'pkcs8') throw misfit();
      let privateKey: KeyObject;
      try {
        privateKey = createPrivateKey({ key: m.der, format: 'der', type: 'pkcs8' });
      } catch {
        throw misfit();
      }
      checkNodeKey(spec, holder.type, privateKey, misfit);
      return { ref, kind: 'node-private', privateKey, publicKey: createPublicKey(privateKey), material: m };
    }
  }
}

/** A public-key-only record, from its stored SPKI. */
export function loadPublic(ref: BackendKeyRef): SoftKey {
  const spki = ref.publicKey;
  if (!spki) throw invalidArgument('the public key record has no public key');
  switch (HOLDERS[ref.spec.family].by) {
    case 'sm2':
      return { ref, kind: 'sm2-public', pub: sm2PublicFromSpki(spki) };
    case 'pqc':
      return { ref, kind: 'pqc-public', publicKey: mlDsaPublicFromSpki(spki, ref.spec.spec) };
    default:
      return { ref, kind: 'node-public', publicKey: createPublicKey({ key: spki, format: 'der', type: 'spki' }) };
  }
}

/** Validates an imported public key against its spec and returns its canonical SPKI. */
export function publicSpki(spec: SpecInfo, spki: Buffer): Buffer {
  const misfit = misfitOf(spec, 'public key');
  const holder = HOLDERS[spec.family];
  if (holder.by !== 'node') {
    try {
      return holder.by === 'sm2' ? sm2SpkiDer(sm2PublicFromSpki(spki)) : mlDsaSpki(mlDsaPublicFromSpki(spki, spec.spec), spec.spec);
    } catch {
      throw misfit();
    }
  }
  let key: KeyObject;
  try {
    key = createPublicKey({ key: spki, format: 'der', type: 'spki' });
  } catch {
    throw misfit();
  }
  checkNodeKey(spec, holder.type, key, misfit);
  return key.export({ format: 'der', type: 'spki' });
}

function checkNodeKey(spec: SpecInfo, type: NodeKeyType, key: KeyObject, misfit: () => Error): void {
  const d = key.asymmetricKeyDetails;
  if (key.asymmetricKeyType !== type) throw misfit();
  if (spec.family === 'rsa' && d?.modulusLength !== spec.bits) throw misfit();
  if (spec.family === 'ec' && curveByNodeName(d?.namedCurve)?.curve !== spec.curve) throw misfit();
}

/** The SPKI of any asymmetric key; null for a secret. */
export function spkiOf(k: SoftKey): Buffer | null {
  switch (k.kind) {
    case 'secret':
      return null;
    case 'node-private':
    case 'node-public':
      return k.publicKey.export({ format: 'der', type: 'spki' });
    case 'sm2-private':
    case 'sm2-public':
      return sm2SpkiDer(k.pub);
    case 'pqc-private':
    case 'pqc-public':
      return mlDsaSpki(k.publicKey, k.ref.spec.spec);
  }
}

// ---- the part an operation needs, or UNSUPPORTED -------------------------------------------

export function secretOf(key: LoadedKey): Buffer {
  const k = key as SoftKey;
  if (k.kind !== 'secret') throw unsupported('this operation needs a symmetric key');
  return k.secret;
}

export function nodePrivateOf(key: LoadedKey): KeyObject {
  const k = key as SoftKey;
  if (k.kind !== 'node-private') throw unsupported('this operation needs the private key');
  return k.privateKey;
}

export function nodePublicOf(key: LoadedKey): KeyObject {
  const k = key as SoftKey;
  if (k.kind !== 'node-private' && k.kind !== 'node-public') throw unsupported(`${k.ref.spec.spec} keys have no such public operation`);
  return k.publicKey;
}

export function sm2PrivateOf(key: LoadedKey): Uint8Array {
  const k = key as SoftKey;
  if (k.kind !== 'sm2-private') throw unsupported('this operation needs the private key');
  return k.d;
}

export function sm2PublicOf(key: LoadedKey): Uint8Array {
  const k = key as SoftKey;
  if (k.kind !== 'sm2-private' && k.kind !== 'sm2-public') throw unsupported(`${k.ref.spec.spec} keys have no such public operation`);
  return k.pub;
}

export function pqcPrivateOf(key: LoadedKey): Uint8Array {
  const k = key as SoftKey;
  if (k.kind !== 'pqc-private') throw unsupported('this operation needs the private key');
  return k.secretKey;
}

export function pqcPublicOf(key: LoadedKey): Uint8Array {
  const k = key as SoftKey;
  if (k.kind !== 'pqc-private' && k.kind !== 'pqc-public') throw unsupported(`${k.ref.spec.spec} keys have no such public operation`);
  return k.publicKey;
}

/** The material of a private or secret key (public-only keys have none). */
export function materialOf(key: LoadedKey): KeyMaterial {
  const k = key as SoftKey;
  if (!('material' in k)) throw unsupported('the key has no exportable material');
  return k.material;
}
