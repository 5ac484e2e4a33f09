/**
 * The producer: `send` (one promise per message; concurrent sends share SEND_BATCH_MESSAGE frames, see
 * sender.ts), `sendOneway`, `sendBatch` (one explicit batch frame) and ordered sends through a
 * `MessageQueueSelector`.
 *
 * ```ts
 * const producer = new Producer({ namesrvAddr: '127.0.0.1:9876' });
 * await producer.start();
 * const result = await producer.send({ topic: 'orders', body: 'hello', tags: 'created' });
 * await producer.shutdown();
 * ```
 *
 * Failures reject with a ClientError (see errors.ts). A send that fails with a retriable broker code
 * or a connection error is retried on another broker while `retryTimesWhenSendFailed` and the send
 * timeout allow. Background problems (route refresh, heartbeat) are emitted as `warning` events.
 */
import { EventEmitter } from 'node:events';
import { UniqIdGenerator } from '../message';
import { MASTER_ID, RequestCode, SerializeType, encodeHeartbeatData, makeRequest } from '../protocol';
import type { HeartbeatData as HeartbeatBody } from '../protocol';
import { RemotingClient } from '../remoting';
import type { Clock } from '../stdx';
import { systemClock } from '../stdx';
import { ClientError, ClientErrorCode, fromRemotingError, invalidArgument } from './errors';
import { makeIdentity } from './identity';
import type { ClientIdentity } from './identity';
import { ipv4Bytes } from './identity';
import type { PrepareOptions, PreparedMessage } from './message-encode';
import { batchSendRequest, isBatchable, prepareMessage, singleSendRequest } from './message-encode';
import { RouteCache, masterAddress, parseNamesrvAddrs } from './route';
import type { TopicRoute } from './route';
import { Sender, sendOnce } from './sender';
import type { SenderHost } from './sender';
import { request as rpcRequest, invokeExpect } from './rpc';
import type { Message, MessageQueue, SendResult } from './types';

/** Picks the queue of an ordered send, e.g. by the hash of a sharding key. */
export type MessageQueueSelector = (queues: readonly MessageQueue[], message: Message) => MessageQueue;

export interface BatchingOptions {
  /** Most messages in one frame. Default 256. */
  readonly maxMessages?: number;
  /** Most body + properties bytes in one frame. Default 1 MiB. */
  readonly maxBytes?: number;
  /** Wait this long on an idle queue to collect more messages; 0 (default) never delays a lone send. */
  readonly lingerMs?: number;
  /** Requests outstanding per queue. Default 1, which keeps sends to one queue in order. */
  readonly maxInflightPerQueue?: number;
}

export interface ProducerOptions {
  /** `host:port`, several separated by `;`, or an array. */
  readonly namesrvAddr: string | readonly string[];
  readonly groupName?: string;
  readonly instanceName?: string;
  readonly sendTimeoutMs?: number;
  /** Retries on another broker after a failed attempt. Default 2. */
  readonly retryTimesWhenSendFailed?: number;
  readonly maxMessageSizeBytes?: number;
  /** zlib-compress bodies above this size (single sends only); default: never. */
  readonly compressBodyOverBytes?: number;
  /** `false` sends every message in its own request. */
  readonly batching?: BatchingOptions | false;
  /** Sends accepted but not settled; beyond it `send` rejects with ROCKET_TOO_MANY_PENDING. */
  readonly maxPendingSends?: number;
  /** Send to topics the name server does not know through the TBW102 template (broker auto-create). Default true. */
  readonly autoCreateTopic?: boolean;
  readonly routeRefreshIntervalMs?: number;
  readonly heartbeatIntervalMs?: number;
  /**
   * Header encoding of requests: RocketMQ's binary `rocketmq` (default; RocketMQ 4.x/5.x brokers and
   * ours read it, and it is cheaper to write and to answer) or `json`.
   */
  readonly serializeType?: 'json' | 'rocketmq';
  readonly clock?: Clock;
}

export interface SendOptions {
  /** Choose the queue yourself (ordered sends). Such sends are not moved to another queue on failure. */
  readonly selector?: MessageQueueSelector;
  /** Send to exactly this queue. */
  readonly queue?: MessageQueue;
}

export interface ProducerEvents {
  warning: [error: ClientError];
}

export const DEFAULT_PRODUCER_GROUP = 'DEFAULT_PRODUCER';

const DEFAULTS = {
  sendTimeoutMs: 3000,
  retryTimesWhenSendFailed: 2,
  maxMessageSizeBytes: 4 * 1024 * 1024,
  maxPendingSends: 100_000,
  routeRefreshIntervalMs: 30_000,
  heartbeatIntervalMs: 30_000,
  batchMaxMessages: 256,
  batchMaxBytes: 1024 * 1024,
} as const;

type State = 'new' | 'starting' | 'running' | 'stopped';

const NO_OPTIONS: SendOptions = Object.freeze({});

/** Requests in flight per queue when `batching: false`. */
const UNBATCHED_INFLIGHT_PER_QUEUE = 32;

/** A selector spreading keys over queues by a stable hash (Java `String.hashCode`, like SelectMessageQueueByHash). */
export function hashSelector(key: string): MessageQueueSelector {
  let h = 0;
  for (let i = 0; i < key.length; i++) h = (Math.imul(h, 31) + key.charCodeAt(i)) | 0;
  const hash = Math.abs(h);
  return (queues) => queues[hash % queues.length]!;
}

export class Producer extends EventEmitter<ProducerEvents> {
  readonly groupName: string;
  readonly identity: ClientIdentity;
  private readonly options: ProducerOptions;
  private readonly clock: Clock;
  private readonly remoting: RemotingClient;
  private readonly routes: RouteCache;
  private readonly sender: Sender;
  private readonly uniqIds: UniqIdGenerator;
  private readonly roundRobin = new Map<string, number>();
  private readonly timeoutMs: number;
  private readonly retries: number;
  private readonly maxPending: number;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private readonly heartbeatIntervalMs: number;
  private prepareOpts: PrepareOptions | undefined;
  private state: State = 'new';

  constructor(options: ProducerOptions) {
    super();
    const namesrvAddrs = parseNamesrvAddrs(options.namesrvAddr);
    if (namesrvAddrs.length === 0) throw invalidArgument('namesrvAddr is required');
    this.options = options;
    this.groupName = options.groupName ?? DEFAULT_PRODUCER_GROUP;
    this.identity = makeIdentity(options.instanceName);
    this.clock = options.clock ?? systemClock;
    this.timeoutMs = positive('sendTimeoutMs', options.sendTimeoutMs ?? DEFAULTS.sendTimeoutMs);
    this.retries = nonNegative('retryTimesWhenSendFailed', options.retryTimesWhenSendFailed ?? DEFAULTS.retryTimesWhenSendFailed);
    this.maxPending = positive('maxPendingSends', options.maxPendingSends ?? DEFAULTS.maxPendingSends);
    // Checked here with the other options: a throw from start() would leave the route refresh running.
    this.heartbeatIntervalMs = positive('heartbeatIntervalMs', options.heartbeatIntervalMs ?? DEFAULTS.heartbeatIntervalMs);
    this.remoting = new RemotingClient({
      clock: this.clock,
      serializeType: options.serializeType === 'json' ? SerializeType.JSON : SerializeType.ROCKETMQ,
    });
    this.routes = new RouteCache(this.remoting, {
      namesrvAddrs,
      timeoutMs: this.timeoutMs,
      refreshIntervalMs: positive('routeRefreshIntervalMs', options.routeRefreshIntervalMs ?? DEFAULTS.routeRefreshIntervalMs),
    });
    this.routes.on('warning', (error) => this.warn(error));
    this.routes.on('change', () => this.heartbeat());
    const batching = options.batching === false ? undefined : (options.batching ?? {});
    this.sender = new Sender(this.remoting, this.senderHost(), {
      producerGroup: this.groupName,
      maxBatchMessages: batching === undefined ? 1 : positive('batching.maxMessages', batching.maxMessages ?? DEFAULTS.batchMaxMessages),
      maxBatchBytes: positive('batching.maxBytes', batching?.maxBytes ?? DEFAULTS.batchMaxBytes),
      lingerMs: nonNegative('batching.lingerMs', batching?.lingerMs ?? 0),
      // Without coalescing, one request per queue at a time would serialize sends; allow a window.
      maxInflightPerQueue: positive('batching.maxInflightPerQueue', batching === undefined ? UNBATCHED_INFLIGHT_PER_QUEUE : (batching.maxInflightPerQueue ?? 1)),
      clock: this.clock,
    });
    this.uniqIds = new UniqIdGenerator(this.clock, ipv4Bytes(this.identity.ip));
  }

  /** Frames and messages sent so far (frames < messages when sends were coalesced). */
  get stats(): { readonly frames: number; readonly batchFrames: number; readonly messages: number } {
    return { ...this.sender.stats };
  }

  async start(): Promise<void> {
    if (this.state !== 'new') throw new ClientError(ClientErrorCode.INVALID_ARGUMENT, `producer cannot start: it is ${this.state}`);
    this.state = 'starting';
    this.routes.start();
    this.heartbeatTimer = setInterval(() => this.heartbeat(), this.heartbeatIntervalMs);
    this.heartbeatTimer.unref();
    this.state = 'running';
  }

  /** Sends one message and resolves once the broker stored it. */
  send(message: Message, options: SendOptions = NO_OPTIONS): Promise<SendResult> {
    let prepared: PreparedMessage;
    try {
      this.checkRunning();
      if (this.sender.pending >= this.maxPending) {
        throw new ClientError(ClientErrorCode.TOO_MANY_PENDING, `${this.sender.pending} sends await an answer (maxPendingSends ${this.maxPending})`);
      }
      prepared = prepareMessage(message, this.prepareOptions());
    } catch (error) {
      return Promise.reject(error);
    }
    const route = this.routes.cached(prepared.topic);
    if (route !== undefined) return this.enqueue(route, prepared, message, options);
    return this.routeFor(prepared.topic).then((fetched) => this.enqueue(fetched, prepared, message, options));
  }

  /** Sends without waiting for the broker; resolves once the request is written. Nothing is retried. */
  async sendOneway(message: Message, options: SendOptions = {}): Promise<void> {
    this.checkRunning();
    const prepared = prepareMessage(message, this.prepareOptions());
    const route = await this.routeFor(prepared.topic);
    const queue = this.chooseQueue(route, message, options, undefined);
    const addr = this.masterOf(route, queue);
    const request = singleSendRequest(prepared, queue, { producerGroup: this.groupName, bornTimestamp: this.clock.nowMs() }, true);
    const result = await this.remoting.invokeOneway(addr, request, this.timeoutMs);
    if (!result.ok) throw fromRemotingError(result.error, `oneway send to ${queue.topic}`);
  }

  /**
   * Sends several messages of one topic as one SEND_BATCH_MESSAGE: they land in one queue with
   * consecutive offsets. Delayed messages cannot be batched. Resolves with one result per message.
   */
  async sendBatch(messages: readonly Message[], options: SendOptions = {}): Promise<SendResult[]> {
    this.checkRunning();
    if (!Array.isArray(messages) || messages.length === 0) throw invalidArgument('sendBatch needs at least one message');
    const prepared = messages.map((m) => prepareMessage(m, { ...this.prepareOptions(), compressBodyOverBytes: undefined }));
    const topic = prepared[0]!.topic;
    if (prepared.some((m) => m.topic !== topic)) throw invalidArgument('all messages of a batch must have the same topic');
    if (prepared.some((m) => !isBatchable(m))) throw invalidArgument('delayed messages cannot be sent in a batch');
    const total = prepared.reduce((sum, m) => sum + m.body.length, 0);
    if (total > this.maxMessageSize()) {
      throw new ClientError(ClientErrorCode.MESSAGE_TOO_LARGE, `batch bodies total ${total} bytes, above maxMessageSizeBytes ${this.maxMessageSize()}`);
    }
    const deadline = this.clock.monotonicMs() + this.timeoutMs;
    let route = await this.routeFor(topic);
    let queue = this.chooseQueue(route, messages[0]!, options, undefined);
    const pinned = options.selector !== undefined || options.queue !== undefined;
    for (let attempt = 0; ; attempt++) {
      const request = batchSendRequest(prepared, queue, { producerGroup: this.groupName, bornTimestamp: this.clock.nowMs() });
      const remaining = Math.max(1, deadline - this.clock.monotonicMs());
      const outcome = await sendOnce(this.remoting, this.masterOf(route, queue), request, remaining, queue, prepared);
      if (outcome.ok) return outcome.value;
      const canRetry = outcome.error.retriable && !pinned && attempt < this.retries && this.clock.monotonicMs() < deadline;
      if (!canRetry) throw outcome.error.error;
      this.routes.refreshSoon(topic);
      route = this.routes.cached(topic) ?? route;
      queue = this.nextQueue(route, queue.brokerName) ?? queue;
    }
  }

  /** The queues `send` may choose from (writable queues of brokers with a master). */
  async fetchPublishQueues(topic: string): Promise<MessageQueue[]> {
    this.checkRunning();
    return [...(await this.routeFor(topic)).publishQueues];
  }

  /** Waits for sends in flight (up to the send timeout), then disconnects. */
  async shutdown(): Promise<void> {
    if (this.state === 'stopped') return;
    const wasRunning = this.state === 'running';
    this.state = 'stopped';
    if (this.heartbeatTimer !== undefined) clearInterval(this.heartbeatTimer);
    this.routes.stop();
    if (wasRunning) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([this.sender.idle(), new Promise<void>((resolve) => (timer = setTimeout(resolve, this.timeoutMs + 1000)))]);
      clearTimeout(timer);
      await this.unregister();
    }
    await this.remoting.close();
  }

  private enqueue(route: TopicRoute, prepared: PreparedMessage, message: Message, options: SendOptions): Promise<SendResult> {
    let queue: MessageQueue;
    try {
      this.checkRunning();
      queue = this.chooseQueue(route, message, options, undefined);
    } catch (error) {
      return Promise.reject(error);
    }
    const pinned = options.selector !== undefined || options.queue !== undefined;
    return new Promise<SendResult>((resolve, reject) => {
      this.sender.enqueue(queue, {
        message: prepared,
        resolve,
        reject,
        deadlineMs: this.clock.monotonicMs() + this.timeoutMs,
        attemptsLeft: this.retries,
        pinned,
      });
    });
  }

  private chooseQueue(route: TopicRoute, message: Message, options: SendOptions, avoid: string | undefined): MessageQueue {
    const queues = route.publishQueues;
    if (options.queue !== undefined) {
      const wanted = options.queue;
      const found = queues.find((q) => q.brokerName === wanted.brokerName && q.queueId === wanted.queueId && q.topic === wanted.topic);
      if (found === undefined) throw invalidArgument(`queue ${wanted.topic}/${wanted.brokerName}/${wanted.queueId} is not writable in the current route`);
      return found;
    }
    if (queues.length === 0) throw new ClientError(ClientErrorCode.NO_AVAILABLE_QUEUE, `topic ${route.topic} has no writable queue`);
    if (options.selector !== undefined) {
      const chosen = options.selector(queues, message);
      const found = queues.find((q) => q.brokerName === chosen?.brokerName && q.queueId === chosen.queueId);
      if (found === undefined) throw invalidArgument('the selector returned a queue that is not among the queues it was given');
      return found;
    }
    const next = this.nextQueue(route, avoid);
    if (next === undefined) throw new ClientError(ClientErrorCode.NO_AVAILABLE_QUEUE, `topic ${route.topic} has no writable queue`);
    return next;
  }

  /** Round robin over the topic's queues, skipping `avoid`'s queues when another broker has some. */
  private nextQueue(route: TopicRoute, avoid: string | undefined): MessageQueue | undefined {
    const queues = route.publishQueues;
    if (queues.length === 0) return undefined;
    let counter = this.roundRobin.get(route.topic) ?? Math.floor(Math.random() * queues.length);
    for (let i = 0; i < queues.length; i++) {
      const queue = queues[counter++ % queues.length]!;
      if (queue.brokerName !== avoid) {
        this.roundRobin.set(route.topic, counter % 0x4000_0000);
        return queue;
      }
    }
    this.roundRobin.set(route.topic, counter % 0x4000_0000);
    return queues[counter % queues.length];
  }

  private senderHost(): SenderHost {
    return {
      masterAddress: (topic, brokerName) => {
        const route = this.routes.cached(topic);
        return route === undefined ? undefined : masterAddress(route.brokers, brokerName);
      },
      reroute: (topic, failedBroker) => {
        const route = this.routes.cached(topic);
        return route === undefined || this.state !== 'running' ? undefined : this.nextQueue(route, failedBroker);
      },
      brokerFailed: (topic) => this.routes.refreshSoon(topic),
    };
  }

  private masterOf(route: TopicRoute, queue: MessageQueue): string {
    const addr = masterAddress(route.brokers, queue.brokerName);
    if (addr === undefined) throw new ClientError(ClientErrorCode.NO_AVAILABLE_QUEUE, `broker ${queue.brokerName} has no master`);
    return addr;
  }

  private routeFor(topic: string): Promise<TopicRoute> {
    return this.routes.get(topic, this.options.autoCreateTopic !== false);
  }

  /** Built once: `send` runs once per message. */
  private prepareOptions(): PrepareOptions {
    this.prepareOpts ??= { maxMessageSizeBytes: this.maxMessageSize(), compressBodyOverBytes: this.options.compressBodyOverBytes, uniqIds: this.uniqIds };
    return this.prepareOpts;
  }

  private maxMessageSize(): number {
    return this.options.maxMessageSizeBytes ?? DEFAULTS.maxMessageSizeBytes;
  }

  private checkRunning(): void {
    if (this.state === 'running') return;
    throw new ClientError(this.state === 'stopped' ? ClientErrorCode.SHUT_DOWN : ClientErrorCode.NOT_STARTED, `producer is ${this.state === 'stopped' ? 'shut down' : 'not started'}`);
  }

  /** Tells every known broker about this producer group (transaction check-backs and admin tools use it). */
  private heartbeat(): void {
    if (this.state !== 'running') return;
    const body: HeartbeatBody = { clientID: this.identity.clientId, producerDataSet: [{ groupName: this.groupName }], consumerDataSet: [] };
    const request = makeRequest(RequestCode.HEART_BEAT, { body: encodeHeartbeatData(body) });
    // Producers only ever talk to masters (Java skips slaves for producer-only clients).
    for (const broker of this.routes.knownBrokers().values()) {
      const addr = broker.brokerAddrs[MASTER_ID];
      if (addr === undefined) continue;
      invokeExpect(this.remoting, addr, request, this.timeoutMs, `heartbeat to ${broker.brokerName}`).catch((error: unknown) => this.warn(error));
    }
  }

  private async unregister(): Promise<void> {
    const calls: Promise<unknown>[] = [];
    for (const broker of this.routes.knownBrokers().values()) {
      const addr = masterAddress(new Map([[broker.brokerName, broker]]), broker.brokerName);
      if (addr === undefined) continue;
      const request = rpcRequest(RequestCode.UNREGISTER_CLIENT, { clientID: this.identity.clientId, producerGroup: this.groupName });
      calls.push(invokeExpect(this.remoting, addr, request, Math.min(this.timeoutMs, 1000), 'unregister producer').catch(() => undefined));
    }
    await Promise.all(calls);
  }

  private warn(error: unknown): void {
    if (this.listenerCount('warning') === 0) return;
    this.emit('warning', error instanceof ClientError ? error : new ClientError(ClientErrorCode.BAD_RESPONSE, String(error)));
  }
}

function positive(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0) throw invalidArgument(`${name} must be a positive number, got ${value}`);
  return value;
}

function nonNegative(name: string, value: number): number {
  if (!Number.isFinite(value) || value < 0) throw invalidArgument(`${name} must be zero or more, got ${value}`);
  return value;
}
