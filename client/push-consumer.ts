/**
 * The push consumer: subscribe with a handler, start, and messages flow to the handler.
 *
 * ```ts
 * const consumer = new PushConsumer({ namesrvAddr: '127.0.0.1:9876', groupName: 'billing' });
 * consumer.subscribe('orders', 'created || paid', async (message) => { await bill(message.body); });
 * await consumer.start();
 * ```
 *
 * How it works (FACTS 4.3-4.5, 6.1, 6.2):
 * - Clustering (default): every member heartbeats its subscriptions to all brokers of its topics
 *   (every 30 s), and rebalances every 20 s and whenever a broker sends NOTIFY_CONSUMER_IDS_CHANGED:
 *   it asks a broker for the group's members and takes its share of the queues with
 *   AllocateMessageQueueAveragely, so members of one group split the queues without talking.
 *   Broadcasting: every member reads every queue.
 * - Each owned queue has a pull loop: long-poll pulls (the broker holds a pull up to 15 s waiting for
 *   messages), bounded by in-flight limits per queue and in total, so a slow handler slows pulling
 *   instead of filling memory.
 * - Progress: the committed offset of a queue is its lowest unacknowledged offset, so messages that
 *   finish out of order never make a restart skip one. Clustering offsets go to the broker (with
 *   every pull, and UPDATE_CONSUMER_OFFSET every 5 s, on rebalance and on shutdown); broadcasting
 *   offsets go to a local JSON file.
 * - Delivery is at least once: after a crash or a rebalance, messages past the last commit are
 *   delivered again.
 * - `orderly`: each queue's messages are handled one at a time in queue order, and in clustering only
 *   while this member holds the queue's lock on the broker (queue-locks.ts).
 * - A handler that throws fails the message. For now it is retried locally, in this process, after
 *   `consumeRetryDelayMs`, up to `maxReconsumeTimes` more times, then given up and reported through
 *   the `consumeError` event (willRetry false) so the queue keeps moving. Broker-side retry through
 *   %RETRY% topics and the DLQ (CONSUMER_SEND_MSG_BACK) is not implemented yet.
 *
 * Events: `warning` (background failures: pulls, heartbeats, rebalances, offset commits),
 * `consumeError` (a handler failed), `rebalance` (the queues this member now owns for a topic).
 */
import { EventEmitter } from 'node:events';
import * as os from 'node:os';
import * as path from 'node:path';
import { isRetryTopic, validateGroupName, validateTopicName } from '../message';
import { RequestCode, SerializeType } from '../protocol';
import { RemotingClient } from '../remoting';
import type { Clock } from '../stdx';
import { systemClock } from '../stdx';
import { allocateAveragely } from './allocate';
import type { Subscription } from './consumer-api';
import { consumerIdsFromAny, maxOffsetOf, searchOffset, sendHeartbeat, unregisterConsumer } from './consumer-api';
import { ClientError, ClientErrorCode, invalidArgument } from './errors';
import type { ClientIdentity } from './identity';
import { makeIdentity } from './identity';
import type { OffsetStore } from './offset-store';
import { BrokerOffsetStore, LocalFileOffsetStore } from './offset-store';
import type { PushConsumerOptions, ResolvedPushOptions } from './push-consumer-options';
import { resolvePushOptions } from './push-consumer-options';
import type { ConsumeContext, MessageHandler } from './dispatcher';
import { ConsumeDispatcher } from './dispatcher';
import { ProcessQueue } from './process-queue';
import { QueueLocker, holdsLock } from './queue-locks';
import type { PullLoopHost } from './pull-loop';
import { runPullLoop } from './pull-loop';
import { RouteCache, parseNamesrvAddrs, pullTarget } from './route';
import { parseTagExpression } from './tags';
import type { MessageQueue, ReceivedMessage } from './types';
import { compareQueues, queueKey } from './types';

export type { ConsumeContext, MessageHandler, PushConsumerOptions };

export interface PushConsumerEvents {
  warning: [error: ClientError];
  consumeError: [error: ClientError, message: ReceivedMessage, willRetry: boolean];
  rebalance: [topic: string, queues: MessageQueue[]];
}

interface Topic {
  readonly subscription: Subscription;
  readonly handler: MessageHandler;
}

type State = 'new' | 'starting' | 'running' | 'stopped';

export class PushConsumer extends EventEmitter<PushConsumerEvents> {
  readonly groupName: string;
  readonly identity: ClientIdentity;
  readonly messageModel: 'clustering' | 'broadcasting';
  private readonly o: ResolvedPushOptions;
  private readonly clock: Clock;
  private readonly remoting: RemotingClient;
  private readonly routes: RouteCache;
  private readonly offsets: OffsetStore;
  private readonly dispatcher: ConsumeDispatcher;
  private readonly locker: QueueLocker;
  private readonly topics = new Map<string, Topic>();
  private readonly queues = new Map<string, ProcessQueue>();
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly consumeTimestamp: number;
  private inflightTotal = 0;
  private state: State = 'new';
  private rebalancing: Promise<void> | undefined;
  private rebalanceAgain = false;

  constructor(options: PushConsumerOptions) {
    super();
    const namesrvAddrs = parseNamesrvAddrs(options.namesrvAddr);
    if (namesrvAddrs.length === 0) throw invalidArgument('namesrvAddr is required');
    const group = validateGroupName(options.groupName ?? '');
    if (!group.ok) throw invalidArgument(group.error);
    this.groupName = options.groupName;
    this.identity = makeIdentity(options.instanceName);
    this.clock = options.clock ?? systemClock;
    this.o = resolvePushOptions(options);
    this.messageModel = this.o.messageModel;
    this.consumeTimestamp = options.consumeTimestamp ?? this.clock.nowMs() - 30 * 60_000;
    this.remoting = new RemotingClient({ clock: this.clock, serializeType: options.serializeType === 'json' ? SerializeType.JSON : SerializeType.ROCKETMQ });
    this.routes = new RouteCache(this.remoting, { namesrvAddrs, timeoutMs: this.o.requestTimeoutMs, refreshIntervalMs: this.o.routeRefreshIntervalMs });
    this.routes.on('warning', (error) => this.warn(error));
    this.routes.on('change', (topic) => {
      if (this.topics.has(topic) && this.state === 'running') void this.heartbeatAll().then(() => this.rebalanceSoon());
    });
    this.offsets =
      this.messageModel === 'broadcasting'
        ? new LocalFileOffsetStore(options.offsetStorePath ?? path.join(os.homedir(), '.rocketcluster', 'offsets', `${this.groupName}.json`), this.groupName)
        : new BrokerOffsetStore(this.remoting, (brokerName) => this.routes.offsetBrokerOf(brokerName), this.groupName, this.o.requestTimeoutMs);
    this.locker = new QueueLocker({
      remoting: this.remoting,
      group: this.groupName,
      clientId: this.identity.clientId,
      timeoutMs: this.o.requestTimeoutMs,
      clock: this.clock,
      masterOf: (brokerName) => this.masterOf(brokerName),
    });
    this.dispatcher = new ConsumeDispatcher({
      concurrency: this.o.consumeConcurrency,
      orderly: this.o.orderly,
      canRun: (pq) => !this.locksQueues() || holdsLock(pq, this.clock.monotonicMs()),
      maxReconsumeTimes: this.o.maxReconsumeTimes,
      retryDelayMs: this.o.consumeRetryDelayMs,
      done: (message, pq) => this.acknowledge(message, pq),
      failed: (error, delivery, willRetry) => {
        if (this.listenerCount('consumeError') > 0) this.emit('consumeError', error, delivery.message, willRetry);
      },
    });
    this.remoting.register(RequestCode.NOTIFY_CONSUMER_IDS_CHANGED, () => {
      this.rebalanceSoon();
      return null;
    });
  }

  /**
   * Subscribes `topic` with a tag expression (`*`, `TagA`, `TagA || TagB`) and its handler. One
   * subscription per topic; subscribing again replaces it.
   */
  subscribe(topic: string, tagExpression: string, handler: MessageHandler): void {
    if (this.state === 'stopped') throw new ClientError(ClientErrorCode.SHUT_DOWN, 'consumer is shut down');
    if (typeof handler !== 'function') throw invalidArgument('subscribe needs a handler function');
    const valid = validateTopicName(topic);
    if (!valid.ok) throw invalidArgument(valid.error);
    const filter = parseTagExpression(tagExpression);
    const replaced = this.topics.has(topic);
    this.topics.set(topic, { subscription: { topic, filter, version: this.clock.nowMs() }, handler });
    if (this.state !== 'running') return;
    void (async () => {
      // Queues pulled under the old subscription restart under the new one (from the committed offset).
      if (replaced) await Promise.all([...this.queues.values()].filter((pq) => pq.queue.topic === topic).map((pq) => this.release(pq)));
      await this.refreshTopics();
      await this.heartbeatAll();
      this.rebalanceSoon();
    })();
  }

  /** Stops consuming `topic`: its queues are committed and released. */
  async unsubscribe(topic: string): Promise<void> {
    if (!this.topics.delete(topic)) return;
    await Promise.all([...this.queues.values()].filter((pq) => pq.queue.topic === topic).map((pq) => this.release(pq)));
    if (this.state === 'running') await this.heartbeatAll();
  }

  async start(): Promise<void> {
    if (this.state !== 'new') throw invalidArgument(`consumer cannot start: it is ${this.state}`);
    if (this.topics.size === 0) throw invalidArgument('subscribe to at least one topic before start');
    this.state = 'starting';
    try {
      await this.refreshTopics(true);
      await this.heartbeatAll();
    } catch (error) {
      if (this.state === 'starting') this.state = 'new';
      throw error;
    }
    if (this.state !== 'starting') throw new ClientError(ClientErrorCode.SHUT_DOWN, 'consumer was shut down while starting');
    this.state = 'running';
    this.routes.start();
    this.every(this.o.heartbeatIntervalMs, () => void this.heartbeatAll());
    this.every(this.o.rebalanceIntervalMs, () => this.rebalanceSoon());
    this.every(this.o.persistOffsetIntervalMs, () => void this.persistOffsets(false));
    if (this.locksQueues()) this.every(this.o.lockIntervalMs, () => void this.renewLocks());
    await this.rebalance();
  }

  /** Queues this member owns now. */
  assignedQueues(topic?: string): MessageQueue[] {
    return [...this.queues.values()].map((pq) => pq.queue).filter((q) => topic === undefined || q.topic === topic).sort(compareQueues);
  }

  /** The offset this member would commit for a queue it owns. */
  committableOffset(queue: MessageQueue): number | undefined {
    return this.queues.get(queueKey(queue))?.tracker.committableOffset();
  }

  /**
   * Stops pulling, waits for running handlers (up to `shutdownTimeoutMs`), commits offsets, leaves
   * the group and disconnects.
   */
  async shutdown(): Promise<void> {
    if (this.state === 'stopped') return;
    const wasRunning = this.state === 'running';
    this.state = 'stopped';
    for (const timer of this.timers) clearTimeout(timer);
    this.routes.stop();
    for (const pq of this.queues.values()) pq.drop();
    if (wasRunning) {
      await this.dispatcher.idle(this.o.shutdownTimeoutMs);
      this.dispatcher.stop();
      await this.persistOffsets(true);
      if (this.locksQueues()) await this.locker.unlock([...this.queues.values()].map((pq) => pq.queue)).catch((error: unknown) => this.warn(error));
      await this.unregisterAll();
    }
    this.dispatcher.stop();
    await this.remoting.close();
    await Promise.all([...this.queues.values()].map((pq) => pq.loop));
    this.queues.clear();
  }

  // ------------------------------------------------------------------------------------ rebalance

  /** Runs a rebalance soon; calls during a running one make it run once more afterwards. */
  private rebalanceSoon(): void {
    if (this.state !== 'running') return;
    if (this.rebalancing !== undefined) {
      this.rebalanceAgain = true;
      return;
    }
    void this.rebalance();
  }

  private rebalance(): Promise<void> {
    if (this.rebalancing !== undefined) {
      this.rebalanceAgain = true;
      return this.rebalancing;
    }
    this.rebalancing = (async () => {
      do {
        this.rebalanceAgain = false;
        for (const topic of [...this.topics.keys()]) {
          if (this.state !== 'running') return;
          try {
            await this.rebalanceTopic(topic);
          } catch (error) {
            this.warn(error);
          }
        }
      } while (this.rebalanceAgain && this.state === 'running');
    })().finally(() => {
      this.rebalancing = undefined;
    });
    return this.rebalancing;
  }

  private async rebalanceTopic(topic: string): Promise<void> {
    const entry = this.topics.get(topic);
    if (entry === undefined) return;
    const route = await this.routes.get(topic);
    let mine: MessageQueue[];
    if (this.messageModel === 'broadcasting') {
      mine = [...route.subscribeQueues];
    } else {
      const ids = await consumerIdsFromAny(this.remoting, route.brokers, this.groupName, this.o.requestTimeoutMs);
      if (!ids.includes(this.identity.clientId)) {
        // The broker has not seen our heartbeat yet (or expired us): announce ourselves, keep what we
        // have, and look again shortly.
        await this.heartbeatAll();
        this.later(1000, () => this.rebalanceSoon());
        return;
      }
      mine = allocateAveragely(route.subscribeQueues, ids, this.identity.clientId);
    }
    await this.assign(entry, mine);
  }

  private async assign(entry: Topic, mine: readonly MessageQueue[]): Promise<void> {
    const topic = entry.subscription.topic;
    const wanted = new Set(mine.map(queueKey));
    const releases: Promise<void>[] = [];
    for (const pq of this.queues.values()) {
      if (pq.queue.topic === topic && !wanted.has(queueKey(pq.queue))) releases.push(this.release(pq));
    }
    await Promise.all(releases);
    const added = await Promise.all(mine.filter((q) => !this.queues.has(queueKey(q))).map((q) => this.take(entry, q)));
    if (releases.length > 0 || added.some((a) => a)) this.emit('rebalance', topic, this.assignedQueues(topic));
  }

  /** Starts consuming a queue from its stored offset (or `consumeFromWhere`); false when that failed. */
  private async take(entry: Topic, queue: MessageQueue): Promise<boolean> {
    let start: number;
    let lockedUntilMs = 0;
    try {
      if (this.locksQueues()) {
        // Ordered: only a queue whose lock we got; its previous owner may still hold it for a moment.
        lockedUntilMs = await this.locker.lockOne(queue);
        if (lockedUntilMs <= this.clock.monotonicMs()) {
          this.later(1000, () => this.rebalanceSoon());
          return false;
        }
      }
      // Read after locking: the previous owner commits before it unlocks.
      start = await this.startOffset(queue);
    } catch (error) {
      this.warn(error);
      return false;
    }
    if (this.state !== 'running' || this.queues.has(queueKey(queue)) || !this.topics.has(queue.topic)) return false;
    const pq = new ProcessQueue(queue, entry.subscription, start);
    pq.lockedUntilMs = lockedUntilMs;
    this.queues.set(queueKey(queue), pq);
    this.offsets.update(queue, start);
    pq.loop = runPullLoop(pq, this.pullLoopHost(entry.handler));
    return true;
  }

  /** Stops consuming a queue; commits what is safe to commit so its next owner starts there. */
  private async release(pq: ProcessQueue): Promise<void> {
    pq.drop();
    // Ordered: the message being handled must finish (and count) before the next owner may start.
    if (this.o.orderly) await this.dispatcher.queueIdle(pq, this.o.shutdownTimeoutMs);
    this.queues.delete(queueKey(pq.queue));
    this.inflightTotal -= pq.tracker.inflightCount;
    this.offsets.update(pq.queue, pq.tracker.committableOffset());
    try {
      await this.offsets.persist(pq.queue);
      if (this.locksQueues()) await this.locker.unlock([pq.queue]);
    } catch (error) {
      this.warn(error);
    }
    if (this.messageModel === 'clustering') this.offsets.remove(pq.queue);
  }

  /** Ordered consumption in clustering needs broker locks; broadcasting members each read everything. */
  private locksQueues(): boolean {
    return this.o.orderly && this.messageModel === 'clustering';
  }

  private async renewLocks(): Promise<void> {
    if (this.state !== 'running') return;
    const owned = [...this.queues.values()];
    try {
      await this.locker.lock(owned);
    } catch (error) {
      this.warn(error);
    }
    const nowMs = this.clock.monotonicMs();
    for (const pq of owned) if (holdsLock(pq, nowMs) && pq.isSleeping && !this.overLimit(pq)) pq.wake();
    this.dispatcher.resume();
  }

  private async startOffset(queue: MessageQueue): Promise<number> {
    const stored = await this.offsets.fetch(queue);
    if (stored !== undefined) return stored;
    switch (this.o.consumeFromWhere) {
      case 'first':
        return 0;
      case 'timestamp':
        return isRetryTopic(queue.topic) ? 0 : searchOffset(this.remoting, this.addrFor(queue), queue, this.consumeTimestamp, this.o.requestTimeoutMs);
      case 'last':
        return isRetryTopic(queue.topic) ? 0 : maxOffsetOf(this.remoting, this.addrFor(queue), queue, this.o.requestTimeoutMs);
    }
  }

  // ------------------------------------------------------------------------------------- pulling

  private pullLoopHost(handler: MessageHandler): PullLoopHost {
    return {
      remoting: this.remoting,
      routes: this.routes,
      clock: this.clock,
      group: this.groupName,
      pullBatchSize: this.o.pullBatchSize,
      suspendMs: this.o.brokerSuspendMaxTimeMs,
      requestTimeoutMs: this.o.requestTimeoutMs,
      pullDelayOnErrorMs: this.o.pullDelayOnErrorMs,
      checkBodyCrc: this.o.checkBodyCrc,
      commitOffsetFor: (pq, brokerId) => {
        // Only masters store offsets (slaves ignore the flag); Java sends it only past offset 0.
        // Brings the store up to date (acknowledgements do not) and commits that same value.
        const committed = pq.tracker.committableOffset();
        this.offsets.update(pq.queue, committed);
        return this.messageModel === 'clustering' && brokerId === 0 && committed > 0 ? committed : undefined;
      },
      overLimit: (pq) => this.overLimit(pq),
      deliver: (pq, messages) => {
        this.inflightTotal += messages.length;
        this.dispatcher.submitAll(messages, pq, handler);
      },
      pulled: (pq) => this.offsets.update(pq.queue, pq.tracker.committableOffset()),
      offsetMoved: async (pq, result) => {
        this.inflightTotal -= pq.tracker.inflightCount;
        pq.tracker.reset(result.nextBeginOffset);
        this.offsets.update(pq.queue, result.nextBeginOffset);
        await this.offsets.persist(pq.queue).catch((error: unknown) => this.warn(error));
      },
      warn: (error) => this.warn(error),
    };
  }

  private overLimit(pq: ProcessQueue): boolean {
    if (this.locksQueues() && !holdsLock(pq, this.clock.monotonicMs())) return true;
    return pq.tracker.inflightCount >= this.o.maxInflightMessagesPerQueue || this.inflightTotal >= this.o.maxInflightMessages;
  }

  private acknowledge(message: ReceivedMessage, pq: ProcessQueue): void {
    // Acknowledgements still count after pulling stopped (shutdown waits for handlers, then commits);
    // a queue already released to another member was settled when it was released.
    if (!pq.tracker.ack(message.queueOffset) || this.queues.get(pq.key) !== pq) return;
    this.inflightTotal--;
    // The offset store is brought up to date where it is read (syncOffsets), not once per message.
    if (pq.isSleeping && !this.overLimit(pq)) pq.wake();
    if (this.inflightTotal === this.o.maxInflightMessages - 1) {
      for (const other of this.queues.values()) if (other.isSleeping && !this.overLimit(other)) other.wake();
    }
  }

  // ------------------------------------------------------------------------ heartbeat, offsets, routes

  /**
   * Fetches the routes of the subscribed topics. A topic that does not exist yet is only a warning
   * (rebalancing looks for it again every `rebalanceIntervalMs`); with `strict`, name servers that
   * cannot be reached are an error.
   */
  private async refreshTopics(strict = false): Promise<void> {
    for (const topic of this.topics.keys()) {
      try {
        await this.routes.refresh(topic);
      } catch (error) {
        if (strict && !(error instanceof ClientError && error.code === ClientErrorCode.TOPIC_NOT_FOUND)) throw error;
        this.warn(error);
      }
    }
  }

  private async heartbeatAll(): Promise<void> {
    const params = {
      clientId: this.identity.clientId,
      group: this.groupName,
      consumeType: 'CONSUME_PASSIVELY',
      messageModel: this.messageModel === 'clustering' ? 'CLUSTERING' : 'BROADCASTING',
      consumeFrom: this.o.consumeFromWhere,
      subscriptions: [...this.topics.values()].map((t) => t.subscription),
    } as const;
    await Promise.all(this.routes.allBrokerAddrs().map((addr) => sendHeartbeat(this.remoting, addr, params, this.o.requestTimeoutMs).catch((error: unknown) => this.warn(error))));
  }

  private async unregisterAll(): Promise<void> {
    const unregister = (addr: string): Promise<void> => unregisterConsumer(this.remoting, addr, this.identity.clientId, this.groupName, this.o.requestTimeoutMs);
    await Promise.all(this.routes.allBrokerAddrs().map((addr) => unregister(addr).catch((error: unknown) => this.warn(error))));
  }

  private async persistOffsets(acknowledged: boolean): Promise<void> {
    this.syncOffsets();
    try {
      await this.offsets.persistAll(acknowledged);
    } catch (error) {
      this.warn(error);
    }
  }

  /**
   * Copies every owned queue's committable offset into the offset store. Acknowledgements only move
   * the trackers; this runs before the store is read or persisted (pulls carrying a commit, the
   * periodic persist, shutdown), so what is committed is as fresh as before, for less per message.
   */
  private syncOffsets(): void {
    for (const pq of this.queues.values()) this.offsets.update(pq.queue, pq.tracker.committableOffset());
  }

  private masterOf(brokerName: string): string | undefined {
    return this.routes.masterOf(brokerName);
  }

  private addrFor(queue: MessageQueue): string {
    const route = this.routes.cached(queue.topic);
    const target = route === undefined ? undefined : pullTarget(route.brokers, queue.brokerName, 0);
    if (target === undefined) throw new ClientError(ClientErrorCode.NO_AVAILABLE_QUEUE, `no broker for ${queueKey(queue)}`);
    return target.addr;
  }

  private later(ms: number, run: () => void): void {
    const timer = setTimeout(() => {
      this.timers.splice(this.timers.indexOf(timer), 1);
      run();
    }, ms);
    timer.unref();
    this.timers.push(timer);
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
