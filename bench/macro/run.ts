/**
 * End-to-end benchmarks (`npm run bench:macro`): a name server and a broker as child processes
 * (async flush, 1 GiB segments, fresh data folder on a real disk), driven by our client with the
 * peers harness's workloads (../shared/perf/peers): produce 200,000 messages of 100 B and 1 KiB over
 * 1 and over 4 connections (a process each, 1,000 unacknowledged per connection, 200 warm-up),
 * 10,000 synchronous 1 KiB sends (after 500 warm-up), and one consumer draining the 1 KiB topic.
 * Prints a table with targets; never fails on a figure.
 *
 * Environment: BENCH_COUNT (200000), BENCH_REPS (1), BENCH_ONLY (comma list of p1-100, p4-100,
 * p4-1k, sync, p1-1k, consume), BENCH_OUT (append JSON lines there), BENCH_WINDOW (1000),
 * BENCH_SYNC_COUNT (10000), BENCH_MAX_SECONDS (120 per workload), BENCH_QUEUES (8 per topic),
 * BENCH_CONSUMER (push | pull, or a comma list to measure several; the first is "consume 1KiB"),
 * BENCH_PULL_BATCH (messages per pull, 128),
 * BENCH_SEGMENT_BYTES (1 GiB), BENCH_DATA_DIR (parent of the data folder; default the OS temp dir
 * unless it is tmpfs), BENCH_KEEP_DATA=1, BENCH_LAUNCH (auto|dist|source), BENCH_QUIET_MAX_WAIT (30 s)
 * and BENCH_QUIET_BUSY_PCT (15) for the wait-for-a-quiet-machine gate, BENCH_PROFILE=<dir> for V8
 * CPU profiles of the broker and the client during each timed workload (see profile-top.ts),
 * BENCH_BROKER_NODE_FLAGS (extra node flags for the broker, e.g. `--cpu-prof --cpu-prof-dir=/tmp/p`).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BenchAdmin } from './admin';
import type { ConsumerApi } from './consume';
import { ConsumerApis } from './consume';
import { loadAverage } from './proc';
import { formatTable } from './report';
import { dataParent, envNumber } from './env';
import { startGcTrace } from './gc-trace';
import { BenchCluster, REPO_ROOT } from './servers';
import type { BenchContext, BenchSettings, ResultRecord } from './workloads';
import { consume, produce, syncLatency } from './workloads';

/** The consumer API and batch that drained fastest in our runs (see bench/README.md). */
const DEFAULT_CONSUMER = 'push';
const DEFAULT_PULL_BATCH = 128;
const ALL_WORKLOADS = ['p1-100', 'p4-100', 'p4-1k', 'sync', 'p1-1k', 'consume'] as const;
type WorkloadId = (typeof ALL_WORKLOADS)[number];

function selectedWorkloads(): Set<WorkloadId> {
  const raw = process.env.BENCH_ONLY;
  if (raw === undefined || raw.trim() === '') return new Set(ALL_WORKLOADS);
  const wanted = raw.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  const unknown = wanted.filter((w) => !(ALL_WORKLOADS as readonly string[]).includes(w));
  if (unknown.length > 0) throw new Error(`BENCH_ONLY: unknown workload(s) ${unknown.join(', ')}; known: ${ALL_WORKLOADS.join(', ')}`);
  return new Set(wanted as WorkloadId[]);
}


function consumerApis(): ConsumerApi[] {
  const raw = (process.env.BENCH_CONSUMER ?? DEFAULT_CONSUMER).split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  const unknown = raw.filter((a) => !(ConsumerApis as readonly string[]).includes(a));
  if (unknown.length > 0 || raw.length === 0) throw new Error(`BENCH_CONSUMER: expected a comma list of ${ConsumerApis.join(', ')}, got ${process.env.BENCH_CONSUMER}`);
  return raw as ConsumerApi[];
}

function settingsFromEnv(): BenchSettings {
  const profile = process.env.BENCH_PROFILE;
  return {
    count: envNumber('BENCH_COUNT', 200_000),
    window: envNumber('BENCH_WINDOW', 1000),
    syncCount: envNumber('BENCH_SYNC_COUNT', 10_000),
    syncWarmup: 500,
    produceWarmup: 200,
    maxSeconds: envNumber('BENCH_MAX_SECONDS', 120),
    queues: envNumber('BENCH_QUEUES', 8),
    consumerApis: consumerApis(),
    pullBatchSize: envNumber('BENCH_PULL_BATCH', DEFAULT_PULL_BATCH),
    quietMaxWaitS: envNumber('BENCH_QUIET_MAX_WAIT', 30),
    quietBusyPct: envNumber('BENCH_QUIET_BUSY_PCT', 15),
    profileDir: profile === undefined || profile === '' ? undefined : path.resolve(profile),
  };
}

function log(text: string): void {
  process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${text}\n`);
}

function emit(record: Record<string, unknown>, out: string | undefined): void {
  if (out !== undefined && out !== '') fs.appendFileSync(out, `${JSON.stringify({ ts: new Date().toISOString(), ...record })}\n`);
}

function summary(r: ResultRecord): string {
  if (r.unit === 'us p50') return `${r.workload}: p50 ${Number(r.p50_us).toFixed(0)} µs, p99 ${Number(r.p99_us).toFixed(0)} µs, p99.9 ${Number(r.p999_us).toFixed(0)} µs`;
  return `${r.workload}: ${Math.round(r.value).toLocaleString('en-US')} msgs/s, server ${String(r.server_cpu_us_per_msg)} µs/msg, client ${String(r.client_cpu_us_per_msg)} µs/msg`;
}

async function runRep(rep: number, settings: BenchSettings, wanted: Set<WorkloadId>, out: string | undefined): Promise<ResultRecord[]> {
  const dataDir = fs.mkdtempSync(path.join(dataParent(), 'rocket-bench-macro-'));
  const segmentBytes = envNumber('BENCH_SEGMENT_BYTES', 1024 * 1024 * 1024);
  if (settings.profileDir !== undefined) fs.mkdirSync(settings.profileDir, { recursive: true });
  log(`rep ${rep}: starting name server and broker (data ${dataDir})`);
  const brokerNodeFlags = (process.env.BENCH_BROKER_NODE_FLAGS ?? '').split(/\s+/).filter((f) => f.length > 0);
  const cluster = await BenchCluster.start({
    dataDir,
    segmentBytes,
    brokerNodeFlags,
    ...(settings.profileDir === undefined ? {} : { profileDir: settings.profileDir }),
  });
  const stopOnSignal = (): void => {
    void cluster.stop().finally(() => process.exit(130));
  };
  process.once('SIGINT', stopOnSignal);
  const admin = new BenchAdmin(cluster.namesrvAddr, cluster.brokerAddr);
  const results: ResultRecord[] = [];
  try {
    log(`rep ${rep}: name server ${cluster.namesrvAddr} (${cluster.nameserver.form}), broker ${cluster.brokerAddr} (${cluster.broker.form}, pid ${cluster.broker.pid})`);
    if (rep === 1) {
      emit({ kind: 'version', system: 'rocketcluster', server_version: `rocketcluster ${readVersion()} (${cluster.broker.form})`, persistence: PERSISTENCE }, out);
    }
    const ctx: BenchContext = { cluster, admin, settings, rep };
    const record = (r: ResultRecord): void => {
      results.push(r);
      emit(r, out);
      log(`rep ${rep}: ${summary(r)}`);
    };
    const topicFor = async (id: string): Promise<string> => {
      const topic = `bench-${id}-r${rep}`;
      await admin.createTopic(topic, settings.queues);
      return topic;
    };
    if (wanted.has('p1-100')) record(await produce(ctx, await topicFor('p1-100'), 1, 100));
    if (wanted.has('p4-100')) record(await produce(ctx, await topicFor('p4-100'), 4, 100));
    if (wanted.has('p4-1k')) record(await produce(ctx, await topicFor('p4-1k'), 4, 1024));
    if (wanted.has('sync')) record(await syncLatency(ctx, await topicFor('sync'), 1024));
    if (wanted.has('p1-1k') || wanted.has('consume')) {
      const topic = await topicFor('p1-1k');
      record(await produce(ctx, topic, 1, 1024));
      if (wanted.has('consume')) {
        for (const [i, api] of settings.consumerApis.entries()) {
          const workload = i === 0 ? 'consume 1KiB' : `consume 1KiB (${api})`;
          record(await consume(ctx, topic, `bench-consumer-${api}-r${rep}`, api, workload));
        }
      }
    }
    if (!cluster.broker.alive) throw new Error(`broker exited during the run; last output:\n${cluster.broker.lines.join('\n')}`);
  } finally {
    process.removeListener('SIGINT', stopOnSignal);
    await admin.close();
    await cluster.stop();
    if (process.env.BENCH_KEEP_DATA !== '1') fs.rmSync(dataDir, { recursive: true, force: true });
  }
  return results;
}

/** What an acknowledgement means in this configuration (the peers report prints it). */
const PERSISTENCE = 'commit log on mmap segments, ASYNC_FLUSH: acked once in the page cache, flushed every 500 ms (flushIntervalCommitLogMs); 1 replica';

function readVersion(): string {
  try {
    return (JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version?: string }).version ?? '?';
  } catch {
    return '?';
  }
}

async function main(): Promise<void> {
  // BENCH_TRACE_DIR: this process's (the sync client's) garbage collections, as the servers' (child-hooks.js).
  startGcTrace(process.env.BENCH_TRACE_DIR, 'client');
  const settings = settingsFromEnv();
  const wanted = selectedWorkloads();
  const reps = Math.max(1, envNumber('BENCH_REPS', 1));
  const out = process.env.BENCH_OUT;
  const load0 = loadAverage();
  const results: ResultRecord[] = [];
  for (let rep = 1; rep <= reps; rep++) results.push(...(await runRep(rep, settings, wanted, out)));
  console.log(`\nEnd-to-end benchmarks (${os.cpus().length} CPUs, node ${process.version}; load average before ${load0.join(' ')}, after ${loadAverage().join(' ')})`);
  console.log(`${settings.count.toLocaleString('en-US')} messages per produce workload, window ${settings.window} per connection, ${settings.queues} queues per topic, async flush\n`);
  console.log(formatTable(results));
  console.log('\nCPU µs/msg: CPU time of the broker process tree / of the benchmark client processes, per message acknowledged or consumed.');
  console.log('"machine busy %" is the whole machine (2 shared vCPUs) just before and during the run: other tenants show up there.');
  if (settings.profileDir !== undefined) console.log(`CPU profiles in ${settings.profileDir}: node -r @swc-node/register bench/macro/profile-top.ts <file.cpuprofile>`);
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`bench:macro failed: ${(e as Error).stack ?? String(e)}\n`);
    process.exit(1);
  },
);
