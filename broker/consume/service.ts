/**
 * The consume side of the broker, as one object broker-core wires in (docs: broker-contract). It owns
 * the pull path with long polling, consumer groups and their connections, committed offsets and
 * subscription groups (two state files under `configDir`), ordered-consumption locks, and the
 * consumer metrics. The constructor does no I/O; `open` loads state, `register` installs the request
 * handlers and follows the server's connection closes, `close` answers held pulls and saves state.
 */
import type { Registry } from 'prom-client';
import type { TopicConfig } from '../../protocol';
import { RequestCode } from '../../protocol';
import type { RemotingConnection, RemotingServer } from '../../remoting';
import type { MessageStore } from '../store';
import type { ServerLogger } from '../../ops';
import type { Clock, Result } from '../../stdx';
import { assert, err, ok } from '../../stdx';
import { adminHandlers } from './admin-handlers';
import { clientHandlers } from './client-handlers';
import type { ConsumeContext } from './context';
import { ConsumerManager } from './consumer-manager';
import { ExpressionCache } from './filter';
import { QueueLockTable } from './locks';
import { PullHoldService } from './long-poll';
import { ConsumeMetrics } from './metrics';
import { ConsumerOffsetTable, parseConsumerOffsetsFile, parseOffsetTable } from './offsets';
import type { ConsumeOptions } from './options';
import { DEFAULT_CONSUME_OPTIONS } from './options';
import { PullProcessor } from './pull';
import { StateFile } from './state-file';
import { SubscriptionGroupTable, parseSubscriptionGroups } from './subscription-groups';
import type { ReplicaApplied } from './replica-sync';
import { applyGroupSnapshot } from './replica-sync';

/** Implemented by broker-core's topic config manager. */
export interface TopicRegistry {
  get(topic: string): TopicConfig | undefined;
  /** Creates the topic if absent (HEART_BEAT creates `%RETRY%<group>` with 1 read/1 write queue, perm RW), persists, returns it. Existing topics are returned unchanged. */
  ensureTopic(topic: string, init: { readQueueNums: number; writeQueueNums: number; perm: number; topicSysFlag?: number }): TopicConfig;
}

export interface ConsumeServiceDeps {
  store: MessageStore;
  topics: TopicRegistry;
  /** `<storeDir>/config`: consumerOffsets.json, subscriptionGroups.json. */
  configDir: string;
  brokerName: string;
  brokerId: number;
  clock: Clock;
  logger: ServerLogger;
  /** prom-client registry shared by the broker process. */
  registry: Registry;
  options?: Partial<ConsumeOptions>;
}

export const CONSUMER_OFFSETS_FILE = 'consumerOffsets.json';
export const SUBSCRIPTION_GROUPS_FILE = 'subscriptionGroups.json';
/** Pulls held for long polling at most, across all connections. */
export const MAX_HELD_PULLS = 100_000;
/** Largest configurable pull body: a 16 MiB frame less room for the header. */
export const MAX_PULL_BYTES_LIMIT = 15 * 1024 * 1024;
/** How often silent connections, lapsed locks and consume rates are looked at. */
const HOUSEKEEPING_INTERVAL_MS = 10_000;

type State = 'new' | 'open' | 'closed';

export class ConsumeService {
  private readonly options: ConsumeOptions;
  private readonly logger: ServerLogger;
  private readonly offsets = new ConsumerOffsetTable();
  private readonly groups: SubscriptionGroupTable;
  private readonly consumers: ConsumerManager;
  private readonly locks: QueueLockTable;
  private readonly holds: PullHoldService;
  private readonly metrics: ConsumeMetrics;
  private readonly offsetFile: StateFile;
  private readonly groupFile: StateFile;
  private readonly context: ConsumeContext;
  private readonly pull: PullProcessor;
  private slave: boolean;
  /** Messages per second per topic@group, sampled by housekeeping. */
  private readonly tps = new Map<string, { lastTotal: number; rate: number }>();
  private lastTpsSampleMs = 0;
  private servers: { server: RemotingServer; onClose: (connection: RemotingConnection) => void }[] = [];
  private flushTimer: NodeJS.Timeout | undefined;
  private housekeepingTimer: NodeJS.Timeout | undefined;
  private state: State = 'new';

  constructor(private readonly deps: ConsumeServiceDeps) {
    this.options = { ...DEFAULT_CONSUME_OPTIONS, ...definedOnly(deps.options ?? {}) };
    assert(this.options.maxPullMessages > 0 && this.options.maxPullBytes > 0, 'pull limits must be positive');
    // A response must fit a remoting frame (16 MiB by default) with room for its header.
    assert(this.options.maxPullBytes <= MAX_PULL_BYTES_LIMIT, `maxPullBytes must be at most ${MAX_PULL_BYTES_LIMIT}`);
    assert(this.options.offsetFlushIntervalMs > 0 && this.options.consumerChannelExpiryMs > 0, 'intervals must be positive');
    this.logger = deps.logger.child({ component: 'consume' });
    const monotonic = (): number => deps.clock.monotonicMs();
    this.groups = new SubscriptionGroupTable(() => deps.clock.nowMs());
    this.consumers = new ConsumerManager(this.logger, monotonic, (group) => this.groups.get(group)?.notifyConsumerIdsChangedEnable ?? true);
    this.locks = new QueueLockTable(monotonic);
    this.holds = new PullHoldService(MAX_HELD_PULLS, monotonic, (topic, queueId) => deps.store.getMaxQueueOffset(topic, queueId), (error) =>
      this.logger.error('held pull failed', { error: error instanceof Error ? (error.stack ?? error.message) : String(error) }),
    );
    this.metrics = new ConsumeMetrics(deps.registry, {
      lag: () => this.lag(),
      connections: () => this.consumers.connectionCounts(),
      heldPulls: () => this.holds.size,
    });
    this.offsetFile = new StateFile(deps.configDir, CONSUMER_OFFSETS_FILE);
    this.groupFile = new StateFile(deps.configDir, SUBSCRIPTION_GROUPS_FILE);
    this.slave = deps.brokerId !== 0;
    // Getters: a promoted slave (or a demoted master) changes behaviour without rebuilding these.
    const slave = (): boolean => this.slave;
    this.context = {
      store: deps.store,
      topics: deps.topics,
      groups: this.groups,
      consumers: this.consumers,
      offsets: this.offsets,
      locks: this.locks,
      metrics: this.metrics,
      options: this.options,
      logger: this.logger,
      clock: deps.clock,
      brokerName: deps.brokerName,
      get isSlave() {
        return slave();
      },
      persistGroups: () => this.persistGroups(),
      persistOffsets: () => this.flush(),
      consumeTps: (topic, group) => this.tps.get(`${topic}@${group}`)?.rate ?? 0,
    };
    this.pull = new PullProcessor({
      store: deps.store,
      topics: deps.topics,
      groups: this.groups,
      consumers: this.consumers,
      offsets: this.offsets,
      holds: this.holds,
      expressions: new ExpressionCache(),
      metrics: this.metrics,
      options: this.options,
      get isSlave() {
        return slave();
      },
    });
  }

  /**
   * The broker's replication role changed: a master commits offsets sent with pulls and answers
   * misses itself; a slave does neither (it suggests the master). Starts from the config brokerId.
   */
  setRole(isMaster: boolean): void {
    this.slave = !isMaster;
    // A promoted slave's own commits are simply its offsets now; nobody above it to tell.
    if (isMaster) this.offsets.clearReplicaCommits();
  }

  // ---- replication: what a master copies to its slaves, and what a slave gives back ----

  /**
   * Master: consumer offsets and subscription groups as one JSON object text
   * (`{"offsetTable":...,"subscriptionGroupTable":...,"dataVersion":...}`), for its slaves.
   */
  replicaSnapshot(): string {
    const groups = this.groups.toJson();
    return JSON.stringify({ offsetTable: this.offsets.toJson(), subscriptionGroupTable: groups.subscriptionGroupTable, dataVersion: groups.dataVersion });
  }

  /**
   * Slave: applies a master's snapshot. Offsets become the master's, except commits this slave took
   * that the master has not caught up with; subscription groups become the master's. Throws on a
   * malformed snapshot (the caller logs it).
   */
  applyReplicaSnapshot(value: unknown): ReplicaApplied {
    const o = value as { offsetTable?: unknown } | null;
    let offsetsChanged = false;
    if (o !== null && typeof o === 'object' && o.offsetTable !== undefined) {
      const table = parseOffsetTable(o.offsetTable, 'offsetTable');
      if (!table.ok) throw new Error(table.error);
      // A slave commit beyond this slave's own queue end was never served by it: nothing to protect.
      offsetsChanged = this.offsets.applyMaster(table.value, (topic, queueId, offset) => offset <= this.deps.store.getMaxQueueOffset(topic, queueId));
    }
    const groupsChanged = applyGroupSnapshot(this.groups, value);
    return { offsetsChanged, groupsChanged };
  }

  /** Slave: commits it took that its master has not shown back yet (`{"offsetTable":...}` text), or undefined. */
  replicaCommits(): string | undefined {
    const pending = this.offsets.pendingReplicaCommits();
    return pending === undefined ? undefined : JSON.stringify({ offsetTable: pending });
  }

  /**
   * Master: a slave's commits (`{"offsetTable":...}`), taken where higher than this master's, capped
   * at each queue's end here. Returns how many offsets moved; throws on a malformed body.
   */
  mergeReplicaCommits(value: unknown): number {
    if (this.slave) return 0;
    const table = parseOffsetTable((value as { offsetTable?: unknown } | null)?.offsetTable, 'offsetTable');
    if (!table.ok) throw new Error(table.error);
    const moved = this.offsets.mergeHigher(table.value, (topic, queueId) => this.deps.store.getMaxQueueOffset(topic, queueId));
    if (moved > 0) this.logger.info('consumer offsets taken from a slave', { moved });
    return moved;
  }

  /** The options in effect (defaults merged with what the broker passed), for logging the config. */
  get effectiveOptions(): Readonly<ConsumeOptions> {
    return this.options;
  }

  /** Pulls held for long polling right now. */
  get heldPullCount(): number {
    return this.holds.size;
  }

  /** Loads offsets and subscription groups; refuses when a state file and its backup are unreadable. */
  async open(): Promise<Result<void, string>> {
    if (this.state !== 'new') return err(`consume service is ${this.state}`);
    const offsets = await this.offsetFile.read(parseConsumerOffsetsFile);
    if (!offsets.ok) return err(`cannot load consumer offsets: ${offsets.error}`);
    const groups = await this.groupFile.read(parseSubscriptionGroups);
    if (!groups.ok) return err(`cannot load subscription groups: ${groups.error}`);
    if (offsets.value.kind === 'loaded') {
      this.offsets.load(offsets.value.value.offsets, offsets.value.value.replicaCommits);
      if (offsets.value.fromBackup) this.logger.warn('consumer offsets loaded from the backup file', { path: this.offsetFile.path });
    }
    if (groups.value.kind === 'loaded') {
      this.groups.load(groups.value.value);
      if (groups.value.fromBackup) this.logger.warn('subscription groups loaded from the backup file', { path: this.groupFile.path });
    }
    this.logger.info('consume state loaded', { offsetKeys: this.offsets.keyCount, subscriptionGroups: this.groups.size });
    this.flushTimer = setInterval(() => void this.flushIfDirty(), this.options.offsetFlushIntervalMs);
    this.flushTimer.unref();
    const housekeepingMs = Math.min(HOUSEKEEPING_INTERVAL_MS, Math.max(100, Math.floor(this.options.consumerChannelExpiryMs / 4)));
    this.lastTpsSampleMs = this.deps.clock.monotonicMs();
    this.housekeepingTimer = setInterval(() => this.housekeeping(), housekeepingMs);
    this.housekeepingTimer.unref();
    this.state = 'open';
    return ok(undefined);
  }

  /** Registers every request code the consume side owns and follows the server's connection closes. */
  register(server: RemotingServer): void {
    server.register(RequestCode.PULL_MESSAGE, this.pull.handle);
    for (const [code, handler] of clientHandlers(this.context)) server.register(code, handler);
    for (const [code, handler] of adminHandlers(this.context)) server.register(code, handler);
    const onClose = (connection: RemotingConnection): void => {
      this.holds.dropConnection(connection.id);
      this.consumers.connectionClosed(connection.id);
    };
    server.on('close', onClose);
    this.servers.push({ server, onClose });
  }

  /** Wakes held pulls whose queues gained messages. */
  onDispatched(commitLogOffset: number): void {
    void commitLogOffset;
    this.holds.scheduleCheck();
  }

  /** For admin and metrics: committed offset per (group, topic, queueId); undefined when none (or negative). */
  consumerOffset(group: string, topic: string, queueId: number): number | undefined {
    const offset = this.offsets.query(group, topic, queueId);
    return offset !== undefined && offset >= 0 ? offset : undefined;
  }

  /**
   * Additive to the contract: broker-core calls this after deleting a topic. The topic's committed
   * offsets go, as upstream's cleanOffsetByTopic does; pulls held on it time out as usual.
   */
  onTopicDeleted(topic: string): void {
    this.offsets.removeTopic(topic);
  }

  /** Persists offsets now. */
  async flush(): Promise<void> {
    try {
      await this.offsetFile.write(() => this.offsets.serialize());
    } catch (error) {
      this.offsets.markDirty();
      throw error;
    }
  }

  /** Answers held pulls, flushes, stops timers. */
  async close(): Promise<void> {
    if (this.state === 'closed') return;
    const wasOpen = this.state === 'open';
    this.state = 'closed';
    this.holds.close();
    if (this.flushTimer !== undefined) clearInterval(this.flushTimer);
    if (this.housekeepingTimer !== undefined) clearInterval(this.housekeepingTimer);
    for (const { server, onClose } of this.servers) server.off('close', onClose);
    this.servers = [];
    if (!wasOpen) return;
    await this.flush();
    if (this.groups.dirty) await this.persistGroups();
  }

  private async persistGroups(): Promise<void> {
    try {
      await this.groupFile.write(() => this.groups.serialize());
    } catch (error) {
      this.groups.markDirty();
      throw error;
    }
  }

  private async flushIfDirty(): Promise<void> {
    try {
      if (this.offsets.dirty) await this.flush();
      if (this.groups.dirty) await this.persistGroups();
    } catch (error) {
      this.logger.error('cannot persist consume state; will retry', { error: error instanceof Error ? error.message : String(error) });
    }
  }

  private housekeeping(): void {
    this.consumers.closeExpired(this.options.consumerChannelExpiryMs);
    this.locks.sweep();
    this.sampleTps();
  }

  private sampleTps(): void {
    const now = this.deps.clock.monotonicMs();
    const elapsedSec = (now - this.lastTpsSampleMs) / 1000;
    this.lastTpsSampleMs = now;
    if (elapsedSec <= 0) return;
    for (const [key, counter] of this.metrics.totals()) {
      const previous = this.tps.get(key);
      const lastTotal = previous?.lastTotal ?? 0;
      this.tps.set(key, { lastTotal: counter.messages, rate: (counter.messages - lastTotal) / elapsedSec });
    }
  }

  /** Lag per topic and group over the queues the group has committed offsets for. */
  private *lag(): Iterable<{ topic: string; group: string; lag: number }> {
    const store = this.deps.store;
    for (const { topic, group, queues } of this.offsets.entries()) {
      let lag = 0;
      for (const [queueId, offset] of queues) lag += Math.max(0, store.getMaxQueueOffset(topic, queueId) - Math.max(0, offset));
      yield { topic, group, lag };
    }
  }
}

function definedOnly<T extends object>(value: Partial<T>): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
