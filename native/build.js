'use strict';
// Builds the mmap addon with node-gyp during `npm ci`/`npm install`. A machine without a compiler
// still gets a working broker: the store falls back to its `fs` I/O mode. Set
// ROCKET_REQUIRE_NATIVE=1 (CI does) to make a failed build fail the install instead.
const { spawnSync } = require('node:child_process');

const gyp = process.env.npm_config_node_gyp;
const [cmd, args] = gyp ? [process.execPath, [gyp]] : ['node-gyp', []];
const result = spawnSync(cmd, [...args, 'rebuild'], { cwd: __dirname, stdio: 'inherit' });
if (result.status !== 0) {
  const why = result.error ? result.error.message : `node-gyp exited with ${result.status}`;
  if (process.env.ROCKET_REQUIRE_NATIVE === '1') {
    console.error(`rocketcluster: building the native mmap addon failed (${why})`);
    process.exit(1);
  }
  console.warn(`rocketcluster: native mmap addon not built (${why}); the store will use its fs I/O mode`);
}
