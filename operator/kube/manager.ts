/**
 * The Manager runs the reconcilers while this operator replica leads: it watches RocketClusters
 * and the kinds they own, maps every change to its cluster's key (`namespace/name`), and feeds one
 * work queue per reconciler, so each concern sees a cluster serially but concerns do not wait on
 * each other. A periodic resync re-queues every cluster. One Manager per leadership term: stop()
 * aborts what runs, and a new term builds a new Manager (and fresh reconcilers).
 */
import { setMaxListeners } from 'node:events';
import type { KubeConfig } from '@kubernetes/client-node';
import { assert, systemClock } from '../../stdx';
import type { Clock } from '../../stdx';
import type { ServerLogger } from '../../ops';
import { API_GROUP, API_VERSION, KIND } from '../api/types';
import type { HttpKubeClient } from './client';
import { InformerSet } from './informers';
import type { WatchedKind } from './informers';
import type { ClusterKey, KubeObject, ObjectCache, Reconciler, ReconcileResult } from './types';
import { WorkQueue, realTimers } from './work-queue';
import type { HandleOutcome, Timers, WorkQueueOptions } from './work-queue';

export const CLUSTER_LABEL = 'rocketcluster.io/cluster';
export const CLUSTER_KIND: WatchedKind = { apiVersion: `${API_GROUP}/${API_VERSION}`, kind: KIND };

/** Kinds a RocketCluster owns, watched only where they carry the cluster label. */
export const OWNED_KINDS: readonly WatchedKind[] = [
  { apiVersion: 'apps/v1', kind: 'StatefulSet', labelSelector: CLUSTER_LABEL },
  { apiVersion: 'apps/v1', kind: 'Deployment', labelSelector: CLUSTER_LABEL },
  { apiVersion: 'v1', kind: 'Pod', labelSelector: CLUSTER_LABEL },
  { apiVersion: 'v1', kind: 'Service', labelSelector: CLUSTER_LABEL },
  { apiVersion: 'v1', kind: 'ConfigMap', labelSelector: CLUSTER_LABEL },
  { apiVersion: 'v1', kind: 'PersistentVolumeClaim', labelSelector: CLUSTER_LABEL },
  { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', labelSelector: CLUSTER_LABEL },
];

export type ReconcileResultLabel = 'success' | 'error' | 'requeue';

/** What the Manager reports (implemented by operator/metrics.ts). */
export interface ManagerMetrics {
  reconciled(controller: string, result: ReconcileResultLabel, seconds: number): void;
  managedClusters(count: number): void;
}

export interface ManagerOptions {
  readonly kubeConfig: KubeConfig;
  readonly client: HttpKubeClient;
  /** More can be added with register() before start (reconcilers built with the Manager's cache). */
  readonly reconcilers?: readonly Reconciler[];
  readonly logger: ServerLogger;
  /** undefined or empty: all namespaces. */
  readonly namespaces?: readonly string[];
  readonly metrics?: ManagerMetrics;
  /** Every cluster is re-queued this often. Default 30 s. */
  readonly resyncMs?: number;
  readonly ownedKinds?: readonly WatchedKind[];
  readonly queue?: WorkQueueOptions;
  readonly informerRestartBaseMs?: number;
  readonly clock?: Clock;
  readonly timers?: Timers;
}

export class Manager {
  readonly cache: ObjectCache;
  private readonly informers: InformerSet;
  private readonly queues: { reconciler: Reconciler; queue: WorkQueue }[] = [];
  private readonly abort = new AbortController();
  private readonly clock: Clock;
  private readonly timers: Timers;
  private resyncTimer: unknown;
  private state: 'new' | 'running' | 'stopped' = 'new';

  constructor(private readonly options: ManagerOptions) {
    // Every request of the term listens on this signal while it is in flight (operator/kube
    // transport): many at once is normal, not a leak, so no MaxListenersExceededWarning.
    setMaxListeners(0, this.abort.signal);
    this.clock = options.clock ?? systemClock;
    this.timers = options.timers ?? realTimers;
    this.informers = new InformerSet({
      kubeConfig: options.kubeConfig,
      client: options.client,
      kinds: [CLUSTER_KIND, ...(options.ownedKinds ?? OWNED_KINDS)],
      namespaces: options.namespaces,
      onEvent: (kind, _type, obj) => this.onObject(kind, obj),
      onError: (kind, namespace, error, retryInMs) =>
        options.logger.warn('watch failed; restarting', { kind: kind.kind, watchNamespace: namespace ?? '*', error: messageOf(error), retryInMs }),
      restartBaseMs: options.informerRestartBaseMs,
      timers: options.timers,
    });
    this.cache = this.informers;
    for (const reconciler of options.reconcilers ?? []) this.register(reconciler);
  }

  /** Adds a reconciler (before start). */
  register(reconciler: Reconciler): void {
    assert(this.state === 'new', 'register reconcilers before start');
    assert(!this.queues.some((q) => q.reconciler.name === reconciler.name), `two reconcilers named ${reconciler.name}`);
    const queue = new WorkQueue(
      (key) => this.run(reconciler, key),
      { clock: this.clock, timers: this.timers, ...(this.options.queue ?? {}) },
      (outcome) => this.onOutcome(reconciler, outcome),
    );
    this.queues.push({ reconciler, queue });
  }

  /** Starts the informers (resolves once they listed) and the resync timer. */
  async start(): Promise<void> {
    if (this.state !== 'new') return;
    this.state = 'running';
    await this.informers.start();
    if (this.state !== 'running') {
      // stop() ran while listing: an informer may have opened its watch after stop closed the rest.
      await this.informers.stop();
      return;
    }
    this.scheduleResync();
    this.resyncAll();
  }

  /** True once every informer listed: reconcilers see the whole cluster. */
  synced(): boolean {
    return this.state === 'running' && this.informers.synced();
  }

  /** Fires when this Manager stops: the end of the leadership term. */
  get signal(): AbortSignal {
    return this.abort.signal;
  }

  /** Queue a cluster for every reconciler. */
  enqueue(key: ClusterKey): void {
    const k = `${key.namespace}/${key.name}`;
    for (const { queue } of this.queues) queue.add(k);
  }

  /** Stop at once: abort running reconciles, wait for them to return, stop watching. */
  async stop(): Promise<void> {
    if (this.state === 'stopped') return;
    this.state = 'stopped';
    this.abort.abort();
    if (this.resyncTimer !== undefined) this.timers.clear(this.resyncTimer);
    await Promise.all(this.queues.map(({ queue }) => queue.shutdown()));
    await this.informers.stop();
    for (const { reconciler } of this.queues) {
      try {
        await reconciler.stop?.();
      } catch (e) {
        this.options.logger.warn('reconciler stop failed', { controller: reconciler.name, error: messageOf(e) });
      }
    }
  }

  /** Resolves when no reconcile is queued or running (tests). */
  async idle(): Promise<void> {
    await Promise.all(this.queues.map(({ queue }) => queue.idle()));
  }

  private onObject(kind: WatchedKind, obj: KubeObject): void {
    const key = clusterKeyOf(kind, obj);
    if (key !== undefined && this.state !== 'stopped') this.enqueue(key);
    if (kind === CLUSTER_KIND) this.options.metrics?.managedClusters(this.cache.list(CLUSTER_KIND.apiVersion, CLUSTER_KIND.kind).length);
  }

  private resyncAll(): void {
    for (const rc of this.cache.list(CLUSTER_KIND.apiVersion, CLUSTER_KIND.kind)) {
      const key = clusterKeyOf(CLUSTER_KIND, rc);
      if (key !== undefined) this.enqueue(key);
    }
  }

  private scheduleResync(): void {
    this.resyncTimer = this.timers.set(() => {
      if (this.state !== 'running') return;
      this.resyncAll();
      this.scheduleResync();
    }, this.options.resyncMs ?? 30_000);
  }

  private async run(reconciler: Reconciler, key: string): Promise<ReconcileResult> {
    if (this.abort.signal.aborted) return {};
    const slash = key.indexOf('/');
    const clusterKey = { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
    const logger = this.options.logger.child({ namespace: clusterKey.namespace, cluster: clusterKey.name, controller: reconciler.name });
    const started = this.clock.monotonicMs();
    const seconds = (): number => (this.clock.monotonicMs() - started) / 1000;
    try {
      const result = await reconciler.reconcile(clusterKey, { logger, signal: this.abort.signal });
      this.options.metrics?.reconciled(reconciler.name, result.requeueAfterMs !== undefined ? 'requeue' : 'success', seconds());
      return result;
    } catch (e) {
      this.options.metrics?.reconciled(reconciler.name, 'error', seconds());
      throw e;
    }
  }

  private onOutcome(reconciler: Reconciler, outcome: HandleOutcome): void {
    if (outcome.ok || this.abort.signal.aborted) return;
    const slash = outcome.key.indexOf('/');
    this.options.logger.error('reconcile failed', {
      namespace: outcome.key.slice(0, slash),
      cluster: outcome.key.slice(slash + 1),
      controller: reconciler.name,
      error: messageOf(outcome.error),
      retryInMs: outcome.retryInMs,
    });
  }
}

/** The cluster an object belongs to: itself, its cluster label, or a RocketCluster owner. */
export function clusterKeyOf(kind: WatchedKind, obj: KubeObject): ClusterKey | undefined {
  const meta = obj.metadata;
  const namespace = meta?.namespace;
  if (meta === undefined || namespace === undefined || meta.name === undefined) return undefined;
  if (kind.apiVersion === CLUSTER_KIND.apiVersion && kind.kind === CLUSTER_KIND.kind) return { namespace, name: meta.name };
  const label = meta.labels?.[CLUSTER_LABEL];
  if (label !== undefined && label !== '') return { namespace, name: label };
  const owner = meta.ownerReferences?.find((o) => o.kind === KIND && o.apiVersion.startsWith(`${API_GROUP}/`));
  return owner === undefined ? undefined : { namespace, name: owner.name };
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
