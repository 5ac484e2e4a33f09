/**
 * Failover time under `rocketctl up --replicas 2 --restart`: a producer sends without pause, the
 * master is killed with kill -9, and the clock runs until the first send acknowledged by the new
 * master (the store host in the offset message id tells which broker stored it, so a reply the
 * old master wrote just before it died is not counted). The supervisor restarts the killed broker
 * and the controller makes it a slave; the next run starts once it is back in sync.
 */
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { AdminClient, Producer, SendStatus } from '../../client';
import { decodeOffsetMsgId } from '../../message';
import { REPO_ROOT } from '../macro/servers';
import type { BrokerStatus } from './kit';
import { fetchStatus, scratchDir, sleep, waitInSync } from './kit';

export interface FailoverRun {
  /** Kill -> the slave reports master, writable, at a newer epoch. */
  readonly masterMs: number;
  /** Kill -> the first send acknowledged (SEND_OK) by the new master. */
  readonly ackMs: number;
}

const TOPIC = 'BenchFailover';
const STATE_FILE = 'rocketctl-up.json';

interface UpProcess {
  readonly name: string;
  readonly role: string;
  readonly pid: number;
  readonly ready: Readonly<Record<string, unknown>>;
}

interface Up {
  readonly child: ChildProcess;
  readonly dataDir: string;
  output: string;
  readonly exited: Promise<number | null>;
}

function startUp(dataDir: string, replication: string): Up {
  const base = 20000 + 10 * Math.floor(Math.random() * 3000);
  const args = ['-r', '@swc-node/register', path.join(REPO_ROOT, 'cli', 'main.ts'), 'up', '--data-dir', dataDir, '--base-port', String(base)];
  args.push('--replicas', '2', '--restart', '--replication', replication);
  const child = spawn(process.execPath, args, { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ROCKET_NAMESRV_ADDR: '' } });
  const up: Up = { child, dataDir, output: '', exited: new Promise((resolve) => child.once('close', (code) => resolve(code))) };
  const append = (s: string): void => {
    up.output = (up.output + s).slice(-20_000);
  };
  child.stdout!.setEncoding('utf8').on('data', append);
  child.stderr!.setEncoding('utf8').on('data', append);
  return up;
}

function brokers(up: Up): UpProcess[] {
  const state = JSON.parse(fs.readFileSync(path.join(up.dataDir, STATE_FILE), 'utf8')) as { processes: UpProcess[] };
  return state.processes.filter((p) => p.ready.httpPort !== undefined && p.ready.haPort !== undefined);
}

/** The in-sync replicas in the controller's persisted state of the group (`<data>/controller/<group>.json`). */
function controllerInSync(up: Up): readonly string[] {
  try {
    const dir = path.join(up.dataDir, 'controller');
    const file = fs.readdirSync(dir).find((f) => f.endsWith('.json'));
    if (file === undefined) return [];
    const stored = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as { state?: { inSyncReplicaIds?: string[] } };
    return stored.state?.inSyncReplicaIds ?? [];
  } catch {
    return []; // not written yet, or being replaced
  }
}

const httpUrl = (p: UpProcess): string => `http://127.0.0.1:${Number(p.ready.httpPort)}`;

async function until<T>(probe: () => Promise<T | undefined>, what: string, up: Up, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; rocketctl up output:\n${up.output}`);
    await sleep(20);
  }
}

/** The writable master with its status, or undefined. */
async function findMaster(up: Up): Promise<{ proc: UpProcess; status: BrokerStatus } | undefined> {
  for (const proc of brokers(up)) {
    const status = await fetchStatus(httpUrl(proc));
    if (status?.role === 'master' && status.writable) return { proc, status };
  }
  return undefined;
}

/** Sends without pause; remembers when each broker (by remoting port) first acknowledged after a mark. */
class Sender {
  private running = true;
  private mark = Number.POSITIVE_INFINITY;
  private readonly firstAck = new Map<number, number>();
  private readonly loop: Promise<void>;

  constructor(private readonly producer: Producer) {
    this.loop = this.run();
  }

  private async run(): Promise<void> {
    let i = 0;
    while (this.running) {
      const r = await this.producer.send({ topic: TOPIC, body: `failover-${i++}` }).catch(() => undefined);
      if (r?.sendStatus !== SendStatus.SEND_OK) {
        await sleep(5);
        continue;
      }
      const stored = decodeOffsetMsgId(r.offsetMsgId);
      const now = Date.now();
      if (stored.ok && now >= this.mark && !this.firstAck.has(stored.value.host.port)) this.firstAck.set(stored.value.host.port, now);
    }
  }

  markNow(): number {
    this.firstAck.clear();
    this.mark = Date.now();
    return this.mark;
  }

  firstAckBy(port: number): number | undefined {
    return this.firstAck.get(port);
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }
}

async function oneFailover(up: Up, sender: Sender, log: (s: string) => void, run: number): Promise<FailoverRun> {
  const master = await until(() => findMaster(up), 'a writable master', up, 60_000);
  await waitInSync(httpUrl(master.proc), 1, 60_000);
  // The controller elects only from the in-sync set it recorded, which follows the broker's by a tick.
  await until(async () => (controllerInSync(up).length >= 2 ? true : undefined), 'the controller to record both replicas in sync', up, 60_000);
  const other = brokers(up).find((p) => p.name !== master.proc.name)!;
  const killedAt = sender.markNow();
  process.kill(master.proc.pid, 'SIGKILL');
  const promoted = await until(
    async () => {
      const s = await fetchStatus(httpUrl(other));
      return s?.role === 'master' && s.writable && s.epoch > master.status.epoch ? Date.now() : undefined;
    },
    `${other.name} to become master`,
    up,
    30_000,
  );
  const acked = await until(async () => sender.firstAckBy(Number(other.ready.remotingPort)), `a send acknowledged by ${other.name}`, up, 30_000);
  const result = { masterMs: promoted - killedAt, ackMs: acked - killedAt };
  log(`failover ${run}: ${master.proc.name} killed; ${other.name} master after ${result.masterMs} ms, first ack after ${result.ackMs} ms`);
  // The killed broker comes back (new pid) as a slave of the new master, in sync.
  await until(async () => (brokers(up).some((p) => p.name === master.proc.name && p.pid !== master.proc.pid) ? true : undefined), `${master.proc.name} to restart`, up, 60_000);
  await waitInSync(httpUrl(other), 1, 60_000);
  return result;
}

export async function measureFailovers(runs: number, replication: 'async' | 'sync', log: (s: string) => void): Promise<FailoverRun[]> {
  if (runs === 0) return [];
  const dataDir = scratchDir('rocket-bench-failover-');
  log(`failover: rocketctl up --replicas 2 --restart --replication ${replication} (data ${dataDir})`);
  const up = startUp(dataDir, replication);
  const results: FailoverRun[] = [];
  let producer: Producer | undefined;
  let sender: Sender | undefined;
  try {
    await until(async () => (up.output.includes('cluster ready') ? true : up.child.exitCode !== null ? Promise.reject(new Error(`rocketctl up exited:\n${up.output}`)) : undefined), 'cluster ready', up, 60_000);
    const namesrvAddr = (JSON.parse(fs.readFileSync(path.join(dataDir, STATE_FILE), 'utf8')) as { namesrvAddr: string }).namesrvAddr;
    const admin = new AdminClient({ namesrvAddr });
    await admin.start();
    await until(() => admin.createTopic(TOPIC, { readQueueNums: 4, writeQueueNums: 4 }).then(() => true, () => undefined), 'the topic', up, 30_000);
    await admin.close();
    producer = new Producer({ namesrvAddr, groupName: 'bench-failover', sendTimeoutMs: 1000, retryTimesWhenSendFailed: 0, routeRefreshIntervalMs: 200 });
    await producer.start();
    sender = new Sender(producer);
    for (let i = 1; i <= runs; i++) results.push(await oneFailover(up, sender, log, i));
    return results;
  } finally {
    await sender?.stop();
    await producer?.shutdown().catch(() => undefined);
    up.child.kill('SIGINT');
    await up.exited;
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}
