'use strict';
/* global setInterval, clearInterval */
/**
 * Preloaded (`node -r`) into the server processes the macro benchmark starts.
 *
 * 1. Orphan guard: if the benchmark dies without stopping its servers (SIGKILL, crash), the child
 *    is re-parented; it then sends itself SIGTERM and closes like on a normal stop.
 * 2. On-demand CPU profile (only when ROCKET_BENCH_PROFILE_DIR is set): SIGUSR2 starts the V8
 *    profiler, the next SIGUSR2 stops it and writes <dir>/<ROCKET_BENCH_PROFILE_NAME>-<label>.cpuprofile,
 *    where <label> is read from <dir>/.label (written by the benchmark just before the signal).
 *    So one profile covers exactly one timed workload, not start-up or warm-up.
 */
const fs = require('fs');
const path = require('path');

const parent = Number(process.env.ROCKET_BENCH_PARENT_PID);
if (Number.isInteger(parent) && parent > 0) {
  const timer = setInterval(() => {
    if (process.ppid !== parent) {
      clearInterval(timer);
      process.kill(process.pid, 'SIGTERM');
    }
  }, 1000);
  timer.unref();
}

require('./gc-trace').startGcTrace(process.env.BENCH_TRACE_DIR, process.env.ROCKET_BENCH_PROFILE_NAME || 'server');

const profileDir = process.env.ROCKET_BENCH_PROFILE_DIR;
if (profileDir) {
  const inspector = require('inspector');
  const session = new inspector.Session();
  session.connect();
  const post = (method, params) => new Promise((resolve, reject) => session.post(method, params || {}, (e, r) => (e ? reject(e) : resolve(r))));
  let running = false;
  let busy = Promise.resolve();
  process.on('SIGUSR2', () => {
    busy = busy.then(async () => {
      if (!running) {
        await post('Profiler.enable');
        await post('Profiler.setSamplingInterval', { interval: Number(process.env.ROCKET_BENCH_PROFILE_INTERVAL_US || 500) });
        await post('Profiler.start');
        running = true;
        return;
      }
      const { profile } = await post('Profiler.stop');
      running = false;
      let label = 'profile';
      try { label = fs.readFileSync(path.join(profileDir, '.label'), 'utf8').trim() || label; } catch { /* no label */ }
      const name = `${process.env.ROCKET_BENCH_PROFILE_NAME || 'server'}-${label}`.replace(/[^A-Za-z0-9_.-]+/g, '-');
      fs.writeFileSync(path.join(profileDir, `${name}.cpuprofile`), JSON.stringify(profile));
      fs.writeFileSync(path.join(profileDir, `${name}.done`), '');
    }).catch((e) => process.stderr.write(`bench profile hook: ${e && e.stack || e}\n`));
  });
}
