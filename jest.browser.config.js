// `npm run test:browser`: the chat page in a real Chromium (Debian's /usr/bin/chromium).
const base = require('./jest.config');

/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: base.testEnvironment,
  roots: ['<rootDir>/tests/browser'],
  testMatch: ['**/*.test.ts'],
  transform: base.transform,
  moduleNameMapper: base.moduleNameMapper,
  testTimeout: 30000,
};
