import { TAG } from './tags';

/**
 * Enumerations the Baseline Server profile's operations carry (KMIP 1.4 section 9.1.3.2, with the
 * values KMIP 2.0 section 11 adds), by specification name. Keyed by the tag that carries each one,
 * so that the debug form can name an Enumeration item's value from its tag alone.
 */
type Enumeration = Readonly<Record<string, number>>;

const list = (...names: string[]): Enumeration => Object.fromEntries(names.map((name, i) => [name, i + 1]));

export const OPERATION: Enumeration = list(
  'Create',
  'Create Key Pair',
  'Register',
  'Re-key',
  'Derive Key',
  'Certify',
  'Re-certify',
  'Locate',
  'Check',
  'Get',
  'Get Attributes',
  'Get Attribute List',
  'Add Attribute',
  'Modify Attribute',
  'Delete Attribute',
  'Obtain Lease',
  'Get Usage Allocation',
  'Activate',
  'Revoke',
  'Destroy',
  'Archive',
  'Recover',
  'Validate',
  'Query',
  'Cancel',
  'Poll',
  'Notify',
  'Put',
  'Re-key Key Pair',
  'Discover Versions',
  'Encrypt',
  'Decrypt',
  'Sign',
  'Signature Verify',
  'MAC',
  'MAC Verify',
  'RNG Retrieve',
  'RNG Seed',
  'Hash',
  'Create Split Key',
  'Join Split Key',
  'Import',
  'Export',
  'Log',
  'Login',
  'Logout',
  'Delegated Login',
  'Adjust Attribute',
  'Set Attribute',
  'Set Endpoint Role',
  'PKCS#11',
  'Interop',
  'Re-Provision',
);

export const RESULT_STATUS: Enumeration = { Success: 0, 'Operation Failed': 1, 'Operation Pending': 2, 'Operation Undone': 3 };

export const RESULT_REASON: Enumeration = {
  ...list(
    'Item Not Found',
    'Response Too Large',
    'Authentication Not Successful',
    'Invalid Message',
    'Operation Not Supported',
    'Missing Data',
    'Invalid Field',
    'Feature Not Supported',
    'Operation Canceled By Requester',
    'Cryptographic Failure',
    'Illegal Operation',
    'Permission Denied',
    'Object archived',
    'Index Out of Bounds',
    'Application Namespace Not Supported',
    'Key Format Type Not Supported',
    'Key Compression Type Not Supported',
    'Encoding Option Error',
    'Key Value Not Present',
    'Attestation Required',
    'Attestation Failed',
    'Sensitive',
    'Not Extractable',
    'Object Already Exists',
  ),
  // KMIP 2.0 additions this server answers with.
  'Unsupported Protocol Version': 0x3f,
  'Wrong Key Lifecycle State': 0x43,
  'General Failure': 0x100,
};

export const OBJECT_TYPE: Enumeration = list(
  'Certificate',
  'Symmetric Key',
  'Public Key',
  'Private Key',
  'Split Key',
  'Template',
  'Secret Data',
  'Opaque Object',
  'PGP Key',
  'Certificate Request',
);

export const CRYPTOGRAPHIC_ALGORITHM: Enumeration = list(
  'DES',
  '3DES',
  'AES',
  'RSA',
  'DSA',
  'ECDSA',
  'HMAC-SHA1',
  'HMAC-SHA224',
  'HMAC-SHA256',
  'HMAC-SHA384',
  'HMAC-SHA512',
  'HMAC-MD5',
  'DH',
  'ECDH',
  'ECMQV',
  'Blowfish',
  'Camellia',
  'CAST5',
  'IDEA',
  'MARS',
  'RC2',
  'RC4',
  'RC5',
  'SKIPJACK',
  'Twofish',
  'EC',
  'One Time Pad',
  'ChaCha20',
  'Poly1305',
  'ChaCha20Poly1305',
  'SHA3-224',
  'SHA3-256',
  'SHA3-384',
  'SHA3-512',
  'HMAC-SHA3-224',
  'HMAC-SHA3-256',
  'HMAC-SHA3-384',
  'HMAC-SHA3-512',
  'SHAKE-128',
  'SHAKE-256',
  'ARIA',
  'SEED',
  'SM2',
  'SM3',
  'SM4',
  'GOST R 34.10-2012',
  'GOST R 34.11-2012',
  'GOST R 34.13-2015',
  'GOST 28147-89',
  'XMSS',
  'SPHINCS-256',
  'McEliece',
  'McEliece-6960119',
  'McEliece-8192128',
  'Ed25519',
  'Ed448',
);

export const BLOCK_CIPHER_MODE: Enumeration = list(
  'CBC',
  'ECB',
  'PCBC',
  'CFB',
  'OFB',
  'CTR',
  'CMAC',
  'CCM',
  'GCM',
  'CBC-MAC',
  'XTS',
  'AESKeyWrapPadding',
  'NISTKeyWrap',
  'X9.102 AESKW',
  'X9.102 TDKW',
  'X9.102 AKW1',
  'X9.102 AKW2',
  'AEAD',
);

export const PADDING_METHOD: Enumeration = list('None', 'OAEP', 'PKCS5', 'SSL3', 'Zeros', 'ANSI X9.23', 'ISO 10126', 'PKCS1 v1.5', 'X9.31', 'PSS');

export const HASHING_ALGORITHM: Enumeration = list(
  'MD2',
  'MD4',
  'MD5',
  'SHA-1',
  'SHA-224',
  'SHA-256',
  'SHA-384',
  'SHA-512',
  'RIPEMD-160',
  'Tiger',
  'Whirlpool',
  'SHA-512/224',
  'SHA-512/256',
  'SHA3-224',
  'SHA3-256',
  'SHA3-384',
  'SHA3-512',
);

export const KEY_FORMAT_TYPE: Enumeration = list(
  'Raw',
  'Opaque',
  'PKCS#1',
  'PKCS#8',
  'X.509',
  'ECPrivateKey',
  'Transparent Symmetric Key',
  'Transparent DSA Private Key',
  'Transparent DSA Public Key',
  'Transparent RSA Private Key',
  'Transparent RSA Public Key',
  'Transparent DH Private Key',
  'Transparent DH Public Key',
  'Transparent ECDSA Private Key',
  'Transparent ECDSA Public Key',
  'Transparent ECDH Private Key',
  'Transparent ECDH Public Key',
  'Transparent ECMQV Private Key',
  'Transparent ECMQV Public Key',
  'Transparent EC Private Key',
  'Transparent EC Public Key',
  'PKCS#12',
);

export const STATE: Enumeration = list('Pre-Active', 'Active', 'Deactivated', 'Compromised', 'Destroyed', 'Destroyed Compromised');

export const NAME_TYPE: Enumeration = list('Uninterpreted Text String', 'URI');

export const REVOCATION_REASON_CODE: Enumeration = list(
  'Unspecified',
  'Key Compromise',
  'CA Compromise',
  'Affiliation Changed',
  'Superseded',
  'Cessation of Operation',
  'Privilege Withdrawn',
);

export const BATCH_ERROR_CONTINUATION_OPTION: Enumeration = list('Continue', 'Stop', 'Undo');

export const SECRET_DATA_TYPE: Enumeration = list('Password', 'Seed');

export const LINK_TYPE: Enumeration = {
  'Certificate Link': 0x101,
  'Public Key Link': 0x102,
  'Private Key Link': 0x103,
  'Derivation Base Object Link': 0x104,
  'Derived Key Link': 0x105,
  'Replacement Object Link': 0x106,
  'Replaced Object Link': 0x107,
};

export const RECOMMENDED_CURVE: Enumeration = {
  'P-192': 1,
  'K-163': 2,
  'B-163': 3,
  'P-224': 4,
  'K-233': 5,
  'B-233': 6,
  'P-256': 7,
  'K-283': 8,
  'B-283': 9,
  'P-384': 10,
  'K-409': 11,
  'B-409': 12,
  'P-521': 13,
};

export const QUERY_FUNCTION: Enumeration = list(
  'Query Operations',
  'Query Objects',
  'Query Server Information',
  'Query Application Namespaces',
  'Query Extension List',
  'Query Extension Map',
  'Query Attestation Types',
  'Query RNGs',
  'Query Validations',
  'Query Profiles',
  'Query Capabilities',
  'Query Client Registration Methods',
);

// ---- Derive Key ----------------------------------------------------------------------------

/** KMIP 1.2-1.4 section 9.1.3.2.36 (1-8), KMIP 2.0 adds AWS Signature Version 4 and HKDF. */
export const DERIVATION_METHOD: Enumeration = list(
  'PBKDF2',
  'HASH',
  'HMAC',
  'ENCRYPT',
  'NIST800-108-C',
  'NIST800-108-F',
  'NIST800-108-DPI',
  'Asymmetric Key',
  'AWS Signature Version 4',
  'HKDF',
);

/** Each enumeration by the tag of the items that carry it. */
export const ENUMERATION_OF_TAG: ReadonlyMap<number, Enumeration> = new Map([
  [TAG['Operation'], OPERATION],
  [TAG['Result Status'], RESULT_STATUS],
  [TAG['Result Reason'], RESULT_REASON],
  [TAG['Object Type'], OBJECT_TYPE],
  [TAG['Cryptographic Algorithm'], CRYPTOGRAPHIC_ALGORITHM],
  [TAG['Block Cipher Mode'], BLOCK_CIPHER_MODE],
  [TAG['Padding Method'], PADDING_METHOD],
  [TAG['Hashing Algorithm'], HASHING_ALGORITHM],
  [TAG['Mask Generator Hashing Algorithm'], HASHING_ALGORITHM],
  [TAG['Key Format Type'], KEY_FORMAT_TYPE],
  [TAG['State'], STATE],
  [TAG['Name Type'], NAME_TYPE],
  [TAG['Revocation Reason Code'], REVOCATION_REASON_CODE],
  [TAG['Batch Error Continuation Option'], BATCH_ERROR_CONTINUATION_OPTION],
  [TAG['Query Function'], QUERY_FUNCTION],
  [TAG['Secret Data Type'], SECRET_DATA_TYPE],
  [TAG['Link Type'], LINK_TYPE],
  [TAG['Recommended Curve'], RECOMMENDED_CURVE],
  [TAG['Derivation Method'], DERIVATION_METHOD],
]);

/** The specification name of an Enumeration value carried under a tag, if the table has it. */
export function enumerationName(tag: number, value: number): string | undefined {
  const table = ENUMERATION_OF_TAG.get(tag);
  if (table === undefined) return undefined;
  return Object.entries(table).find(([, v]) => v === value)?.[0];
}

// ---- Cryptographic operations (Encrypt ... MAC Verify); kept apart so that merges stay easy ----

/** KMIP 1.4 section 9.1.3.2.7, with the SHA-3 values 1.4 added. */
export const DIGITAL_SIGNATURE_ALGORITHM: Enumeration = list(
  'MD2 with RSA Encryption',
  'MD5 with RSA Encryption',
  'SHA-1 with RSA Encryption',
  'SHA-224 with RSA Encryption',
  'SHA-256 with RSA Encryption',
  'SHA-384 with RSA Encryption',
  'SHA-512 with RSA Encryption',
  'RSASSA-PSS',
  'DSA with SHA-1',
  'DSA with SHA224',
  'DSA with SHA256',
  'ECDSA with SHA-1',
  'ECDSA with SHA224',
  'ECDSA with SHA256',
  'ECDSA with SHA384',
  'ECDSA with SHA512',
  'SHA3-256 with RSA Encryption',
  'SHA3-384 with RSA Encryption',
  'SHA3-512 with RSA Encryption',
);

export const VALIDITY_INDICATOR: Enumeration = list('Valid', 'Invalid', 'Unknown');

export const MASK_GENERATOR: Enumeration = list('MGF1');

const NAMES = new WeakMap<Enumeration, ReadonlyMap<number, string>>();

/** The specification name of a value in one enumeration table, if it has it (by a reverse map made once per table: this runs per request). */
export function nameIn(table: Enumeration, value: number): string | undefined {
  let names = NAMES.get(table);
  if (names === undefined) {
    const made = new Map<number, string>();
    // The first name of a value wins, as a search in order would find it.
    for (const [name, v] of Object.entries(table)) if (!made.has(v)) made.set(v, name);
    NAMES.set(table, (names = made));
  }
  return names.get(value);
}
