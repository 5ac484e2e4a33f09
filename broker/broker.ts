/**
 * The broker process's object graph: config -> message store (dispatch wakes broker/consume) -> topic
 * table -> consume service -> remoting server with every processor -> HTTP (/metrics, /healthz) ->
 * name server registration. The constructor does no I/O; `start()` brings the parts up in that order
 * and, if one fails, closes the ones already started; `close()` takes them down in reverse.
 */
import * as path from 'node:path';
import type { ServerLogger, HttpEndpoint } from '../ops';
import { silentLogger, startHttpEndpoint } from '../ops';
import { RemotingServer, SAME_AS_REQUEST } from '../remoting';
import type { Clock, Result } from '../stdx';
import { err, ok, systemClock } from '../stdx';
import type { BrokerConfig } from './config';
import { storeConfigOf } from './config';
import type { ConsumeOptions } from './consume';
import { ConsumeService } from './consume';
import { TopicConfigManager } from './metadata';
import { BrokerMetrics } from './metrics';
import { ProcessorContext, RuntimeStats, registerBrokerProcessors } from './processors';
import { NameserverRegistry } from './registry';
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
      onDispatched: (commitLogOffset) => this.consumeService?.onDispatched(commitLogOffset),
    });
    const opened = await store.open();
    if (!opened.ok) return err(`cannot open the store at ${opened.error.path} (${opened.error.kind}): ${opened.error.message}`);
    this.messageStore = store;
    const configDir = path.join(c.storePathRootDir, 'config');
    const topics = new TopicConfigManager({ ...c, configDir, clock: this.clock, logger: this.logger.child({ component: 'topics' }) });
    const loaded = await topics.open();
    if (!loaded.ok) return loaded;
    this.topicTable = topics;
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
    const listening = await this.startServer(store, topics, consume);
    if (!listening.ok) return listening;
    await this.startHttp();
    this.startRegistry(topics);
    return ok({ brokerAddr: this.context!.brokerAddr, remotingPort: listening.value, httpPort: this.http!.port });
  }

  private async startServer(store: MessageStore, topics: TopicConfigManager, consume: ConsumeService): Promise<Result<number, string>> {
    const ctx = new ProcessorContext({ config: this.config, store, topics, metrics: this.metrics, clock: this.clock, logger: this.logger.child({ component: 'processors' }) });
    const stats = new RuntimeStats(this.clock, () => this.metrics.putMessagesTotal);
    // Replies use the request's serialization: ali-ons reads only JSON and sends JSON, while
    // ROCKETMQ binary headers keep the hot path of clients that use them cheaper.
    const server = new RemotingServer({ logger: this.logger.child({ component: 'remoting' }), responseSerializeType: SAME_AS_REQUEST });
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
    return ok(listening.value.port);
  }

  private async startHttp(): Promise<void> {
    this.http = await startHttpEndpoint({
      host: this.config.listenHost,
      port: this.config.httpPort,
      registry: this.metrics.registry,
      health: () => this.health(),
    });
  }

  private startRegistry(topics: TopicConfigManager): void {
    const c = this.config;
    const ctx = this.context!;
    const registry = new NameserverRegistry({
      namesrvAddrs: c.namesrvAddr,
      intervalMs: c.registerIntervalMs,
      timeoutMs: c.registerTimeoutMs,
      identity: () => ({
        brokerName: c.brokerName,
        brokerAddr: ctx.brokerAddr,
        clusterName: c.brokerClusterName,
        haServerAddr: `${c.brokerIP2.includes(':') ? `[${c.brokerIP2}]` : c.brokerIP2}:${c.haListenPort}`,
        brokerId: c.brokerId,
      }),
      topicConfigWrapperJson: () => topics.wrapperJson(),
      logger: this.logger.child({ component: 'registry' }),
      clock: this.clock,
    });
    this.registry = registry;
    topics.onChange(() => registry.registerAll());
    registry.start();
  }

  private health(): { healthy: boolean; detail: Record<string, unknown> } {
    const store = this.messageStore;
    return {
      healthy: this.state === 'running',
      detail: {
        state: this.state,
        brokerName: this.config.brokerName,
        brokerId: this.config.brokerId,
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
