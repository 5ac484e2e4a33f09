/**
 * Exit codes and the one error type commands throw for expected failures (a topic that does not
 * exist, a nameserver that does not answer). main.ts prints its message without a stack trace;
 * anything else is a bug and is printed with one.
 */

export const ExitCode = {
  ok: 0,
  /** The command ran and failed (server error, not found, timeout). */
  failure: 1,
  /** Bad flags or arguments. */
  usage: 2,
  /** Stopped by Ctrl-C before finishing (128 + SIGINT, as shells report it). */
  interrupted: 130,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode = ExitCode.failure,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

export function usageError(message: string): CliError {
  return new CliError(message, ExitCode.usage);
}
