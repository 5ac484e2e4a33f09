/**
 * Assertions for programmer errors (STYLE.md habit 4). Expected outcomes are result unions, never
 * exceptions; an assertion failing means the code is wrong, so it throws an AssertionError that
 * nothing should catch except a process-level crash handler.
 */
export class AssertionError extends Error {
  override readonly name = 'AssertionError';
}

export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new AssertionError(message);
}

export function assertNever(value: never, what = 'value'): never {
  throw new AssertionError(`unexpected ${what}: ${String(value)}`);
}
