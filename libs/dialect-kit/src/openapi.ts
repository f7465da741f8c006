import { ValidationTypes, getMetadataStorage } from 'class-validator';

/** A JSON Schema (OpenAPI 3.1 uses JSON Schema 2020-12 as it is). */
export type Schema = Record<string, unknown>;

/**
 * One documented operation. `selector` names what a dispatcher picks the operation by when the
 * URL alone does not (eHSM's `?Action=`, AWS's `X-Amz-Target`): the operation is then documented
 * under the pseudo-path `<path>#<selector.name>=<selector.value>`, as AWS's own Smithy-to-OpenAPI
 * conversions do for `X-Amz-Target`. The fragment never goes on the wire; `selector.in` says where
 * the value does (a query parameter or a header), and the operation declares it with that value.
 */
export interface OpenApiOperation {
  method: 'get' | 'post' | 'put' | 'delete' | 'patch';
  /** The served path, with `{name}` path parameters. */
  path: string;
  selector?: { in: 'query' | 'header'; name: string; value: string };
  operationId: string;
  summary: string;
  description?: string;
  tags?: string[];
  parameters?: Schema[];
  /** A JSON request body (required unless `bodyOptional`). */
  body?: Schema;
  bodyOptional?: boolean;
  /** Responses by status: a JSON body schema (of `contentType`, default JSON), or a `#/components/responses` reference. */
  responses: Record<string, { description: string; schema?: Schema; contentType?: string } | { ref: string }>;
  /** No credentials needed (documents `security: []`). */
  public?: boolean;
  /** The operation's own security requirements, instead of the document's (`{}` among them: credentials optional). */
  security?: Record<string, string[]>[];
}

export interface OpenApiSpec {
  title: string;
  version: string;
  description: string;
  operations: readonly OpenApiOperation[];
  /** Reusable schemas and responses (error shapes): `#/components/...`. */
  components?: { schemas?: Record<string, Schema>; responses?: Record<string, Schema>; securitySchemes?: Record<string, Schema> };
  /** Security requirement of every operation not marked public. */
  security?: Record<string, string[]>[];
  tags?: { name: string; description: string }[];
}

/** The document key of an operation: its path, and its selector as a fragment. */
export const pathKey = (op: Pick<OpenApiOperation, 'path' | 'selector'>): string => (op.selector ? `${op.path}#${op.selector.name}=${op.selector.value}` : op.path);

/** Builds an OpenAPI 3.1 document; two operations on the same method and key are a bug. */
export function openApiDocument(spec: OpenApiSpec): Schema {
  const paths: Record<string, Record<string, Schema>> = {};
  for (const op of spec.operations) {
    const key = pathKey(op);
    const item = (paths[key] ??= {});
    if (item[op.method]) throw new Error(`openapi: ${op.method.toUpperCase()} ${key} documented twice`);
    item[op.method] = operationObject(op);
  }
  return {
    openapi: '3.1.0',
    info: { title: spec.title, version: spec.version, description: spec.description },
    ...(spec.tags ? { tags: spec.tags } : {}),
    paths,
    ...(spec.components ? { components: spec.components } : {}),
    ...(spec.security ? { security: spec.security } : {}),
  };
}

function operationObject(op: OpenApiOperation): Schema {
  const parameters = [
    ...pathParameters(op.path),
    ...(op.selector ? [{ in: op.selector.in, name: op.selector.name, required: true, schema: { const: op.selector.value } }] : []),
    ...(op.parameters ?? []),
  ];
  const responses: Record<string, Schema> = {};
  for (const [status, r] of Object.entries(op.responses)) {
    if ('ref' in r) responses[status] = { $ref: r.ref };
    else responses[status] = { description: r.description, ...(r.schema ? { content: { [r.contentType ?? 'application/json']: { schema: r.schema } } } : {}) };
  }
  return {
    operationId: op.operationId,
    summary: op.summary,
    ...(op.description ? { description: op.description } : {}),
    ...(op.tags ? { tags: op.tags } : {}),
    ...(parameters.length ? { parameters } : {}),
    ...(op.body ? { requestBody: { required: !op.bodyOptional, content: { 'application/json': { schema: op.body } } } } : {}),
    responses,
    ...(op.public ? { security: [] } : op.security ? { security: op.security } : {}),
  };
}

function pathParameters(path: string): Schema[] {
  return [...path.matchAll(/\{([^}]+)\}/g)].map((m) => ({ in: 'path', name: m[1], required: true, schema: { type: 'string' } }));
}

/** An object schema of the given properties; `required` lists the mandatory ones. */
export const objectSchema = (properties: Record<string, Schema>, required: readonly string[] = [], extra: Schema = {}): Schema => ({
  type: 'object',
  properties,
  ...(required.length ? { required: [...required] } : {}),
  ...extra,
});

/**
 * What a class-validator constraint says in JSON Schema, by the constraint's name. A rule not in
 * this table (a dialect's own `ValidateBy`) is named in the property's `x-rules`: it is checked,
 * but says nothing JSON Schema can.
 */
const CONSTRAINTS: Record<string, (c: unknown[]) => Schema> = {
  isString: () => ({ type: 'string' }),
  isInt: () => ({ type: 'integer' }),
  isNumber: () => ({ type: 'number' }),
  isBoolean: () => ({ type: 'boolean' }),
  isArray: () => ({ type: 'array' }),
  isObject: () => ({ type: 'object' }),
  min: (c) => ({ minimum: c[0] }),
  max: (c) => ({ maximum: c[0] }),
  minLength: (c) => ({ minLength: c[0] }),
  maxLength: (c) => ({ maxLength: c[0] }),
  isLength: (c) => ({ minLength: c[0], ...(c[1] !== undefined ? { maxLength: c[1] } : {}) }),
  isIn: (c) => ({ enum: c[0] }),
  isEnum: (c) => ({ enum: Object.values(c[0] as object) }),
  matches: (c) => ({ pattern: (c[0] as RegExp).source }),
  isBase64: () => ({ contentEncoding: 'base64' }),
  isUUID: () => ({ format: 'uuid' }),
};

/**
 * The JSON Schema of a DTO, read from class-validator's metadata (the rules the body pipe runs):
 * `@IsDefined` makes a property required, and so does any rule without `@IsOptional` or
 * `@ValidateIf` (the pipe validates missing properties, and every rule refuses undefined);
 * `@IsOptional` lets it be null as well.
 */
export function dtoSchema(dto: abstract new () => unknown): Schema {
  const storage = getMetadataStorage();
  const metadatas = storage.getTargetValidationMetadatas(dto, '', false, false, undefined);
  const properties: Record<string, Schema> = {};
  const required: string[] = [];
  for (const [property, list] of Object.entries(storage.groupByPropertyName(metadatas))) {
    let schema: Schema = {};
    const rules: string[] = [];
    let optional = false;
    let defined = false;
    for (const m of list) {
      if (m.type === ValidationTypes.CONDITIONAL_VALIDATION) optional = true;
      else if (m.type === ValidationTypes.IS_DEFINED) defined = true;
      else if (m.type === ValidationTypes.CUSTOM_VALIDATION) {
        for (const c of storage.getTargetValidatorConstraints(m.constraintCls)) {
          const name = c.name ?? '';
          if (Object.hasOwn(CONSTRAINTS, name)) schema = { ...schema, ...CONSTRAINTS[name](m.constraints ?? []) };
          else rules.push(name);
        }
      }
    }
    if (defined || !optional) required.push(property);
    if (optional && typeof schema.type === 'string') schema = { ...schema, type: [schema.type, 'null'] };
    properties[property] = { ...schema, ...(rules.length ? { 'x-rules': rules } : {}) };
  }
  return objectSchema(properties, required);
}
