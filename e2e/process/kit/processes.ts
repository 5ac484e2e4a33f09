/**
 * The processes of a local cluster started one by one by the test itself (not by `rocketctl up`),
 * for scenarios that need a process to stay down, or to come back, exactly when the test says so:
 * the same command lines and port layout as `rocketctl up` (cli/supervisor/specs), each child's
 * output in `<data-dir>/logs/<name>-<start number>.log`.
 */
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ClusterLayout, ProcessSpec } from '../../../cli/supervisor/specs';
import { buildProcessSpecs } from '../../../cli/supervisor/specs';
import { ROOT, until } from './cluster';

export interface RunningChild {
  readonly spec: ProcessSpec;
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
  readonly logFile: string;
}

export class ManualCluster {
  readonly specs: readonly ProcessSpec[];
  private readonly children = new Map<string, RunningChild>();
  private readonly lastLog = new Map<string, string>();
  private starts = 0;

  constructor(
    readonly layout: ClusterLayout,
    private readonly env: Readonly<Record<string, string>>,
  ) {
    this.specs = buildProcessSpecs(layout);
    fs.mkdirSync(path.join(layout.dataDir, 'logs'), { recursive: true });
  }

  spec(name: string): ProcessSpec {
    const s = this.specs.find((x) => x.name === name);
    if (s === undefined) throw new Error(`no process ${name}`);
    return s;
  }

  /** Starts a process from the TypeScript sources; resolves once it logged its ready line. */
  async start(name: string, timeoutMs = 60_000): Promise<RunningChild> {
    if (this.children.has(name)) throw new Error(`${name} is running`);
    const spec = this.spec(name);
    const logFile = spec.logFile.replace(/\.log$/, `-${++this.starts}.log`);
    this.lastLog.set(name, logFile);
    const log = fs.openSync(logFile, 'a');
    const child = spawn(process.execPath, ['-r', '@swc-node/register', path.join(ROOT, spec.entry, 'main.ts'), ...spec.args], {
      cwd: ROOT,
      stdio: ['ignore', log, log],
      env: { ...process.env, ROCKET_NAMESRV_ADDR: '', SWC_NODE_PROJECT: path.join(ROOT, 'tsconfig.json'), ...this.env, ...spec.env },
    });
    fs.closeSync(log);
    const running: RunningChild = { spec, child, logFile, exited: new Promise((resolve) => child.once('exit', (code) => resolve(code))) };
    this.children.set(name, running);
    void running.exited.then(() => {
      if (this.children.get(name) === running) this.children.delete(name);
    });
    await until(
      () => {
        if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${name} exited while starting; ${this.logTail(name)}`);
        return fs.readFileSync(logFile, 'utf8').includes(`"message":"${spec.readyMessage}"`) ? true : undefined;
      },
      () => `${name} ready; ${this.logTail(name)}`,
      timeoutMs,
    );
    return running;
  }

  /** kill -9, and waits for the exit. */
  async kill(name: string): Promise<void> {
    const running = this.children.get(name);
    if (running === undefined) throw new Error(`${name} is not running`);
    running.child.kill('SIGKILL');
    await running.exited;
  }

  /** SIGTERM (a clean shutdown), and waits for the exit. */
  async stop(name: string): Promise<number | null> {
    const running = this.children.get(name);
    if (running === undefined) return null;
    running.child.kill('SIGTERM');
    return running.exited;
  }

  /** Brokers first, then the nameserver. */
  async stopAll(): Promise<void> {
    for (const s of [...this.specs].reverse()) await this.stop(s.name);
  }

  logTail(name: string, lines = 20): string {
    const file = this.lastLog.get(name);
    try {
      return `${file}:\n${fs.readFileSync(file ?? '', 'utf8').split('\n').slice(-lines).join('\n')}`;
    } catch {
      return `${name}: no log`;
    }
  }
}
