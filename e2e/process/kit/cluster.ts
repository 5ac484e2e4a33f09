/**
 * A local cluster run by the real `rocketctl up` in a child process, for the process-level e2e tests:
 * free ports, the state file (pids), each broker's admin `GET /status`, and bounded waits on
 * conditions (never fixed sleeps).
 */
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import type { BrokerPorts } from '../../../cli/supervisor/ports';
import { brokerPorts, nameserverPorts } from '../../../cli/supervisor/ports';
import type { UpState } from '../../../cli/supervisor/up';
import { STATE_FILE } from '../../../cli/supervisor/up';

export const ROOT = path.resolve(__dirname, '..', '..', '..');
/** `rocketctl` from the TypeScript sources (what `npm start` runs in a development checkout). */
export const CLI = [process.execPath, '-r', '@swc-node/register', path.join(ROOT, 'cli', 'main.ts')] as const;

/**
 * Broker settings (via the environment `up` passes on) for small files: a test run writes a few MB,
 * and every store file is allocated in full when created (the defaults make a 1 GiB commit-log
 * segment and a 420 MB index file per broker).
 */
export const SMALL_STORE_ENV: Readonly<Record<string, string>> = {
  ROCKET_BROKER_COMMIT_LOG_SEGMENT_BYTES: String(32 * 1024 * 1024),
  ROCKET_BROKER_CONSUME_QUEUE_ENTRIES_PER_FILE: '100000',
  ROCKET_BROKER_MAX_HASH_SLOT_NUM: '20000',
  ROCKET_BROKER_MAX_INDEX_NUM: '100000',
};

/** The part of a broker's `GET /status` these tests read (docs/replication.md has every field). */
export interface BrokerStatus {
  readonly role: 'none' | 'master' | 'slave';
  readonly epoch: number;
  readonly writable: boolean;
  readonly address: string;
  readonly haAddress: string;
  readonly epochEntries: readonly (readonly [number, number])[];
  readonly maxCommitLogOffset: number;
  readonly minCommitLogOffset: number;
  readonly confirmedOffset: number;
  readonly dispatchedOffset: number;
  readonly inSyncSet: readonly string[];
  readonly masterAddress: string | null;
  readonly slaves: readonly { readonly address: string; readonly ackOffset: number; readonly inSync: boolean }[];
  readonly link: { readonly connected: boolean; readonly masterMaxOffset: number | null } | null;
  readonly fencedReason: string | null;
}

/** Waits until `probe` returns something other than undefined; polls every 100 ms, throws after `timeoutMs`. */
export async function until<T>(probe: () => Promise<T | undefined> | T | undefined, what: () => string, timeoutMs: number, pollMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what()}`);
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

export async function brokerStatus(httpPort: number): Promise<BrokerStatus | undefined> {
  try {
    const res = await fetch(`http://127.0.0.1:${httpPort}/status`, { signal: AbortSignal.timeout(1000) });
    return res.status === 200 ? ((await res.json()) as BrokerStatus) : undefined;
  } catch {
    return undefined;
  }
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** A base port whose whole layout (nameserver + `brokerCount` brokers) is free right now. */
export async function freeBasePort(brokerCount: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20000 + Math.floor(Math.random() * 30000);
    const brokers = Array.from({ length: brokerCount }, (_, i) => brokerPorts(base, i)).flatMap((p) => [p.remotingPort, p.haPort, p.httpPort]);
    const ns = nameserverPorts(base);
    if ((await Promise.all([ns.remotingPort, ns.httpPort, ...brokers].map(portFree))).every(Boolean)) return base;
  }
  throw new Error('no free port range found');
}

/** The part of the controller's per-group record (controller GroupState) the tests read. */
export interface ControllerRecord {
  readonly masterId: string | null;
  readonly epoch: number;
  readonly inSyncReplicaIds: readonly string[];
}

export interface BrokerEndpoint {
  /** Process name, as `rocketctl up` names it (`broker-a-0`). */
  readonly name: string;
  readonly ports: BrokerPorts;
  /** Remoting address `127.0.0.1:port`. */
  readonly address: string;
  /** HA address (a slave's `masterAddress` names it). */
  readonly haAddress: string;
  /** Store root directory of the process. */
  readonly storeDir: string;
}

export interface UpOptions {
  readonly replicas: number;
  readonly replication: 'sync' | 'async';
  /** Added to the environment of `up` and so of every child (`ROCKET_BROKER_*` broker settings). */
  readonly env?: Readonly<Record<string, string>>;
  readonly extraArgs?: readonly string[];
}

/** One `rocketctl up --replicas N --restart --replication M` with a single broker group (broker-a). */
export class UpCluster {
  stdout = '';
  stderr = '';
  readonly exited: Promise<number | null>;
  private readonly child: ChildProcess;

  private constructor(
    readonly dataDir: string,
    readonly basePort: number,
    readonly brokers: readonly BrokerEndpoint[],
    options: UpOptions,
  ) {
    const args = ['up', '--data-dir', dataDir, '--base-port', String(basePort), '--replicas', String(options.replicas), '--restart', '--replication', options.replication, ...(options.extraArgs ?? [])];
    this.child = spawn(CLI[0], [...CLI.slice(1), ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ROCKET_NAMESRV_ADDR: '', ...options.env } });
    this.exited = new Promise((resolve) => this.child.once('close', (code) => resolve(code)));
    this.child.stdout!.setEncoding('utf8').on('data', (s: string) => (this.stdout += s));
    this.child.stderr!.setEncoding('utf8').on('data', (s: string) => (this.stderr += s));
  }

  static async start(dataDir: string, options: UpOptions): Promise<UpCluster> {
    const base = await freeBasePort(options.replicas);
    const brokers = Array.from({ length: options.replicas }, (_, i): BrokerEndpoint => {
      const ports = brokerPorts(base, i);
      const name = `broker-a-${i}`;
      return { name, ports, address: `127.0.0.1:${ports.remotingPort}`, haAddress: `127.0.0.1:${ports.haPort}`, storeDir: path.join(dataDir, name) };
    });
    return new UpCluster(dataDir, base, brokers, options);
  }

  get namesrv(): string {
    return `127.0.0.1:${nameserverPorts(this.basePort).remotingPort}`;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** The terminal output so far and the tail of the controller log, for failure messages. */
  diagnostics = (): string => {
    let controller = '';
    try {
      controller = fs.readFileSync(path.join(this.dataDir, 'logs', 'controller.log'), 'utf8').split('\n').slice(-30).join('\n');
    } catch {
      // not written yet
    }
    return `stdout:\n${this.stdout}\nstderr:\n${this.stderr}\ncontroller.log (tail):\n${controller}`;
  };

  async ready(timeoutMs = 60_000): Promise<void> {
    const ok = await until(() => (this.stdout.includes('cluster ready') ? true : !this.running ? false : undefined), this.diagnostics, timeoutMs);
    if (!ok) throw new Error(`rocketctl up exited before ready; ${this.diagnostics()}`);
  }

  statuses(): Promise<(BrokerStatus | undefined)[]> {
    return Promise.all(this.brokers.map((b) => brokerStatus(b.ports.httpPort)));
  }

  /**
   * The writable master, once every other broker is its slave at the master's epoch, in its in-sync
   * set, and has acknowledged at least what the master held when that was first seen (so the slave
   * holds everything written before the wait, also under async replication, where in sync allows a
   * lag). `caughtUpAtMs` is when the master's offset was sampled: anything stored after it may
   * still be only on the master.
   */
  async settled(timeoutMs: number, minEpoch = 0): Promise<{ index: number; status: BrokerStatus; caughtUpAtMs: number }> {
    let target: { index: number; epoch: number; offset: number; atMs: number } | undefined;
    return until(
      async () => {
        const sampledAtMs = Date.now();
        const all = await this.statuses();
        const index = all.findIndex((s) => s?.role === 'master' && s.writable && s.epoch >= minEpoch);
        if (index < 0) return undefined;
        const master = all[index]!;
        const followers = all.filter((s, i) => i !== index && s?.role === 'slave' && s.epoch === master.epoch && s.link?.connected === true);
        const allIn = master.inSyncSet.length === this.brokers.length && followers.length === this.brokers.length - 1;
        if (!allIn) return undefined;
        if (target === undefined || target.index !== index || target.epoch !== master.epoch) {
          target = { index, epoch: master.epoch, offset: master.maxCommitLogOffset, atMs: sampledAtMs };
        }
        const caughtUp = master.slaves.length === this.brokers.length - 1 && master.slaves.every((s) => s.ackOffset >= target!.offset);
        if (!caughtUp) return undefined;
        // The controller elects only from the in-sync set it recorded (from the master's reports, a tick later).
        const record = this.controllerRecord();
        const recorded = record?.masterId === this.brokers[index]!.name && record.epoch === master.epoch && this.brokers.every((b) => record.inSyncReplicaIds.includes(b.name));
        return recorded ? { index, status: master, caughtUpAtMs: target.atMs } : undefined;
      },
      () => `a settled group (epoch >= ${minEpoch}); ${this.diagnostics()}`,
      timeoutMs,
    );
  }

  /** The controller's saved decision for the group (`<data-dir>/controller/broker-a.json`), if written yet. */
  controllerRecord(): ControllerRecord | undefined {
    try {
      const body = JSON.parse(fs.readFileSync(path.join(this.dataDir, 'controller', 'broker-a.json'), 'utf8')) as { state: ControllerRecord };
      return body.state;
    } catch {
      return undefined;
    }
  }

  /** A writable master of an epoch above `afterEpoch` other than `exceptIndex`. */
  async newMaster(afterEpoch: number, timeoutMs: number): Promise<{ index: number; status: BrokerStatus }> {
    return until(
      async () => {
        const all = await this.statuses();
        const index = all.findIndex((s) => s?.role === 'master' && s.writable && s.epoch > afterEpoch);
        return index >= 0 ? { index, status: all[index]! } : undefined;
      },
      () => `a master of an epoch above ${afterEpoch}; ${this.diagnostics()}`,
      timeoutMs,
    );
  }

  /**
   * Waits until broker `index` has dispatched (built consume-queue entries for) everything its commit
   * log held when this was called, so a pull sees every message stored before the call. A promoted
   * slave may still be dispatching what it received last.
   */
  async dispatched(index: number, timeoutMs: number): Promise<BrokerStatus> {
    const first = await until(() => brokerStatus(this.brokers[index]!.ports.httpPort), () => `status of ${this.brokers[index]!.name}`, timeoutMs);
    return until(
      async () => {
        const s = await brokerStatus(this.brokers[index]!.ports.httpPort);
        return s !== undefined && s.dispatchedOffset >= first.maxCommitLogOffset ? s : undefined;
      },
      () => `${this.brokers[index]!.name} to dispatch up to ${first.maxCommitLogOffset}; ${this.diagnostics()}`,
      timeoutMs,
    );
  }

  /** The pid of a broker process as the supervisor's state file records it now (it changes on restart). */
  pidOf(index: number): number {
    const state = JSON.parse(fs.readFileSync(path.join(this.dataDir, STATE_FILE), 'utf8')) as UpState;
    const entry = state.processes.find((p) => p.name === this.brokers[index]!.name);
    if (entry === undefined) throw new Error(`no ${this.brokers[index]!.name} in ${STATE_FILE}`);
    return entry.pid;
  }

  signal(index: number, signal: NodeJS.Signals): number {
    const pid = this.pidOf(index);
    process.kill(pid, signal);
    return pid;
  }

  /** Stops the cluster (SIGINT, as Ctrl-C) and resolves with `up`'s exit code. */
  async stop(): Promise<number | null> {
    if (this.running) this.child.kill('SIGINT');
    return this.exited;
  }

  /** Last resort for a test that failed half-way: continue anything stopped, then stop. */
  async stopAfterFailure(): Promise<void> {
    for (let i = 0; i < this.brokers.length; i++) {
      try {
        this.signal(i, 'SIGCONT');
      } catch {
        // gone already
      }
    }
    await this.stop();
  }
}
