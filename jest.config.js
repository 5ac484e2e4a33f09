'use strict';
/** Jest runs TypeScript through swc (type checking is `npm run typecheck`, part of `npm test`). */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>'],
  testMatch: ['**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/', '/native/build/'],
  transform: {
    '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'typescript' } }, module: { type: 'commonjs' } }],
  },
  // Two cores: leave one for the system and for child processes spawned by crash tests.
  maxWorkers: process.env.CI ? 2 : '50%',
  testTimeout: 60000,
};
