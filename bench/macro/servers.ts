/**
 * The servers under test, as real child processes: a name server and one broker master, both on
 * 127.0.0.1 with any free port, found through their "<name> ready" JSON log line.
 *
 * A server runs from `dist/<entry>/main.js` when that is built and newer than every TypeScript
 * source, else from `<entry>/main.ts` through @swc-node/register (both are plain JS at run time;
 * only start-up differs). BENCH_LAUNCH=dist|source forces one form.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

export const REPO_ROOT = path.resolve(__dirname, '..', '..');
const HOOKS = path.join(__dirname, 'child-hooks.js');
/** Swc compiles the broker's sources on first start; a cold start of that takes seconds on 2 busy cores. */
const READY_TIMEOUT_MS = 120_000;
const STOP_TIMEOUT_MS = 15_000;
/** Last log lines kept per server, shown when it fails. */
const KEPT_LINES = 40;

export type ServerEntry = 'nameserver' | 'broker';
export type LaunchForm = 'dist' | 'source';

/** Folders that hold no server sources. */
const NOT_SOURCES = new Set(['node_modules', 'dist', 'bench', 'testing', 'docs', 'e2e', 'data', 'coverage', 'native']);

function newestSourceMtimeMs(dir: string): number {
  let newest = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    if (e.name.startsWith('.')) continue;
    const full = path.join(dir, e.name);
    if (e.isDirectory()) {
      if (!NOT_SOURCES.has(e.name)) newest = Math.max(newest, newestSourceMtimeMs(full));
    } else if (e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') && !e.name.endsWith('.d.ts')) {
      newest = Math.max(newest, fs.statSync(full).mtimeMs);
    }
  }
  return newest;
}

let sourcesMtime: number | undefined;

/** `dist` when its compiled entry is at least as new as every source file, else `source`. */
export function launchForm(entry: ServerEntry, forced = process.env.BENCH_LAUNCH): LaunchForm {
  if (forced === 'dist' || forced === 'source') return forced;
  const dist = path.join(REPO_ROOT, 'dist', entry, 'main.js');
  if (!fs.existsSync(dist)) return 'source';
  sourcesMtime ??= newestSourceMtimeMs(REPO_ROOT);
  return fs.statSync(dist).mtimeMs >= sourcesMtime ? 'dist' : 'source';
}

export interface ServerOptions {
  readonly entry: ServerEntry;
  readonly args: readonly string[];
  /** Write V8 CPU profiles here on demand (see child-hooks.js). */
  readonly profileDir?: string;
  /** Extra node flags, e.g. --cpu-prof. */
  readonly nodeFlags?: readonly string[];
}

/** A started server process. */
export class ServerProcess {
  private exited = false;
  private readonly exit: Promise<void>;

  private constructor(
    readonly entry: ServerEntry,
    readonly form: LaunchForm,
    private readonly child: ChildProcess,
    /** Fields of the ready line (remotingPort, httpPort...). */
    readonly ready: Readonly<Record<string, unknown>>,
    exit: Promise<void>,
    /** The last KEPT_LINES lines of output (stdout and stderr). */
    readonly lines: readonly string[],
  ) {
    this.exit = exit;
    void exit.then(() => (this.exited = true));
  }

  get pid(): number {
    return this.child.pid!;
  }

  get remotingPort(): number {
    return Number(this.ready.remotingPort);
  }

  get alive(): boolean {
    return !this.exited;
  }

  /** Sends SIGTERM, waits for the exit, SIGKILL after STOP_TIMEOUT_MS. */
  async stop(): Promise<void> {
    if (this.exited) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await this.exit;
    clearTimeout(timer);
  }

  signal(sig: NodeJS.Signals): void {
    this.child.kill(sig);
  }

  static async start(options: ServerOptions): Promise<ServerProcess> {
    const form = launchForm(options.entry);
    const file = form === 'dist' ? path.join(REPO_ROOT, 'dist', options.entry, 'main.js') : path.join(REPO_ROOT, options.entry, 'main.ts');
    const register = form === 'source' ? ['-r', require.resolve('@swc-node/register', { paths: [REPO_ROOT] })] : [];
    const env: NodeJS.ProcessEnv = { ...process.env, ROCKET_BENCH_PARENT_PID: String(process.pid), ROCKET_BENCH_PROFILE_NAME: options.entry };
    if (options.profileDir !== undefined) env.ROCKET_BENCH_PROFILE_DIR = options.profileDir;
    else delete env.ROCKET_BENCH_PROFILE_DIR;
    const child = spawn(process.execPath, [...(options.nodeFlags ?? []), ...register, '-r', HOOKS, file, ...options.args], {
      cwd: REPO_ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const lines: string[] = [];
    const traceLog = traceLogOf(options.entry);
    const keep = (line: string): void => {
      lines.push(line);
      if (lines.length > KEPT_LINES) lines.shift();
      traceLog?.(line);
    };
    const exit = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const readyMessage = `${options.entry} ready`;
    const ready = await new Promise<Record<string, unknown>>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${options.entry} not ready after ${READY_TIMEOUT_MS} ms`)), READY_TIMEOUT_MS);
      readLines(child.stdout!, (line) => {
        keep(line);
        const fields = readyFields(line, readyMessage);
        if (fields !== undefined) {
          clearTimeout(timer);
          resolve(fields);
        }
      });
      readLines(child.stderr!, keep);
      void exit.then(() => {
        clearTimeout(timer);
        reject(new Error(`${options.entry} exited before it was ready (code ${child.exitCode}, signal ${child.signalCode})`));
      });
    }).catch((e: unknown) => {
      child.kill('SIGKILL');
      throw new Error(`${(e as Error).message}; last output:\n${lines.join('\n')}`);
    });
    // The readers stay attached after ready: a full pipe would block the server's logging.
    return new ServerProcess(options.entry, form, child, ready, exit, lines);
  }
}

/**
 * BENCH_TRACE_DIR: every output line of the server, prefixed with the monotonic time (ns, the clock of
 * process.hrtime) at which it was read, to <dir>/<entry>-<time>.log: lines of --trace-opt/--trace-deopt
 * or --trace-gc can then be lined up with the client's per-send trace (a pipe adds well under a ms).
 */
function traceLogOf(entry: ServerEntry): ((line: string) => void) | undefined {
  const dir = process.env.BENCH_TRACE_DIR;
  if (dir === undefined || dir === '') return undefined;
  fs.mkdirSync(dir, { recursive: true });
  const fd = fs.openSync(path.join(dir, `${entry}-${Date.now()}.log`), 'a');
  return (line) => fs.writeSync(fd, `${process.hrtime.bigint()}\t${line}\n`);
}

function readLines(stream: NodeJS.ReadableStream, onLine: (line: string) => void): void {
  let tail = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    const parts = (tail + chunk).split('\n');
    tail = parts.pop() ?? '';
    if (tail.length > 65536) tail = '';
    for (const p of parts) onLine(p);
  });
}

function readyFields(line: string, message: string): Record<string, unknown> | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const value = JSON.parse(line) as Record<string, unknown>;
    return value.message === message ? value : undefined;
  } catch {
    return undefined;
  }
}

export interface ClusterOptions {
  readonly dataDir: string;
  readonly segmentBytes: number;
  readonly profileDir?: string;
  readonly brokerNodeFlags?: readonly string[];
  /** Slaves replicating from the broker (static roles), and the master's replication mode. Default none. */
  readonly slaves?: number;
  readonly replicationMode?: 'async' | 'sync';
}

/** A name server and one broker master with async flush (and optionally its slaves), data under `dataDir`. */
export class BenchCluster {
  private constructor(
    readonly nameserver: ServerProcess,
    readonly broker: ServerProcess,
    readonly slaves: readonly ServerProcess[] = [],
  ) {}

  /** The master's admin API (GET /status). */
  get brokerHttpUrl(): string {
    return `http://127.0.0.1:${Number(this.broker.ready.httpPort)}`;
  }

  get namesrvAddr(): string {
    return `127.0.0.1:${this.nameserver.remotingPort}`;
  }

  get brokerAddr(): string {
    return `127.0.0.1:${this.broker.remotingPort}`;
  }

  static async start(options: ClusterOptions): Promise<BenchCluster> {
    const nameserver = await ServerProcess.start({
      entry: 'nameserver',
      args: ['--host', '127.0.0.1', '--listen-port', '0', '--http-port', '0', '--data-dir', path.join(options.dataDir, 'namesrv')],
    });
    try {
      const broker = await ServerProcess.start({
        entry: 'broker',
        args: [
          '--broker-name', 'bench-broker',
          '--listen-host', '127.0.0.1', '--listen-port', '0', '--ha-listen-port', '0', '--http-port', '0',
          '--broker-ip1', '127.0.0.1',
          '--namesrv-addr', `127.0.0.1:${nameserver.remotingPort}`,
          '--store-path-root-dir', path.join(options.dataDir, 'broker'),
          '--flush-disk-type', 'ASYNC_FLUSH',
          '--commit-log-segment-bytes', String(options.segmentBytes),
          ...(options.slaves === undefined || options.slaves === 0
            ? []
            : ['--replication-mode', options.replicationMode ?? 'async', '--broker-role', 'master']),
        ],
        ...(options.profileDir === undefined ? {} : { profileDir: options.profileDir }),
        ...(options.brokerNodeFlags === undefined ? {} : { nodeFlags: options.brokerNodeFlags }),
      });
      const slaves: ServerProcess[] = [];
      try {
        for (let id = 1; id <= (options.slaves ?? 0); id++) slaves.push(await startSlave(options, nameserver, broker, id));
      } catch (e) {
        for (const s of slaves) await s.stop();
        await broker.stop();
        throw e;
      }
      return new BenchCluster(nameserver, broker, slaves);
    } catch (e) {
      await nameserver.stop();
      throw e;
    }
  }

  async stop(): Promise<void> {
    for (const s of this.slaves) await s.stop();
    await this.broker.stop();
    await this.nameserver.stop();
  }
}

/** A static slave of `master` with brokerId `id`, replicating from the master's HA port. */
function startSlave(options: ClusterOptions, nameserver: ServerProcess, master: ServerProcess, id: number): Promise<ServerProcess> {
  return ServerProcess.start({
    entry: 'broker',
    args: [
      '--broker-name', 'bench-broker', '--broker-id', String(id), '--broker-role', 'slave',
      '--ha-master-address', `127.0.0.1:${Number(master.ready.haPort)}`,
      '--listen-host', '127.0.0.1', '--listen-port', '0', '--ha-listen-port', '0', '--http-port', '0',
      '--broker-ip1', '127.0.0.1',
      '--namesrv-addr', `127.0.0.1:${nameserver.remotingPort}`,
      '--store-path-root-dir', path.join(options.dataDir, `broker-slave-${id}`),
      '--flush-disk-type', 'ASYNC_FLUSH',
      '--commit-log-segment-bytes', String(options.segmentBytes),
    ],
  });
}
