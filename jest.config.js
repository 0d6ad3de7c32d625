/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/tests'],
  testMatch: ['**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/tests/browser/'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.jest.json' }] },
  moduleNameMapper: {
    '^lift-ws$': '<rootDir>/src/index.ts',
    '^lift-ws/testing$': '<rootDir>/src/testing/index.ts',
    '^lift-ws/local$': '<rootDir>/src/local/index.ts',
    '^lift-ws/client$': '<rootDir>/src/client/index.ts',
  },
  setupFiles: ['<rootDir>/tests/support/jest-setup.ts'],
  testTimeout: 30000,
};
