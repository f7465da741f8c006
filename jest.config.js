const vm = require('node:vm');

/**
 * Jest runs the TypeScript sources through ts-jest; type checking is `npm run typecheck`.
 *
 * ES-module-only packages (NestJS 12, jose, @noble) are loaded one of two ways:
 * - natively (`require(esm)`), where jest can: Node 24.9+ with `--experimental-vm-modules`, which
 *   `npm run jest` passes. Nothing in node_modules is transformed then: a transformed copy would
 *   be CommonJS inside a package that says it is ESM.
 * - elsewhere (Node 22), transformed to CommonJS by ts-jest: jose and @noble only. NestJS 12 uses
 *   `import.meta`, which has no CommonJS form, so the suites that load Nest in-process need the
 *   native way; the end-to-end suites only start the built gateway and run on either.
 */
const nativeEsm = typeof vm.SourceTextModule?.prototype?.hasAsyncGraph === 'function';

module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/libs', '<rootDir>/apps', '<rootDir>/test'],
  testMatch: ['**/*.spec.ts', '**/*.e2e.ts'],
  transform: { '^.+\\.[tj]s$': ['ts-jest', { tsconfig: 'tsconfig.json' }] },
  transformIgnorePatterns: nativeEsm ? ['/node_modules/'] : ['/node_modules/(?!(jose|@noble)/)'],
  moduleNameMapper: {
    '^@kms/core$': '<rootDir>/libs/core/src',
    '^@kms/core/(.*)$': '<rootDir>/libs/core/src/$1',
    '^@kms/(backend-soft|backend-pkcs11|dialect-ehsm|dialect-jose|dialect-encedo|dialect-kit|dialect-aws|dialect-vault|dialect-kmip)$': '<rootDir>/libs/$1/src',
  },
  testTimeout: 60000,
};
