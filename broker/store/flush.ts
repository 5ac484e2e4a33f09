import type { Clock } from '../../stdx';
import type { CommitLog } from './commit-log';
import type { FlushMode } from './config';

interface Waiter {
  readonly offset: number;
  readonly deadlineMs: number;
  readonly resolve: (flushed: boolean) => void;
}

/** How often sync-flush waiters are checked for their timeout. */
const TIMEOUT_SWEEP_MS = 50;

/**
 * Makes commit-log appends durable.
 *  - async: a background flush every `intervalMs`; appends are acknowledged from the page cache.
 *  - sync: group commit. Appends wait; one flush covers everything appended before it started, and
 *    appends that arrive meanwhile share the next one, so concurrent writers share one fsync.
 *
 * A group-commit flush starts from setImmediate, never inside the append that asks for it: the
 * appends that the same event-loop turn delivers (the I/O callbacks of this poll phase, the
 * writers a finished flush just released) all land first and share the flush. Starting at once
 * would flush the first append alone and make the rest wait a whole extra flush. No timer is
 * involved: the flush starts as soon as the turn's synchronous work is done.
 */
export class FlushService {
  private readonly waiters: Waiter[] = [];
  /** A group-commit flush is running. */
  private flushing = false;
  /** A group-commit flush is scheduled for the check phase of this loop turn. */
  private scheduled = false;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;
  private sweeper: NodeJS.Timeout | undefined;
  private failure: Error | undefined;

  constructor(
    private readonly commitLog: CommitLog,
    private readonly mode: FlushMode,
    private readonly intervalMs: number,
    private readonly timeoutMs: number,
    private readonly clock: Clock,
    private readonly onError: (e: Error) => void,
  ) {}

  start(): void {
    if (this.mode === 'async') {
      this.timer = setInterval(() => void this.flushNow(), this.intervalMs);
      this.timer.unref();
    }
  }

  /** Last flush error, if the disk is failing. */
  get lastError(): Error | undefined {
    return this.failure;
  }

  /**
   * Resolves true once every byte below `offset` is durable, or false after the sync-flush timeout.
   * In async mode it resolves true at once: the page cache is the acknowledgement point.
   */
  waitFlushed(offset: number): Promise<boolean> | true {
    if (this.mode === 'async' || offset <= this.commitLog.flushedOffset) return true;
    return new Promise<boolean>((resolve) => {
      this.waiters.push({ offset, deadlineMs: this.clock.monotonicMs() + this.timeoutMs, resolve });
      if (!this.sweeper) {
        this.sweeper = setInterval(() => this.expireWaiters(), TIMEOUT_SWEEP_MS);
        this.sweeper.unref();
      }
      this.requestFlush();
    });
  }

  /** One flush of everything appended so far (async mode's timer, shutdown). */
  async flushNow(): Promise<void> {
    try {
      await this.commitLog.flush();
      this.failure = undefined;
    } catch (e) {
      this.fail(e);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.flushNow();
    this.releaseWaiters();
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = undefined;
  }

  /** Schedules one group-commit flush unless one is running (it reschedules when it ends) or scheduled. */
  private requestFlush(): void {
    if (this.flushing || this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      void this.groupCommit();
    });
  }

  /** One flush of everything appended so far; waiters that arrived meanwhile get the next one. */
  private async groupCommit(): Promise<void> {
    if (this.flushing || this.stopped || this.waiters.length === 0) return;
    this.flushing = true;
    try {
      await this.commitLog.flush();
      this.failure = undefined;
    } catch (e) {
      this.fail(e);
      this.flushing = false;
      return; // waiters time out; the next append retries the flush
    }
    this.flushing = false;
    this.releaseWaiters();
    if (this.waiters.length > 0) this.requestFlush();
  }

  private releaseWaiters(): void {
    const flushed = this.commitLog.flushedOffset;
    let done = 0;
    while (done < this.waiters.length && this.waiters[done]!.offset <= flushed) done++;
    if (done === 0) return;
    const ready = this.waiters.splice(0, done);
    for (const w of ready) w.resolve(true);
  }

  private expireWaiters(): void {
    const now = this.clock.monotonicMs();
    for (let i = 0; i < this.waiters.length; ) {
      const w = this.waiters[i]!;
      if (w.deadlineMs <= now) {
        this.waiters.splice(i, 1);
        w.resolve(false);
      } else i++;
    }
    if (this.waiters.length === 0 && this.sweeper) {
      clearInterval(this.sweeper);
      this.sweeper = undefined;
    }
  }

  private fail(e: unknown): void {
    this.failure = e instanceof Error ? e : new Error(String(e));
    this.onError(this.failure);
  }
}
