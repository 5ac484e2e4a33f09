/**
 * Runs message handlers for the push consumer with bounded concurrency.
 *
 * Concurrent mode: deliveries run in arrival order, up to `concurrency` at once, whatever their queue.
 * Orderly mode: each queue's deliveries run one at a time in queue order (up to `concurrency` queues
 * at once), and a queue the consumer may not run right now (`canRun`, e.g. its broker lock lapsed)
 * waits until `resume()`.
 *
 * A handler that throws is retried locally after `retryDelayMs`, up to `maxReconsumeTimes` more
 * times, then given up: reported, and its offset released so the queue is not blocked forever. In
 * orderly mode the queue waits for the retry (later messages never overtake a failed one).
 * Deliveries of a dropped queue that have not started are discarded.
 */
import type { ClientError } from './errors';
import { ClientErrorCode, ClientError as ClientErrorClass } from './errors';
import type { ProcessQueue } from './process-queue';
import type { MessageQueue, ReceivedMessage } from './types';

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
  readonly orderly: boolean;
  readonly maxReconsumeTimes: number;
  readonly retryDelayMs: number;
  /** The delivery of `message` is finished (handled, or given up): release its offset. */
  readonly done: (message: ReceivedMessage, pq: ProcessQueue) => void;
  readonly failed: (error: ClientError, delivery: Delivery, willRetry: boolean) => void;
  /** Orderly mode: whether the queue's messages may run now. */
  readonly canRun?: (pq: ProcessQueue) => boolean;
}

/** Orderly mode: one queue's pending deliveries and whether one of them is running (or waiting to retry). */
interface Lane {
  readonly deliveries: Delivery[];
  busy: boolean;
  idleWaiters: (() => void)[];
}

export class ConsumeDispatcher {
  private fifo: Delivery[] = [];
  private head = 0;
  private readonly lanes = new Map<ProcessQueue, Lane>();
  private ready: ProcessQueue[] = [];
  private readonly blocked = new Set<ProcessQueue>();
  private running = 0;
  private stopped = false;
  private pumping = false;
  private readonly retryTimers = new Set<NodeJS.Timeout>();
  private idleWaiters: (() => void)[] = [];

  constructor(private readonly options: DispatcherOptions) {}

  get runningCount(): number {
    return this.running;
  }

  submit(delivery: Delivery): void {
    if (this.stopped) return;
    this.enqueue(delivery);
    this.pump();
  }

  /**
   * First deliveries of a pull's messages, in order. In concurrent mode with nothing queued before
   * them they run right here while there is room (as the pump would run them), and a handler that
   * returns without a promise costs no Delivery object; the rest are queued. The batch's handlers
   * share one (frozen) context, since they only differ in the message.
   */
  submitAll(messages: readonly ReceivedMessage[], pq: ProcessQueue, handler: MessageHandler): void {
    if (this.stopped) return;
    let i = 0;
    if (!this.options.orderly && !this.pumping && this.head === this.fifo.length) {
      const context: ConsumeContext = Object.freeze({ attempt: 1, queue: pq.queue });
      this.pumping = true;
      try {
        // Checked per message: a handler may stop the dispatcher or drop the queue, like the pump checks.
        for (; i < messages.length && this.running < this.options.concurrency && !this.stopped; i++) {
          if (pq.dropped) return;
          this.startFirst(messages[i]!, pq, handler, context);
        }
      } finally {
        this.pumping = false;
      }
      if (this.stopped) return;
    }
    for (; i < messages.length; i++) this.enqueue({ message: messages[i]!, pq, handler, attempt: 1 });
    this.pump();
  }

  private enqueue(delivery: Delivery): void {
    if (!this.options.orderly) {
      this.fifo.push(delivery);
    } else {
      const lane = this.laneOf(delivery.pq);
      lane.deliveries.push(delivery);
      if (!lane.busy && lane.deliveries.length === 1) this.ready.push(delivery.pq);
    }
  }

  /** Orderly mode: queues refused by `canRun` are looked at again. */
  resume(): void {
    if (this.blocked.size === 0) return;
    this.ready.push(...this.blocked);
    this.blocked.clear();
    this.pump();
  }

  /** Resolves once no delivery of `pq` is running or waiting to retry (orderly mode), or after `timeoutMs`. */
  async queueIdle(pq: ProcessQueue, timeoutMs: number): Promise<void> {
    const lane = this.lanes.get(pq);
    if (lane === undefined || !lane.busy) return;
    await withTimeout(new Promise<void>((resolve) => lane.idleWaiters.push(resolve)), timeoutMs);
  }

  /** No new handler starts; queued deliveries are discarded (they were not acknowledged). */
  stop(): void {
    this.stopped = true;
    this.fifo = [];
    this.head = 0;
    this.lanes.clear();
    this.ready = [];
    this.blocked.clear();
    for (const timer of this.retryTimers) clearTimeout(timer);
    this.retryTimers.clear();
  }

  /** Resolves when no handler is running, or after `timeoutMs`. */
  async idle(timeoutMs: number): Promise<void> {
    if (this.running === 0) return;
    await withTimeout(new Promise<void>((resolve) => this.idleWaiters.push(resolve)), timeoutMs);
  }

  private laneOf(pq: ProcessQueue): Lane {
    let lane = this.lanes.get(pq);
    if (lane === undefined) {
      lane = { deliveries: [], busy: false, idleWaiters: [] };
      this.lanes.set(pq, lane);
    }
    return lane;
  }

  private pump(): void {
    // A synchronous handler finishes inside start(), which pumps again: the outer call keeps going instead of recursing.
    if (this.pumping) return;
    this.pumping = true;
    try {
      if (this.options.orderly) this.pumpOrderly();
      else this.pumpConcurrent();
    } finally {
      this.pumping = false;
    }
  }

  private pumpConcurrent(): void {
    while (!this.stopped && this.running < this.options.concurrency && this.head < this.fifo.length) {
      const delivery = this.fifo[this.head++]!;
      if (this.head > 1024 && this.head * 2 > this.fifo.length) {
        this.fifo = this.fifo.slice(this.head);
        this.head = 0;
      }
      if (delivery.pq.dropped) continue;
      this.start(delivery);
    }
    if (this.head === this.fifo.length && this.head > 0) {
      this.fifo = [];
      this.head = 0;
    }
  }

  private pumpOrderly(): void {
    while (!this.stopped && this.running < this.options.concurrency && this.ready.length > 0) {
      const pq = this.ready.shift()!;
      const lane = this.lanes.get(pq);
      if (lane === undefined || lane.busy || lane.deliveries.length === 0) continue;
      if (pq.dropped) {
        this.lanes.delete(pq);
        continue;
      }
      if (this.options.canRun !== undefined && !this.options.canRun(pq)) {
        this.blocked.add(pq);
        continue;
      }
      lane.busy = true;
      this.start(lane.deliveries.shift()!);
    }
  }

  /** Runs the handler; a synchronous one (no promise returned) is settled at once, without a microtask hop. */
  private start(delivery: Delivery): void {
    this.running++;
    let result: Promise<void> | void;
    try {
      result = delivery.handler(delivery.message, { attempt: delivery.attempt, queue: delivery.pq.queue });
    } catch (error) {
      this.finish(delivery, false, error);
      return;
    }
    if (result !== undefined && result !== null && typeof (result as Partial<PromiseLike<void>>).then === 'function') {
      (result as PromiseLike<void>).then(
        () => this.finish(delivery, true, undefined),
        (error: unknown) => this.finish(delivery, false, error),
      );
    } else {
      this.finish(delivery, true, undefined);
    }
  }

  /** `start` for a first delivery in concurrent mode: a Delivery is made only if the handler goes async or fails. */
  private startFirst(message: ReceivedMessage, pq: ProcessQueue, handler: MessageHandler, context: ConsumeContext): void {
    this.running++;
    let result: Promise<void> | void;
    try {
      result = handler(message, context);
    } catch (error) {
      this.finish({ message, pq, handler, attempt: 1 }, false, error);
      return;
    }
    if (result !== undefined && result !== null && typeof (result as Partial<PromiseLike<void>>).then === 'function') {
      const delivery: Delivery = { message, pq, handler, attempt: 1 };
      (result as PromiseLike<void>).then(
        () => this.finish(delivery, true, undefined),
        (error: unknown) => this.finish(delivery, false, error),
      );
      return;
    }
    this.running--;
    this.options.done(message, pq);
    if (this.running === 0 && this.idleWaiters.length > 0) this.wakeIdle();
  }

  private finish(delivery: Delivery, ok: boolean, failure: unknown): void {
    this.running--;
    const retrying = ok ? (this.options.done(delivery.message, delivery.pq), false) : this.handleFailure(delivery, failure);
    if (!retrying && this.options.orderly) this.laneFinished(delivery.pq);
    if (this.running === 0 && this.idleWaiters.length > 0) this.wakeIdle();
    this.pump();
  }

  private wakeIdle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }

  /** Orderly mode: the queue's running delivery is finished; its next one may go. */
  private laneFinished(pq: ProcessQueue): void {
    const lane = this.lanes.get(pq);
    if (lane === undefined) return;
    lane.busy = false;
    for (const resolve of lane.idleWaiters.splice(0)) resolve();
    if (lane.deliveries.length > 0) this.ready.push(pq);
    else if (pq.dropped) this.lanes.delete(pq);
  }

  /** Reports the failure; returns whether the delivery will run again. */
  private handleFailure(delivery: Delivery, failure: unknown): boolean {
    const willRetry = !this.stopped && !delivery.pq.dropped && delivery.attempt <= this.options.maxReconsumeTimes;
    const message = failure instanceof Error ? failure.message : String(failure);
    const error = new ClientErrorClass(
      ClientErrorCode.CONSUME_FAILED,
      `handler failed on ${delivery.message.topic}@${delivery.message.queueOffset} (attempt ${delivery.attempt}): ${message}`,
      { cause: failure },
    );
    this.options.failed(error, delivery, willRetry);
    if (!willRetry) {
      // Given up (or the queue moved away): release the offset so the queue is not blocked forever.
      if (!delivery.pq.dropped) this.options.done(delivery.message, delivery.pq);
      return false;
    }
    delivery.attempt++;
    const timer = setTimeout(() => {
      this.retryTimers.delete(timer);
      if (!this.options.orderly) {
        this.submit(delivery);
        return;
      }
      // The queue stayed busy meanwhile, so nothing overtook the failed message.
      const lane = this.lanes.get(delivery.pq);
      if (lane === undefined) return;
      lane.deliveries.unshift(delivery);
      this.laneFinished(delivery.pq);
      this.pump();
    }, this.options.retryDelayMs);
    this.retryTimers.add(timer);
    return true;
  }
}

async function withTimeout(promise: Promise<void>, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([promise, new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
  clearTimeout(timer);
}
