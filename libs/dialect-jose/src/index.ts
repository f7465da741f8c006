export { JoseDialectModule } from './jose.module';
export type { JoseDialectOptions } from './options';
