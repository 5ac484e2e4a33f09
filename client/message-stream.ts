/**
 * An async iterator over the messages of a topic's queues (`PullConsumer.messages()`).
 *
 * Every queue has its own long-poll pull loop (pull-loop.ts) feeding one bounded buffer; when the
 * buffer holds `maxBufferedMessages` the loops pause until the reader catches up. Progress per queue
 * is the lowest unacknowledged offset (offset-tracker.ts), written to the broker every few seconds
 * and when the stream closes.
 *
 * Acknowledgement: with `autoCommit` (default) a message counts as processed when the reader asks for
 * the next one; the message being processed when the loop ends (break, return or throw) does not
 * count, so it is read again next time (at least once). With `autoCommit: false`, call `ack(message)`.
 */
import type { RemotingClient } from '../remoting';
import type { Clock } from '../stdx';
import type { Subscription } from './consumer-api';
import { maxOffsetOf, minOffsetOf, searchOffset } from './consumer-api';
import { ClientError, ClientErrorCode, invalidArgument } from './errors';
import type { OffsetStore } from './offset-store';
import { ProcessQueue } from './process-queue';
import type { PullLoopHost } from './pull-loop';
import { runPullLoop } from './pull-loop';
import type { RouteCache } from './route';
import { pullTarget } from './route';
import type { MessageQueue, ReceivedMessage } from './types';
import { queueKey } from './types';

/** Where a stream starts on each queue: the group's committed offset (else the end), the start, the end, an offset, or a time. */
export type StartPosition = 'committed' | 'first' | 'last' | number | { readonly timestamp: number };

export interface MessageStreamOptions {
  readonly topic: string;
  /** Tag expression; default `*`. */
  readonly tags?: string;
  /** Default `committed`. */
  readonly from?: StartPosition;
  /** Default true: a message is done when the next one is requested. */
  readonly autoCommit?: boolean;
  /** Read only these queues of the topic (e.g. the ones this reader owns). */
  readonly queues?: readonly MessageQueue[];
}

export interface StreamHost {
  readonly remoting: RemotingClient;
  readonly routes: RouteCache;
  readonly offsets: OffsetStore;
  readonly clock: Clock;
  readonly group: string;
  readonly pullBatchSize: number;
  readonly suspendMs: number;
  readonly requestTimeoutMs: number;
  readonly pullDelayOnErrorMs: number;
  readonly checkBodyCrc: boolean;
  readonly maxBufferedMessages: number;
  warn(error: unknown): void;
}

type Waiter = { resolve: (result: IteratorResult<ReceivedMessage>) => void; reject: (error: unknown) => void };

export class MessageStream implements AsyncIterableIterator<ReceivedMessage> {
  /** Resolves once the stream is closed and its progress written. */
  readonly closed: Promise<void>;
  private readonly readers = new Map<string, ProcessQueue>();
  private buffer: { message: ReceivedMessage; pq: ProcessQueue }[] = [];
  private head = 0;
  private waiters: Waiter[] = [];
  private last: { message: ReceivedMessage; pq: ProcessQueue } | undefined;
  private opening: Promise<void> | undefined;
  private opened = false;
  private isClosed = false;
  private resolveClosed: () => void = () => undefined;
  private readonly autoCommit: boolean;

  constructor(
    private readonly host: StreamHost,
    readonly subscription: Subscription,
    private readonly options: MessageStreamOptions,
  ) {
    this.autoCommit = options.autoCommit !== false;
    this.closed = new Promise((resolve) => (this.resolveClosed = resolve));
    const from = options.from;
    if (typeof from === 'number' && (!Number.isSafeInteger(from) || from < 0)) throw invalidArgument(`from must be a non-negative integer offset, got ${from}`);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<ReceivedMessage>> {
    // Once open, a buffered message is handed out without the extra await of an async method.
    if (this.opened) return this.nextOpen();
    this.opening ??= this.open().then(() => {
      this.opened = true;
    });
    return this.opening.then(() => this.nextOpen());
  }

  private nextOpen(): Promise<IteratorResult<ReceivedMessage>> {
    if (this.autoCommit && this.last !== undefined) this.acknowledge(this.last.message, this.last.pq);
    this.last = undefined;
    const item = this.take();
    if (item !== undefined) return Promise.resolve({ done: false, value: item });
    if (this.isClosed) return Promise.resolve({ done: true, value: undefined });
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  async return(): Promise<IteratorResult<ReceivedMessage>> {
    await this.close();
    return { done: true, value: undefined };
  }

  /** Marks a message processed (for `autoCommit: false`). */
  ack(message: ReceivedMessage): void {
    const pq = this.readers.get(queueKey(message.queue));
    if (pq !== undefined) this.acknowledge(message, pq);
  }

  /** The queues this stream reads. */
  queues(): MessageQueue[] {
    return [...this.readers.values()].map((pq) => pq.queue);
  }

  /** Restarts reading `queue` at `offset`; buffered messages of that queue are dropped. */
  seek(queue: MessageQueue, offset: number): void {
    const key = queueKey(queue);
    const old = this.readers.get(key);
    if (old === undefined || this.isClosed) return;
    old.drop();
    this.buffer = this.buffer.slice(this.head).filter((item) => item.pq !== old);
    this.head = 0;
    this.startReader(old.queue, offset);
  }

  /** Stops the pull loops and writes the progress of every queue. */
  async close(): Promise<void> {
    if (this.isClosed) return this.closed;
    this.isClosed = true;
    for (const pq of this.readers.values()) pq.drop();
    for (const waiter of this.waiters.splice(0)) waiter.resolve({ done: true, value: undefined });
    await Promise.all(
      [...this.readers.values()].map((pq) => {
        this.host.offsets.update(pq.queue, pq.tracker.committableOffset());
        return this.host.offsets.persist(pq.queue).catch((error: unknown) => this.host.warn(error));
      }),
    );
    this.resolveClosed();
    return this.closed;
  }

  private async open(): Promise<void> {
    const route = await this.host.routes.get(this.subscription.topic);
    const queues = this.options.queues ?? route.subscribeQueues;
    if (queues.length === 0) throw new ClientError(ClientErrorCode.NO_AVAILABLE_QUEUE, `topic ${this.subscription.topic} has no readable queue`);
    for (const queue of queues) {
      if (queue.topic !== this.subscription.topic) throw invalidArgument(`queue ${queueKey(queue)} is not of topic ${this.subscription.topic}`);
    }
    const starts = await Promise.all(queues.map((queue) => this.startOffset(queue)));
    if (this.isClosed) return;
    queues.forEach((queue, i) => this.startReader(queue, starts[i]!));
  }

  private startReader(queue: MessageQueue, offset: number): void {
    const pq = new ProcessQueue(queue, this.subscription, offset);
    this.readers.set(queueKey(queue), pq);
    this.host.offsets.update(queue, offset);
    pq.loop = runPullLoop(pq, this.loopHost());
  }

  private async startOffset(queue: MessageQueue): Promise<number> {
    const from = this.options.from ?? 'committed';
    const addr = (): string => {
      const route = this.host.routes.cached(queue.topic);
      const target = route === undefined ? undefined : pullTarget(route.brokers, queue.brokerName, 0);
      if (target === undefined) throw new ClientError(ClientErrorCode.NO_AVAILABLE_QUEUE, `no broker serves ${queueKey(queue)}`);
      return target.addr;
    };
    const timeoutMs = this.host.requestTimeoutMs;
    if (typeof from === 'number') return from;
    if (typeof from === 'object') return searchOffset(this.host.remoting, addr(), queue, from.timestamp, timeoutMs);
    if (from === 'first') return minOffsetOf(this.host.remoting, addr(), queue, timeoutMs);
    if (from === 'committed') {
      const committed = await this.host.offsets.fetch(queue);
      if (committed !== undefined) return committed;
    }
    return maxOffsetOf(this.host.remoting, addr(), queue, timeoutMs);
  }

  private take(): ReceivedMessage | undefined {
    if (this.head >= this.buffer.length) return undefined;
    const item = this.buffer[this.head++]!;
    if (this.head === this.buffer.length) {
      this.buffer = [];
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.buffer.length) {
      this.buffer = this.buffer.slice(this.head);
      this.head = 0;
    }
    this.last = item;
    if (this.buffered() === this.host.maxBufferedMessages - 1) this.wakeReaders();
    return item.message;
  }

  private buffered(): number {
    return this.buffer.length - this.head;
  }

  private acknowledge(message: ReceivedMessage, pq: ProcessQueue): void {
    if (this.readers.get(pq.key) !== pq || !pq.tracker.ack(message.queueOffset)) return;
    this.host.offsets.update(pq.queue, pq.tracker.committableOffset());
    if (pq.isSleeping && !this.overLimit(pq)) pq.wake();
  }

  private overLimit(pq: ProcessQueue): boolean {
    return this.buffered() >= this.host.maxBufferedMessages || pq.tracker.inflightCount >= this.host.maxBufferedMessages;
  }

  private wakeReaders(): void {
    for (const pq of this.readers.values()) if (pq.isSleeping && !this.overLimit(pq)) pq.wake();
  }

  private deliver(pq: ProcessQueue, messages: readonly ReceivedMessage[]): void {
    for (const message of messages) {
      const waiter = this.waiters.shift();
      if (waiter !== undefined) {
        this.last = { message, pq };
        waiter.resolve({ done: false, value: message });
      } else {
        this.buffer.push({ message, pq });
      }
    }
  }

  private loopHost(): PullLoopHost {
    const h = this.host;
    return {
      remoting: h.remoting,
      routes: h.routes,
      clock: h.clock,
      group: h.group,
      pullBatchSize: h.pullBatchSize,
      suspendMs: h.suspendMs,
      requestTimeoutMs: h.requestTimeoutMs,
      pullDelayOnErrorMs: h.pullDelayOnErrorMs,
      checkBodyCrc: h.checkBodyCrc,
      commitOffsetFor: (pq, brokerId) => {
        const committed = h.offsets.read(pq.queue);
        return brokerId === 0 && committed !== undefined && committed > 0 ? committed : undefined;
      },
      overLimit: (pq) => this.overLimit(pq),
      deliver: (pq, messages) => this.deliver(pq, messages),
      pulled: (pq) => h.offsets.update(pq.queue, pq.tracker.committableOffset()),
      offsetMoved: async (pq, result) => {
        pq.tracker.reset(result.nextBeginOffset);
        h.offsets.update(pq.queue, result.nextBeginOffset);
        await h.offsets.persist(pq.queue).catch((error: unknown) => h.warn(error));
      },
      warn: (error) => h.warn(error),
    };
  }
}
