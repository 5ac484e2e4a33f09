/**
 * High-availability benchmarks (`npm run bench:ha`, part of `npm run bench`). Prints figures and
 * never fails on one.
 *
 * 1. Producer throughput with one slave attached, in async and in sync replication (a name server,
 *    a master and a slave as child processes, static roles, async flush): 1 KiB messages over 4
 *    producer processes and over 1, plus the latency of synchronous sends. Sync replication
 *    acknowledges a message only once the slave holds it; the target is that sync keeps at least
 *    50% of the async throughput.
 * 2. Replication lag under that load: the master's `GET /status` is sampled every 100 ms while the
 *    producers run (bytes the slave has not acknowledged), then the time the slave needs to catch up.
 * 3. Failover time: `rocketctl up --replicas 2 --restart` (the local supervisor with the failover
 *    controller), a producer sending without pause, the master killed with kill -9; the time from
 *    the kill to the first acknowledged send on the new master, over BENCH_FAILOVERS runs (10). The
 *    killed broker is restarted by the supervisor and rejoins as a slave before the next run.
 *    Target: a median of 3 s or less.
 *
 * Environment: BENCH_COUNT (messages per produce workload, 100000), BENCH_SYNC_COUNT (5000),
 * BENCH_FAILOVERS (10), BENCH_FAILOVER_REPLICATION (async), BENCH_ONLY (comma list of
 * throughput, failover), BENCH_WINDOW, BENCH_QUEUES, BENCH_DATA_DIR, BENCH_QUIET_MAX_WAIT,
 * BENCH_QUIET_BUSY_PCT as in bench/macro.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import { BenchAdmin } from '../macro/admin';
import { loadAverage } from '../macro/proc';
import { median } from '../macro/report';
import { BenchCluster } from '../macro/servers';
import type { BenchContext, BenchSettings, ResultRecord } from '../macro/workloads';
import { produce, syncLatency } from '../macro/workloads';
import { envNumber, log, sampleLag, scratchDir, waitInSync } from './kit';
import type { FailoverRun } from './failover';
import { measureFailovers } from './failover';

type Mode = 'async' | 'sync';

interface ModeFigures {
  readonly mode: Mode;
  readonly p4: ResultRecord;
  readonly p1: ResultRecord;
  readonly sync: ResultRecord;
  readonly lagP50: number;
  readonly lagP99: number;
  readonly lagMax: number;
  readonly catchUpMs: number;
}

function settings(): BenchSettings {
  return {
    count: envNumber('BENCH_COUNT', 100_000),
    window: envNumber('BENCH_WINDOW', 1000),
    syncCount: envNumber('BENCH_SYNC_COUNT', 5000),
    syncWarmup: 300,
    produceWarmup: 200,
    maxSeconds: envNumber('BENCH_MAX_SECONDS', 120),
    queues: envNumber('BENCH_QUEUES', 8),
    consumerApis: ['push'],
    pullBatchSize: 128,
    quietMaxWaitS: envNumber('BENCH_QUIET_MAX_WAIT', 30),
    quietBusyPct: envNumber('BENCH_QUIET_BUSY_PCT', 15),
    profileDir: undefined,
  };
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length - 1) * p))]!;
}

async function throughput(mode: Mode, s: BenchSettings): Promise<ModeFigures> {
  const dataDir = scratchDir(`rocket-bench-ha-${mode}-`);
  log(`${mode} replication: starting a name server, a master and a slave (data ${dataDir})`);
  const cluster = await BenchCluster.start({ dataDir, segmentBytes: 1024 * 1024 * 1024, slaves: 1, replicationMode: mode });
  const admin = new BenchAdmin(cluster.namesrvAddr, cluster.brokerAddr);
  try {
    await waitInSync(cluster.brokerHttpUrl, 1, 30_000);
    const ctx: BenchContext = { cluster, admin, settings: s, rep: 1 };
    const topic = async (id: string): Promise<string> => {
      const name = `bench-ha-${mode}-${id}`;
      await admin.createTopic(name, s.queues);
      return name;
    };
    const sampler = sampleLag(cluster.brokerHttpUrl, 100);
    const p4 = await produce(ctx, await topic('p4'), 4, 1024);
    log(`${mode}: 4conn 1KiB ${Math.round(p4.value)} msgs/s`);
    const p1 = await produce(ctx, await topic('p1'), 1, 1024);
    log(`${mode}: 1conn 1KiB ${Math.round(p1.value)} msgs/s`);
    const lag = await sampler.stop();
    const sync = await syncLatency(ctx, await topic('sync'), 1024);
    log(`${mode}: sync send p50 ${Number(sync.p50_us).toFixed(0)} µs`);
    const sorted = [...lag.samples].sort((a, b) => a - b);
    return { mode, p4, p1, sync, lagP50: percentile(sorted, 0.5), lagP99: percentile(sorted, 0.99), lagMax: sorted.at(-1) ?? 0, catchUpMs: lag.catchUpMs };
  } finally {
    await admin.close();
    await cluster.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

const kib = (bytes: number): string => `${(bytes / 1024).toFixed(1)} KiB`;
const rate = (r: ResultRecord): string => `${Math.round(r.value).toLocaleString('en-US')} msgs/s`;

function printThroughput(figures: readonly ModeFigures[]): void {
  console.log('\nProducer throughput with one slave attached (1 KiB messages, async flush)');
  const row = (cells: readonly string[]): string => cells.map((c, i) => c.padEnd([6, 16, 16, 20, 34, 8][i] ?? 0)).join(' | ');
  console.log(row(['mode', '4conn 1KiB', '1conn 1KiB', 'sync send p50/p99', 'lag under load p50 / p99 / max', 'catch-up']));
  for (const f of figures) {
    const latency = `${Number(f.sync.p50_us).toFixed(0)} / ${Number(f.sync.p99_us).toFixed(0)} µs`;
    console.log(row([f.mode, rate(f.p4), rate(f.p1), latency, `${kib(f.lagP50)} / ${kib(f.lagP99)} / ${kib(f.lagMax)}`, `${f.catchUpMs} ms`]));
  }
  const a = figures.find((f) => f.mode === 'async');
  const y = figures.find((f) => f.mode === 'sync');
  if (a !== undefined && y !== undefined) {
    const pct = (sync: ResultRecord, async: ResultRecord): string => `${((100 * sync.value) / async.value).toFixed(0)}%`;
    console.log(`sync keeps ${pct(y.p4, a.p4)} (4conn) and ${pct(y.p1, a.p1)} (1conn) of the async throughput (target >= 50%)`);
  }
}

function printFailovers(runs: readonly FailoverRun[], replication: Mode): void {
  console.log(`\nFailover time: kill -9 of the master -> first acknowledged send on the new master (${replication} replication, 2 replicas)`);
  runs.forEach((r, i) => console.log(`run ${String(i + 1).padStart(2)}: new master after ${r.masterMs} ms, first acknowledged send after ${r.ackMs} ms`));
  if (runs.length === 0) return;
  const acks = runs.map((r) => r.ackMs);
  const masters = runs.map((r) => r.masterMs);
  console.log(`median ${median(acks)} ms, max ${Math.max(...acks)} ms to the first acknowledged send (new master: median ${median(masters)} ms, max ${Math.max(...masters)} ms); target median <= 3000 ms`);
}

async function main(): Promise<void> {
  const s = settings();
  const only = new Set((process.env.BENCH_ONLY ?? 'throughput,failover').split(',').map((x) => x.trim()));
  const load0 = loadAverage();
  const figures: ModeFigures[] = [];
  if (only.has('throughput')) for (const mode of ['async', 'sync'] as const) figures.push(await throughput(mode, s));
  const replication = (process.env.BENCH_FAILOVER_REPLICATION ?? 'async') as Mode;
  const runs = only.has('failover') ? await measureFailovers(envNumber('BENCH_FAILOVERS', 10), replication, log) : [];
  console.log(`\nHA benchmarks (${os.cpus().length} CPUs, node ${process.version}; load average before ${load0.join(' ')}, after ${loadAverage().join(' ')})`);
  if (figures.length > 0) printThroughput(figures);
  if (only.has('failover')) printFailovers(runs, replication);
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`bench:ha failed: ${(e as Error).stack ?? String(e)}\n`);
    process.exit(1);
  },
);
