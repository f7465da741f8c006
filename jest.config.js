/** Jest runs the TypeScript sources through ts-jest. jose and @noble are ESM-only, so they are
 * transformed too (see ../shared/notes/stack.md); type checking is `npm run typecheck`. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/libs', '<rootDir>/apps', '<rootDir>/test'],
  testMatch: ['**/*.spec.ts', '**/*.e2e.ts'],
  transform: { '^.+\\.[tj]s$': ['ts-jest', { tsconfig: 'tsconfig.json' }] },
  transformIgnorePatterns: ['/node_modules/(?!(jose|@noble)/)'],
  moduleNameMapper: {
    '^@kms/core$': '<rootDir>/libs/core/src',
    '^@kms/core/(.*)$': '<rootDir>/libs/core/src/$1',
    '^@kms/(backend-soft|backend-pkcs11|dialect-ehsm|dialect-jose|dialect-encedo)$': '<rootDir>/libs/$1/src',
  },
  testTimeout: 60000,
};
