import { Controller, Get, Inject, NotFoundException, Param } from '@nestjs/common';
import type { Schema } from '@kms/dialect-kit';
import { awsOpenApi } from '@kms/dialect-aws';
import { ehsmOpenApi } from '@kms/dialect-ehsm';
import { encedoOpenApi } from '@kms/dialect-encedo';
import { joseOpenApi } from '@kms/dialect-jose';
import { vaultOpenApi } from '@kms/dialect-vault';
import type { GatewayConfig } from './config';
import { opsOpenApi } from './openapi-ops';
import { VERSION } from './version';

/** The settings that change what is served (eHSM's v1 path), hence what the documents say. */
export const OPENAPI_CONFIG = Symbol('OPENAPI_CONFIG');
export type OpenApiConfig = Pick<GatewayConfig, 'ehsmLegacyPath'>;

/** Each document served: its name (`/openapi/<name>.json`), title, and how it is built. */
const DOCUMENTS: ReadonlyArray<{ name: string; title: string; build: (config: OpenApiConfig) => Schema }> = [
  { name: 'ehsm', title: 'eHSM-KMS', build: (c) => ehsmOpenApi(VERSION.version, c.ehsmLegacyPath) },
  { name: 'aws', title: 'AWS KMS', build: () => awsOpenApi(VERSION.version) },
  { name: 'jose', title: 'JOSE /v1/crypto', build: () => joseOpenApi(VERSION.version) },
  { name: 'vault', title: 'Vault transit', build: () => vaultOpenApi(VERSION.version) },
  { name: 'encedo', title: 'Encedo HEM', build: () => encedoOpenApi(VERSION.version) },
  { name: 'ops', title: 'Operations surface', build: () => opsOpenApi(VERSION.version) },
];

/**
 * `GET /openapi` and `GET /openapi/<name>.json`: no authentication, nothing fetched, each
 * document built on first request and kept. No dialect's error codec owns these paths, so an
 * unknown name is Nest's plain JSON 404.
 */
@Controller('openapi')
export class OpenApiController {
  private readonly built = new Map<string, Schema>();

  constructor(@Inject(OPENAPI_CONFIG) private readonly config: OpenApiConfig) {}

  @Get()
  index() {
    return { documents: DOCUMENTS.map((d) => ({ name: d.name, title: d.title, url: `/openapi/${d.name}.json` })) };
  }

  @Get(':document')
  document(@Param('document') file: string): Schema {
    const name = file.endsWith('.json') ? file.slice(0, -'.json'.length) : '';
    const entry = DOCUMENTS.find((d) => d.name === name);
    if (!entry) throw new NotFoundException(`no OpenAPI document ${file}; GET /openapi lists them`);
    let doc = this.built.get(name);
    if (!doc) {
      doc = entry.build(this.config);
      this.built.set(name, doc);
    }
    return doc;
  }
}
