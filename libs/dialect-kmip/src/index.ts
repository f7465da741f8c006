export * from './ttlv';
