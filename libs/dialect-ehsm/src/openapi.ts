import { type OpenApiOperation, type Schema, objectSchema, openApiDocument } from '@kms/dialect-kit';
import { ACTIONS, ACTION_ALIASES } from './actions';
import { RULES } from './checker';
import { MSG } from './envelope';
import { V1_ACTIONS } from './legacy/v1-actions';
import { V1_ENROLL } from './legacy/v1-caller-guard';
import { V1_RULES } from './legacy/v1-rules';
import { UNAUTHENTICATED } from './unauthenticated';

const str: Schema = { type: 'string' };
const b64: Schema = { type: 'string', contentEncoding: 'base64' };
const int: Schema = { type: 'integer' };
const bool: Schema = { type: 'boolean' };
const pem: Schema = { type: 'string', description: 'PEM public key' };
const time: Schema = { type: ['integer', 'string'], description: 'milliseconds since the epoch' };
const secretSummary = { secretName: str, description: str, createTime: time, plannedDeleteTime: time };

/**
 * The `result` of each action's success, by action: the document refuses to build when an action
 * the dispatcher serves (ACTIONS, UNAUTHENTICATED, V1_ACTIONS) has no entry here.
 */
const RESULTS: Record<string, Record<string, Schema>> = {
  GetVersion: { git_sha: str, version: str },
  Enroll: { appid: str, apikey: str },
  CreateKey: { keyid: str },
  ListKey: { list: { type: 'array', items: objectSchema({ keyid: str, creationDate: int, expireTime: int, alias: str, keyspec: str, keyState: { enum: [0, 1] } }) } },
  DeleteKey: {},
  DeleteAllKey: {},
  EnableKey: {},
  DisableKey: {},
  Encrypt: { ciphertext: b64 },
  Decrypt: { plaintext: b64 },
  GenerateDataKey: { plaintext: b64, ciphertext: b64 },
  GenerateDataKeyWithoutPlaintext: { ciphertext: b64 },
  Sign: { signature: b64 },
  Verify: { result: bool },
  AsymmetricEncrypt: { ciphertext: b64 },
  AsymmetricDecrypt: { plaintext: b64 },
  GetPublicKey: { pubkey: pem, keyid: str },
  ExportDataKey: { newdatakey: b64 },
  GetParametersForImport: { pubkey: pem, importToken: str },
  ImportKeyMaterial: { result: bool },
  CreateSecret: {},
  UpdateSecretDesc: {},
  PutSecretValue: {},
  ListSecretVersionIds: { secretName: str, totalCount: int, versionIds: { type: 'array', items: objectSchema({ versionId: int, createTime: time }) } },
  ListSecrets: { totalCount: int, secretList: { type: 'array', items: objectSchema(secretSummary) } },
  DescribeSecret: { ...secretSummary, rotationInterval: str, lastRotationDate: time, nextRotationDate: time },
  DeleteSecret: {},
  GetSecretValue: { secretName: str, secretData: str, versionId: int, createTime: time },
  RestoreSecret: {},
  UploadQuotePolicy: { policyId: str },
  GetQuotePolicy: { policyId: str, mr_enclave: str, mr_signer: str, createTime: time },
  // No SGX here: both always answer code 500 (docs/ehsm.md).
  GenerateQuote: {},
  VerifyQuote: {},
};

const V1_RESULTS: Record<string, Record<string, Schema>> = {
  [V1_ENROLL]: { appid: str, appkey: str },
  CreateKey: { cmk_base64: str },
  Encrypt: { ciphertext_base64: b64 },
  Decrypt: { plaintext_base64: b64 },
  GenerateDataKey: { plaintext_base64: b64, ciphertext_base64: b64 },
  GenerateDataKeyWithoutPlaintext: { ciphertext_base64: b64 },
  Sign: { signature_base64: b64 },
  Verify: { result: bool },
  AsymmetricEncrypt: { ciphertext_base64: b64 },
  AsymmetricDecrypt: { plaintext_base64: b64 },
  ExportDataKey: { newdatakey_base64: b64 },
};

/** A payload field rule of either API's checker, as JSON Schema. */
interface FieldRule {
  type: 'string' | 'base64' | 'int' | 'const';
  required: boolean;
  min?: number;
  max?: number;
  regex?: RegExp;
  values?: readonly string[];
  aliases?: readonly string[];
}

function fieldSchema(rule: FieldRule): Schema {
  const aliases = rule.aliases?.length ? { 'x-aliases': [...rule.aliases] } : {};
  switch (rule.type) {
    case 'int':
      return { type: 'integer', ...(rule.min !== undefined ? { minimum: rule.min } : {}), ...(rule.max !== undefined ? { maximum: rule.max } : {}), ...aliases };
    case 'const':
      return { type: 'string', enum: [...(rule.values ?? [])], ...aliases };
    default:
      return {
        type: 'string',
        ...(rule.type === 'base64' ? { contentEncoding: 'base64' } : {}),
        ...(rule.min !== undefined ? { minLength: rule.min } : {}),
        ...(rule.max !== undefined ? { maxLength: rule.max } : {}),
        ...(rule.regex ? { pattern: rule.regex.source } : {}),
        ...aliases,
      };
  }
}

/** The payload of an action from its rule table(s); Sign and Verify have a second, `digest` form. */
function payloadSchema(tables: Record<string, FieldRule>[]): Schema {
  const forms = tables.map((rules) =>
    objectSchema(
      Object.fromEntries(Object.entries(rules).map(([k, r]) => [k, fieldSchema(r)])),
      Object.entries(rules)
        .filter(([, r]) => r.required && !r.aliases?.length)
        .map(([k]) => k),
    ),
  );
  return forms.length === 1 ? forms[0] : { oneOf: forms };
}

const envelope = (result: Schema): Schema => objectSchema({ code: { type: 'integer', description: '200 on success' }, message: str, result }, ['code', 'message', 'result']);

const signedBody = (api: 'keyid' | 'v1', payload: Schema): Schema =>
  objectSchema(
    {
      appid: str,
      ...(api === 'keyid' ? { nonce: { type: ['string', 'number'], description: 'at most 64 characters' } } : {}),
      timestamp: { type: 'string', description: 'milliseconds since the epoch, 13 digits, within the accepted clock skew' },
      payload,
      sign: { type: 'string', description: 'base64 HMAC-SHA256 under the apikey of the sorted `key=value&...` string (docs/ehsm.md)' },
    },
    api === 'keyid' ? ['appid', 'timestamp', 'sign'] : ['appid', 'timestamp', 'sign', 'payload'],
  );

function resultOf(table: Record<string, Record<string, Schema>>, action: string, where: string): Schema {
  if (!Object.hasOwn(table, action)) throw new Error(`openapi: eHSM ${where} action ${action} has no documented result`);
  return objectSchema(table[action]);
}

const ERRORS_TEXT = [
  'Every outcome is HTTP 200 with the envelope `{code, message, result}`; `code` carries it:',
  '400 for a refused request (a missing or bad field, a bad signature or timestamp, a replay, an unknown key id),',
  '404 for an unknown action (`API Not Found`), 500 for a refusal of the enclave (`Server exception.`) or an internal error.',
  `The vendor's texts: ${Object.values(MSG)
    .map((m) => `\`${m}\``)
    .join(', ')}.`,
  "Only a body larger than the gateway accepts (413) or a method not served (404) keeps an HTTP error status, with Nest's `{statusCode, message}` body.",
].join(' ');

const answer = (result: Schema) => ({
  200: {
    description: 'The envelope: `code` 200 with `result` as below, or a refusal (`code` 400, 404 or 500, `result` {})',
    schema: envelope({ oneOf: [result, { type: 'object', maxProperties: 0 }] }),
  },
  default: { ref: '#/components/responses/HttpError' },
});

/** The operations of `/ehsm` (keyid API): one pseudo-path per `?Action=`. */
function keyidOperations(): OpenApiOperation[] {
  const ops: OpenApiOperation[] = [];
  for (const action of Object.keys(UNAUTHENTICATED)) {
    ops.push({
      method: 'get',
      path: '/ehsm',
      selector: { in: 'query', name: 'Action', value: action },
      operationId: `ehsm${action}Get`,
      summary: `${action} (unauthenticated)`,
      tags: ['keyid'],
      public: true,
      responses: answer(resultOf(RESULTS, action, 'keyid')),
    });
  }
  const aliasesOf = (action: string) =>
    Object.entries(ACTION_ALIASES)
      .filter(([, a]) => a === action)
      .map(([alias]) => alias);
  for (const action of Object.keys(ACTIONS)) {
    const forms = [RULES[action], RULES[`${action}:digest`]].filter((r) => r !== undefined);
    const aliases = aliasesOf(action);
    ops.push({
      method: 'post',
      path: '/ehsm',
      selector: { in: 'query', name: 'Action', value: action },
      operationId: `ehsm${action}`,
      summary: action,
      ...(aliases.length ? { description: `Also served as ?Action=${aliases.join(', ?Action=')}.` } : {}),
      tags: ['keyid'],
      body: signedBody('keyid', payloadSchema(forms)),
      responses: answer(resultOf(RESULTS, action, 'keyid')),
    });
  }
  return ops;
}

/** The v1 CMK-blob API under its configured prefix: the same envelope, the v1 field names. */
function v1Operations(prefix: string): OpenApiOperation[] {
  const path = `/${prefix.replace(/^\/+|\/+$/g, '')}`;
  const enroll: OpenApiOperation = {
    method: 'post',
    path,
    selector: { in: 'query', name: 'Action', value: V1_ENROLL },
    operationId: `ehsmV1${V1_ENROLL}`,
    summary: `${V1_ENROLL} (unauthenticated)`,
    tags: ['v1'],
    public: true,
    responses: answer(resultOf(V1_RESULTS, V1_ENROLL, 'v1')),
  };
  return [
    enroll,
    ...Object.keys(V1_ACTIONS).map((action): OpenApiOperation => ({
      method: 'post',
      path,
      selector: { in: 'query', name: 'Action', value: action },
      operationId: `ehsmV1${action}`,
      summary: action,
      tags: ['v1'],
      body: signedBody('v1', payloadSchema([V1_RULES[action] ?? {}])),
      responses: answer(resultOf(V1_RESULTS, action, 'v1')),
    })),
  ];
}

/** eHSM-KMS's document: the keyid API, and the v1 blob API when it is served (`legacyPath`). */
export function ehsmOpenApi(version: string, legacyPath: string | null | undefined): Schema {
  return openApiDocument({
    title: 'eHSM-KMS dialect',
    version,
    description: [
      'Intel eHSM-KMS as this gateway serves it (docs/ehsm.md). Each API is one URL; the action is the query parameter `Action`.',
      'OpenAPI keys operations by path and method only, so each action is documented under the pseudo-path `<path>#Action=<Name>`',
      '(the fragment is never sent: the request is `<path>?Action=<Name>`, and the trailing-slash form `<path>/` is served too).',
      "Authenticated calls carry a body signed with the app's apikey; `payload` holds the action's fields.",
      ERRORS_TEXT,
    ].join(' '),
    tags: [{ name: 'keyid', description: 'The current API, `/ehsm`' }, ...(legacyPath ? [{ name: 'v1', description: 'The v1 CMK-blob API (KMS_EHSM_LEGACY_PATH)' }] : [])],
    operations: [...keyidOperations(), ...(legacyPath ? v1Operations(legacyPath) : [])],
    components: {
      responses: {
        HttpError: {
          description: 'A body too large (413) or a method not served (404)',
          content: { 'application/json': { schema: objectSchema({ statusCode: int, message: str, error: str }) } },
        },
      },
    },
  });
}
