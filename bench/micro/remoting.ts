/**
 * Remoting hot-path micro-benchmark: RemotingClient in this process, RemotingServer in a forked child
 * (the two share the machine's 2 cores, as the client and the broker do end to end). Measures, for the
 * JSON and the ROCKETMQ binary header:
 *   - pipelined sends: 100 B body SEND_MESSAGE_V2 requests answered with a send-result header and the
 *     body echoed, 1,000 in flight -> round trips/s;
 *   - one in flight: 1 KiB body sends, each awaited -> latency p50/p99/p99.9;
 *   - large responses: PULL_MESSAGE answered with 32 x 1 KiB body parts (zero-copy views, like stored
 *     records), a few in flight -> responses/s, records/s, MB/s;
 * and, as the yardstick under the same load, a raw length-framed Node echo (the shared harness's
 * `physical/echo-rr.js` shape). CPU per operation is split between client and server from
 * process.cpuUsage. Prints figures; never asserts them.
 *
 * Run: node -r @swc-node/register bench/micro/remoting.ts
 * Environment: BENCH_SCALE=1 (multiplies counts), BENCH_REPEAT=1 (repetitions; median and range
 *   printed), BENCH_ONLY=<regexp> (case names), BENCH_PULL_INFLIGHT=8, BENCH_PULL_PARTS=32,
 *   BENCH_PULL_SCATTER=1 (records not adjacent in memory), BENCH_WARMUP=0 (skip the untimed first run of each case), BENCH_PROF_DIR=<dir> (the server
 *   child writes a V8 CPU profile there; profile this process with node --cpu-prof).
 */
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import type { SerializeTypeCode } from '../../protocol';
import { RequestCode, SerializeType, makeRequest } from '../../protocol';
import { RemotingClient } from '../../remoting';
import { RawEchoConnection, rawLatency, rawPipelined } from './raw-echo';

const scale = Number(process.env.BENCH_SCALE ?? 1);
const repeats = Number(process.env.BENCH_REPEAT ?? 1);
const only = process.env.BENCH_ONLY ? new RegExp(process.env.BENCH_ONLY) : undefined;
const pullInflight = Number(process.env.BENCH_PULL_INFLIGHT ?? 8);
const warmup = process.env.BENCH_WARMUP !== '0';
const PULL_PARTS = Number(process.env.BENCH_PULL_PARTS ?? 32);
const TIMEOUT_MS = 30_000;

interface Cpu {
  readonly user: number;
  readonly system: number;
}

interface ServerStats {
  readonly cpu: Cpu;
  readonly flushes: number;
  readonly faults: number;
}

/** One measurement: operations, seconds, optional latencies (µs), CPU µs of both processes. */
export interface Sample {
  readonly ops: number;
  readonly seconds: number;
  readonly bytesPerOp?: number;
  readonly latenciesUs?: Float64Array;
  /** Raw echo round trips interleaved with the measured ones (see `interleavedLatency`). */
  readonly rawLatenciesUs?: Float64Array;
  clientCpuUs?: number;
  serverCpuUs?: number;
  /** Socket writes issued by the client and by the server (remoting cases only). */
  clientFlushes?: number;
  serverFlushes?: number;
  /** Minor page faults (first touches of fresh memory) of the client and of the server. */
  clientFaults?: number;
  serverFaults?: number;
}

class ServerChild {
  private waiters: ((message: ServerStats) => void)[] = [];

  private constructor(readonly child: ChildProcess) {
    child.on('message', (message: Partial<ServerStats>) => {
      if (message.cpu !== undefined) this.waiters.shift()?.({ cpu: message.cpu, flushes: message.flushes ?? 0, faults: message.faults ?? 0 });
    });
  }

  static async start(): Promise<{ server: ServerChild; ports: { remoting: number; raw: number } }> {
    const profDir = process.env.BENCH_PROF_DIR;
    const execArgv = [...process.execArgv, ...(profDir ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : [])];
    const child = fork(path.join(__dirname, 'remoting-server.ts'), [], { execArgv, env: { ...process.env, BENCH_PULL_PARTS: String(PULL_PARTS) } });
    const ports = await new Promise<{ remoting: number; raw: number }>((resolve, reject) => {
      child.once('message', (message: { ports: { remoting: number; raw: number } }) => resolve(message.ports));
      child.once('exit', (code) => reject(new Error(`server child exited with ${code}`)));
    });
    return { server: new ServerChild(child), ports };
  }

  /** CPU µs used so far and socket writes issued so far by the server's connections. */
  stats(): Promise<{ cpuUs: number; flushes: number; faults: number }> {
    return new Promise((resolve) => {
      this.waiters.push(({ cpu, flushes, faults }) => resolve({ cpuUs: cpu.user + cpu.system, flushes, faults }));
      this.child.send({ cpu: true });
    });
  }

  stop(): Promise<void> {
    return new Promise((resolve) => {
      this.child.once('exit', () => resolve());
      this.child.disconnect();
    });
  }
}

/** The header of a Java client's SEND_MESSAGE_V2 (single-letter fields), FACTS 3.2. */
function sendRequest(body: Buffer): ReturnType<typeof makeRequest> {
  return makeRequest(RequestCode.SEND_MESSAGE_V2, {
    body,
    extFields: {
      a: 'bench_producer_group', b: 'BenchTopic', c: 'TBW102', d: '4', e: '3', f: '0', g: String(Date.now()), h: '0',
      i: 'UNIQ_KEY\u00017F00000100002A9F0000000000A1B2C3\u0002WAIT\u0001true\u0002TAGS\u0001TagA\u0002', j: '0', k: 'false', m: 'false',
    },
  });
}

function pullRequest(): ReturnType<typeof makeRequest> {
  return makeRequest(RequestCode.PULL_MESSAGE, {
    extFields: {
      consumerGroup: 'bench_consumer_group', topic: 'BenchTopic', queueId: '3', queueOffset: '1000', maxMsgNums: '32',
      sysFlag: '2', commitOffset: '0', suspendTimeoutMillis: '15000', subscription: '*', subVersion: '0', expressionType: 'TAG',
    },
  });
}

/** Keeps `window` invokes in flight until `total` have completed. */
function pipelined(client: RemotingClient, addr: string, request: () => ReturnType<typeof makeRequest>, total: number, window: number): Promise<Sample> {
  return new Promise((resolve, reject) => {
    let started = 0;
    let done = 0;
    const t0 = process.hrtime.bigint();
    const launch = (): void => {
      started++;
      void client.invoke(addr, request(), TIMEOUT_MS).then((result) => {
        if (!result.ok) {
          reject(result.error);
          return;
        }
        done++;
        if (started < total) launch();
        else if (done === total) resolve({ ops: total, seconds: Number(process.hrtime.bigint() - t0) / 1e9 });
      });
    };
    for (let i = 0; i < Math.min(window, total); i++) launch();
  });
}

async function oneInFlight(client: RemotingClient, addr: string, request: () => ReturnType<typeof makeRequest>, total: number, warmup: number): Promise<Sample> {
  for (let i = 0; i < warmup; i++) {
    const result = await client.invoke(addr, request(), TIMEOUT_MS);
    if (!result.ok) throw result.error;
  }
  const latencies = new Float64Array(total);
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < total; i++) {
    const sent = process.hrtime.bigint();
    const result = await client.invoke(addr, request(), TIMEOUT_MS);
    latencies[i] = Number(process.hrtime.bigint() - sent) / 1e3;
    if (!result.ok) throw result.error;
  }
  return { ops: total, seconds: Number(process.hrtime.bigint() - t0) / 1e9, latenciesUs: latencies };
}

/**
 * One-in-flight sends in blocks alternating with blocks of raw echo round trips of the same size, so
 * both see the same machine state: on this shared VM the raw round trip alone swings between ~25 and
 * ~100 µs with other tenants' load, which drowns differences between separate runs.
 */
async function interleavedLatency(
  client: RemotingClient,
  addr: string,
  request: () => ReturnType<typeof makeRequest>,
  raw: RawEchoConnection,
  total: number,
): Promise<Sample> {
  const block = 500;
  const ours = new Float64Array(total);
  const rawLatencies = new Float64Array(total);
  const t0 = process.hrtime.bigint();
  for (let at = 0; at < total; at += block) {
    const n = Math.min(block, total - at);
    for (let i = 0; i < n; i++) {
      const sent = process.hrtime.bigint();
      const result = await client.invoke(addr, request(), TIMEOUT_MS);
      ours[at + i] = Number(process.hrtime.bigint() - sent) / 1e3;
      if (!result.ok) throw result.error;
    }
    await raw.roundTrips(n, rawLatencies, at);
  }
  return { ops: total, seconds: Number(process.hrtime.bigint() - t0) / 1e9, latenciesUs: ours, rawLatenciesUs: rawLatencies };
}

export function percentile(sorted: Float64Array, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

function median(values: number[]): number {
  const s = [...values].sort((x, y) => x - y);
  return s[Math.floor(s.length / 2)] ?? NaN;
}

function fmt(n: number): string {
  return n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(1);
}

function range(values: number[]): string {
  if (values.length === 1) return fmt(values[0] ?? NaN);
  return `${fmt(median(values))} (${fmt(Math.min(...values))} – ${fmt(Math.max(...values))})`;
}

function printCase(name: string, samples: Sample[]): void {
  const rate = samples.map((s) => s.ops / s.seconds);
  const parts = [name.padEnd(34), `${range(rate)} ops/s`];
  const bytes = samples[0]?.bytesPerOp;
  if (bytes !== undefined) parts.push(`${range(rate.map((r) => (r * bytes) / 1e6))} MB/s`);
  if (samples[0]?.latenciesUs !== undefined) {
    const sorted = samples.map((s) => Float64Array.from(s.latenciesUs ?? []).sort());
    for (const p of [50, 99, 99.9]) parts.push(`p${p} ${range(sorted.map((l) => percentile(l, p)))} µs`);
  }
  if (samples[0]?.rawLatenciesUs !== undefined) {
    const ours = samples.map((s) => Float64Array.from(s.latenciesUs ?? []).sort());
    const raw = samples.map((s) => Float64Array.from(s.rawLatenciesUs ?? []).sort());
    for (const p of [50, 99]) {
      const added = ours.map((l, i) => percentile(l, p) - percentile(raw[i] as Float64Array, p));
      parts.push(`raw p${p} ${range(raw.map((l) => percentile(l, p)))} µs, added ${range(added)} µs`);
    }
    console.log(`${parts[0]} ${parts.slice(2).join(' | ')}`); // ops/s and CPU mix both kinds: left out
    return;
  }
  if ((samples[0]?.serverFlushes ?? 0) > 0) {
    const perWrite = (s: Sample, flushes: number | undefined): number => s.ops / Math.max(1, flushes ?? 0);
    parts.push(`frames/write client ${range(samples.map((s) => perWrite(s, s.clientFlushes)))}, server ${range(samples.map((s) => perWrite(s, s.serverFlushes)))}`);
  }
  if (samples[0]?.clientCpuUs !== undefined) {
    const perOp = (s: Sample, faults: number | undefined): number => (faults ?? 0) / s.ops;
    parts.push(`page faults/op client ${range(samples.map((s) => perOp(s, s.clientFaults)))}, server ${range(samples.map((s) => perOp(s, s.serverFaults)))}`);
    parts.push(`cpu/op client ${range(samples.map((s) => (s.clientCpuUs ?? 0) / s.ops))} µs, server ${range(samples.map((s) => (s.serverCpuUs ?? 0) / s.ops))} µs`);
  }
  console.log(`${parts[0]} ${parts.slice(1).join(' | ')}`);
}

async function measure(server: ServerChild, run: () => Promise<Sample>, clientFlushes: () => number): Promise<Sample> {
  const serverBefore = await server.stats();
  const clientFlushesBefore = clientFlushes();
  const clientFaultsBefore = process.resourceUsage().minorPageFault;
  const clientBefore = process.cpuUsage();
  const sample = await run();
  const clientCpu = process.cpuUsage(clientBefore);
  sample.clientFaults = process.resourceUsage().minorPageFault - clientFaultsBefore;
  sample.clientCpuUs = clientCpu.user + clientCpu.system;
  const serverAfter = await server.stats();
  sample.serverCpuUs = serverAfter.cpuUs - serverBefore.cpuUs;
  sample.serverFlushes = serverAfter.flushes - serverBefore.flushes;
  sample.serverFaults = serverAfter.faults - serverBefore.faults;
  sample.clientFlushes = clientFlushes() - clientFlushesBefore;
  return sample;
}

async function runCase(name: string, server: ServerChild, run: () => Promise<Sample>, clientFlushes: () => number = () => 0): Promise<void> {
  if (only !== undefined && !only.test(name)) return;
  if (warmup) await run(); // JIT, connection and socket buffers warmed, untimed
  const samples: Sample[] = [];
  for (let i = 0; i < repeats; i++) samples.push(await measure(server, run, clientFlushes));
  printCase(name, samples);
}

async function main(): Promise<void> {
  const { server, ports } = await ServerChild.start();
  const addr = `127.0.0.1:${ports.remoting}`;
  const pipelinedTotal = Math.round(100_000 * scale);
  const latencyTotal = Math.round(10_000 * scale);
  const pullTotal = Math.round(10_000 * scale);
  const body100 = Buffer.alloc(100, 0x5a);
  const body1k = Buffer.alloc(1024, 0x5a);
  console.log(`remoting micro-benchmark: node ${process.version}, scale ${scale}, repeats ${repeats}, pull ${PULL_PARTS} x 1 KiB parts${process.env.BENCH_PULL_SCATTER === '1' ? ' (scattered)' : ''}, ${pullInflight} pulls in flight`);

  await runCase('raw echo 100 B, 1000 in flight', server, () => rawPipelined(ports.raw, 100, 1000, pipelinedTotal * 5));
  await runCase('raw echo 1 KiB, 1 in flight', server, () => rawLatency(ports.raw, 1024, latencyTotal, 500));
  const types: [string, SerializeTypeCode][] = [['JSON', SerializeType.JSON], ['ROCKETMQ', SerializeType.ROCKETMQ]];
  for (const [typeName, serializeType] of types) {
    const client = new RemotingClient({ serializeType });
    const flushes = (): number => client.connectionTo(addr)?.flushCount ?? 0;
    await runCase(`${typeName} send 100 B, 1000 in flight`, server, () => pipelined(client, addr, () => sendRequest(body100), pipelinedTotal, 1000), flushes);
    await runCase(`${typeName} send 1 KiB, 1 in flight`, server, () => oneInFlight(client, addr, () => sendRequest(body1k), latencyTotal, 500), flushes);
    const raw = await RawEchoConnection.open(ports.raw, 1024 + 430); // about the size of the send frames
    await runCase(`${typeName} send 1 KiB vs raw echo, interleaved`, server, () => interleavedLatency(client, addr, () => sendRequest(body1k), raw, latencyTotal));
    raw.close();
    await runCase(`${typeName} pull ${PULL_PARTS} x 1 KiB, ${pullInflight} in flight`, server, async () => ({
      ...(await pipelined(client, addr, pullRequest, pullTotal, pullInflight)),
      bytesPerOp: PULL_PARTS * 1024,
    }), flushes);
    await client.close();
  }
  await server.stop();
  console.log(
    'machine (BASELINE.md run D): TCP echo RR 100 B 1000 in flight 2.55M/s; 1 in flight RTT p50 71 µs, p99 139 µs; ' +
      'targets: produce 200k msgs/s, sync send p50 <= 100 µs p99 <= 250 µs, consume 400k msgs/s (= pull records/s)',
  );
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
