export * from './caller';
export * from './caller-guard';
export * from './error-codec';
export * from './exception-router';
export * from './validation-pipe';
export { compileDtoCheck } from './dto-check';
export * from './dialect-kit.module';
export * from './client-cert';
export * from './openapi';
