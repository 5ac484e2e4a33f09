/**
 * Workload helpers shared by the runner and its producer processes, with the peers harness's
 * definitions (../shared/perf/peers/lib/common.js): a windowed sender, nearest-rank percentiles and
 * incompressible payloads.
 */
import * as fs from 'node:fs';
import * as inspector from 'node:inspector';
import * as path from 'node:path';

export interface WindowedRun {
  readonly acked: number;
  readonly seconds: number;
  readonly timedOut: boolean;
}

/**
 * Keeps up to `window` sends in flight until `count` are acknowledged. Stops issuing after
 * `maxSeconds` and waits for the ones in flight; rejects on the first failed send.
 */
export function runWindowed(send: () => Promise<unknown>, count: number, window: number, maxSeconds: number): Promise<WindowedRun> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const deadline = t0 + BigInt(Math.round(maxSeconds * 1e9));
    let issued = 0;
    let acked = 0;
    let inflight = 0;
    let stopped = false;
    let failed = false;
    const finish = (): void => resolve({ acked, seconds: secondsSince(t0), timedOut: stopped && acked < count });
    const onAck = (): void => {
      inflight--;
      acked++;
      if (!stopped && (acked & 1023) === 0 && process.hrtime.bigint() > deadline) stopped = true;
      if (issued < count && !stopped) pump();
      else if (inflight === 0) finish();
    };
    const onError = (e: unknown): void => {
      if (failed) return;
      failed = true;
      reject(e instanceof Error ? e : new Error(String(e)));
    };
    const pump = (): void => {
      while (inflight < window && issued < count) {
        issued++;
        inflight++;
        let p: Promise<unknown>;
        try {
          p = send();
        } catch (e) {
          onError(e);
          return;
        }
        p.then(onAck, onError);
      }
    };
    pump();
    if (count === 0) finish();
  });
}

export function secondsSince(t0: bigint): number {
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

/** Nearest-rank percentile of a sorted array. */
export function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[idx]!;
}

export interface LatencySummary {
  readonly n: number;
  readonly meanUs: number;
  readonly p50Us: number;
  readonly p99Us: number;
  readonly p999Us: number;
  readonly minUs: number;
  readonly maxUs: number;
}

export function latencySummary(samplesUs: Float64Array): LatencySummary {
  const s = Float64Array.from(samplesUs).sort();
  let sum = 0;
  for (const x of s) sum += x;
  return {
    n: s.length,
    meanUs: sum / s.length,
    p50Us: percentile(s, 50),
    p99Us: percentile(s, 99),
    p999Us: percentile(s, 99.9),
    minUs: s[0] ?? NaN,
    maxUs: s[s.length - 1] ?? NaN,
  };
}

/** Incompressible bytes (xorshift), the same for a given size and seed as the peers harness's. */
export function payload(size: number, seed = 1): Buffer {
  const b = Buffer.allocUnsafe(size);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    b[i] = x & 0xff;
  }
  return b;
}

/**
 * Runs `body` under this process's V8 profiler when `dir` is set, writing `<dir>/<name>.cpuprofile`
 * (client-side profiles; the broker is profiled through child-hooks.js).
 */
export async function profiledIn<T>(dir: string | undefined, name: string, body: () => Promise<T>): Promise<T> {
  if (dir === undefined || dir === '') return body();
  const session = new inspector.Session();
  session.connect();
  const post = (method: string, params?: object): Promise<unknown> =>
    new Promise((resolve, reject) => session.post(method, params ?? {}, (e, r) => (e ? reject(e) : resolve(r))));
  await post('Profiler.enable');
  await post('Profiler.setSamplingInterval', { interval: 500 });
  await post('Profiler.start');
  try {
    return await body();
  } finally {
    const { profile } = (await post('Profiler.stop')) as { profile: unknown };
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, `${name.replace(/[^A-Za-z0-9_.-]+/g, '-')}.cpuprofile`), JSON.stringify(profile));
    session.disconnect();
  }
}
