/**
 * The logging seam. Libraries do not log by themselves (STYLE.md habit 9): servers pass in their
 * component logger (a winston child fits this shape); the default discards everything.
 */
export interface Logger {
  info(message: string, meta?: Record<string, unknown>): void;
  warn(message: string, meta?: Record<string, unknown>): void;
  error(message: string, meta?: Record<string, unknown>): void;
}

export const noopLogger: Logger = {
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};
