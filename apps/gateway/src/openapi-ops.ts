import { type Schema, objectSchema, openApiDocument } from '@kms/dialect-kit';

const str: Schema = { type: 'string' };
const check: Schema = objectSchema({ ok: { type: 'boolean' } }, ['ok'], { additionalProperties: true });
const plainError = { description: "Nest's `{statusCode, message}`", schema: objectSchema({ statusCode: { type: 'integer' }, message: str, error: str }) };

/** The operations surface of ops.controller.ts, admin.controller.ts and the OpenAPI routes themselves. */
export function opsOpenApi(version: string): Schema {
  return openApiDocument({
    title: 'Operations surface',
    version,
    description:
      'Liveness, readiness, Prometheus metrics, version, the admin routes and these OpenAPI documents: no dialect, no key data. Only `/backends` needs a credential (KMS_ADMIN_TOKEN); without a configured token it answers 404.',
    operations: [
      {
        method: 'get',
        path: '/health/live',
        operationId: 'live',
        summary: 'Liveness',
        public: true,
        responses: {
          200: { description: 'Alive (with KMS_WORKERS > 1, which worker answered)', schema: objectSchema({ status: { const: 'ok' }, worker: { type: 'integer' } }, ['status']) },
        },
      },
      {
        method: 'get',
        path: '/health/ready',
        operationId: 'ready',
        summary: 'Readiness: the store and every backend',
        public: true,
        responses: {
          200: { description: 'Ready', schema: objectSchema({ status: { const: 'ready' }, checks: { type: 'object', additionalProperties: check } }, ['status', 'checks']) },
          503: {
            description: 'Not ready: the failing checks say why',
            schema: objectSchema({ status: { const: 'not ready' }, checks: { type: 'object', additionalProperties: check } }, ['status', 'checks']),
          },
        },
      },
      {
        method: 'get',
        path: '/metrics',
        operationId: 'metrics',
        summary: 'Prometheus metrics',
        public: true,
        responses: { 200: { description: 'Prometheus text exposition format 0.0.4', schema: str, contentType: 'text/plain' } },
      },
      {
        method: 'get',
        path: '/version',
        operationId: 'version',
        summary: 'Version, dialects and backends',
        public: true,
        responses: {
          200: {
            description: 'Version',
            schema: objectSchema({ name: str, version: str, node: str, dialects: { type: 'array', items: str }, backends: { type: 'array', items: str } }, ['name', 'version']),
          },
        },
      },
      {
        method: 'get',
        path: '/backends',
        operationId: 'backends',
        summary: 'Each backend, its health and capability matrix, and the routing in force',
        responses: { 200: { description: 'Backends', schema: { type: 'object', additionalProperties: true } }, 401: plainError, 404: plainError },
      },
      {
        method: 'get',
        path: '/openapi',
        operationId: 'openapiIndex',
        summary: 'The OpenAPI documents served',
        public: true,
        responses: {
          200: {
            description: 'One entry per document',
            schema: objectSchema({ documents: { type: 'array', items: objectSchema({ name: str, title: str, url: str }, ['name', 'title', 'url']) } }, ['documents']),
          },
        },
      },
      {
        method: 'get',
        path: '/openapi/{document}',
        operationId: 'openapiDocument',
        summary: 'One OpenAPI 3.1 document, by its name in the index followed by `.json`',
        public: true,
        responses: { 200: { description: 'The document', schema: { type: 'object' } }, 404: plainError },
      },
    ],
    components: { securitySchemes: { adminToken: { type: 'http', scheme: 'bearer', description: 'KMS_ADMIN_TOKEN' } } },
    security: [{ adminToken: [] }],
  });
}
