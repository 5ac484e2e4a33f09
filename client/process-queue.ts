/**
 * Per-queue state of a consumer (RocketMQ's ProcessQueue). It exists while this member reads the
 * queue: it tracks deliveries (offset-tracker.ts) and has a pull loop. Dropping it (rebalance,
 * shutdown) stops the loop at its next step and makes its pending sleeps return at once.
 */
import type { Subscription } from './consumer-api';
import { OffsetTracker } from './offset-tracker';
import type { MessageQueue } from './types';
import { queueKey } from './types';

export class ProcessQueue {
  readonly tracker: OffsetTracker;
  /** `queueKey(queue)`, built once: acknowledgements look the queue up by it. */
  readonly key: string;
  suggestedBrokerId = 0;
  loop: Promise<void> | undefined;
  /** Ordered consumption: monotonic ms until which this member's broker lock on the queue counts as held. */
  lockedUntilMs = 0;
  private isDropped = false;
  private readonly sleepers = new Set<() => void>();

  constructor(
    readonly queue: MessageQueue,
    readonly subscription: Subscription,
    startOffset: number,
  ) {
    this.tracker = new OffsetTracker(startOffset);
    this.key = queueKey(queue);
  }

  get dropped(): boolean {
    return this.isDropped;
  }

  drop(): void {
    this.isDropped = true;
    this.wake();
  }

  /** Waits `ms` (Infinity = until woken), or less when woken or dropped. */
  sleep(ms: number): Promise<void> {
    if (this.isDropped) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = Number.isFinite(ms) ? setTimeout(done, ms) : undefined;
      const sleepers = this.sleepers;
      sleepers.add(done);
      function done(): void {
        if (timer !== undefined) clearTimeout(timer);
        sleepers.delete(done);
        resolve();
      }
    });
  }

  get isSleeping(): boolean {
    return this.sleepers.size > 0;
  }

  wake(): void {
    for (const done of [...this.sleepers]) done();
  }
}

