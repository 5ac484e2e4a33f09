/**
 * rocket-operator: the RocketCluster operator process. It serves /metrics, /healthz and /readyz,
 * campaigns for the leader Lease, and while it leads runs a Manager with the reconcilers from
 * operator/controllers. Losing the Lease stops reconciling at once; a new term starts a fresh
 * Manager (fresh caches, fresh reconcilers). SIGTERM/SIGINT stop the Manager, release the Lease
 * and exit 0. Exit codes: 2 bad config, 1 start failure.
 */
import { KubeConfig } from '@kubernetes/client-node';
import { systemClock } from '../stdx';
import type { Clock } from '../stdx';
import { createRootLogger, startHttpEndpoint } from '../ops';
import type { HttpEndpoint, ServerLogger } from '../ops';
import { createReconcilers } from './controllers';
import type { ControllerDeps } from './controllers';
import { loadOperatorConfig } from './config';
import type { OperatorConfig } from './config';
import { HttpKubeClient, KubeEventRecorder, KubeTransport, LeaderElector, Manager } from './kube';
import type { ManagerOptions, Reconciler } from './kube';
import { OperatorMetrics } from './metrics';

export const SERVICE = 'rocket-operator';
const EXIT_GRACE_MS = 5000;
/** Inside the chart's terminationGracePeriodSeconds (30 s by default). */
const STOP_LIMIT_MS = 20_000;

export interface RocketOperatorOptions {
  readonly config: OperatorConfig;
  readonly kubeConfig: KubeConfig;
  readonly logger: ServerLogger;
  /** Builds one term's reconcilers. Default: operator/controllers' createReconcilers. */
  readonly createReconcilers?: (deps: ControllerDeps) => Reconciler[];
  /** HTTP bind address. Default 0.0.0.0; tests use 127.0.0.1 and METRICS_PORT 0. */
  readonly host?: string;
  /** Overrides of the Lease timings in ms (tests; the config has whole seconds). */
  readonly leaseTimingsMs?: { leaseDurationMs: number; renewDeadlineMs: number; retryPeriodMs: number };
  /** Extra Manager options (tests: faster retries). */
  readonly manager?: Partial<ManagerOptions>;
  readonly metrics?: OperatorMetrics;
  readonly clock?: Clock;
}

export class RocketOperator {
  readonly metrics: OperatorMetrics;
  private readonly client: HttpKubeClient;
  private readonly elector: LeaderElector | undefined;
  private readonly clock: Clock;
  private http: HttpEndpoint | undefined;
  private manager: Manager | undefined;
  /** Leadership transitions run one after the other. */
  private transitions: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(private readonly options: RocketOperatorOptions) {
    const { config } = options;
    this.clock = options.clock ?? systemClock;
    this.metrics = options.metrics ?? new OperatorMetrics({ processMetrics: true });
    this.client = new HttpKubeClient(KubeTransport.create(options.kubeConfig));
    if (config.leaderElection) {
      const timings = options.leaseTimingsMs ?? {
        leaseDurationMs: config.leaseDurationSeconds * 1000,
        renewDeadlineMs: config.renewDeadlineSeconds * 1000,
        retryPeriodMs: config.retryPeriodSeconds * 1000,
      };
      this.elector = new LeaderElector(this.client, {
        namespace: config.leaderElectionNamespace,
        name: config.leaseName,
        identity: config.identity,
        ...timings,
        clock: this.clock,
        onStartedLeading: () => this.transition(() => this.lead()),
        onStoppedLeading: () => this.transition(() => this.standDown('lost the leader Lease')),
        onNewLeader: (leader) => options.logger.info('leader observed', { leader: leader ?? null }),
        onError: (e) => options.logger.warn('leader election round failed', { error: (e as Error).message }),
      });
    }
  }

  /** HTTP first (probes answer during the campaign), then the campaign or, without election, the Manager. */
  async start(): Promise<void> {
    const { config, logger } = this.options;
    this.http = await startHttpEndpoint({
      host: this.options.host ?? '0.0.0.0',
      port: config.metricsPort,
      registry: this.metrics.registry,
      health: () => ({ healthy: true, detail: { identity: config.identity, leader: this.isLeader() } }),
      routes: (app) =>
        app.get('/readyz', (_req, res) => {
          const ready = this.ready();
          res.status(ready ? 200 : 503).json({ status: ready ? 'ok' : 'not ready', leader: this.isLeader(), synced: this.manager?.synced() ?? false });
        }),
    });
    logger.info('operator started', { config: { ...config }, httpPort: this.http.port });
    if (this.elector === undefined) this.transition(() => this.lead());
    else this.elector.start();
  }

  get port(): number {
    return this.http?.port ?? 0;
  }

  isLeader(): boolean {
    return this.elector === undefined ? !this.stopped : this.elector.isLeader();
  }

  /** A standby is ready (it only waits); a leader once its caches are synced. */
  ready(): boolean {
    if (this.stopped) return false;
    if (!this.isLeader()) return this.elector !== undefined;
    return this.manager?.synced() ?? false;
  }

  /** Resolves when the current leadership transition has finished (tests). */
  settled(): Promise<void> {
    return this.transitions;
  }

  /** The Manager of the current term (tests). */
  currentManager(): Manager | undefined {
    return this.manager;
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    // Stop reconciling before the Lease is released, so the next leader never overlaps with us.
    this.transition(() => this.standDown('shutting down'));
    await this.transitions;
    await this.elector?.stop();
    await this.transitions;
    await this.http?.close();
    this.options.logger.info('operator stopped');
  }

  private transition(step: () => Promise<void>): void {
    this.transitions = this.transitions.then(step).catch((e: unknown) => {
      this.options.logger.error('leadership transition failed', { error: (e as Error).message });
    });
  }

  private async lead(): Promise<void> {
    if (this.stopped || this.manager !== undefined) return;
    const { config, logger } = this.options;
    this.metrics.setLeader(true);
    logger.info('leading: starting the reconcilers', { identity: config.identity });
    const manager = new Manager({
      kubeConfig: this.options.kubeConfig,
      client: this.client,
      logger: logger.child({ component: 'manager' }),
      namespaces: config.watchNamespaces,
      metrics: this.metrics,
      resyncMs: config.resyncSeconds * 1000,
      clock: this.clock,
      ...(this.options.manager ?? {}),
    });
    // The term's writes die with the term: once the Manager stops, requests in flight are aborted
    // and new ones refused, so a replica that lost the Lease writes nothing more.
    const termClient = this.client.withSignal(manager.signal);
    const events = new KubeEventRecorder(termClient, {
      component: 'rocketcluster-operator',
      instance: config.identity,
      clock: this.clock,
      onError: (e) => logger.warn('event not recorded', { error: (e as Error).message }),
    });
    const deps: ControllerDeps = {
      kube: termClient,
      cache: manager.cache,
      events,
      metrics: this.metrics,
      clock: this.clock,
      logger: logger.child({ component: 'controllers' }),
      settings: { failoverTickMs: config.failoverTickMs, identity: config.identity },
      enqueue: (key) => manager.enqueue(key),
    };
    for (const reconciler of (this.options.createReconcilers ?? createReconcilers)(deps)) manager.register(reconciler);
    this.manager = manager;
    await manager.start();
    logger.info('caches synced', { watchNamespaces: config.watchNamespaces.length === 0 ? '*' : config.watchNamespaces.join(',') });
  }

  private async standDown(why: string): Promise<void> {
    this.metrics.setLeader(false);
    const manager = this.manager;
    if (manager === undefined) return;
    this.manager = undefined;
    this.options.logger.warn('stopping the reconcilers', { reason: why });
    await manager.stop();
  }
}

/** KUBECONFIG / ~/.kube/config when present, else the in-cluster service account. */
export function loadKubeConfig(): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromDefault();
  return kc;
}

async function main(): Promise<void> {
  const loaded = loadOperatorConfig(process.env);
  if (!loaded.ok) {
    process.stderr.write(`${SERVICE}: bad configuration:\n${loaded.error.map((p) => `  - ${p}`).join('\n')}\n`);
    process.exit(2);
  }
  const config = loaded.value;
  const logger = createRootLogger({ service: SERVICE, level: config.logLevel, fields: { identity: config.identity } });
  const operator = new RocketOperator({ config, kubeConfig: loadKubeConfig(), logger });
  process.on('unhandledRejection', (e) => {
    logger.error('unhandled rejection', { error: e instanceof Error ? e.stack : String(e) });
  });
  await operator.start();
  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) {
      logger.warn('second signal while stopping, exiting now', { signal });
      process.exit(1);
    }
    stopping = true;
    logger.info('stopping on signal', { signal });
    // A hung API server must not keep the pod in Terminating until the kubelet kills it.
    setTimeout(() => {
      logger.error('stop did not finish in time, exiting', { limitMs: STOP_LIMIT_MS });
      process.exit(1);
    }, STOP_LIMIT_MS).unref();
    operator.stop().then(
      () => {
        process.exitCode = 0;
        setTimeout(() => process.exit(0), EXIT_GRACE_MS).unref();
      },
      (e: unknown) => {
        logger.error('stop failed', { error: (e as Error).message });
        process.exitCode = 1;
        setTimeout(() => process.exit(1), EXIT_GRACE_MS).unref();
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

if (require.main === module) {
  main().catch((e: unknown) => {
    process.stderr.write(`${SERVICE}: ${(e as Error).stack ?? String(e)}\n`);
    process.exit(1);
  });
}
