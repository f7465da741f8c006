export { JoseDialectModule } from './jose.module';
export { JoseExceptionFilter } from './errors';
export type { JoseDialectOptions } from './options';

/** Paths whose failures the JOSE error filter answers. */
export const isJosePath = (path: string) => path.startsWith('/v1/crypto') || path === '/.well-known/jwks.json';
