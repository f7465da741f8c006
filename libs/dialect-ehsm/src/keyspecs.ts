import type { CipherAlg, AsymScheme, HashAlg, KeyRecord, KeyUsage, SignScheme } from '@kms/core';

/** How eHSM treats a key family: symmetric ciphers, RSA, NIST/Koblitz EC, or SM2. */
export type EhsmKind = 'sym' | 'rsa' | 'ec' | 'sm2';

export interface EhsmSpec {
  name: string;
  /** Canonical spec; null for EH_HMAC, which passes validation upstream but can never be created. */
  spec: string | null;
  kind: EhsmKind;
  /** The cipher a symmetric key encrypts with: the eHSM keyspec, not the request, picks it. */
  cipher?: CipherAlg;
}

const SPECS: EhsmSpec[] = [
  { name: 'EH_AES_GCM_128', spec: 'aes-128', kind: 'sym', cipher: 'AES-GCM' },
  { name: 'EH_AES_GCM_192', spec: 'aes-192', kind: 'sym', cipher: 'AES-GCM' },
  { name: 'EH_AES_GCM_256', spec: 'aes-256', kind: 'sym', cipher: 'AES-GCM' },
  { name: 'EH_RSA_2048', spec: 'rsa-2048', kind: 'rsa' },
  { name: 'EH_RSA_3072', spec: 'rsa-3072', kind: 'rsa' },
  { name: 'EH_RSA_4096', spec: 'rsa-4096', kind: 'rsa' },
  { name: 'EH_EC_P224', spec: 'ec-p224', kind: 'ec' },
  { name: 'EH_EC_P256', spec: 'ec-p256', kind: 'ec' },
  { name: 'EH_EC_P256K', spec: 'ec-secp256k1', kind: 'ec' },
  { name: 'EH_EC_P384', spec: 'ec-p384', kind: 'ec' },
  { name: 'EH_EC_P521', spec: 'ec-p521', kind: 'ec' },
  { name: 'EH_SM2', spec: 'ec-sm2', kind: 'sm2' },
  { name: 'EH_SM4_CTR', spec: 'sm4-128', kind: 'sym', cipher: 'SM4-CTR' },
  { name: 'EH_SM4_CBC', spec: 'sm4-128', kind: 'sym', cipher: 'SM4-CBC' },
  { name: 'EH_HMAC', spec: null, kind: 'sym' },
];

export const KEYSPECS: ReadonlyMap<string, EhsmSpec> = new Map(SPECS.map((s) => [s.name, s]));
/** For keys made through another dialect: the first eHSM name of a canonical spec. */
const BY_CANONICAL = new Map<string, EhsmSpec>();
for (const s of SPECS) if (s.spec && !BY_CANONICAL.has(s.spec)) BY_CANONICAL.set(s.spec, s);

export const ORIGINS = ['EH_INTERNAL_KEY', 'EH_EXTERNAL_KEY'] as const;

export const KEYUSAGE_ENCRYPT = 'EH_KEYUSAGE_ENCRYPT_DECRYPT';
export const KEYUSAGE_SIGN = 'EH_KEYUSAGE_SIGN_VERIFY';

const ENC: KeyUsage[] = ['encrypt', 'decrypt'];
const SIG: KeyUsage[] = ['sign', 'verify'];

/**
 * Canonical usages per (kind, eHSM keyusage); null means the vendor's core refuses the pair.
 * `absent` serves B-era clients, which send no keyusage (notes §10.4): symmetric keys encrypt,
 * RSA and SM2 may do both, EC signs. An EC key made for ENCRYPT_DECRYPT can do nothing upstream
 * but show its public key; 'derive' is the one non-signing usage its spec allows, and no eHSM
 * action derives.
 */
export const USAGES: Record<EhsmKind, Record<'encrypt' | 'sign' | 'absent', KeyUsage[] | null>> = {
  sym: { encrypt: ENC, sign: null, absent: ENC },
  rsa: { encrypt: ENC, sign: SIG, absent: [...SIG, ...ENC] },
  sm2: { encrypt: ENC, sign: SIG, absent: [...SIG, ...ENC] },
  ec: { encrypt: ['derive'], sign: SIG, absent: SIG },
};

/** The eHSM fields kept in a key's attribute bag. */
export interface EhsmKeyAttributes {
  keyspec: string;
  origin: string;
  /** null: created by a client that sent none (B era). */
  keyusage: string | null;
  /**
   * The 2023 document's CreateKey `padding_mode` / `digest_mode`, as sent (null: none). That API
   * fixed both per key, and its Sign/Verify/AsymmetricEncrypt/Decrypt carry neither: they apply
   * whenever a request omits them (storedModes).
   */
  padding_mode?: string | null;
  digest_mode?: string | null;
}

export function ehsmAttributes(record: KeyRecord): EhsmKeyAttributes | null {
  const a = record.attributes?.ehsm as Partial<EhsmKeyAttributes> | undefined;
  if (a && typeof a.keyspec === 'string') {
    return { keyspec: a.keyspec, origin: a.origin ?? 'EH_INTERNAL_KEY', keyusage: a.keyusage ?? null, padding_mode: a.padding_mode ?? null, digest_mode: a.digest_mode ?? null };
  }
  const s = BY_CANONICAL.get(record.spec);
  return s ? { keyspec: s.name, origin: 'EH_INTERNAL_KEY', keyusage: null } : null;
}

export function ehsmSpecOf(record: KeyRecord): EhsmSpec | null {
  const a = ehsmAttributes(record);
  return a ? (KEYSPECS.get(a.keyspec) ?? null) : null;
}

// ---- enums of the crypto actions, with the B-era spellings (notes §10.4) ----------------------

export const PADDINGS: Record<string, 'none' | 'pkcs1' | 'pss' | 'oaep'> = {
  EH_PAD_NONE: 'none',
  EH_RSA_PKCS1: 'pkcs1',
  EH_RSA_PKCS1_PSS: 'pss',
  EH_RSA_PKCS1_OAEP: 'oaep',
  EH_PAD_RSA_NO: 'none',
  EH_PAD_RSA_PKCS1: 'pkcs1',
  EH_PAD_RSA_PKCS1_PSS: 'pss',
  EH_PAD_RSA_PKCS1_OAEP: 'oaep',
};

export const DIGESTS: Record<string, HashAlg> = {
  EH_SHA_224: 'SHA-224',
  EH_SHA_256: 'SHA-256',
  EH_SHA_384: 'SHA-384',
  EH_SHA_512: 'SHA-512',
  EH_SM3: 'SM3',
  EH_SHA_2_224: 'SHA-224',
  EH_SHA_2_256: 'SHA-256',
  EH_SHA_2_384: 'SHA-384',
  EH_SHA_2_512: 'SHA-512',
};

export const MESSAGE_TYPES = ['EH_RAW', 'EH_DIGEST'] as const;

/** The 2023 document's CreateKey `purpose`, read as the later `keyusage` when that is absent. */
export const PURPOSES: Record<string, string | null> = {
  EH_PURPOSE_NONE: null,
  EH_PURPOSE_ENCRYPT_DECRYPT: KEYUSAGE_ENCRYPT,
  EH_PURPOSE_SIGN_VERIFY: KEYUSAGE_SIGN,
};

type Padding = (typeof PADDINGS)[string];

/** Which stored paddings make sense for which operation; another one falls back to the default. */
const MODE_DEFAULTS: Record<'sign' | 'encrypt', { allowed: readonly Padding[]; fallback: string }> = {
  sign: { allowed: ['pkcs1', 'pss'], fallback: 'EH_RSA_PKCS1' },
  // OAEP (SHA-256, MGF1-SHA-256) unless the key was made for PKCS#1 v1.5: the safer of the two.
  encrypt: { allowed: ['pkcs1', 'oaep'], fallback: 'EH_RSA_PKCS1_OAEP' },
};

/**
 * The padding and digest a request that names none gets (the 2023 API): the request's own, else
 * the key's from CreateKey when it fits the operation, else PKCS#1 v1.5 for signing, OAEP for
 * encryption, SHA-256 (SM3 for SM2, which signs with nothing else).
 */
export function storedModes(record: KeyRecord, op: 'sign' | 'encrypt', requested: { padding?: unknown; digest?: unknown } = {}): { padding: string; digest: string } {
  const a = ehsmAttributes(record);
  const d = MODE_DEFAULTS[op];
  const given = (v: unknown) => (typeof v === 'string' && v !== '' ? v : null);
  const stored = a?.padding_mode && d.allowed.includes(PADDINGS[a.padding_mode]) ? a.padding_mode : null;
  const sm2 = KEYSPECS.get(a?.keyspec ?? '')?.kind === 'sm2';
  return {
    padding: given(requested.padding) ?? stored ?? d.fallback,
    digest: sm2 ? 'EH_SM3' : (given(requested.digest) ?? a?.digest_mode ?? 'EH_SHA_256'),
  };
}

/** Sign schemes by kind and padding; a missing entry is the vendor's 500. EC and SM2 ignore padding. */
export function signScheme(kind: EhsmKind, padding: string): SignScheme | null {
  if (kind === 'ec') return 'ECDSA';
  if (kind === 'sm2') return 'SM2';
  if (kind === 'rsa') return ({ pkcs1: 'RSA-PKCS1', pss: 'RSA-PSS' } as Record<string, SignScheme>)[PADDINGS[padding]] ?? null;
  return null;
}

/** Asymmetric encryption schemes; SM2 ignores padding (the vendor's Python test sends OAEP). */
export function asymScheme(kind: EhsmKind, padding: string): { scheme: AsymScheme; hash?: HashAlg } | null {
  if (kind === 'sm2') return { scheme: 'SM2' };
  if (kind !== 'rsa') return null;
  const p = PADDINGS[padding];
  if (p === 'pkcs1') return { scheme: 'RSA-PKCS1' };
  // OpenSSL's EVP_PKEY_CTX_set_rsa_oaep_md(sha256): MGF1 follows the OAEP digest.
  if (p === 'oaep') return { scheme: 'RSA-OAEP', hash: 'SHA-256' };
  return null;
}
