export * from './ttlv';
export * from './operations/operation';
export { OPERATIONS } from './operations/table';
export * from './message';
export * from './server';
