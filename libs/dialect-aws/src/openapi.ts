import { type OpenApiOperation, type Schema, objectSchema, openApiDocument } from '@kms/dialect-kit';
import { type Member, REQUEST_MEMBERS } from './operations/members';
import { NOT_SERVED, servedOperations } from './operations/table';
import { TARGET_PREFIX } from './wire';

const str: Schema = { type: 'string' };
const b64: Schema = { type: 'string', contentEncoding: 'base64' };
const bool: Schema = { type: 'boolean' };
const int: Schema = { type: 'integer' };
const time: Schema = { type: 'number', description: 'epoch seconds' };
const arn: Schema = { type: 'string', description: 'key ARN' };
const strings: Schema = { type: 'array', items: str };
const page = (items: string, item: Schema) => ({ [items]: { type: 'array', items: item }, Truncated: bool, NextMarker: str });
const keyMetadata = objectSchema(
  {
    AWSAccountId: str,
    KeyId: str,
    Arn: arn,
    CreationDate: time,
    Enabled: bool,
    Description: str,
    KeyUsage: str,
    KeyState: { enum: ['Enabled', 'Disabled', 'PendingImport', 'PendingDeletion', 'Unavailable'] },
    DeletionDate: time,
    Origin: { enum: ['AWS_KMS', 'EXTERNAL'] },
    ExpirationModel: str,
    ValidTo: time,
    KeyManager: { const: 'CUSTOMER' },
    CustomerMasterKeySpec: str,
    KeySpec: str,
    EncryptionAlgorithms: strings,
    SigningAlgorithms: strings,
    MacAlgorithms: strings,
    KeyAgreementAlgorithms: strings,
    MultiRegion: { const: false },
  },
  ['KeyId', 'Arn', 'KeyState'],
);
const metadata = { KeyMetadata: keyMetadata };
const keyArn = { KeyId: arn };
const dataKey = { CiphertextBlob: b64, KeyId: arn };
const dataKeyPair = { PrivateKeyCiphertextBlob: b64, PublicKey: b64, KeyId: arn, KeyPairSpec: str };
const tag = objectSchema({ TagKey: str, TagValue: str }, ['TagKey', 'TagValue']);

/** The members of each operation's answer (the handlers' return values); `{}` answers an empty object. */
const RESPONSE_MEMBERS: Readonly<Record<string, Record<string, Schema>>> = {
  CreateKey: metadata,
  DescribeKey: metadata,
  ListKeys: page('Keys', objectSchema({ KeyId: str, KeyArn: arn })),
  UpdateKeyDescription: {},
  EnableKey: {},
  DisableKey: {},
  ScheduleKeyDeletion: { KeyId: arn, DeletionDate: time, KeyState: { const: 'PendingDeletion' }, PendingWindowInDays: int },
  CancelKeyDeletion: keyArn,
  GetPublicKey: {
    KeyId: arn,
    PublicKey: { ...b64, description: 'DER SubjectPublicKeyInfo' },
    CustomerMasterKeySpec: str,
    KeySpec: str,
    KeyUsage: str,
    EncryptionAlgorithms: strings,
    SigningAlgorithms: strings,
    KeyAgreementAlgorithms: strings,
  },
  CreateAlias: {},
  UpdateAlias: {},
  DeleteAlias: {},
  ListAliases: page('Aliases', objectSchema({ AliasName: str, AliasArn: str, TargetKeyId: str, CreationDate: time, LastUpdatedDate: time })),
  Encrypt: { CiphertextBlob: b64, KeyId: arn, EncryptionAlgorithm: str },
  Decrypt: { KeyId: arn, Plaintext: b64, EncryptionAlgorithm: str },
  ReEncrypt: { CiphertextBlob: b64, SourceKeyId: arn, KeyId: arn, SourceEncryptionAlgorithm: str, DestinationEncryptionAlgorithm: str },
  GenerateDataKey: { ...dataKey, Plaintext: b64 },
  GenerateDataKeyWithoutPlaintext: dataKey,
  GenerateDataKeyPair: { ...dataKeyPair, PrivateKeyPlaintext: { ...b64, description: 'DER PKCS#8' } },
  GenerateDataKeyPairWithoutPlaintext: dataKeyPair,
  GenerateRandom: { Plaintext: b64 },
  Sign: { KeyId: arn, Signature: b64, SigningAlgorithm: str },
  Verify: { KeyId: arn, SignatureValid: { const: true }, SigningAlgorithm: str },
  GenerateMac: { KeyId: arn, Mac: b64, MacAlgorithm: str },
  VerifyMac: { KeyId: arn, MacValid: { const: true }, MacAlgorithm: str },
  EnableKeyRotation: {},
  DisableKeyRotation: {},
  GetKeyRotationStatus: { KeyId: arn, KeyRotationEnabled: bool, RotationPeriodInDays: int, NextRotationDate: time },
  RotateKeyOnDemand: { KeyId: str },
  ListKeyRotations: page('Rotations', objectSchema({ KeyId: str, RotationDate: time, RotationType: { enum: ['AUTOMATIC', 'ON_DEMAND'] } })),
  TagResource: {},
  UntagResource: {},
  ListResourceTags: page('Tags', tag),
  GetParametersForImport: { KeyId: arn, ImportToken: b64, PublicKey: b64, ParametersValidTo: time },
  ImportKeyMaterial: keyArn,
  DeleteImportedKeyMaterial: keyArn,
};

/** A request member in JSON Schema: its JSON type by the Input method that reads it, and its constraints. */
const KIND: Record<Member['kind'], Schema> = {
  string: str,
  blob: b64,
  integer: int,
  boolean: bool,
  timestamp: { type: ['number', 'string'], description: 'epoch seconds, or an ISO 8601 date' },
  stringMap: { type: 'object', additionalProperties: str },
  stringList: strings,
  tags: { type: 'array', items: tag, maxItems: 50 },
  refused: {},
};

function memberSchema(m: Member): Schema {
  const length = m.kind === 'integer' ? ['minimum', 'maximum'] : m.kind === 'stringList' ? ['minItems', 'maxItems'] : ['minLength', 'maxLength'];
  return {
    ...KIND[m.kind],
    ...(m.min !== undefined ? { [length[0]]: m.min } : {}),
    ...(m.max !== undefined ? { [length[1]]: m.max } : {}),
    ...(m.oneOf ? { enum: [...m.oneOf] } : {}),
    ...(m.kind === 'blob' && (m.min !== undefined || m.max !== undefined) ? { description: 'length bounds are of the decoded bytes' } : {}),
    ...(m.description ? { description: m.description } : {}),
  };
}

function requestSchema(members: Readonly<Record<string, Member>>): Schema {
  const entries = Object.entries(members);
  return objectSchema(
    Object.fromEntries(entries.map(([name, m]) => [name, memberSchema(m)])),
    entries.filter(([, m]) => m.required).map(([name]) => name),
  );
}

const STATUS_TEXT = [
  'Every refusal is `{"__type": "<Exception>", "message": ...}` with the `x-amzn-ErrorType` header:',
  'HTTP 400 for all but `MissingAuthenticationTokenException` (403), `DryRunOperationException` (412),',
  '`KMSInternalException` and `KeyUnavailableException` (500).',
].join(' ');

const operation = (name: string): OpenApiOperation => {
  if (!Object.hasOwn(RESPONSE_MEMBERS, name) || !Object.hasOwn(REQUEST_MEMBERS, name)) throw new Error(`openapi: AWS operation ${name} has no documented members`);
  return {
    method: 'post',
    path: '/',
    selector: { in: 'header', name: 'X-Amz-Target', value: `${TARGET_PREFIX}${name}` },
    operationId: name,
    summary: name,
    body: requestSchema(REQUEST_MEMBERS[name]),
    responses: {
      200: { description: `${name}'s answer`, schema: objectSchema(RESPONSE_MEMBERS[name]), contentType: 'application/x-amz-json-1.1' },
      400: { ref: '#/components/responses/AwsError' },
      403: { ref: '#/components/responses/AwsError' },
      ...(REQUEST_MEMBERS[name].DryRun ? { 412: { ref: '#/components/responses/AwsError' } } : {}),
      500: { ref: '#/components/responses/AwsError' },
    },
  };
};

/** AWS KMS's document: one pseudo-path per served X-Amz-Target (operations/table.ts). */
export function awsOpenApi(version: string): Schema {
  const notServed = Object.entries(NOT_SERVED).map(([op, what]) => `${op} (${what})`);
  return openApiDocument({
    title: 'AWS KMS dialect',
    version,
    description: [
      'AWS KMS as this gateway serves it (docs/aws.md): the JSON 1.1 protocol, every operation `POST /` with `X-Amz-Target: TrentService.<Operation>`',
      'and `Content-Type: application/x-amz-json-1.1`, authenticated with Signature Version 4 (service `kms`, any region).',
      'OpenAPI keys operations by path and method only, so each operation is documented under the pseudo-path `/#X-Amz-Target=TrentService.<Operation>`,',
      "as AWS's own Smithy-to-OpenAPI conversions do; the fragment is never sent. Blobs are base64; members AWS defines and not listed are accepted and ignored.",
      STATUS_TEXT,
      `These AWS operations answer UnsupportedOperationException (not served by design): ${notServed.join(', ')}. Any other target is UnknownOperationException.`,
    ].join(' '),
    operations: servedOperations().map(operation),
    components: {
      responses: {
        AwsError: {
          description: 'A refusal',
          headers: { 'x-amzn-ErrorType': { schema: str } },
          content: { 'application/x-amz-json-1.1': { schema: objectSchema({ __type: str, message: str }, ['__type', 'message']) } },
        },
      },
      securitySchemes: { sigv4: { type: 'apiKey', in: 'header', name: 'Authorization', description: 'AWS Signature Version 4 (AWS4-HMAC-SHA256), service `kms`' } },
    },
    security: [{ sigv4: [] }],
  });
}
