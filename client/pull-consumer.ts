/**
 * The pull consumer: you decide what to read and when.
 *
 * ```ts
 * const consumer = new PullConsumer({ namesrvAddr: '127.0.0.1:9876', groupName: 'audit' });
 * await consumer.start();
 * for await (const message of consumer.messages({ topic: 'orders', tags: 'paid', from: 'first' })) {
 *   await audit(message);          // committed when the next message is asked for
 *   if (done()) break;
 * }
 * const queues = await consumer.fetchQueues('orders');
 * const result = await consumer.pull(queues[0], 0, 32);
 * ```
 *
 * `pull` is one PULL_MESSAGE, nothing more. `messages()` reads every queue of a topic (or the queues
 * you name) with long polling and yields their messages as one stream (message-stream.ts); progress is
 * committed to the broker under `groupName`. There is no rebalance: two streams of one group over the
 * same queues both read everything, so give each reader its own queues (or use a PushConsumer).
 */
import { EventEmitter } from 'node:events';
import { validateGroupName, validateTopicName } from '../message';
import { SerializeType } from '../protocol';
import { RemotingClient } from '../remoting';
import type { Clock } from '../stdx';
import { systemClock } from '../stdx';
import type { Subscription } from './consumer-api';
import { maxOffsetOf, minOffsetOf, searchOffset, sendHeartbeat, unregisterConsumer } from './consumer-api';
import { ClientError, ClientErrorCode, invalidArgument } from './errors';
import type { ClientIdentity } from './identity';
import { makeIdentity } from './identity';
import { MessageStream } from './message-stream';
import type { MessageStreamOptions, StreamHost } from './message-stream';
import { BrokerOffsetStore } from './offset-store';
import type { PullResult } from './pull';
import { pullMessages } from './pull';
import { RouteCache, parseNamesrvAddrs, pullTarget } from './route';
import { positiveInt } from './push-consumer-options';
import { parseTagExpression } from './tags';
import type { MessageQueue } from './types';
import { queueKey } from './types';

export type { MessageStreamOptions, StartPosition } from './message-stream';
export { MessageStream } from './message-stream';

export interface PullConsumerOptions {
  readonly namesrvAddr: string | readonly string[];
  readonly groupName: string;
  readonly instanceName?: string;
  readonly requestTimeoutMs?: number;
  /** Long-poll hold of `messages()` streams. Default 20000 (Java's pull consumers). */
  readonly brokerSuspendMaxTimeMs?: number;
  /** Messages per pull in streams. Default 32. */
  readonly pullBatchSize?: number;
  /** Messages a stream buffers ahead of its reader. Default 1000. */
  readonly maxBufferedMessages?: number;
  readonly pullDelayOnErrorMs?: number;
  readonly persistOffsetIntervalMs?: number;
  readonly heartbeatIntervalMs?: number;
  readonly routeRefreshIntervalMs?: number;
  /** Verify pulled records' body CRCs (and record CRC items); default false, see PushConsumerOptions. */
  readonly checkBodyCrc?: boolean;
  /** Header encoding of requests: binary `rocketmq` (default) or `json`; see PushConsumerOptions. */
  readonly serializeType?: 'json' | 'rocketmq';
  readonly clock?: Clock;
}

export interface PullOptions {
  /** Tag expression; default `*`. */
  readonly tags?: string;
  /** Let the broker hold the pull this long waiting for messages; default 0 (answer at once). */
  readonly suspendMs?: number;
  readonly timeoutMs?: number;
}

export interface PullConsumerEvents {
  warning: [error: ClientError];
}

type State = 'new' | 'running' | 'stopped';

export class PullConsumer extends EventEmitter<PullConsumerEvents> {
  readonly groupName: string;
  readonly identity: ClientIdentity;
  private readonly clock: Clock;
  private readonly remoting: RemotingClient;
  private readonly routes: RouteCache;
  private readonly offsets: BrokerOffsetStore;
  private readonly streams = new Set<MessageStream>();
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly timeoutMs: number;
  private state: State = 'new';

  constructor(private readonly options: PullConsumerOptions) {
    super();
    const namesrvAddrs = parseNamesrvAddrs(options.namesrvAddr);
    if (namesrvAddrs.length === 0) throw invalidArgument('namesrvAddr is required');
    const group = validateGroupName(options.groupName ?? '');
    if (!group.ok) throw invalidArgument(group.error);
    this.groupName = options.groupName;
    this.identity = makeIdentity(options.instanceName);
    this.clock = options.clock ?? systemClock;
    // Checked up front: setInterval takes 0, a negative or NaN as 1 ms (a heartbeat every millisecond).
    for (const name of ['heartbeatIntervalMs', 'persistOffsetIntervalMs', 'routeRefreshIntervalMs'] as const) {
      if (options[name] !== undefined) positiveInt(name, options[name]);
    }
    this.timeoutMs = positiveInt('requestTimeoutMs', options.requestTimeoutMs ?? 3000);
    this.remoting = new RemotingClient({ clock: this.clock, serializeType: options.serializeType === 'json' ? SerializeType.JSON : SerializeType.ROCKETMQ });
    this.routes = new RouteCache(this.remoting, { namesrvAddrs, timeoutMs: this.timeoutMs, refreshIntervalMs: options.routeRefreshIntervalMs ?? 30_000 });
    this.routes.on('warning', (error) => this.warn(error));
    this.offsets = new BrokerOffsetStore(this.remoting, (brokerName) => this.routes.offsetBrokerOf(brokerName), this.groupName, this.timeoutMs);
  }

  async start(): Promise<void> {
    if (this.state !== 'new') throw invalidArgument(`consumer cannot start: it is ${this.state}`);
    this.state = 'running';
    this.routes.start();
    this.every(this.options.heartbeatIntervalMs ?? 30_000, () => void this.heartbeat());
    this.every(this.options.persistOffsetIntervalMs ?? 5000, () => void this.offsets.persistAll().catch((error: unknown) => this.warn(error)));
  }

  /** Readable queues of a topic. */
  async fetchQueues(topic: string): Promise<MessageQueue[]> {
    this.checkRunning();
    return [...(await this.routes.get(topic)).subscribeQueues];
  }

  /** One PULL_MESSAGE from `offset`; the result says where to continue (`nextBeginOffset`). */
  async pull(queue: MessageQueue, offset: number, maxNums: number, options: PullOptions = {}): Promise<PullResult> {
    this.checkRunning();
    if (!Number.isSafeInteger(offset) || offset < 0) throw invalidArgument(`offset must be a non-negative integer, got ${offset}`);
    if (!Number.isSafeInteger(maxNums) || maxNums <= 0) throw invalidArgument(`maxNums must be a positive integer, got ${maxNums}`);
    const suspendMs = options.suspendMs ?? 0;
    const filter = parseTagExpression(options.tags);
    const addr = await this.addrOf(queue, 0);
    return pullMessages(
      this.remoting,
      addr,
      { group: this.groupName, queue, offset, maxNums, filter, subVersion: this.clock.nowMs(), suspendMs, checkBodyCrc: this.options.checkBodyCrc === true },
      options.timeoutMs ?? suspendMs + this.timeoutMs,
    );
  }

  /** The group's committed offset of a queue on the broker, if any. */
  async committedOffset(queue: MessageQueue): Promise<number | undefined> {
    this.checkRunning();
    await this.routes.get(queue.topic);
    return this.offsets.fetch(queue);
  }

  /** Stores `offset` (the next offset to read) as the group's progress on the queue, now. */
  async commit(queue: MessageQueue, offset: number): Promise<void> {
    this.checkRunning();
    if (!Number.isSafeInteger(offset) || offset < 0) throw invalidArgument(`offset must be a non-negative integer, got ${offset}`);
    await this.routes.get(queue.topic);
    this.offsets.update(queue, offset);
    await this.offsets.persist(queue);
  }

  async maxOffset(queue: MessageQueue): Promise<number> {
    this.checkRunning();
    return maxOffsetOf(this.remoting, await this.addrOf(queue, 0), queue, this.timeoutMs);
  }

  async minOffset(queue: MessageQueue): Promise<number> {
    this.checkRunning();
    return minOffsetOf(this.remoting, await this.addrOf(queue, 0), queue, this.timeoutMs);
  }

  /** The first offset stored at or after `timestamp` (ms). */
  async offsetForTimestamp(queue: MessageQueue, timestamp: number): Promise<number> {
    this.checkRunning();
    return searchOffset(this.remoting, await this.addrOf(queue, 0), queue, timestamp, this.timeoutMs);
  }

  /**
   * A stream of the topic's messages, across its queues, with long polling. Iterate it with
   * `for await`; `break` (or `stream.close()`) stops it and commits its progress.
   */
  messages(options: MessageStreamOptions): MessageStream {
    this.checkRunning();
    const valid = validateTopicName(options.topic);
    if (!valid.ok) throw invalidArgument(valid.error);
    const subscription: Subscription = { topic: options.topic, filter: parseTagExpression(options.tags), version: this.clock.nowMs() };
    const stream = new MessageStream(this.streamHost(), subscription, options);
    this.streams.add(stream);
    void stream.closed.then(() => {
      this.streams.delete(stream);
    });
    void this.heartbeat();
    return stream;
  }

  /** Moves every open stream reading `queue` to `offset`. */
  seek(queue: MessageQueue, offset: number): void {
    if (!Number.isSafeInteger(offset) || offset < 0) throw invalidArgument(`offset must be a non-negative integer, got ${offset}`);
    for (const stream of this.streams) stream.seek(queue, offset);
  }

  /** Closes the streams (committing their progress), leaves the group and disconnects. */
  async shutdown(): Promise<void> {
    if (this.state === 'stopped') return;
    const wasRunning = this.state === 'running';
    this.state = 'stopped';
    for (const timer of this.timers) clearInterval(timer);
    this.routes.stop();
    await Promise.all([...this.streams].map((s) => s.close()));
    if (wasRunning) {
      await this.offsets.persistAll(true).catch((error: unknown) => this.warn(error));
      await this.forEachBroker((addr) => unregisterConsumer(this.remoting, addr, this.identity.clientId, this.groupName, this.timeoutMs));
    }
    await this.remoting.close();
  }

  private streamHost(): StreamHost {
    return {
      remoting: this.remoting,
      routes: this.routes,
      offsets: this.offsets,
      clock: this.clock,
      group: this.groupName,
      pullBatchSize: this.options.pullBatchSize ?? 32,
      suspendMs: this.options.brokerSuspendMaxTimeMs ?? 20_000,
      requestTimeoutMs: this.timeoutMs,
      pullDelayOnErrorMs: this.options.pullDelayOnErrorMs ?? 3000,
      checkBodyCrc: this.options.checkBodyCrc === true,
      maxBufferedMessages: this.options.maxBufferedMessages ?? 1000,
      warn: (error) => this.warn(error),
    };
  }

  private async heartbeat(): Promise<void> {
    if (this.state !== 'running') return;
    const subscriptions = new Map<string, Subscription>();
    for (const stream of this.streams) subscriptions.set(stream.subscription.topic, stream.subscription);
    for (const topic of subscriptions.keys()) await this.routes.get(topic).catch((error: unknown) => this.warn(error));
    const params = {
      clientId: this.identity.clientId,
      group: this.groupName,
      consumeType: 'CONSUME_ACTIVELY',
      messageModel: 'CLUSTERING',
      consumeFrom: 'last',
      subscriptions: [...subscriptions.values()],
    } as const;
    await this.forEachBroker((addr) => sendHeartbeat(this.remoting, addr, params, this.timeoutMs));
  }

  private async forEachBroker(call: (addr: string) => Promise<void>): Promise<void> {
    await Promise.all(this.routes.allBrokerAddrs().map((addr) => call(addr).catch((error: unknown) => this.warn(error))));
  }

  private async addrOf(queue: MessageQueue, brokerId: number): Promise<string> {
    const route = await this.routes.get(queue.topic);
    const target = pullTarget(route.brokers, queue.brokerName, brokerId);
    if (target === undefined) throw new ClientError(ClientErrorCode.NO_AVAILABLE_QUEUE, `no broker serves ${queueKey(queue)}`);
    return target.addr;
  }


  private checkRunning(): void {
    if (this.state === 'running') return;
    throw new ClientError(this.state === 'stopped' ? ClientErrorCode.SHUT_DOWN : ClientErrorCode.NOT_STARTED, `pull consumer is ${this.state === 'stopped' ? 'shut down' : 'not started'}`);
  }

  private every(ms: number, run: () => void): void {
    const timer = setInterval(run, ms);
    timer.unref();
    this.timers.push(timer);
  }

  private warn(error: unknown): void {
    if (this.listenerCount('warning') === 0) return;
    this.emit('warning', error instanceof ClientError ? error : new ClientError(ClientErrorCode.BAD_RESPONSE, String(error), { cause: error }));
  }
}
