export * from './soft-backend';
