#!/usr/bin/env node
'use strict';
/**
 * Starts rocketctl from wherever it is runnable, for `npm start` in any checkout: the compiled
 * dist/cli/main.js when it exists and is newer than every TypeScript source (a fresh `npm ci` builds
 * it through `prepare`), else cli/main.ts through @swc-node/register (a checkout whose sources were
 * edited since the last build). Plain JavaScript so it needs no build itself.
 */
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const dist = path.join(root, 'dist', 'cli', 'main.js');
const source = path.join(root, 'cli', 'main.ts');
const SKIP = new Set(['node_modules', 'dist', 'data', 'coverage', 'build', 'docs', 'e2e', 'bench', 'testing']);

function newestSourceMs(dir) {
  let newest = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    if (e.isDirectory()) {
      if (!SKIP.has(e.name) && !e.name.startsWith('.')) newest = Math.max(newest, newestSourceMs(path.join(dir, e.name)));
    } else if (e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') && !e.name.endsWith('.d.ts')) {
      newest = Math.max(newest, fs.statSync(path.join(dir, e.name)).mtimeMs);
    }
  }
  return newest;
}

function canRunSource() {
  try {
    require.resolve('@swc-node/register', { paths: [root] });
    return fs.existsSync(source);
  } catch {
    return false;
  }
}

const distMs = fs.existsSync(dist) ? fs.statSync(dist).mtimeMs : undefined;
const fresh = distMs !== undefined && distMs >= newestSourceMs(root);
if (fresh || (distMs !== undefined && !canRunSource())) {
  require(dist);
} else if (canRunSource()) {
  process.env.SWC_NODE_PROJECT = process.env.SWC_NODE_PROJECT || path.join(root, 'tsconfig.json');
  require(require.resolve('@swc-node/register', { paths: [root] }));
  require(source);
} else {
  process.stderr.write('rocketctl: neither dist/cli/main.js nor a runnable cli/main.ts was found; run `npm run build`\n');
  process.exit(1);
}
