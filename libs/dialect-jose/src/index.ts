export { JoseDialectModule } from './jose.module';
export type { JoseDialectOptions } from './options';
export { joseOpenApi } from './openapi';
