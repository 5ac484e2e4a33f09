'use strict';
const js = require('@eslint/js');
const tseslint = require('typescript-eslint');

module.exports = tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'native/build/**', 'data/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-syntax': [
        'error',
        { selector: 'TSEnumDeclaration', message: 'Use `as const` objects instead of enums (STYLE.md habit 10).' },
        { selector: 'ExportDefaultDeclaration', message: 'No default exports (STYLE.md habit 10).' },
      ],
    },
  },
  {
    // The store never reaches the network or the wire protocol (docs/ARCHITECTURE.md).
    files: ['broker/store/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [
        { group: ['**/protocol', '**/protocol/**', '**/remoting', '**/remoting/**', 'net', 'node:net', '**/processors/**'], message: 'broker/store must not import network or protocol layers.' },
      ] }],
    },
  },
  {
    // The SDK runs inside users' processes: no server plumbing, no logging library, no broker code.
    files: ['client/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [
        { group: ['**/ops', '**/ops/**', '**/broker', '**/broker/**', '**/nameserver', '**/nameserver/**', 'winston', 'express'], message: 'client/ may import only protocol, remoting, message and stdx.' },
      ] }],
    },
  },
  {
    // Codecs stay pure.
    files: ['protocol/**/*.ts', 'message/**/*.ts', 'stdx/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [
        { group: ['**/remoting', '**/remoting/**', '**/broker/**', '**/ops', 'net', 'node:net', 'fs', 'node:fs'], message: 'pure codecs and helpers do no I/O.' },
      ] }],
    },
  },
  {
    // Failover decisions are pure: observations in, actions out; the hosts (supervisor, operator) do I/O.
    files: ['controller/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [
        { group: ['**/remoting', '**/remoting/**', '**/broker', '**/broker/**', '**/ops', '**/client', '**/client/**', 'net', 'node:net', 'fs', 'node:fs', 'fs/promises', 'node:fs/promises', 'http', 'node:http'], message: 'controller/ is pure: stdx and protocol types only.' },
      ] }],
    },
  },
  {
    files: ['**/*.js'],
    languageOptions: { sourceType: 'commonjs', globals: { require: 'readonly', module: 'writable', process: 'readonly', __dirname: 'readonly', console: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
