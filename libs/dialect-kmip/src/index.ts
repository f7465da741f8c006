export * from './ttlv';
export * from './operations/operation';
export { OPERATIONS } from './operations/table';
