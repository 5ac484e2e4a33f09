/**
 * Storage-engine benchmarks (`npm run bench:store`): append throughput for 100 B, 1 KiB and 4 KiB
 * bodies under async and sync flush, reads through the consume queue, and this machine's raw
 * sequential-write rate for comparison. Prints figures; never asserts them.
 *
 * Options (environment): BENCH_IO_MODES=mmap,fs  BENCH_SCALE=1 (multiplies message counts)
 *   BENCH_ONLY=<regexp> runs only the cases whose name matches (e.g. 'async 1024|sync flush 1024'),
 *   which keeps profiling runs short.
 *   BENCH_PROFILE=<dir> writes a V8 CPU profile of each timed run (not open, warm-up or close) there.
 *   BENCH_WARMUP=<n> untimed appends before each timed run (default min(20,000, count / 10)).
 *   BENCH_PERF_CTL=<fifo> writes `enable`/`disable` around each timed run, for
 *   `perf record -D -1 --control fifo:<fifo> ...` (kernel and native time, page faults).
 */
import * as fs from 'node:fs';
import * as inspector from 'node:inspector';
import * as os from 'node:os';
import * as path from 'node:path';
import { encodeProperties, parseHostAddress, PropertyKey } from '../../message';
import { defaultIoMode, MessageStore, PutStatus } from '../../broker/store';
import type { FileIoMode, PutMessageInput, PutMessageResult, StoreConfig } from '../../broker/store';

const scale = Number(process.env.BENCH_SCALE ?? 1);
const modes = (process.env.BENCH_IO_MODES ?? defaultIoMode()).split(',') as FileIoMode[];
const only = process.env.BENCH_ONLY ? new RegExp(process.env.BENCH_ONLY) : undefined;
const wanted = (name: string): boolean => only === undefined || only.test(name);
const profileDir = process.env.BENCH_PROFILE;
const perfControl = process.env.BENCH_PERF_CTL;
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'rocket-bench-store-'));
const host = parseHostAddress('127.0.0.1:10911');
if (!host.ok) throw new Error(host.error);

interface Row {
  readonly name: string;
  readonly messages: number;
  readonly seconds: number;
  readonly bytes: number;
  /** CPU time of the main (JavaScript) thread during the run, where the OS reports it. */
  readonly mainThreadCpuSeconds?: number;
}

/**
 * Nanoseconds the calling thread has run on a CPU (Linux schedstat), or undefined elsewhere. On a
 * machine shared with other work wall-clock rates swing; the main thread's CPU time per message
 * does not, so it is printed beside them.
 */
function threadCpuNs(): number | undefined {
  try {
    return Number(fs.readFileSync('/proc/thread-self/schedstat', 'latin1').split(' ')[0]);
  } catch {
    return undefined;
  }
}
const rows: Row[] = [];

function report(row: Row): void {
  rows.push(row);
  const rate = row.messages / row.seconds;
  const mb = row.bytes / row.seconds / 1e6;
  const cpu = row.mainThreadCpuSeconds === undefined ? '' : `, main thread ${((row.mainThreadCpuSeconds / row.messages) * 1e6).toFixed(2)} us CPU/msg`;
  console.log(`${row.name.padEnd(44)} ${Math.round(rate).toLocaleString('en-US').padStart(12)} msgs/s ${mb.toFixed(1).padStart(9)} MB/s  (${row.messages.toLocaleString('en-US')} msgs in ${row.seconds.toFixed(2)} s${cpu})`);
}

function warmupCount(count: number): number {
  return process.env.BENCH_WARMUP ? Number(process.env.BENCH_WARMUP) : Math.min(20_000, Math.floor(count / 10));
}

function message(body: Buffer, seq: number, queueId: number): PutMessageInput {
  return {
    topic: 'BenchTopic',
    queueId,
    flag: 0,
    body,
    properties: encodeProperties({ [PropertyKey.UNIQ_KEY]: `7F00000100002A9F0000${seq.toString(16).padStart(12, '0')}`, [PropertyKey.TAGS]: 'TagA' }),
    sysFlag: 0,
    bornTimestamp: Date.now(),
    bornHost: host.ok ? host.value : (undefined as never),
    storeHost: host.ok ? host.value : (undefined as never),
    reconsumeTimes: 0,
    preparedTransactionOffset: 0,
    waitStoreMsgOk: true,
  };
}

/** Runs `body` under the V8 profiler when BENCH_PROFILE is set, writing `<name>.cpuprofile`. */
async function profiled<T>(name: string, body: () => Promise<T>): Promise<T> {
  if (perfControl) {
    fs.writeFileSync(perfControl, 'enable\n');
    try {
      return await body();
    } finally {
      fs.writeFileSync(perfControl, 'disable\n');
    }
  }
  if (!profileDir) return body();
  const session = new inspector.Session();
  session.connect();
  const post = (method: string, params?: object) =>
    new Promise<unknown>((resolve, reject) => session.post(method, params, (e, r) => (e ? reject(e) : resolve(r))));
  await post('Profiler.enable');
  await post('Profiler.setSamplingInterval', { interval: 200 });
  await post('Profiler.start');
  try {
    return await body();
  } finally {
    const { profile } = (await post('Profiler.stop')) as { profile: unknown };
    fs.mkdirSync(profileDir, { recursive: true });
    fs.writeFileSync(path.join(profileDir, `${name.replace(/[^A-Za-z0-9]+/g, '-')}.cpuprofile`), JSON.stringify(profile));
    session.disconnect();
  }
}

async function openStore(mode: FileIoMode, extra: Partial<StoreConfig>): Promise<MessageStore> {
  const dir = fs.mkdtempSync(path.join(root, `${mode}-`));
  const store = new MessageStore({ storeDir: dir, ioMode: mode, ...extra });
  const r = await store.open();
  if (!r.ok) throw new Error(r.error.message);
  return store;
}

/** Appends `count` messages keeping up to `concurrency` puts outstanding, as a broker serving many producers does. */
async function appendRun(
  name: string,
  store: MessageStore,
  bodyBytes: number,
  count: number,
  concurrency: number,
): Promise<{ seconds: number; bytes: number; mainThreadCpuSeconds?: number }> {
  const body = Buffer.alloc(bodyBytes, 0x5a);
  const queues = 8;
  // Messages are prepared up front so the figure measures the store, not the test's allocations.
  const prepared = Array.from({ length: Math.min(count, 4096) }, (_, i) => message(body, i, i % queues));
  let next = 0;
  let failed: PutMessageResult | undefined;
  let limit = warmupCount(count); // untimed: JIT and first page faults
  const worker = async () => {
    while (next < limit) {
      const i = next++;
      const r = await store.putMessage(prepared[i % prepared.length]!);
      if (r.status !== PutStatus.PUT_OK) failed = r;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  next = 0;
  limit = count;
  const cpuStart = threadCpuNs();
  const start = process.hrtime.bigint();
  await profiled(name, () => Promise.all(Array.from({ length: concurrency }, worker)));
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const cpuEnd = threadCpuNs();
  if (failed) throw new Error(`append failed: ${failed.status}`);
  const mainThreadCpuSeconds = cpuStart === undefined || cpuEnd === undefined ? undefined : (cpuEnd - cpuStart) / 1e9;
  return { seconds, bytes: count * bodyBytes, mainThreadCpuSeconds };
}

async function dispatchRun(name: string, store: MessageStore): Promise<{ seconds: number; mainThreadCpuSeconds?: number }> {
  const cpuStart = threadCpuNs();
  const start = process.hrtime.bigint();
  await profiled(name, () => store.waitDispatched());
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const cpuEnd = threadCpuNs();
  return { seconds, mainThreadCpuSeconds: cpuStart === undefined || cpuEnd === undefined ? undefined : (cpuEnd - cpuStart) / 1e9 };
}

async function readRun(store: MessageStore, count: number): Promise<{ seconds: number; bytes: number; read: number }> {
  await store.waitDispatched();
  const start = process.hrtime.bigint();
  let read = 0;
  let bytes = 0;
  for (let q = 0; q < 8; q++) {
    let offset = 0;
    for (;;) {
      const r = store.getMessages({ topic: 'BenchTopic', queueId: q, queueOffset: offset, maxCount: 64 });
      if (r.records.length === 0) break;
      read += r.records.length;
      bytes += r.totalBytes;
      offset = r.nextQueueOffset;
      r.release();
    }
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (read < count) throw new Error(`read ${read} of ${count}`);
  return { seconds, bytes, read };
}

function rawSequentialWrite(totalBytes: number): void {
  const file = path.join(root, 'raw-write');
  const block = Buffer.alloc(1024 * 1024, 0x5a);
  const fd = fs.openSync(file, 'w');
  const start = process.hrtime.bigint();
  for (let written = 0; written < totalBytes; written += block.length) fs.writeSync(fd, block);
  const cached = Number(process.hrtime.bigint() - start) / 1e9;
  fs.fdatasyncSync(fd);
  const synced = Number(process.hrtime.bigint() - start) / 1e9;
  fs.closeSync(fd);
  fs.rmSync(file);
  const mb = totalBytes / 1e6;
  console.log(`${'raw sequential write, 1 MiB blocks (page cache)'.padEnd(44)} ${(mb / cached).toFixed(0).padStart(12)} MB/s`);
  console.log(`${'raw sequential write + one fdatasync at end'.padEnd(44)} ${(mb / synced).toFixed(0).padStart(12)} MB/s`);
}

async function main(): Promise<void> {
  console.log(`store benchmarks: node ${process.version}, ${os.cpus().length} cpus, io modes ${modes.join(', ')}, scale ${scale}`);
  if (wanted('raw sequential write')) rawSequentialWrite(512 * 1024 * 1024);
  for (const mode of modes) {
    for (const [bodyBytes, count] of [
      [100, 500_000],
      [1024, 400_000],
      [4096, 100_000],
    ] as const) {
      const n = Math.round(count * scale);
      const name = `[${mode}] append async ${bodyBytes} B`;
      const readName = `[${mode}] read via consume queue 1 KiB`;
      const dispatchName = `[${mode}] dispatch 1 KiB (queue + index entries)`;
      const followUps = bodyBytes === 1024 && (wanted(readName) || wanted(dispatchName));
      if (!wanted(name) && !followUps) continue;
      const store = await openStore(mode, { flushMode: 'async' });
      const r = await appendRun(name, store, bodyBytes, n, 256);
      report({ name, messages: n, ...r });
      if (followUps) {
        // Every put of the append run resolved at once, so the loop never yielded to the event
        // loop and dispatch of all of it (warm-up included) happens now.
        const d = await dispatchRun(dispatchName, store);
        report({ name: dispatchName, messages: n + warmupCount(n), ...d, bytes: (n + warmupCount(n)) * bodyBytes });
      }
      if (bodyBytes === 1024 && wanted(readName)) {
        const read = await readRun(store, n + warmupCount(n));
        report({ name: readName, messages: read.read, seconds: read.seconds, bytes: read.bytes });
      }
      await store.close();
    }
    for (const bodyBytes of [100, 1024, 4096]) {
      const n = Math.round(100_000 * scale);
      const name = `[${mode}] append sync flush ${bodyBytes} B, 256 appenders`;
      if (!wanted(name)) continue;
      const store = await openStore(mode, { flushMode: 'sync' });
      const r = await appendRun(name, store, bodyBytes, n, 256);
      report({ name, messages: n, ...r });
      await store.close();
    }
  }
  fs.rmSync(root, { recursive: true, force: true });
}

main().catch((e: unknown) => {
  console.error(e);
  fs.rmSync(root, { recursive: true, force: true });
  process.exit(1);
});
