export { VaultDialectModule } from './vault.module';
export { servedRoutes } from './operations/table';
export { KEY_TYPES } from './key-types';
export { VAULT_API_VERSION } from './sys.controller';
export { vaultOpenApi } from './openapi';
