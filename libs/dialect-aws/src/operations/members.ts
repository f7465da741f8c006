import { KEY_SPECS, MAC_ALGORITHMS, SIGNING_ALGORITHMS, USAGES } from '../key-specs';
import { DATA_KEY_SPECS, ENCRYPTION_ALGORITHMS, KEY_PAIR_SPECS, MAX } from './crypto';
import { WRAPPING_ALGORITHMS, WRAPPING_SPECS } from './import';

/**
 * A request member as the handlers read it: `kind` is the Input method that reads it (`refused`:
 * only its presence is looked at, and it is refused), the constraints are the ones passed to it.
 */
export interface Member {
  kind: 'string' | 'blob' | 'integer' | 'boolean' | 'timestamp' | 'stringMap' | 'stringList' | 'tags' | 'refused';
  required?: boolean;
  min?: number;
  max?: number;
  oneOf?: readonly string[];
  description?: string;
}

const keyId: Member = { kind: 'string', required: true, description: 'A key id or key ARN' };
const keyOrAlias: Member = { kind: 'string', required: true, description: 'A key id, key ARN, alias name or alias ARN' };
const dryRun: Member = { kind: 'boolean', description: 'Check everything, perform nothing: DryRunOperationException (412) when it would have succeeded' };
const context: Member = { kind: 'stringMap', description: 'EncryptionContext: bound to the ciphertext as additional authenticated data' };
const recipient: Member = { kind: 'refused', description: 'Nitro Enclaves attestation: UnsupportedOperationException' };
const limit = (max: number): Member => ({ kind: 'integer', min: 1, max });
const marker: Member = { kind: 'string', min: 1, max: 1024, description: "A previous answer's NextMarker" };
const encryptionAlgorithm: Member = { kind: 'string', oneOf: ENCRYPTION_ALGORITHMS };
const message: Member = { kind: 'blob', required: true, min: 1, max: 4096 };
const aliasName: Member = { kind: 'string', required: true, min: 1, max: 256, description: '`alias/` and letters, digits, `/_-`; not `alias/aws/`' };
const dataKey = {
  KeyId: keyOrAlias,
  KeySpec: { kind: 'string', oneOf: Object.keys(DATA_KEY_SPECS) },
  NumberOfBytes: { kind: 'integer', min: 1, max: MAX.bytes },
  EncryptionContext: context,
  DryRun: dryRun,
} as const;
const dataKeyPair = {
  KeyId: keyOrAlias,
  KeyPairSpec: { kind: 'string', required: true, oneOf: [...Object.keys(KEY_PAIR_SPECS), 'SM2'], description: 'SM2: UnsupportedOperationException' },
  Recipient: recipient,
  EncryptionContext: context,
  DryRun: dryRun,
} as const;
const signing = {
  KeyId: keyOrAlias,
  Message: message,
  MessageType: { kind: 'string', oneOf: ['RAW', 'DIGEST', 'EXTERNAL_MU'], description: 'RAW by default; EXTERNAL_MU: UnsupportedOperationException' },
  SigningAlgorithm: {
    kind: 'string',
    required: true,
    oneOf: [...Object.keys(SIGNING_ALGORITHMS), 'ML_DSA_SHAKE_256'],
    description: 'ML_DSA_SHAKE_256: UnsupportedOperationException',
  },
  DryRun: dryRun,
} as const;
const macing = { KeyId: keyOrAlias, Message: message, MacAlgorithm: { kind: 'string', required: true, oneOf: Object.keys(MAC_ALGORITHMS) }, DryRun: dryRun } as const;

/**
 * The request members of each served operation, as its handler reads them. Other members AWS
 * defines are accepted and ignored. members.spec.ts runs every handler with a recording Input and
 * holds this table to what they read, in both directions, kind and constraints alike.
 */
export const REQUEST_MEMBERS: Readonly<Record<string, Readonly<Record<string, Member>>>> = {
  CreateKey: {
    KeySpec: { kind: 'string', oneOf: Object.keys(KEY_SPECS), description: 'SYMMETRIC_DEFAULT by default' },
    CustomerMasterKeySpec: { kind: 'string', oneOf: Object.keys(KEY_SPECS), description: "KeySpec's deprecated name" },
    KeyUsage: { kind: 'string', oneOf: Object.keys(USAGES) },
    Origin: {
      kind: 'string',
      oneOf: ['AWS_KMS', 'EXTERNAL', 'AWS_CLOUDHSM', 'EXTERNAL_KEY_STORE'],
      description: 'AWS_CLOUDHSM, EXTERNAL_KEY_STORE: UnsupportedOperationException',
    },
    MultiRegion: { kind: 'boolean', description: 'true: UnsupportedOperationException' },
    Policy: { kind: 'string', max: 131072, description: 'Checked for length, not enforced: key policies are not served' },
    Description: { kind: 'string', max: 8192 },
    Tags: { kind: 'tags' },
  },
  DescribeKey: { KeyId: keyOrAlias },
  ListKeys: { Limit: limit(1000), Marker: marker },
  UpdateKeyDescription: { KeyId: keyId, Description: { kind: 'string', required: true, max: 8192 } },
  EnableKey: { KeyId: keyId },
  DisableKey: { KeyId: keyId },
  ScheduleKeyDeletion: { KeyId: keyId, PendingWindowInDays: { kind: 'integer', min: 7, max: 30, description: '30 by default' } },
  CancelKeyDeletion: { KeyId: keyId },
  GetPublicKey: { KeyId: keyOrAlias },
  CreateAlias: { AliasName: aliasName, TargetKeyId: keyId },
  UpdateAlias: { AliasName: aliasName, TargetKeyId: keyId },
  DeleteAlias: { AliasName: aliasName },
  ListAliases: { Limit: limit(100), Marker: marker, KeyId: { ...keyId, required: false } },
  Encrypt: {
    KeyId: keyOrAlias,
    Plaintext: { kind: 'blob', required: true, min: 1, max: MAX.plaintext },
    EncryptionContext: context,
    EncryptionAlgorithm: encryptionAlgorithm,
    DryRun: dryRun,
  },
  Decrypt: {
    CiphertextBlob: { kind: 'blob', required: true, min: 1, max: MAX.ciphertext },
    KeyId: { ...keyOrAlias, required: false, description: 'Required for an asymmetric ciphertext; else, if given, must name the key of the ciphertext' },
    EncryptionAlgorithm: encryptionAlgorithm,
    EncryptionContext: context,
    Recipient: recipient,
    DryRun: dryRun,
  },
  ReEncrypt: {
    CiphertextBlob: { kind: 'blob', required: true, min: 1, max: MAX.ciphertext },
    SourceKeyId: { ...keyOrAlias, required: false },
    SourceEncryptionAlgorithm: encryptionAlgorithm,
    SourceEncryptionContext: context,
    DestinationKeyId: keyOrAlias,
    DestinationEncryptionAlgorithm: encryptionAlgorithm,
    DestinationEncryptionContext: context,
    DryRun: dryRun,
  },
  GenerateDataKey: dataKey,
  GenerateDataKeyWithoutPlaintext: dataKey,
  GenerateDataKeyPair: dataKeyPair,
  GenerateDataKeyPairWithoutPlaintext: dataKeyPair,
  GenerateRandom: {
    NumberOfBytes: { kind: 'integer', required: true, min: 1, max: MAX.bytes },
    CustomKeyStoreId: { kind: 'refused', description: 'Custom key stores: UnsupportedOperationException' },
    Recipient: recipient,
  },
  Sign: signing,
  Verify: { ...signing, Signature: { kind: 'blob', required: true, min: 1, max: 6144 } },
  GenerateMac: macing,
  VerifyMac: { ...macing, Mac: { kind: 'blob', required: true, min: 1, max: 6144 } },
  EnableKeyRotation: { KeyId: keyId, RotationPeriodInDays: { kind: 'integer', min: 90, max: 2560, description: '365 by default' } },
  DisableKeyRotation: { KeyId: keyId },
  GetKeyRotationStatus: { KeyId: keyId },
  RotateKeyOnDemand: { KeyId: keyId },
  ListKeyRotations: { KeyId: keyId, Limit: limit(1000), Marker: marker },
  TagResource: { KeyId: keyId, Tags: { kind: 'tags', required: true } },
  UntagResource: { KeyId: keyId, TagKeys: { kind: 'stringList', required: true, max: 50 } },
  ListResourceTags: { KeyId: keyId, Limit: limit(50), Marker: marker },
  GetParametersForImport: {
    KeyId: keyId,
    WrappingAlgorithm: {
      kind: 'string',
      required: true,
      oneOf: [...Object.keys(WRAPPING_ALGORITHMS), 'RSAES_PKCS1_V1_5', 'SM2PKE'],
      description: 'RSAES_PKCS1_V1_5, SM2PKE: UnsupportedOperationException',
    },
    WrappingKeySpec: { kind: 'string', required: true, oneOf: [...Object.keys(WRAPPING_SPECS), 'SM2'], description: 'SM2: UnsupportedOperationException' },
  },
  ImportKeyMaterial: {
    KeyId: keyId,
    ImportToken: { kind: 'blob', required: true, min: 1, max: 6144 },
    EncryptedKeyMaterial: { kind: 'blob', required: true, min: 1, max: 6144 },
    ExpirationModel: { kind: 'string', oneOf: ['KEY_MATERIAL_EXPIRES', 'KEY_MATERIAL_DOES_NOT_EXPIRE'], description: 'KEY_MATERIAL_DOES_NOT_EXPIRE by default' },
    ValidTo: { kind: 'timestamp', description: 'Required with KEY_MATERIAL_EXPIRES, in the future' },
  },
  DeleteImportedKeyMaterial: { KeyId: keyId },
};
