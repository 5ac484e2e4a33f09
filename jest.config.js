'use strict';
/** Jest runs TypeScript through swc (type checking is `npm run typecheck`, part of `npm test`). */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>'],
  testMatch: ['**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/', '/native/build/'],
  transform: {
    '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'typescript' } }, module: { type: 'commonjs' } }],
    // @kubernetes/client-node 1.x and a few of its dependencies ship ES modules only; Jest on Node 20 cannot
    // require() them, so those (and only those) node_modules files are compiled to CommonJS too.
    '^.+/node_modules/.+\\.m?js$': ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'ecmascript' } }, module: { type: 'commonjs' } }],
  },
  transformIgnorePatterns: ['/node_modules/(?!(@kubernetes/client-node|openid-client|oauth4webapi|jose|jsonpath-plus|rfc4648)/)'],
  // Two cores: leave one for the system and for child processes spawned by crash tests.
  maxWorkers: process.env.CI ? 2 : '50%',
  testTimeout: 60000,
};
