/**
 * The workloads of the peers harness (../shared/perf/peers/broker-bench.js), run with our client
 * against our broker: windowed produce over 1 or 4 connections (one process each), synchronous
 * sends, and one consumer draining a topic. Each returns one result record in the harness's JSON
 * shape, so `peers/report.js` and `peers/compare.js` read our output too.
 */
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Producer } from './sdk';
import type { BenchAdmin } from './admin';
import type { ConsumerApi } from './consume';
import type { CpuSnapshot } from './proc';
import { cpuSnapshot, loadAverage, machineCpuBetween, procTreeCpuSeconds, waitQuiet } from './proc';
import type { BenchCluster } from './servers';
import { REPO_ROOT } from './servers';
import type { ConsumerWorkerArgs, ConsumerWorkerMessage } from './consumer-worker';
import type { ProducerWorkerArgs, WorkerMessage } from './producer-worker';

type ProducerDone = Extract<WorkerMessage, { done: true }>;
type ConsumerDone = Extract<ConsumerWorkerMessage, { done: true }>;
import { latencySummary, payload, profiledIn, runWindowed, secondsSince } from './window';

export interface BenchSettings {
  readonly count: number;
  readonly window: number;
  readonly syncCount: number;
  readonly syncWarmup: number;
  readonly produceWarmup: number;
  readonly maxSeconds: number;
  readonly queues: number;
  /** Consumer APIs to measure, each with its own group; the first is reported as "consume 1KiB". */
  readonly consumerApis: readonly ConsumerApi[];
  readonly pullBatchSize: number;
  readonly quietMaxWaitS: number;
  readonly quietBusyPct: number;
  readonly profileDir: string | undefined;
}

export interface BenchContext {
  readonly cluster: BenchCluster;
  readonly admin: BenchAdmin;
  readonly settings: BenchSettings;
  readonly rep: number;
}

/** One result line; field names follow the peers harness. */
export type ResultRecord = Record<string, unknown> & { readonly workload: string; readonly value: number; readonly unit: string };

/** CPU and noise readings around one timed section. */
class Meter {
  private readonly machine0: CpuSnapshot | undefined = cpuSnapshot();
  private readonly server0: number | undefined;
  private readonly load = loadAverage();

  constructor(private readonly serverPid: number) {
    this.server0 = procTreeCpuSeconds(serverPid);
  }

  /** The harness's noise and CPU-split fields for `messages` messages and `clientCpuS` client seconds. */
  finish(messages: number, clientCpuS: number): Record<string, unknown> {
    const server1 = procTreeCpuSeconds(this.serverPid);
    const machine = machineCpuBetween(this.machine0, cpuSnapshot());
    const out: Record<string, unknown> = {
      loadavg: this.load,
      cpu_busy_pct: machine?.busyPct,
      cpu_steal_pct: machine?.stealPct,
      client_cpu_s: round3(clientCpuS),
      client_cpu_us_per_msg: round2((clientCpuS * 1e6) / messages),
    };
    if (this.server0 !== undefined && server1 !== undefined) {
      out.server_cpu_s = round3(server1 - this.server0);
      out.server_cpu_us_per_msg = round2(((server1 - this.server0) * 1e6) / messages);
    }
    return out;
  }
}

async function quiet(ctx: BenchContext): Promise<Record<string, unknown>> {
  const q = await waitQuiet(ctx.settings.quietMaxWaitS, ctx.settings.quietBusyPct);
  return { bg_busy_pct_before: q.bgBusyPctBefore, quiet_wait_s: q.quietWaitS };
}

/** Starts/stops the broker's CPU profile around a timed section (BENCH_PROFILE). */
async function brokerProfile<T>(ctx: BenchContext, label: string, body: () => Promise<T>): Promise<T> {
  const dir = ctx.settings.profileDir;
  if (dir === undefined) return body();
  fs.writeFileSync(path.join(dir, '.label'), label);
  const done = path.join(dir, `broker-${label}.done`);
  fs.rmSync(done, { force: true });
  ctx.cluster.broker.signal('SIGUSR2');
  await new Promise((resolve) => setTimeout(resolve, 50)); // let the profiler start before the load does
  try {
    return await body();
  } finally {
    ctx.cluster.broker.signal('SIGUSR2');
    const deadline = Date.now() + 30_000;
    while (!fs.existsSync(done) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export function sizeName(size: number): string {
  return size === 1024 ? '1KiB' : `${size}B`;
}

interface Worker<Done> {
  readonly child: ChildProcess;
  readonly ready: Promise<void>;
  readonly done: Promise<Done>;
}

type WorkerReply<Done> = { readonly ready: true } | Done | { readonly error: string };

/** Forks a worker script (through swc) that answers {ready}, then {done...} or {error} after {cmd:'go'}. */
function forkWorker<Done extends { readonly done: true }>(script: string, name: string, args: object): Worker<Done> {
  const child = fork(path.join(__dirname, script), [], {
    execArgv: ['-r', require.resolve('@swc-node/register', { paths: [REPO_ROOT] })],
    env: { ...process.env, ROCKET_BENCH_WORKER: JSON.stringify(args) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const failed = new Promise<never>((_, reject) => {
    child.on('message', (m: WorkerReply<Done>) => {
      if ('error' in m) reject(new Error(`${name}: ${m.error}`));
    });
    child.on('exit', (code) => reject(new Error(`${name} exited with code ${code}`)));
  });
  failed.catch(() => undefined);
  const ready = Promise.race([failed, new Promise<void>((resolve) => child.on('message', (m: WorkerReply<Done>) => 'ready' in m && resolve()))]);
  const done = Promise.race([failed, new Promise<Done>((resolve) => child.on('message', (m: WorkerReply<Done>) => 'done' in m && resolve(m)))]);
  return { child, ready, done };
}

function killAll(workers: readonly Worker<unknown>[]): void {
  for (const w of workers) if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGKILL');
}

/** `count` messages of `size` bytes over `conns` producer processes, each with `window` in flight. */
export async function produce(ctx: BenchContext, topic: string, conns: number, size: number): Promise<ResultRecord> {
  const s = ctx.settings;
  const workload = `produce ${conns}conn ${sizeName(size)}`;
  const label = `p${conns}-${size === 1024 ? '1k' : size}`;
  const per = Math.floor(s.count / conns);
  const workers = Array.from({ length: conns }, (_, idx) =>
    forkWorker<ProducerDone>('producer-worker.ts', `producer ${idx}`, {
      namesrvAddr: ctx.cluster.namesrvAddr, topic, idx, count: per, size, window: s.window, maxSeconds: s.maxSeconds,
      warmup: s.produceWarmup, label, ...(s.profileDir === undefined ? {} : { profileDir: s.profileDir }),
    } satisfies ProducerWorkerArgs),
  );
  try {
    await Promise.all(workers.map((w) => w.ready));
    const warm = await ctx.admin.settledCount(topic, s.queues);
    const noise = await quiet(ctx);
    const meter = new Meter(ctx.cluster.broker.pid);
    const t0 = process.hrtime.bigint();
    const results = await brokerProfile(ctx, label, async () => {
      for (const w of workers) w.child.send({ cmd: 'go' });
      return Promise.all(workers.map((w) => w.done));
    });
    const seconds = secondsSince(t0);
    const acked = results.reduce((sum, r) => sum + r.acked, 0);
    const cpu = meter.finish(acked, results.reduce((sum, r) => sum + r.cpuS, 0));
    const stored = (await ctx.admin.settledCount(topic, s.queues)) - warm;
    const frames = results.reduce((sum, r) => sum + r.frames, 0);
    return {
      kind: 'broker', system: 'rocketcluster', workload, rep: ctx.rep, value: acked / seconds, unit: 'msgs/s',
      mb_s: (acked * size) / seconds / 1e6, acked, stored, seconds: round3(seconds), timed_out: results.some((r) => r.timedOut),
      window_per_conn: s.window, msgs_per_frame: frames > 0 ? round2(acked / frames) : undefined, ...noise, ...cpu,
    };
  } finally {
    killAll(workers);
  }
}

/** BENCH_TRACE_DIR: each timed send's start (monotonic ns, the clock of the servers' GC traces) and latency. */
function writeSyncTrace(ctx: BenchContext, starts: BigInt64Array, latencies: Float64Array): void {
  const dir = process.env.BENCH_TRACE_DIR;
  if (dir === undefined || dir === '') return;
  const rows = Array.from(latencies, (us, i) => `${starts[i]}\t${us.toFixed(1)}`);
  fs.writeFileSync(path.join(dir, `client-sync-r${ctx.rep}.tsv`), `start_ns\tlatency_us\n${rows.join('\n')}\n`);
}

/** `syncCount` sends of 1 KiB, each awaited, after `syncWarmup` untimed ones; p50/p99/p99.9 in µs. */
export async function syncLatency(ctx: BenchContext, topic: string, size: number): Promise<ResultRecord> {
  const s = ctx.settings;
  const producer = new Producer({ namesrvAddr: ctx.cluster.namesrvAddr, groupName: 'bench-sync' });
  await producer.start();
  try {
    const body = payload(size);
    await runWindowed(() => producer.send({ topic, body }), s.syncWarmup, 1, 30);
    const latencies = new Float64Array(s.syncCount);
    const starts = new BigInt64Array(s.syncCount);
    const noise = await quiet(ctx);
    const meter = new Meter(ctx.cluster.broker.pid);
    const u0 = process.cpuUsage();
    const tStart = process.hrtime.bigint();
    const deadline = tStart + BigInt(s.maxSeconds * 1e9);
    let n = 0;
    await brokerProfile(ctx, 'sync', () =>
      profiledIn(s.profileDir, 'client-sync', async () => {
        for (; n < s.syncCount; ) {
          const t0 = process.hrtime.bigint();
          await producer.send({ topic, body });
          const t1 = process.hrtime.bigint();
          starts[n] = t0;
          latencies[n++] = Number(t1 - t0) / 1e3;
          if (t1 > deadline) break;
        }
      }),
    );
    const seconds = secondsSince(tStart);
    const u1 = process.cpuUsage(u0);
    const cpu = meter.finish(n, (u1.user + u1.system) / 1e6);
    const l = latencySummary(latencies.subarray(0, n));
    writeSyncTrace(ctx, starts.subarray(0, n), latencies.subarray(0, n));
    return {
      kind: 'broker', system: 'rocketcluster', workload: `sync send ${sizeName(size)}`, rep: ctx.rep, value: l.p50Us, unit: 'us p50',
      n: l.n, mean_us: l.meanUs, p50_us: l.p50Us, p99_us: l.p99Us, p999_us: l.p999Us, min_us: l.minUs, max_us: l.maxUs,
      sends_per_s: n / seconds, seconds: round3(seconds), timed_out: n < s.syncCount, ...noise, ...cpu,
    };
  } finally {
    await producer.shutdown();
  }
}

/**
 * One consumer, in a process of its own, drains everything `topic` holds (the produce run plus its
 * warm-up). The time runs from the "go" (the consumer is created after it) to the last message.
 */
export async function consume(ctx: BenchContext, topic: string, group: string, api: ConsumerApi, workload: string): Promise<ResultRecord> {
  const s = ctx.settings;
  const expected = await ctx.admin.settledCount(topic, s.queues);
  const label = `consume-${api}`;
  const args: ConsumerWorkerArgs = {
    api, pullBatchSize: s.pullBatchSize, namesrvAddr: ctx.cluster.namesrvAddr, topic, group, expected, maxSeconds: s.maxSeconds,
    label, ...(s.profileDir === undefined ? {} : { profileDir: s.profileDir }),
  };
  const worker = forkWorker<ConsumerDone>('consumer-worker.ts', `consumer (${api})`, args);
  try {
    await worker.ready;
    const noise = await quiet(ctx);
    const meter = new Meter(ctx.cluster.broker.pid);
    const r = await brokerProfile(ctx, label, () => {
      worker.child.send({ cmd: 'go' });
      return worker.done;
    });
    const cpu = meter.finish(r.count, r.cpuS);
    return {
      kind: 'broker', system: 'rocketcluster', workload, rep: ctx.rep, value: r.count / r.seconds, unit: 'msgs/s',
      mb_s: r.bytes / r.seconds / 1e6, count: r.count, expected, seconds: round3(r.seconds), timed_out: r.count < expected,
      first_msg_ms: r.firstMs, consumer_api: r.api, shutdown_ms: r.shutdownMs, ...noise, ...cpu,
    };
  } finally {
    killAll([worker]);
  }
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
