/**
 * What every command shares: the dependencies a command line runs with (output, environment,
 * signals, clock), the global flags, and the wrapper that carries an action's exit code out of
 * commander (which ignores return values).
 */
import type { Clock } from '../stdx';
import type { AdminApi } from './commands/admin-api';
import type { ExitCode } from './errors';
import { ExitCode as Codes } from './errors';
import type { Output } from './output';
import type { SignalSource } from './supervisor/up';

export type AdminConnector = (namesrv: string) => Promise<AdminApi>;

export interface CliDeps {
  readonly out: Output;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  readonly signals: SignalSource;
  readonly clock?: Clock;
  /** How admin commands reach the cluster; the default uses the client's AdminClient. */
  readonly connectAdmin?: AdminConnector;
}

/** Options every command sees (`optsWithGlobals`). */
export interface GlobalFlags {
  readonly namesrv: string;
  readonly json?: boolean;
}

/** What an action returns; undefined means success. */
type ActionResult = Promise<ExitCode | void>;

export interface ProgramState {
  exitCode: ExitCode;
}

/** Wraps an action so its exit code lands in `state` (commander ignores return values). */
export function action<A extends unknown[]>(state: ProgramState, fn: (...args: A) => ActionResult): (...args: A) => Promise<void> {
  return async (...args: A) => {
    const code = await fn(...args);
    state.exitCode = code ?? Codes.ok;
  };
}
