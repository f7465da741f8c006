import { type OpenApiOperation, type Schema, dtoSchema, objectSchema, openApiDocument } from '@kms/dialect-kit';
import { DecryptDto } from './decrypt';
import { EncryptDto } from './encrypt';
import { STATUS } from './errors';
import { CreateKeyDto } from './jwk';
import { UnwrapDto } from './keys';
import { MacDto } from './mac';
import { SignDto, VerifyDto } from './sign';
import { VERSION_PARAM } from './versions';

const str: Schema = { type: 'string' };
const b64url: Schema = { type: 'string', description: 'base64url, no padding' };
const keyOps: Schema = { type: 'array', items: str };
const jwk: Schema = objectSchema({ kty: str, kid: str, [VERSION_PARAM]: { type: 'integer' }, alg: str, crv: str, use: str, key_ops: keyOps }, ['kty', 'kid'], {
  additionalProperties: true,
});
const jwe: Schema = objectSchema({ protected: b64url, encrypted_key: b64url, iv: b64url, ciphertext: b64url, tag: b64url, aad: b64url }, ['protected', 'iv', 'ciphertext', 'tag']);

/** Every failure: `{error, description}`, the status by `error` (errors.ts). */
const errors = { '4XX': { ref: '#/components/responses/JoseError' }, '5XX': { ref: '#/components/responses/JoseError' } } as const;

const post = (path: string, operationId: string, summary: string, dto: abstract new () => unknown, result: Schema): OpenApiOperation => ({
  method: 'post',
  path,
  operationId,
  summary,
  body: dtoSchema(dto),
  responses: { 200: { description: summary, schema: result }, ...errors },
});

/**
 * The routes of jose.controller.ts, bodies from their DTOs (the rules the body pipe runs). The
 * coverage test (test/openapi.e2e.ts) holds this list to the routes the gateway serves.
 */
const OPERATIONS: OpenApiOperation[] = [
  post(
    '/v1/crypto/keys',
    'createKey',
    'Generate a key, or import one (`k`, or `d` with the JWK members)',
    CreateKeyDto,
    objectSchema({ kid: str, kid_public: { type: ['string', 'null'] }, kty: str, alg: str, crv: str, key_ops: keyOps }, ['kid', 'kty', 'key_ops']),
  ),
  post(
    '/v1/crypto/keys/unwrap',
    'unwrapKey',
    "Unwrap a JWE's CEK (RSA-OAEP) into a new managed key",
    UnwrapDto,
    objectSchema({ kid: str, kty: { const: 'oct' }, alg: str, key_ops: keyOps }),
  ),
  {
    method: 'get',
    path: '/v1/crypto/keys/{kid}',
    operationId: 'publicKey',
    summary: "A key's public JWK, of its current version or of version `kv`",
    parameters: [{ in: 'query', name: VERSION_PARAM, required: false, schema: { type: 'integer', minimum: 1 } }],
    responses: { 200: { description: 'The public JWK', schema: jwk }, ...errors },
  },
  {
    method: 'delete',
    path: '/v1/crypto/keys/{kid}',
    operationId: 'deleteKey',
    summary: 'Destroy a key (either half of a pair destroys both)',
    responses: { 204: { description: 'Destroyed' }, ...errors },
  },
  post('/v1/crypto/encrypt', 'encrypt', 'Encrypt to a flattened JWE', EncryptDto, jwe),
  post('/v1/crypto/decrypt', 'decrypt', 'Decrypt a flattened JWE', DecryptDto, objectSchema({ kid: str, data: b64url }, ['kid', 'data'])),
  post('/v1/crypto/sign', 'sign', 'Detached JWS over `protected.data`', SignDto, objectSchema({ protected: b64url, signature: b64url }, ['protected', 'signature'])),
  post('/v1/crypto/verify', 'verify', 'Verify a detached JWS', VerifyDto, objectSchema({ kid: str, valid: { type: 'boolean' } }, ['kid', 'valid'])),
  post('/v1/crypto/mac', 'mac', 'HMAC over `data`; with `mac`, a constant-time verify', MacDto, {
    oneOf: [objectSchema({ kid: str, mac: b64url }, ['kid', 'mac']), objectSchema({ kid: str, valid: { type: 'boolean' } }, ['kid', 'valid'])],
  }),
  {
    method: 'get',
    path: '/.well-known/jwks.json',
    operationId: 'jwks',
    summary: "The tenant's enabled public keys",
    responses: { 200: { description: 'A JWKS', schema: objectSchema({ keys: { type: 'array', items: jwk } }, ['keys']) }, ...errors },
  },
];

/** JOSE `/v1/crypto`'s document. */
export function joseOpenApi(version: string): Schema {
  return openApiDocument({
    title: 'JOSE /v1/crypto dialect',
    version,
    description:
      'The JOSE `/v1/crypto` API as this gateway serves it (docs/jose.md). Every route authenticates with a bearer token (an API token of the admin CLI, or a JWT when configured) or, without an Authorization header, a mapped TLS client certificate. ' +
      `Every failure is \`{error, description}\`; the status follows \`error\`: ${Object.entries(STATUS)
        .map(([code, status]) => `${code} ${status}`)
        .join(', ')} (a body too large is 413 with \`bad_request\`).`,
    operations: OPERATIONS,
    components: {
      responses: {
        JoseError: {
          description: 'A refusal',
          content: { 'application/json': { schema: objectSchema({ error: { enum: Object.keys(STATUS) }, description: str }, ['error', 'description']) } },
        },
      },
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' }, clientCertificate: { type: 'mutualTLS' } },
    },
    security: [{ bearer: [] }, { clientCertificate: [] }],
  });
}
