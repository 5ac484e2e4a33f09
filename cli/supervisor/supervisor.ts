/**
 * The local supervisor behind `rocketctl up`: starts a list of process specs in order (each waits
 * for the previous one's ready line), watches them, restarts or stops on an unexpected exit
 * according to each spec's policy, and stops everything in reverse order. It knows nothing about
 * nameservers or brokers: roles live in the specs. Reports through `onEvent`; does not print.
 */
import type { Result } from '../../stdx';
import { err, ok, systemClock } from '../../stdx';
import type { Clock } from '../../stdx';
import { formatDuration } from '../format/table';
import type { LaunchCommand } from './launch';
import type { ExitInfo } from './managed-process';
import { ManagedProcess } from './managed-process';
import type { RestartLimits } from './restart';
import { DEFAULT_RESTART_LIMITS, decideRestart } from './restart';
import type { ProcessSpec } from './specs';

export type SupervisorEvent =
  | { readonly kind: 'starting'; readonly name: string; readonly form: 'dist' | 'source' }
  | { readonly kind: 'ready'; readonly name: string; readonly pid: number; readonly fields: Readonly<Record<string, unknown>> }
  | { readonly kind: 'notable'; readonly name: string; readonly line: string }
  | { readonly kind: 'exited'; readonly name: string; readonly exit: ExitInfo; readonly expected: boolean; readonly lastLines: readonly string[] }
  | { readonly kind: 'restarting'; readonly name: string; readonly attempt: number; readonly delayMs: number }
  | { readonly kind: 'giving-up'; readonly name: string; readonly reason: string };

export type SupervisorOutcome =
  | { readonly kind: 'stopped' }
  | { readonly kind: 'child-failed'; readonly name: string; readonly reason: string };

export interface SupervisorOptions {
  readonly specs: readonly ProcessSpec[];
  readonly launch: (spec: ProcessSpec) => Result<LaunchCommand, string>;
  readonly onEvent: (event: SupervisorEvent) => void;
  /** How long a process may take from spawn to its ready line. */
  readonly readyTimeoutMs: number;
  /** How long a process gets between SIGTERM and SIGKILL. */
  readonly stopGraceMs: number;
  readonly restartLimits?: RestartLimits;
  readonly clock?: Clock;
  /**
   * Awaited after the backoff, before a restart: a controlled broker waits here until the
   * controller has replaced it as master, so it returns as a slave instead of winning its old role
   * back before anyone noticed it was gone.
   */
  readonly beforeRestart?: (spec: ProcessSpec) => Promise<void>;
}

export interface RunningProcess {
  readonly spec: ProcessSpec;
  readonly pid: number;
  /** The fields of its ready line (the ports it really listens on). */
  readonly ready: Readonly<Record<string, unknown>>;
}

export function describeExit(exit: ExitInfo): string {
  if (exit.spawnError !== undefined) return `could not start: ${exit.spawnError}`;
  if (exit.signal !== null) return `killed by ${exit.signal}`;
  return `exited with code ${exit.code}`;
}

export class Supervisor {
  private readonly procs: ManagedProcess[];
  private readonly readyFields = new Map<string, Readonly<Record<string, unknown>>>();
  private readonly restarts = new Map<string, number[]>();
  private readonly backoffTimers = new Set<NodeJS.Timeout>();
  private stopping: Promise<void> | undefined;
  private resolveFinished!: (outcome: SupervisorOutcome) => void;
  private outcome: SupervisorOutcome | undefined;
  /** Resolves once every process has exited: after `stop()`, or after a failure stopped the rest. */
  readonly finished: Promise<SupervisorOutcome>;
  private readonly clock: Clock;

  constructor(private readonly options: SupervisorOptions) {
    const names = new Set(options.specs.map((s) => s.name));
    if (names.size !== options.specs.length) throw new Error('process names must be unique');
    this.procs = options.specs.map((s) => new ManagedProcess(s));
    this.clock = options.clock ?? systemClock;
    this.finished = new Promise((resolve) => (this.resolveFinished = resolve));
  }

  /** Starts every process in order; stops at the first that fails to become ready (the caller then calls `stop`). */
  async start(): Promise<Result<RunningProcess[], string>> {
    for (const proc of this.procs) {
      if (this.stopping !== undefined) return err('stopped while starting');
      const started = await this.startOne(proc);
      if (!started.ok) return started;
    }
    return ok(this.running());
  }

  /** The processes alive now, with their pids. */
  running(): RunningProcess[] {
    return this.procs.flatMap((p) => (p.pid === undefined ? [] : [{ spec: p.spec, pid: p.pid, ready: this.readyFields.get(p.spec.name) ?? {} }]));
  }

  /**
   * Stops every process, last-started first by role (slaves, masters, nameserver), processes of one
   * role in parallel. Idempotent; resolves when all have exited.
   */
  stop(): Promise<void> {
    this.stopping ??= this.stopAll();
    return this.stopping;
  }

  /** The last lines a process printed (for a failure report). */
  lastLines(name: string): string[] {
    return this.procs.find((p) => p.spec.name === name)?.lastLines() ?? [];
  }

  /** Second Ctrl-C: SIGKILL whatever is still running. */
  killAll(): void {
    for (const p of this.procs) p.kill();
  }

  private async stopAll(): Promise<void> {
    for (const t of this.backoffTimers) clearTimeout(t);
    this.backoffTimers.clear();
    const roles = [...new Set(this.procs.map((p) => p.spec.role))].reverse();
    for (const role of roles) {
      await Promise.all(this.procs.filter((p) => p.spec.role === role).map((p) => p.stop(this.options.stopGraceMs)));
    }
    this.outcome ??= { kind: 'stopped' };
    this.resolveFinished(this.outcome);
  }

  /** An unexpected exit that is not restarted: stop the rest; `finished` reports this process. */
  private fail(name: string, reason: string): void {
    this.outcome ??= { kind: 'child-failed', name, reason };
    void this.stop();
  }

  /** Spawns one process and waits for its ready line, its exit, or the timeout. */
  private startOne(proc: ManagedProcess): Promise<Result<void, string>> {
    const command = this.options.launch(proc.spec);
    if (!command.ok) return Promise.resolve(err(command.error));
    this.options.onEvent({ kind: 'starting', name: proc.spec.name, form: command.value.form });
    return new Promise((resolve) => {
      let settled = false;
      const settle = (r: Result<void, string>) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(r);
      };
      const timer = setTimeout(() => {
        settle(err(`${proc.spec.name} did not log "${proc.spec.readyMessage}" within ${formatDuration(this.options.readyTimeoutMs)}`));
      }, this.options.readyTimeoutMs);
      proc.spawn(command.value, { ROCKET_SUPERVISOR_PID: String(process.pid) }, {
        onReady: (fields) => {
          this.readyFields.set(proc.spec.name, fields);
          this.options.onEvent({ kind: 'ready', name: proc.spec.name, pid: proc.pid ?? -1, fields });
          settle(ok(undefined));
        },
        onNotable: (line) => this.options.onEvent({ kind: 'notable', name: proc.spec.name, line }),
        onExit: (exit) => {
          const expected = this.stopping !== undefined;
          this.options.onEvent({ kind: 'exited', name: proc.spec.name, exit, expected, lastLines: proc.lastLines() });
          if (!settled) {
            settle(err(`${proc.spec.name} ${describeExit(exit)} before it was ready`));
            return;
          }
          if (!expected) this.onUnexpectedExit(proc, exit);
        },
      });
    });
  }

  private onUnexpectedExit(proc: ManagedProcess, exit: ExitInfo): void {
    const name = proc.spec.name;
    const now = this.clock.monotonicMs();
    const history = this.restarts.get(name) ?? [];
    const decision = decideRestart(proc.spec.restart, history, now, this.options.restartLimits ?? DEFAULT_RESTART_LIMITS);
    if (!decision.restart) {
      this.options.onEvent({ kind: 'giving-up', name, reason: decision.reason });
      this.fail(name, `${name} ${describeExit(exit)}`);
      return;
    }
    this.restarts.set(name, [...history.filter((t) => now - t < (this.options.restartLimits ?? DEFAULT_RESTART_LIMITS).windowMs), now]);
    this.options.onEvent({ kind: 'restarting', name, attempt: decision.attempt, delayMs: decision.delayMs });
    const timer = setTimeout(() => {
      this.backoffTimers.delete(timer);
      if (this.stopping !== undefined) return;
      const waited = this.options.beforeRestart?.(proc.spec).catch(() => undefined) ?? Promise.resolve();
      void waited.then(() => (this.stopping !== undefined ? ok(undefined) : this.startOne(proc))).then((r) => {
        // A restart that never became ready: stop it; its exit comes back here and counts as a failure.
        if (!r.ok && proc.pid !== undefined) void proc.stop(this.options.stopGraceMs);
        else if (!r.ok && this.stopping === undefined) this.onUnexpectedExit(proc, { code: null, signal: null, spawnError: r.error });
      });
    }, decision.delayMs);
    this.backoffTimers.add(timer);
  }
}
