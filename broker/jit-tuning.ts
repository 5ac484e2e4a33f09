/**
 * V8 tier-up tuning of the broker process, applied by `rocket-broker` at start.
 *
 * V8 optimises a function once it has run a budget of bytecode (`--interrupt-budget`, 66 KiB by
 * default, counted again for each of several profiler ticks); a small function called once per request
 * needs some 2,500 calls before TurboFan compiles it. A freshly started broker therefore serves its
 * first few thousand requests from interpreted and baseline code: in `bench:macro`'s sync workload
 * (one producer, each send awaited, 500 warm-up sends) the sends slower than 250 µs were mostly the first
 * 2,000, with the broker's own handling at 40-70 µs per send instead of ~11 µs. An eighth of the budget
 * makes the request path reach optimised code after a few hundred requests (measured: sync p99 of
 * 3 repetitions 1,075 / 1,155 µs -> 767 / 736 µs, slow sends per run roughly halved, two interleaved
 * A/B pairs). The cost is compiling somewhat more lukewarm code, once, on V8's background thread.
 *
 * A budget given on the node command line (`node --interrupt-budget=N`) is left as it is.
 */
import { setFlagsFromString } from 'node:v8';

/** An eighth of V8's default (67,584 bytes of bytecode per tick). */
export const BROKER_INTERRUPT_BUDGET = 8448;

/** Applies the broker's tier-up budget unless one was set on the command line; returns the budget in force, or undefined when left to the command line. */
export function tuneJit(execArgv: readonly string[] = process.execArgv): number | undefined {
  if (execArgv.some((a) => a.startsWith('--interrupt-budget') || a.startsWith('--interrupt_budget'))) return undefined;
  setFlagsFromString(`--interrupt-budget=${BROKER_INTERRUPT_BUDGET}`);
  return BROKER_INTERRUPT_BUDGET;
}
