/**
 * `rocketctl up`: runs a local cluster in child processes until Ctrl-C / SIGTERM. The terminal
 * gets a concise status (what starts, the ready table, warnings, exits); each child's own JSON logs
 * go to `<data-dir>/logs/<process>.log`. While running, `<data-dir>/rocketctl-up.json` records the
 * supervisor's and children's pids and ports (for scripts and tests) and keeps a second `up` off
 * the same data directory.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { createRootLogger, writeFileAtomicSync } from '../../ops';
import { isProcessAlive } from '../../stdx';
import type { ControllerHost, ControlServer } from '../controller-host';
import { CONTROL_TOKEN_FILE, startControlServer, startControllerHost } from '../controller-host';
import { ExitCode } from '../errors';
import type { Output } from '../output';
import { toJson } from '../output';
import { launchContext, resolveLaunch } from './launch';
import type { RunningProcess, SupervisorEvent } from './supervisor';
import { Supervisor, describeExit } from './supervisor';
import type { ProcessSpec } from './specs';
import { buildProcessSpecs, controlledReplicas, nameserverAddress } from './specs';
import type { UpConfig } from './up-config';
import { readyTable, shortPath } from './up-config';

export const STATE_FILE = 'rocketctl-up.json';
const RESTART_WAIT_FOR_FAILOVER_MS = 8_000;

export interface UpState {
  readonly pid: number;
  readonly startedAt: string;
  readonly namesrvAddr: string;
  readonly processes: readonly { name: string; role: string; pid: number; ready: Readonly<Record<string, unknown>> }[];
  /**
   * The controller's control endpoint (cli/controller-host/control-api.ts), when the cluster has
   * replicated groups; its bearer token is in CONTROL_TOKEN_FILE (mode 0600) beside this file.
   */
  readonly control?: { readonly url: string };
}

export type Signal = 'SIGINT' | 'SIGTERM' | 'SIGHUP';

/** Where stop requests come from: the process's signals, or a test. Returns an unsubscribe function. */
export type SignalSource = (handler: (signal: Signal) => void) => () => void;

export const processSignals: SignalSource = (handler) => {
  const signals: Signal[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  for (const s of signals) process.on(s, handler);
  return () => signals.forEach((s) => process.off(s, handler));
};

export interface UpContext {
  readonly out: Output;
  readonly cwd: string;
  readonly signals: SignalSource;
}

/** The pid of another live `up` on this data directory, if any. */
export function runningSupervisor(dataDir: string): number | undefined {
  try {
    const state = JSON.parse(fs.readFileSync(path.join(dataDir, STATE_FILE), 'utf8')) as Partial<UpState>;
    return typeof state.pid === 'number' && state.pid !== process.pid && isProcessAlive(state.pid) ? state.pid : undefined;
  } catch {
    return undefined;
  }
}

function reporter(out: Output, specs: readonly ProcessSpec[], cwd: string): (e: SupervisorEvent) => void {
  const logOf = (name: string) => shortPath(specs.find((s) => s.name === name)?.logFile ?? name, cwd);
  return (e) => {
    switch (e.kind) {
      case 'starting':
        out.err(`starting ${e.name}${e.form === 'source' ? ' (from TypeScript sources)' : ''}`);
        return;
      case 'ready':
        out.err(`${e.name} ready (pid ${e.pid})`);
        return;
      case 'notable':
        out.err(e.line);
        return;
      case 'exited':
        if (e.expected) return;
        out.err(`${e.name} ${describeExit(e.exit)} unexpectedly; last lines (full log: ${logOf(e.name)}):`);
        for (const l of e.lastLines.slice(-10)) out.err(`  ${l}`);
        return;
      case 'restarting':
        out.err(`restarting ${e.name} in ${(e.delayMs / 1000).toFixed(1)} s (restart ${e.attempt})`);
        return;
      case 'giving-up':
        out.err(`not restarting ${e.name}: ${e.reason}`);
        return;
    }
  };
}

function writeState(dataDir: string, namesrvAddr: string, running: readonly RunningProcess[], control: ControlServer | undefined): void {
  const state: UpState = {
    pid: process.pid,
    startedAt: new Date().toISOString(),
    namesrvAddr,
    processes: running.map((r) => ({ name: r.spec.name, role: r.spec.role, pid: r.pid, ready: r.ready })),
    ...(control !== undefined ? { control: { url: control.url } } : {}),
  };
  writeFileAtomicSync(path.join(dataDir, STATE_FILE), `${toJson(state)}\n`);
}

function portInUse(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', (e: NodeJS.ErrnoException) => resolve(e.code === 'EADDRINUSE'));
    server.listen(port, host, () => server.close(() => resolve(false)));
  });
}

/**
 * Ports of the layout something else already listens on. Checked up front so "port 9876 is in use"
 * is said plainly instead of as a child's startup failure; a port taken in the moment between the
 * check and the child's bind still fails the child, with its log lines.
 */
export async function busyPorts(specs: readonly ProcessSpec[], host: string): Promise<string[]> {
  const wanted = specs.flatMap((s) => Object.entries(s.ports).map(([kind, port]) => ({ name: s.name, kind, port: port as number })));
  const busy = await Promise.all(wanted.map((w) => portInUse(host, w.port)));
  return wanted.filter((_, i) => busy[i]).map((w) => `${w.port} (${w.name} ${w.kind.replace(/Port$/, '')})`);
}

/**
 * Starts the controller for the replicated groups (none: undefined). Its events go to
 * `<data-dir>/logs/controller.log`; master changes also to the terminal.
 */
function startController(config: UpConfig, specs: readonly ProcessSpec[], out: Output): ControllerHost | undefined {
  const replicas = controlledReplicas(specs, config.layout);
  if (replicas.length === 0) return undefined;
  const stream = fs.createWriteStream(path.join(config.layout.dataDir, 'logs', 'controller.log'), { flags: 'a' });
  const logger = createRootLogger({ service: 'rocketctl-controller', stream });
  const host = startControllerHost({
    dataDir: config.layout.dataDir,
    replicas,
    ...(process.env.ROCKET_BROKER_ADMIN_TOKEN !== undefined ? { adminToken: process.env.ROCKET_BROKER_ADMIN_TOKEN } : {}),
    logger,
    onRoleChange: (line) => out.err(line),
  });
  let stopping: Promise<void> | undefined;
  return {
    ...host,
    stop: () =>
      (stopping ??= (async () => {
        await host.stop();
        await new Promise<void>((resolve) => stream.end(() => resolve()));
      })()),
  };
}

/**
 * Opens the controller's control endpoint for `rocketctl switchover/failover`. The token goes to a
 * file only the user can read; the endpoint's URL goes to the state file.
 */
async function startControl(dataDir: string, host: ControllerHost): Promise<ControlServer> {
  const token = randomBytes(24).toString('hex');
  const tokenFile = path.join(dataDir, CONTROL_TOKEN_FILE);
  fs.rmSync(tokenFile, { force: true });
  fs.writeFileSync(tokenFile, `${token}\n`, { mode: 0o600 });
  return startControlServer(host, token);
}

export async function runUp(config: UpConfig, ctx: UpContext): Promise<ExitCode> {
  const { out } = ctx;
  const { layout } = config;
  const other = runningSupervisor(layout.dataDir);
  if (other !== undefined) {
    out.err(`another rocketctl up (pid ${other}) is running on ${layout.dataDir}; stop it first (or delete ${STATE_FILE} there if that pid is not rocketctl)`);
    return ExitCode.failure;
  }
  fs.mkdirSync(path.join(layout.dataDir, 'logs'), { recursive: true });
  const specs = buildProcessSpecs(layout);
  const busy = await busyPorts(specs, layout.host);
  if (busy.length > 0) {
    out.err(`ports already in use: ${busy.join(', ')}; is another cluster running? (--base-port moves every port)`);
    return ExitCode.failure;
  }
  const guard = path.join(__dirname, `child-guard${path.extname(__filename)}`);
  const launch = launchContext(config.launchMode, guard);
  const namesrvAddr = nameserverAddress(layout);
  const report = reporter(out, specs, ctx.cwd);
  let serving = false;
  let controller: ControllerHost | undefined;
  let control: ControlServer | undefined;
  const supervisor: Supervisor = new Supervisor({
    specs,
    launch: (spec) => resolveLaunch(launch, spec.entry, spec.args),
    onEvent: (e) => {
      report(e);
      // A restarted process has a new pid: keep the state file true.
      if (e.kind === 'ready' && serving) writeState(layout.dataDir, namesrvAddr, supervisor.running(), control);
    },
    readyTimeoutMs: config.readyTimeoutMs,
    stopGraceMs: config.stopGraceMs,
    // Long enough for a failover (master down after 2 s, a tick, the promote), short enough that a
    // group with no eligible slave gets its master back soon.
    beforeRestart: (spec) => controller?.untilNotMaster(spec.name, RESTART_WAIT_FOR_FAILOVER_MS) ?? Promise.resolve(),
  });
  let signalled = false;
  // The controller stops first: brokers going down on purpose must not look like a failover.
  const stopAll = async (): Promise<void> => {
    await control?.close();
    await controller?.stop();
    await supervisor.stop();
  };
  const unsubscribe = ctx.signals((signal) => {
    if (!signalled) {
      signalled = true;
      out.err(`${signal}: stopping the cluster (again to kill at once)`);
      void stopAll();
    } else {
      out.err(`${signal}: killing every process now`);
      supervisor.killAll();
    }
  });
  try {
    out.err(`rocketctl up: data in ${shortPath(layout.dataDir, ctx.cwd)}, logs in ${shortPath(path.join(layout.dataDir, 'logs'), ctx.cwd)}`);
    const started = await supervisor.start();
    if (!started.ok) {
      if (!signalled) out.err(`startup failed: ${started.error}`);
      await supervisor.stop();
      return signalled ? ExitCode.ok : ExitCode.failure;
    }
    serving = true;
    writeState(layout.dataDir, namesrvAddr, started.value, undefined);
    if (!signalled) controller = startController(config, specs, out);
    if (controller !== undefined) {
      control = await startControl(layout.dataDir, controller);
      writeState(layout.dataDir, namesrvAddr, supervisor.running(), control);
    }
    // Clients can send once every group has a master: wait for the controller's first decisions.
    if (controller !== undefined && !(await controller.untilMasters(config.readyTimeoutMs)) && !signalled) {
      out.err(`no master elected within ${Math.round(config.readyTimeoutMs / 1000)} s; see ${shortPath(path.join(layout.dataDir, 'logs', 'controller.log'), ctx.cwd)}`);
      await stopAll();
      return ExitCode.failure;
    }
    out.out('');
    readyTable(started.value, ctx.cwd).forEach((l) => out.out(l));
    out.out('');
    out.out(`cluster ready: namesrv ${namesrvAddr} (export ROCKET_NAMESRV_ADDR=${namesrvAddr}); Ctrl-C stops it`);
    const outcome = await supervisor.finished;
    await control?.close();
    await controller?.stop();
    if (outcome.kind === 'stopped') {
      out.err('cluster stopped');
      return ExitCode.ok;
    }
    out.err(`cluster stopped because ${outcome.reason}`);
    return ExitCode.failure;
  } finally {
    await control?.close();
    await controller?.stop();
    unsubscribe();
    fs.rmSync(path.join(layout.dataDir, STATE_FILE), { force: true });
    fs.rmSync(path.join(layout.dataDir, CONTROL_TOKEN_FILE), { force: true });
  }
}
