/** Timers and a clock a test moves by hand (for WorkQueue and LeaderElector unit tests). */
import { ManualClock } from '../../stdx';
import type { Timers } from './work-queue';

interface Pending {
  readonly id: number;
  readonly dueMs: number;
  readonly fn: () => void;
}

export class FakeTimers implements Timers {
  readonly clock = new ManualClock();
  /** Every delay ever asked for, in order (backoff assertions read it). */
  readonly requested: number[] = [];
  private pending: Pending[] = [];
  private nextId = 1;

  set(fn: () => void, ms: number): unknown {
    const id = this.nextId++;
    this.requested.push(ms);
    this.pending.push({ id, dueMs: this.clock.monotonicMs() + ms, fn });
    return id;
  }

  clear(handle: unknown): void {
    this.pending = this.pending.filter((p) => p.id !== handle);
  }

  get count(): number {
    return this.pending.length;
  }

  /** Moves time forward by `ms`, firing due timers in due order. */
  advance(ms: number): void {
    const target = this.clock.monotonicMs() + ms;
    for (;;) {
      const due = this.pending.filter((p) => p.dueMs <= target).sort((a, b) => a.dueMs - b.dueMs || a.id - b.id)[0];
      if (due === undefined) break;
      this.pending = this.pending.filter((p) => p.id !== due.id);
      this.clock.advance(due.dueMs - this.clock.monotonicMs());
      due.fn();
    }
    this.clock.advance(target - this.clock.monotonicMs());
  }
}

/** A promise with its resolve/reject outside (to hold a handler mid-run). */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (v: T) => void; reject: (e: unknown) => void } {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Lets pending promise callbacks run. */
export async function flush(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise<void>((r) => setImmediate(r));
}
