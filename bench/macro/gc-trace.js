'use strict';
/**
 * Env-gated tracing for latency investigations (BENCH_TRACE_DIR): records every garbage collection
 * of this process (start on the monotonic clock that process.hrtime uses, duration, kind) to
 * <dir>/<name>-<pid>.gc.tsv, so its pauses can be lined up with the benchmark's per-send latencies
 * (same clock across processes on Linux). Written once, at exit. Costs nothing when the variable is unset.
 */
const fs = require('fs');
const path = require('path');
const { PerformanceObserver, performance, constants } = require('perf_hooks');

const KINDS = {
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'major',
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'minor',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weakcb',
};

function startGcTrace(dir, name) {
  if (!dir) return;
  fs.mkdirSync(dir, { recursive: true });
  // hrtime (ns) at performance's time origin: entries' startTime is ms since that origin.
  const originNs = process.hrtime.bigint() - BigInt(Math.round(performance.now() * 1e6));
  const rows = [];
  const obs = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const kind = KINDS[e.detail ? e.detail.kind : e.kind] || String(e.detail ? e.detail.kind : e.kind);
      rows.push(`${originNs + BigInt(Math.round(e.startTime * 1e6))}\t${Math.round(e.duration * 1000)}\t${kind}`);
    }
  });
  obs.observe({ entryTypes: ['gc'] });
  process.on('exit', () => {
    fs.writeFileSync(path.join(dir, `${name}-${process.pid}.gc.tsv`), `start_ns\tdur_us\tkind\n${rows.join('\n')}\n`);
  });
}

module.exports = { startGcTrace };
