/**
 * Per-queue state of a push consumer (RocketMQ's ProcessQueue) and the dispatcher that runs message
 * handlers with bounded concurrency.
 *
 * A ProcessQueue exists while this member owns the queue: it tracks deliveries (offset-tracker.ts)
 * and has a pull loop. Dropping it (rebalance, shutdown) stops the loop at its next step and makes
 * its pending sleeps return at once; deliveries of a dropped queue that have not started are skipped.
 *
 * The dispatcher takes deliveries in arrival order and runs up to `concurrency` handlers at once. A
 * handler that throws is retried locally after `retryDelayMs`, up to `maxReconsumeTimes` more
 * times, then given up (reported, and its offset released so the queue is not blocked forever).
 */
import type { Subscription } from './consumer-api';
import type { ClientError } from './errors';
import { ClientErrorCode, ClientError as ClientErrorClass } from './errors';
import { OffsetTracker } from './offset-tracker';
import type { MessageQueue, ReceivedMessage } from './types';

export class ProcessQueue {
  readonly tracker: OffsetTracker;
  suggestedBrokerId = 0;
  loop: Promise<void> | undefined;
  private isDropped = false;
  private readonly sleepers = new Set<() => void>();

  constructor(
    readonly queue: MessageQueue,
    readonly subscription: Subscription,
    startOffset: number,
  ) {
    this.tracker = new OffsetTracker(startOffset);
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

/** Handler context: which attempt this is (1 = first delivery). */
export interface ConsumeContext {
  readonly attempt: number;
  readonly queue: MessageQueue;
}

export type MessageHandler = (message: ReceivedMessage, context: ConsumeContext) => Promise<void> | void;

export interface Delivery {
  readonly message: ReceivedMessage;
  readonly pq: ProcessQueue;
  readonly handler: MessageHandler;
  attempt: number;
}

export interface DispatcherOptions {
  readonly concurrency: number;
  readonly maxReconsumeTimes: number;
  readonly retryDelayMs: number;
  /** The delivery is finished (handled, or given up): release its offset. */
  readonly done: (delivery: Delivery) => void;
  readonly failed: (error: ClientError, delivery: Delivery, willRetry: boolean) => void;
}

export class ConsumeDispatcher {
  private queue: Delivery[] = [];
  private head = 0;
  private running = 0;
  private stopped = false;
  private readonly retryTimers = new Set<NodeJS.Timeout>();
  private idleWaiters: (() => void)[] = [];

  constructor(private readonly options: DispatcherOptions) {}

  get runningCount(): number {
    return this.running;
  }

  submit(delivery: Delivery): void {
    if (this.stopped) return;
    this.queue.push(delivery);
    this.pump();
  }

  /** No new handler starts; queued deliveries are discarded (they were not acknowledged). */
  stop(): void {
    this.stopped = true;
    this.queue = [];
    this.head = 0;
    for (const timer of this.retryTimers) clearTimeout(timer);
    this.retryTimers.clear();
  }

  /** Resolves when no handler is running, or after `timeoutMs`. */
  async idle(timeoutMs: number): Promise<void> {
    if (this.running === 0) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      new Promise<void>((resolve) => this.idleWaiters.push(resolve)),
      new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs))),
    ]);
    clearTimeout(timer);
  }

  private pump(): void {
    while (!this.stopped && this.running < this.options.concurrency && this.head < this.queue.length) {
      const delivery = this.queue[this.head++]!;
      if (this.head > 1024 && this.head * 2 > this.queue.length) {
        this.queue = this.queue.slice(this.head);
        this.head = 0;
      }
      if (delivery.pq.dropped) continue;
      this.running++;
      void this.run(delivery);
    }
    if (this.head === this.queue.length && this.head > 0) {
      this.queue = [];
      this.head = 0;
    }
  }

  private async run(delivery: Delivery): Promise<void> {
    let failure: unknown;
    let ok = true;
    try {
      await delivery.handler(delivery.message, { attempt: delivery.attempt, queue: delivery.pq.queue });
    } catch (error) {
      ok = false;
      failure = error;
    }
    this.running--;
    if (ok) this.options.done(delivery);
    else this.handleFailure(delivery, failure);
    if (this.running === 0 && this.idleWaiters.length > 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
    this.pump();
  }

  private handleFailure(delivery: Delivery, failure: unknown): void {
    const willRetry = !this.stopped && !delivery.pq.dropped && delivery.attempt <= this.options.maxReconsumeTimes;
    const message = failure instanceof Error ? failure.message : String(failure);
    const error = new ClientErrorClass(ClientErrorCode.CONSUME_FAILED, `handler failed on ${delivery.message.topic}@${delivery.message.queueOffset} (attempt ${delivery.attempt}): ${message}`, { cause: failure });
    this.options.failed(error, delivery, willRetry);
    if (!willRetry) {
      // Given up (or the queue moved away): release the offset so the queue is not blocked forever.
      if (!delivery.pq.dropped) this.options.done(delivery);
      return;
    }
    delivery.attempt++;
    const timer = setTimeout(() => {
      this.retryTimers.delete(timer);
      this.submit(delivery);
    }, this.options.retryDelayMs);
    this.retryTimers.add(timer);
  }
}
