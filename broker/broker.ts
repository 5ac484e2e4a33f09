/**
 * The broker process's object graph: config -> message store (dispatch wakes broker/consume and
 * replication) -> replication (epoch file, role) -> topic table -> consume service -> remoting server
 * with every processor -> HA server -> HTTP (/metrics, /healthz, admin /status and /role) -> role ->
 * name server registration. The constructor does no I/O; `start()` brings the parts up in that order
 * and, if one fails, closes the ones already started; `close()` takes them down in reverse.
 *
 * Roles (docs/replication.md): with `roleSource: static` the broker takes brokerRole at start and
 * registers at once; with `roleSource: controller` it starts with role none, takes no writes and
 * does not register until a role command (POST /role) arrives. A master registers as brokerId 0, a
 * slave with its own id (>= 1); the registration's stateVersion carries the epoch, so a name server
 * refuses an older epoch's master once a newer one holds id 0.
 */
import * as path from 'node:path';
import type { ServerLogger, HttpEndpoint } from '../ops';
import { silentLogger, startHttpEndpoint } from '../ops';
import { RemotingServer, SAME_AS_REQUEST } from '../remoting';
import type { Clock, Result } from '../stdx';
import { err, ok, systemClock } from '../stdx';
import { adminRoutes } from './admin';
import type { BrokerConfig } from './config';
import { RoleSource, staticRoleOf, storeConfigOf } from './config';
import type { ConsumeOptions } from './consume';
import { ConsumeService } from './consume';
import type { ReplicationStatus } from './ha';
import { EPOCH_FILE_NAME, ReplicationService, Role } from './ha';
import { TopicConfigManager } from './metadata';
import { BrokerMetrics } from './metrics';
import { ProcessorContext, RuntimeStats, registerBrokerProcessors } from './processors';
import { NameserverRegistry } from './registry';
import { replicaMetadata } from './replica-metadata';
import { MessageStore } from './store';

export interface BrokerDeps {
  readonly logger?: ServerLogger;
  readonly clock?: Clock;
  /** Node process metrics on /metrics; in-process test clusters turn them off. Default true. */
  readonly processMetrics?: boolean;
  /** Overrides of the consume side's options beyond what the config sets. */
  readonly consumeOptions?: Partial<ConsumeOptions>;
}

/** Where a started broker can be reached. */
export interface BrokerAddresses {
  /** `brokerIP1:port`, as registered with name servers. */
  readonly brokerAddr: string;
  readonly remotingPort: number;
  readonly httpPort: number;
  /** `brokerIP2:port` of the HA server, as slaves are told to connect to it. */
  readonly haAddr: string;
  readonly haPort: number;
}

/** `GET /status`: who this broker is, then its replication state. */
export interface BrokerStatus extends ReplicationStatus {
  readonly brokerName: string;
  readonly clusterName: string;
  /** The id registered with name servers: 0 as master, the slave id as slave. */
  readonly brokerId: number;
  /** brokerId from the config. */
  readonly configBrokerId: number;
  readonly roleSource: 'static' | 'controller';
  /** Remoting address (`ip:port`) clients and name servers know this broker by. */
  readonly address: string;
  readonly haAddress: string;
}

type State = 'new' | 'starting' | 'running' | 'closing' | 'closed';

export class Broker {
  readonly metrics: BrokerMetrics;
  private readonly logger: ServerLogger;
  private readonly clock: Clock;
  private state: State = 'new';
  private messageStore: MessageStore | undefined;
  private topicTable: TopicConfigManager | undefined;
  private consumeService: ConsumeService | undefined;
  private server: RemotingServer | undefined;
  private http: HttpEndpoint | undefined;
  private registry: NameserverRegistry | undefined;
  private registryStarted = false;
  private replicationService: ReplicationService | undefined;
  private haAddr = '';
  private context: ProcessorContext | undefined;
  private stats: RuntimeStats | undefined;
  private addresses: BrokerAddresses | undefined;
  private starting: Promise<Result<BrokerAddresses, string>> | undefined;

  constructor(
    readonly config: BrokerConfig,
    private readonly deps: BrokerDeps = {},
  ) {
    this.logger = (deps.logger ?? silentLogger).child({ brokerName: config.brokerName, brokerId: config.brokerId });
    this.clock = deps.clock ?? systemClock;
    this.metrics = new BrokerMetrics({
      brokerClusterName: config.brokerClusterName,
      brokerName: config.brokerName,
      processMetrics: deps.processMetrics ?? true,
    });
  }

  /** Starts every part; on failure the parts already started are closed again and the reason returned. */
  async start(): Promise<Result<BrokerAddresses, string>> {
    if (this.state !== 'new') return err(`broker is ${this.state}; a Broker starts once`);
    this.state = 'starting';
    this.starting = this.startOnce();
    return this.starting;
  }

  private async startOnce(): Promise<Result<BrokerAddresses, string>> {
    let result: Result<BrokerAddresses, string>;
    try {
      result = await this.startParts();
    } catch (e) {
      result = err(`broker start failed: ${(e as Error).message}`);
    }
    if (!result.ok) {
      await this.stopParts();
      this.state = 'closed';
      return result;
    }
    this.state = 'running';
    this.addresses = result.value;
    this.logger.info('broker started', { ...result.value, storeDir: this.config.storePathRootDir });
    return result;
  }

  get isRunning(): boolean {
    return this.state === 'running';
  }

  /** Addresses once started. */
  get address(): BrokerAddresses | undefined {
    return this.addresses;
  }

  get store(): MessageStore | undefined {
    return this.messageStore;
  }

  get topics(): TopicConfigManager | undefined {
    return this.topicTable;
  }

  get consume(): ConsumeService | undefined {
    return this.consumeService;
  }

  /** Role, epoch, HA server and link, write gate. */
  get replication(): ReplicationService | undefined {
    return this.replicationService;
  }

  /** The document `GET /status` returns. */
  status(): BrokerStatus | undefined {
    const replication = this.replicationService;
    if (replication === undefined || this.context === undefined) return undefined;
    const c = this.config;
    return {
      brokerName: c.brokerName,
      clusterName: c.brokerClusterName,
      brokerId: replication.registeredBrokerId,
      configBrokerId: c.brokerId,
      roleSource: c.roleSource,
      address: this.context.brokerAddr,
      haAddress: this.haAddr,
      ...replication.status(),
    };
  }

  /** Name server registration state, per name server. */
  registrations(): ReturnType<NameserverRegistry['status']> {
    return this.registry?.status() ?? [];
  }

  /** Waits for registrations in flight; true when every configured name server has this broker. */
  async registered(): Promise<boolean> {
    const registry = this.registry;
    if (registry === undefined) return false;
    await registry.idle();
    return registry.status().every((s) => s.registered);
  }

  /** Asks every name server to take the current topic table now (the periodic timer does it anyway). */
  registerNow(): void {
    this.registry?.registerAll();
  }

  /** Unregisters, stops serving, closes consume and the store. Idempotent. */
  async close(): Promise<void> {
    // Closing during start waits for the start to finish, then takes everything down.
    if (this.state === 'starting') await this.starting;
    if (this.state === 'closed' || this.state === 'closing' || this.state === 'new') {
      this.state = this.state === 'new' ? 'closed' : this.state;
      return;
    }
    this.state = 'closing';
    this.logger.info('broker closing');
    await this.stopParts();
    this.state = 'closed';
    this.logger.info('broker closed');
  }

  private async startParts(): Promise<Result<BrokerAddresses, string>> {
    const c = this.config;
    const store = new MessageStore(storeConfigOf(c), {
      clock: this.clock,
      events: this.logger.child({ component: 'store' }),
      // The consume service exists only after the store opened; recovery dispatches before that.
      onDispatched: (commitLogOffset) => {
        this.consumeService?.onDispatched(commitLogOffset);
        this.replicationService?.onDispatched(commitLogOffset);
      },
    });
    const opened = await store.open();
    if (!opened.ok) return err(`cannot open the store at ${opened.error.path} (${opened.error.kind}): ${opened.error.message}`);
    this.messageStore = store;
    const configDir = path.join(c.storePathRootDir, 'config');
    const topics = new TopicConfigManager({ ...c, configDir, clock: this.clock, logger: this.logger.child({ component: 'topics' }) });
    const loaded = await topics.open();
    if (!loaded.ok) return loaded;
    this.topicTable = topics;
    const replication = this.createReplication(store, topics);
    const replicationOpened = await replication.open();
    if (!replicationOpened.ok) return replicationOpened;
    this.replicationService = replication;
    const consume = new ConsumeService({
      store,
      topics,
      configDir,
      brokerName: c.brokerName,
      brokerId: c.brokerId,
      clock: this.clock,
      logger: this.logger.child({ component: 'consume' }),
      registry: this.metrics.registry,
      options: {
        longPollingEnabled: c.longPollingEnable,
        shortPollingTimeMs: c.shortPollingTimeMs,
        autoCreateSubscriptionGroup: c.autoCreateSubscriptionGroup,
        ...(this.deps.consumeOptions ?? {}),
      },
    });
    const consumeOpened = await consume.open();
    if (!consumeOpened.ok) return err(`cannot open the consume service: ${consumeOpened.error}`);
    this.consumeService = consume;
    // A controller-driven broker is no master until told (a restarted old master with brokerId 0
    // included): commits taken meanwhile are remembered as a replica's, so following the new master
    // merges them instead of its copy overwriting them, and pulls never move a client on its word.
    if (c.roleSource === RoleSource.controller) consume.setRole(false);
    const listening = await this.startServer(store, topics, consume);
    if (!listening.ok) return listening;
    const haListening = await replication.listen(c.haListenPort, c.listenHost);
    if (!haListening.ok) return haListening;
    this.haAddr = `${c.brokerIP2.includes(':') ? `[${c.brokerIP2}]` : c.brokerIP2}:${haListening.value}`;
    await this.startHttp();
    this.createRegistry(topics);
    const role = await this.takeStaticRole(replication);
    if (!role.ok) return role;
    const addresses = { brokerAddr: this.context!.brokerAddr, remotingPort: listening.value, httpPort: this.http!.port, haAddr: this.haAddr, haPort: haListening.value };
    return ok(addresses);
  }

  private createReplication(store: MessageStore, topics: TopicConfigManager): ReplicationService {
    const c = this.config;
    return new ReplicationService(
      {
        brokerName: c.brokerName,
        replicaBrokerId: c.brokerId,
        segmentBytes: c.commitLogSegmentBytes,
        replicationMode: c.replicationMode,
        minInSyncReplicas: c.minInSyncReplicas,
        syncReplicationTimeoutMs: c.syncReplicationTimeoutMs,
        haMaxLagBytes: c.haMaxLagBytes,
        haMaxLagTimeMs: c.haMaxLagTimeMs,
        haHeartbeatIntervalMs: c.haHeartbeatIntervalMs,
        haPeerTimeoutMs: c.haPeerTimeoutMs,
        metadataSyncIntervalMs: c.haMetadataSyncIntervalMs,
      },
      {
        store,
        epochFilePath: path.join(c.storePathRootDir, EPOCH_FILE_NAME),
        clock: this.clock,
        logger: this.logger.child({ component: 'ha' }),
        brokerAddr: () => this.context?.brokerAddr ?? '',
        onRoleChange: () => this.onRoleChange(),
        metadata: replicaMetadata(topics, () => this.consumeService, this.logger.child({ component: 'ha' })),
      },
    );
  }

  /** roleSource static: the configured role now. roleSource controller: none until POST /role. */
  private async takeStaticRole(replication: ReplicationService): Promise<Result<void, string>> {
    const c = this.config;
    if (c.roleSource !== RoleSource.static) {
      this.logger.info('roleSource controller: no writes and no registration until a role command arrives');
      return ok(undefined);
    }
    const role = staticRoleOf(c);
    const taken = await replication.startStatic(role, c.haMasterAddress);
    if (!taken.ok) return err(`cannot take the static role ${role}: ${taken.error.message}`);
    // A static broker registers at once, whatever its role (a static 'none' too, as before roles existed).
    this.startRegistry();
    return ok(undefined);
  }

  private onRoleChange(): void {
    // A promoted slave commits pulled offsets and answers pulls as the master from now on.
    this.consumeService?.setRole(this.replicationService?.currentRole === Role.MASTER);
    // A static broker registers from its start on; a controller-driven one from its first role.
    if (this.registryStarted) this.registry?.registerAll();
    else if (this.config.roleSource === RoleSource.controller) this.startRegistry();
  }

  private async startServer(store: MessageStore, topics: TopicConfigManager, consume: ConsumeService): Promise<Result<number, string>> {
    const ctx = new ProcessorContext({
      config: this.config,
      store,
      topics,
      metrics: this.metrics,
      clock: this.clock,
      logger: this.logger.child({ component: 'processors' }),
      replication: this.replicationService,
      // Like upstream's cleanOffsetByTopic: a re-created topic must not inherit old committed offsets.
      onTopicDeleted: (topic) => consume.onTopicDeleted(topic),
    });
    const stats = new RuntimeStats(this.clock, () => this.metrics.putMessagesTotal);
    // Replies use the request's serialization: ali-ons reads only JSON and sends JSON, while
    // ROCKETMQ binary headers keep the hot path of clients that use them cheaper.
    const server = new RemotingServer({ logger: this.logger.child({ component: 'remoting' }), responseSerializeType: SAME_AS_REQUEST, spinAfterWriteUs: this.config.remotingSpinAfterWriteUs });
    registerBrokerProcessors(server, ctx, stats);
    consume.register(server);
    this.server = server;
    const listening = await server.start(this.config.listenPort, this.config.listenHost);
    if (!listening.ok) return err(listening.error.message);
    ctx.setListenPort(listening.value.port);
    this.context = ctx;
    this.stats = stats;
    stats.start();
    this.metrics.observe(() => this.messageStore, () => topics.size);
    this.metrics.observeReplication(() => this.replicationService?.status());
    return ok(listening.value.port);
  }

  private async startHttp(): Promise<void> {
    const replication = this.replicationService!;
    this.http = await startHttpEndpoint({
      host: this.config.listenHost,
      port: this.config.httpPort,
      registry: this.metrics.registry,
      health: () => this.health(),
      routes: adminRoutes({
        token: this.config.adminToken.reveal(),
        api: { status: () => this.status() ?? { state: this.state }, setRole: (command) => replication.setRole(command) },
      }),
    });
  }

  private startRegistry(): void {
    if (this.registryStarted || this.registry === undefined) return;
    this.registryStarted = true;
    this.registry.start();
  }

  private createRegistry(topics: TopicConfigManager): void {
    const c = this.config;
    const ctx = this.context!;
    const replication = this.replicationService!;
    const registry = new NameserverRegistry({
      namesrvAddrs: c.namesrvAddr,
      intervalMs: c.registerIntervalMs,
      timeoutMs: c.registerTimeoutMs,
      identity: () => ({
        brokerName: c.brokerName,
        brokerAddr: ctx.brokerAddr,
        clusterName: c.brokerClusterName,
        haServerAddr: this.haAddr,
        brokerId: replication.registeredBrokerId,
      }),
      // stateVersion carries the role's epoch: name servers refuse an older epoch's master (route-table.ts).
      topicConfigWrapperJson: () => `{"dataVersion":${JSON.stringify({ ...topics.dataVersion, stateVersion: replication.registrationEpoch })},"topicConfigTable":${topics.topicConfigTableJson()}}`,
      logger: this.logger.child({ component: 'registry' }),
      clock: this.clock,
    });
    this.registry = registry;
    topics.onChange(() => {
      if (this.registryStarted) registry.registerAll();
      replication.onMetadataChanged();
    });
  }

  private health(): { healthy: boolean; detail: Record<string, unknown> } {
    const store = this.messageStore;
    return {
      healthy: this.state === 'running',
      detail: {
        state: this.state,
        brokerName: this.config.brokerName,
        brokerId: this.replicationService?.registeredBrokerId ?? this.config.brokerId,
        role: this.replicationService?.currentRole,
        epoch: this.replicationService?.epoch,
        brokerAddr: this.addresses?.brokerAddr,
        storeWritable: this.context?.storeWritable ?? false,
        commitLogMaxOffset: store?.commitLogMaxOffset,
        dispatchBehindBytes: store !== undefined ? store.commitLogMaxOffset - store.dispatchedOffset : undefined,
        topics: this.topicTable?.size,
        nameservers: this.registrations(),
      },
    };
  }

  /** Closes whatever was started, in reverse order; every step runs even if an earlier one fails. */
  private async stopParts(): Promise<void> {
    const steps: [string, (() => Promise<unknown>) | undefined][] = [
      ['registry', this.registry && (() => this.registry!.close())],
      // Before the remoting server: sends waiting for slaves are answered, the HA port closes.
      ['replication', this.replicationService && (() => this.replicationService!.close())],
      ['remoting server', this.server && (() => this.server!.close())],
      ['http endpoint', this.http && (() => this.http!.close())],
      ['runtime stats', this.stats && (async () => this.stats!.stop())],
      ['consume service', this.consumeService && (() => this.consumeService!.close())],
      ['topic configs', this.topicTable && (() => this.flushTopics())],
      ['store', this.messageStore && (() => this.messageStore!.close())],
    ];
    for (const [name, step] of steps) {
      if (step === undefined) continue;
      try {
        await step();
      } catch (e) {
        this.logger.error(`closing the ${name} failed`, { error: (e as Error).message });
      }
    }
  }

  private async flushTopics(): Promise<void> {
    const flushed = await this.topicTable!.flush();
    if (!flushed.ok) this.logger.error('topic configs not saved at shutdown', { error: flushed.error });
  }
}
