/**
 * A name server: the route table and KV config behind a RemotingServer, an HTTP endpoint for
 * /metrics, /healthz and /cluster, and the periodic broker expiry scan. The constructor does no I/O;
 * `start()` loads the KV file and listens, `close()` stops everything and waits for pending KV writes.
 */
import type { Registry } from 'prom-client';
import { Registry as PromRegistry } from 'prom-client';
import type { HttpEndpoint, ServerLogger } from '../ops';
import { silentLogger, startHttpEndpoint } from '../ops';
import type { ListenAddress } from '../remoting';
import { RemotingServer } from '../remoting';
import type { Clock, Result } from '../stdx';
import { assert, err, ok, systemClock } from '../stdx';
import type { NameserverConfig } from './config';
import { KvConfigStore } from './kv-store';
import { NameserverMetrics } from './metrics';
import type { NameserverContext } from './processor-kit';
import { registerNameserverProcessors } from './processors';
import type { RemovedBroker } from './route-table';
import { RouteTable } from './route-table';

export interface NameserverDeps {
  logger?: ServerLogger;
  clock?: Clock;
  /** Registry for this server's metrics; a private one by default. */
  registry?: Registry;
}

type State = 'new' | 'starting' | 'running' | 'closing' | 'closed';

export class Nameserver {
  readonly routes: RouteTable;
  readonly registry: Registry;
  private readonly logger: ServerLogger;
  private readonly server: RemotingServer;
  private readonly metrics: NameserverMetrics;
  private kv: KvConfigStore | undefined;
  private http: HttpEndpoint | undefined;
  private listen: ListenAddress | undefined;
  private scanTimer: NodeJS.Timeout | undefined;
  private state: State = 'new';
  private starting: Promise<Result<void, string>> | undefined;

  constructor(
    readonly config: NameserverConfig,
    deps: NameserverDeps = {},
  ) {
    this.logger = (deps.logger ?? silentLogger).child({ component: 'nameserver' });
    this.registry = deps.registry ?? new PromRegistry();
    this.routes = new RouteTable({
      clock: deps.clock ?? systemClock,
      brokerExpiryMs: config.brokerExpiryMs,
      deleteTopicWithBrokerRegistration: config.deleteTopicWithBrokerRegistration,
    });
    this.server = new RemotingServer({ logger: this.logger.child({ component: 'remoting' }) });
    this.metrics = new NameserverMetrics(this.registry, { stats: () => this.routes.stats(), connections: () => this.server.connectionCount });
  }

  /** Remoting address; set once started. */
  get address(): ListenAddress {
    assert(this.listen !== undefined, 'Nameserver.address read before start');
    return this.listen;
  }

  get httpPort(): number {
    assert(this.http !== undefined, 'Nameserver.httpPort read before start');
    return this.http.port;
  }

  get running(): boolean {
    return this.state === 'running';
  }

  start(): Promise<Result<void, string>> {
    assert(this.state === 'new', `Nameserver.start in state ${this.state}`);
    this.state = 'starting';
    this.starting = this.startAll();
    return this.starting;
  }

  private async startAll(): Promise<Result<void, string>> {
    const started = await this.startParts();
    if (!started.ok) {
      await this.stopParts();
      this.state = 'closed';
      return started;
    }
    this.scanTimer = setInterval(() => this.scan(), this.config.scanIntervalMs);
    this.scanTimer.unref();
    this.state = 'running';
    return ok(undefined);
  }

  private async startParts(): Promise<Result<void, string>> {
    const loaded = await KvConfigStore.load(this.config.kvConfigPath);
    if (!loaded.ok) return err(`cannot read KV config: ${loaded.error}`);
    this.kv = loaded.value.store;
    if (loaded.value.fromBackup) this.logger.warn('KV config read from its backup file', { path: this.config.kvConfigPath });
    const ctx: NameserverContext = {
      routes: this.routes,
      kv: this.kv,
      orderMessageEnable: this.config.orderMessageEnable,
      logger: this.logger,
    };
    registerNameserverProcessors(this.server, ctx, { onHandled: (code, response) => this.metrics.requestHandled(code, response) });
    // RocketMQ drops a broker as soon as its channel closes, not only after the expiry time.
    this.server.on('close', (connection) => this.removed(this.routes.removeByChannel(connection.id)));
    const listening = await this.server.start(this.config.listenPort, this.config.host);
    if (!listening.ok) return err(listening.error.message);
    this.listen = listening.value;
    try {
      this.http = await startHttpEndpoint({
        host: this.config.host,
        port: this.config.httpPort,
        registry: this.registry,
        health: () => ({ healthy: this.state === 'running', detail: { ...this.routes.stats() } }),
        routes: (app) => {
          app.get('/cluster', (_req, res) => {
            res.json({ ...this.routes.clusterInfo(), liveBrokers: this.routes.liveBrokers(), topics: this.routes.topicList() });
          });
        },
      });
    } catch (e) {
      return err(`cannot listen for HTTP on ${this.config.host}:${this.config.httpPort}: ${(e as Error).message}`);
    }
    return ok(undefined);
  }

  /** Drops brokers past their expiry; runs on the timer, callable by tests. */
  scan(): RemovedBroker[] {
    const removed = this.routes.scanExpired();
    this.removed(removed);
    return removed;
  }

  private removed(brokers: readonly RemovedBroker[]): void {
    for (const broker of brokers) this.logger.warn('broker removed', { ...broker });
    for (const reason of new Set(brokers.map((b) => b.reason))) this.metrics.brokersRemoved(reason, brokers.filter((b) => b.reason === reason).length);
  }

  async close(): Promise<void> {
    if (this.state === 'starting') await this.starting;
    if (this.state === 'closing' || this.state === 'closed' || this.state === 'new') {
      this.state = this.state === 'new' ? 'closed' : this.state;
      return;
    }
    this.state = 'closing';
    await this.stopParts();
    this.state = 'closed';
    this.logger.info('nameserver closed');
  }

  private async stopParts(): Promise<void> {
    if (this.scanTimer !== undefined) clearInterval(this.scanTimer);
    this.scanTimer = undefined;
    await this.server.close();
    await this.http?.close();
    this.http = undefined;
    await this.kv?.flush();
  }
}
