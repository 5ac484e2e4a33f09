/**
 * A work queue of string keys, in the manner of client-go's: a key waiting is queued once however
 * often it is added (bursts coalesce); a key is never handled twice at once (an add during its
 * handling marks it dirty, and it runs again right after); a failed key comes back with
 * exponential backoff; `addAfter` schedules a later run. Timers are injected so tests drive time.
 */
import { assert, systemClock } from '../../stdx';
import type { Clock } from '../../stdx';

export interface Timers {
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

export const realTimers: Timers = {
  set: (fn, ms) => {
    const t = setTimeout(fn, ms);
    t.unref();
    return t;
  },
  clear: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

export interface WorkQueueOptions {
  /** Keys handled at once (different keys). Default 4. */
  readonly concurrency?: number;
  /** First retry delay after a failure; doubles per consecutive failure. Default 200 ms. */
  readonly baseDelayMs?: number;
  /** Retry delay cap. Default 60 s. */
  readonly maxDelayMs?: number;
  /** Keys waiting at most; an add beyond it is dropped (the periodic resync brings it back). Default 10 000. */
  readonly maxQueued?: number;
  readonly timers?: Timers;
  /** Orders delayed adds (an earlier schedule wins); pair with `timers` in tests. */
  readonly clock?: Clock;
}

export interface HandleResult {
  readonly requeueAfterMs?: number;
}

/** Handles one key. A throw counts as a failure and retries with backoff. */
export type KeyHandler = (key: string) => Promise<HandleResult>;

/** What happened to one handling, for metrics and logs. */
export type HandleOutcome =
  | { readonly key: string; readonly ok: true; readonly requeueAfterMs?: number }
  | { readonly key: string; readonly ok: false; readonly error: unknown; readonly retryInMs: number };

export class WorkQueue {
  private readonly queue: string[] = [];
  private readonly queued = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly dirty = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly delayed = new Map<string, { dueMs: number; handle: unknown }>();
  private readonly timers: Timers;
  private readonly concurrency: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly maxQueued: number;
  private readonly idleWaiters: (() => void)[] = [];
  private stopped = false;
  private readonly clock: Clock;

  constructor(
    private readonly handler: KeyHandler,
    options: WorkQueueOptions = {},
    private readonly onOutcome: (outcome: HandleOutcome) => void = () => undefined,
  ) {
    this.timers = options.timers ?? realTimers;
    this.clock = options.clock ?? systemClock;
    this.concurrency = options.concurrency ?? 4;
    this.baseDelayMs = options.baseDelayMs ?? 200;
    this.maxDelayMs = options.maxDelayMs ?? 60_000;
    this.maxQueued = options.maxQueued ?? 10_000;
    assert(this.concurrency >= 1 && this.baseDelayMs > 0 && this.maxDelayMs >= this.baseDelayMs, 'bad work queue options');
  }

  /** Queue `key` now (no-op when already waiting; runs again after the current run if in progress). */
  add(key: string): void {
    if (this.stopped) return;
    if (this.processing.has(key)) {
      this.dirty.add(key);
      return;
    }
    if (this.queued.has(key) || this.queue.length >= this.maxQueued) return;
    this.queued.add(key);
    this.queue.push(key);
    this.pump();
  }

  /** Queue `key` after `delayMs`; an earlier pending schedule for the key wins. */
  addAfter(key: string, delayMs: number): void {
    if (this.stopped) return;
    if (delayMs <= 0) return this.add(key);
    const dueMs = this.clock.monotonicMs() + delayMs;
    const pending = this.delayed.get(key);
    if (pending !== undefined) {
      if (pending.dueMs <= dueMs) return;
      this.timers.clear(pending.handle);
    }
    const handle = this.timers.set(() => {
      this.delayed.delete(key);
      this.add(key);
    }, delayMs);
    this.delayed.set(key, { dueMs, handle });
  }

  /** Forget a key's failure count (its backoff starts over). */
  forget(key: string): void {
    this.failures.delete(key);
  }

  /** Delay the next retry of `key` would get after one more failure. */
  backoffMs(failures: number): number {
    return Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** Math.min(failures - 1, 30));
  }

  get length(): number {
    return this.queue.length;
  }

  get active(): number {
    return this.processing.size;
  }

  /** Resolves when nothing is queued or running (delayed keys do not count). */
  idle(): Promise<void> {
    if (this.queue.length === 0 && this.processing.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Stop taking keys, drop timers, and wait for the runs in progress to end. */
  async shutdown(): Promise<void> {
    this.stopped = true;
    for (const { handle } of this.delayed.values()) this.timers.clear(handle);
    this.delayed.clear();
    this.queue.length = 0;
    this.queued.clear();
    this.dirty.clear();
    await this.idle();
  }

  private pump(): void {
    while (!this.stopped && this.processing.size < this.concurrency && this.queue.length > 0) {
      const key = this.queue.shift() as string;
      this.queued.delete(key);
      this.processing.add(key);
      void this.run(key);
    }
    this.notifyIdle();
  }

  private async run(key: string): Promise<void> {
    let outcome: HandleOutcome;
    try {
      const result = await this.handler(key);
      this.failures.delete(key);
      outcome = { key, ok: true, requeueAfterMs: result.requeueAfterMs };
      if (result.requeueAfterMs !== undefined) this.addAfter(key, result.requeueAfterMs);
    } catch (error) {
      const failures = (this.failures.get(key) ?? 0) + 1;
      this.failures.set(key, failures);
      const retryInMs = this.backoffMs(failures);
      outcome = { key, ok: false, error, retryInMs };
      this.addAfter(key, retryInMs);
    }
    this.processing.delete(key);
    if (this.dirty.delete(key)) this.add(key);
    try {
      this.onOutcome(outcome);
    } finally {
      this.pump();
    }
  }

  private notifyIdle(): void {
    if (this.queue.length > 0 || this.processing.size > 0) return;
    for (const waiter of this.idleWaiters.splice(0)) waiter();
  }
}
