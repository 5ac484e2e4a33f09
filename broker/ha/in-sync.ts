/**
 * Which slaves are in sync, and what that makes replicated (pure). A slave is in sync while it holds
 * the current epoch's start, lags the master by at most `maxLagBytes`, and caught up with the master
 * within the last `maxLagTimeMs`. "Caught up" follows RocketMQ's auto-switch HA: an ack at or beyond
 * what the master held at the slave's previous ack, so a slave keeping pace under continuous load
 * counts as caught up although the master is always a little ahead.
 */

export interface InSyncLimits {
  readonly maxLagBytes: number;
  readonly maxLagTimeMs: number;
}

export interface CatchUp {
  /** Monotonic ms of the last catch-up; -Infinity before the first. */
  readonly lastCaughtUpMs: number;
  /** The master's max offset at the previous ack: the next ack must reach it to count as caught up. */
  readonly target: number;
}

/** A slave that just connected has not caught up with anything yet. */
export function initialCatchUp(masterMaxOffset: number): CatchUp {
  return { lastCaughtUpMs: Number.NEGATIVE_INFINITY, target: masterMaxOffset };
}

export function afterAck(previous: CatchUp, ackOffset: number, masterMaxOffset: number, nowMs: number): CatchUp {
  return { lastCaughtUpMs: ackOffset >= previous.target ? nowMs : previous.lastCaughtUpMs, target: masterMaxOffset };
}

export function isInSync(
  slave: { readonly ackOffset: number; readonly catchUp: CatchUp },
  masterMaxOffset: number,
  epochStartOffset: number,
  nowMs: number,
  limits: InSyncLimits,
): boolean {
  return (
    slave.ackOffset >= epochStartOffset &&
    masterMaxOffset - slave.ackOffset <= limits.maxLagBytes &&
    nowMs - slave.catchUp.lastCaughtUpMs <= limits.maxLagTimeMs
  );
}

/** The offset at least `k` of `acks` reached (the k-th highest), or -1 when there are fewer than k. */
export function kthHighest(acks: readonly number[], k: number): number {
  if (k <= 0) return Number.POSITIVE_INFINITY;
  if (acks.length < k) return -1;
  if (k === 1) return Math.max(...acks);
  return [...acks].sort((a, b) => b - a)[k - 1]!;
}
