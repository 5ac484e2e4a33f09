/**
 * One child process of the supervisor: spawns it (own process group, stdout and stderr into its log
 * file), watches its stdout for the ready line and for warnings, keeps the last lines for a failure
 * report, and stops it (SIGTERM, then SIGKILL after a grace period).
 */
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { LaunchCommand } from './launch';
import type { LogRecord } from './log-lines';
import { LineSplitter, isNotable, matchReadyLine, parseLogLine, summarize } from './log-lines';
import type { ProcessSpec } from './specs';

export const TAIL_LINES = 20;

export interface ExitInfo {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** Set when the process could not be spawned at all. */
  readonly spawnError?: string;
}

export interface ProcessHooks {
  onReady(fields: Readonly<Record<string, unknown>>): void;
  onNotable(line: string): void;
  onExit(exit: ExitInfo): void;
}

/** A line the supervisor adds to a child's log file, in the children's own JSON shape. */
function supervisorLine(message: string, fields: Record<string, unknown>): string {
  return `${JSON.stringify({ level: 'info', message, service: 'rocketctl', timestamp: new Date().toISOString(), ...fields })}\n`;
}

export class ManagedProcess {
  private child: ChildProcess | undefined;
  private readonly tail: string[] = [];
  private exited: Promise<ExitInfo> = Promise.resolve({ code: null, signal: null });
  private ready = false;

  constructor(readonly spec: ProcessSpec) {}

  get pid(): number | undefined {
    return this.child?.exitCode === null && this.child.signalCode === null ? this.child.pid : undefined;
  }

  get isReady(): boolean {
    return this.ready;
  }

  /** The last lines the process printed, readable (JSON lines summarized). */
  lastLines(): string[] {
    return [...this.tail];
  }

  spawn(command: LaunchCommand, extraEnv: Readonly<Record<string, string>>, hooks: ProcessHooks): void {
    fs.mkdirSync(path.dirname(this.spec.logFile), { recursive: true });
    fs.mkdirSync(this.spec.dataDir, { recursive: true });
    const log = fs.createWriteStream(this.spec.logFile, { flags: 'a' });
    this.ready = false;
    this.tail.length = 0;
    const child = spawn(command.file, [...command.args], {
      env: { ...process.env, ...command.env, ...this.spec.env, ...extraEnv },
      stdio: ['ignore', 'pipe', 'pipe'],
      // Own process group: a terminal Ctrl-C reaches only the supervisor, which stops children in order.
      detached: true,
    });
    this.child = child;
    log.write(supervisorLine('process started', { process: this.spec.name, childPid: child.pid, command: [command.file, ...command.args] }));
    child.stdout!.pipe(log, { end: false });
    child.stderr!.pipe(log, { end: false });
    const out = new LineSplitter();
    const errLines = new LineSplitter();
    child.stdout!.setEncoding('utf8');
    child.stderr!.setEncoding('utf8');
    child.stdout!.on('data', (chunk: string) => out.push(chunk).forEach((l) => this.onStdoutLine(l, hooks)));
    child.stderr!.on('data', (chunk: string) => errLines.push(chunk).forEach((l) => this.remember(l)));
    this.exited = new Promise((resolve) => {
      let spawnError: string | undefined;
      let finished = false;
      const finish = (code: number | null, signal: NodeJS.Signals | null) => {
        if (finished) return;
        finished = true;
        out.flush().forEach((l) => this.onStdoutLine(l, hooks));
        errLines.flush().forEach((l) => this.remember(l));
        const exit: ExitInfo = spawnError === undefined ? { code, signal } : { code, signal, spawnError };
        log.end(supervisorLine('process exited', { process: this.spec.name, code, signal }));
        this.ready = false;
        resolve(exit);
        hooks.onExit(exit);
      };
      child.once('error', (e) => {
        spawnError = e.message;
        // 'close' may not follow a failed spawn.
        if (child.pid === undefined) finish(null, null);
      });
      child.once('close', finish);
    });
  }

  /** SIGTERM, then SIGKILL if the process is still there after `graceMs`; resolves once it is gone. */
  async stop(graceMs: number): Promise<ExitInfo> {
    const child = this.child;
    if (child === undefined) return { code: null, signal: null };
    if (this.pid !== undefined) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => {
        if (this.pid !== undefined) child.kill('SIGKILL');
      }, graceMs);
      try {
        return await this.exited;
      } finally {
        clearTimeout(timer);
      }
    }
    return this.exited;
  }

  /** SIGKILL now (a second Ctrl-C). */
  kill(): void {
    if (this.pid !== undefined) this.child!.kill('SIGKILL');
  }

  /** Resolves when the process has exited and its output is written. */
  whenExited(): Promise<ExitInfo> {
    return this.exited;
  }

  private onStdoutLine(line: string, hooks: ProcessHooks): void {
    const record = parseLogLine(line);
    this.remember(line, record);
    if (record === undefined) return;
    if (!this.ready) {
      const fields = matchReadyLine(line, this.spec.readyMessage);
      if (fields !== undefined) {
        this.ready = true;
        hooks.onReady(fields);
        return;
      }
    }
    if (isNotable(record)) hooks.onNotable(summarize(this.spec.name, record));
  }

  private remember(line: string, record: LogRecord | undefined = parseLogLine(line)): void {
    if (line.trim() === '') return;
    this.tail.push(record === undefined ? line : summarize(this.spec.name, record));
    if (this.tail.length > TAIL_LINES) this.tail.shift();
  }
}
