import type { Clock } from '../../stdx';
import type { CommitLog } from './commit-log';
import type { FlushMode } from './config';

/**
 * The appends that share one group-commit flush: one promise for all of them, so a sync put costs
 * no promise, closure or queue entry of its own.
 */
interface FlushGroup {
  readonly promise: Promise<boolean>;
  readonly resolve: (flushed: boolean) => void;
  /** End of the last append in the group: the flush must reach it. */
  offset: number;
  /** The timeout of the group's latest member, so that no member times out early. */
  deadlineMs: number;
}

/** How often sync-flush groups are checked for their timeout. */
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
 *
 * Groups resolve in order, each once the flushed offset reaches its end: an acknowledged append
 * implies that everything before it is durable too (recovery cuts the log at the first damage).
 */
export class FlushService {
  /** Groups not resolved yet, oldest first. The last one takes new members until its flush starts. */
  private readonly groups: FlushGroup[] = [];
  /** The newest group is still open to new members (its flush has not started). */
  private open = false;
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
   * Resolves true once every byte below `offset` is durable, or false when that takes longer than
   * the sync-flush timeout (at least `timeoutMs` from this call). In async mode it is true at once:
   * the page cache is the acknowledgement point.
   */
  waitFlushed(offset: number): Promise<boolean> | true {
    if (this.mode === 'async' || offset <= this.commitLog.flushedOffset) return true;
    let group = this.open ? this.groups[this.groups.length - 1] : undefined;
    if (!group) {
      group = newGroup();
      this.groups.push(group);
      this.open = true;
      if (!this.sweeper) {
        this.sweeper = setInterval(() => this.expireGroups(), TIMEOUT_SWEEP_MS);
        this.sweeper.unref();
      }
    }
    group.offset = Math.max(group.offset, offset);
    group.deadlineMs = this.clock.monotonicMs() + this.timeoutMs;
    this.requestFlush();
    return group.promise;
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
    this.releaseGroups();
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

  /** One flush of everything appended so far; appends that arrive meanwhile form the next group. */
  private async groupCommit(): Promise<void> {
    if (this.flushing || this.stopped || this.groups.length === 0) return;
    this.flushing = true;
    this.open = false;
    try {
      await this.commitLog.flush();
      this.failure = undefined;
    } catch (e) {
      this.fail(e);
      this.flushing = false;
      return; // groups time out; the next append retries the flush
    }
    this.flushing = false;
    this.releaseGroups();
    if (this.groups.length > 0) this.requestFlush();
  }

  private releaseGroups(): void {
    const flushed = this.commitLog.flushedOffset;
    let done = 0;
    while (done < this.groups.length && this.groups[done]!.offset <= flushed) done++;
    if (done === 0) return;
    if (done === this.groups.length) this.open = false;
    for (const g of this.groups.splice(0, done)) g.resolve(true);
  }

  private expireGroups(): void {
    const now = this.clock.monotonicMs();
    for (let i = 0; i < this.groups.length; ) {
      const g = this.groups[i]!;
      if (g.deadlineMs <= now) {
        if (i === this.groups.length - 1) this.open = false;
        this.groups.splice(i, 1);
        g.resolve(false);
      } else i++;
    }
    if (this.groups.length === 0 && this.sweeper) {
      clearInterval(this.sweeper);
      this.sweeper = undefined;
    }
  }

  private fail(e: unknown): void {
    this.failure = e instanceof Error ? e : new Error(String(e));
    this.onError(this.failure);
  }
}

function newGroup(): FlushGroup {
  let resolve!: (flushed: boolean) => void;
  const promise = new Promise<boolean>((r) => (resolve = r));
  return { promise, resolve, offset: 0, deadlineMs: 0 };
}
