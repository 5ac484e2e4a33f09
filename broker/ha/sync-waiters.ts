/**
 * Sends waiting for replication under `replicationMode: sync`. Each waits until the replicated offset
 * (enough in-sync slaves acknowledged) reaches the end of its records, or until its deadline.
 *
 * Two views of the same waiters keep both events cheap: an array sorted by end offset (an ack resolves
 * a prefix of it), and a FIFO in registration order, which is deadline order because every waiter gets
 * the same timeout; one timer is armed for the oldest deadline. Resolved waiters are dropped lazily
 * from whichever view still holds them.
 */
import type { Clock } from '../../stdx';
import { assert } from '../../stdx';

export const WaitOutcome = { REPLICATED: 'replicated', TIMED_OUT: 'timed-out', ABANDONED: 'abandoned' } as const;
export type WaitOutcome = (typeof WaitOutcome)[keyof typeof WaitOutcome];

interface Waiter {
  readonly endOffset: number;
  readonly deadlineMs: number;
  done: boolean;
  resolve(outcome: WaitOutcome): void;
}

/** Compact a view once this many resolved waiters sit at its front. */
const COMPACT_AFTER = 1024;

export class ReplicationWaiters {
  private byOffset: Waiter[] = [];
  private offsetHead = 0;
  private byDeadline: Waiter[] = [];
  private deadlineHead = 0;
  private pending = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly timeoutMs: number,
    /** Beyond this many, a new send is answered as timed out at once instead of queued. */
    private readonly maxWaiters: number,
  ) {
    assert(timeoutMs > 0 && maxWaiters > 0, 'timeout and waiter limit must be positive');
  }

  get size(): number {
    return this.pending;
  }

  /** Resolves once `replicatedOffset >= endOffset`, at the timeout, or when abandoned. */
  wait(endOffset: number, replicatedOffset: number): Promise<WaitOutcome> {
    if (replicatedOffset >= endOffset) return Promise.resolve(WaitOutcome.REPLICATED);
    if (this.pending >= this.maxWaiters) return Promise.resolve(WaitOutcome.TIMED_OUT);
    return new Promise((resolve) => {
      const waiter: Waiter = { endOffset, deadlineMs: this.clock.monotonicMs() + this.timeoutMs, done: false, resolve };
      this.insertByOffset(waiter);
      this.byDeadline.push(waiter);
      this.pending++;
      this.arm();
    });
  }

  /** The replicated offset moved: resolve every waiter at or below it. */
  advance(replicatedOffset: number): void {
    while (this.offsetHead < this.byOffset.length) {
      const w = this.byOffset[this.offsetHead]!;
      if (!w.done && w.endOffset > replicatedOffset) break;
      this.offsetHead++;
      this.settle(w, WaitOutcome.REPLICATED);
    }
    this.compact();
  }

  /** Answers everybody now (the broker stopped being a writable master, or is closing). */
  abandonAll(): void {
    for (let i = this.offsetHead; i < this.byOffset.length; i++) this.settle(this.byOffset[i]!, WaitOutcome.ABANDONED);
    this.byOffset = [];
    this.offsetHead = 0;
    this.byDeadline = [];
    this.deadlineHead = 0;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private settle(w: Waiter, outcome: WaitOutcome): void {
    if (w.done) return;
    w.done = true;
    this.pending--;
    w.resolve(outcome);
  }

  /** Sends finish nearly in offset order, so the right place is almost always the end. */
  private insertByOffset(w: Waiter): void {
    const list = this.byOffset;
    let i = list.length;
    while (i > this.offsetHead && list[i - 1]!.endOffset > w.endOffset) i--;
    if (i === list.length) list.push(w);
    else list.splice(i, 0, w);
  }

  private arm(): void {
    if (this.timer !== undefined) return;
    while (this.deadlineHead < this.byDeadline.length && this.byDeadline[this.deadlineHead]!.done) this.deadlineHead++;
    const first = this.byDeadline[this.deadlineHead];
    if (first === undefined) return;
    const delay = Math.max(0, first.deadlineMs - this.clock.monotonicMs());
    this.timer = setTimeout(() => this.expire(), Math.ceil(delay));
    this.timer.unref();
  }

  private expire(): void {
    this.timer = undefined;
    const now = this.clock.monotonicMs();
    while (this.deadlineHead < this.byDeadline.length) {
      const w = this.byDeadline[this.deadlineHead]!;
      if (!w.done && w.deadlineMs > now) break;
      this.deadlineHead++;
      this.settle(w, WaitOutcome.TIMED_OUT);
    }
    this.compact();
    this.arm();
  }

  /**
   * Drops settled waiters: the front of each view always, and all of them once they outnumber the
   * live ones (timed-out waiters behind a live one would otherwise stay until acks pass them).
   */
  private compact(): void {
    const limit = 2 * this.pending + COMPACT_AFTER;
    if (this.byOffset.length - this.offsetHead > limit) {
      this.byOffset = this.byOffset.slice(this.offsetHead).filter((w) => !w.done);
      this.offsetHead = 0;
    } else if (this.offsetHead >= COMPACT_AFTER || (this.offsetHead > 0 && this.offsetHead === this.byOffset.length)) {
      this.byOffset = this.byOffset.slice(this.offsetHead);
      this.offsetHead = 0;
    }
    if (this.byDeadline.length - this.deadlineHead > limit) {
      this.byDeadline = this.byDeadline.slice(this.deadlineHead).filter((w) => !w.done);
      this.deadlineHead = 0;
    } else if (this.deadlineHead >= COMPACT_AFTER || (this.deadlineHead > 0 && this.deadlineHead === this.byDeadline.length)) {
      this.byDeadline = this.byDeadline.slice(this.deadlineHead);
      this.deadlineHead = 0;
    }
  }
}
