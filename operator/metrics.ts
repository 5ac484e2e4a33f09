/**
 * The operator's Prometheus metrics (names fixed in notes/operator-contract.md, used by the
 * operator dashboard and alerts). One Registry per operator process; the Manager reports
 * reconciles through ManagerMetrics, reconcilers report failovers and readiness through
 * ClusterMetrics, main reports leadership.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { ClusterMetrics } from './kube/types';
import type { ManagerMetrics, ReconcileResultLabel } from './kube/manager';

export interface OperatorMetricsOptions {
  /** Node process metrics (CPU, memory, event loop lag) in the same registry. Default false (tests). */
  readonly processMetrics?: boolean;
}

export const RECONCILE_DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60] as const;

export class OperatorMetrics implements ManagerMetrics, ClusterMetrics {
  readonly registry = new Registry();
  private readonly reconciles: Counter<'controller' | 'result'>;
  private readonly reconcileErrors: Counter<'controller'>;
  private readonly reconcileDuration: Histogram<'controller'>;
  private readonly failovers: Counter<'namespace' | 'cluster' | 'group'>;
  private readonly switchovers: Counter<'namespace' | 'cluster' | 'group'>;
  private readonly isLeader: Gauge;
  private readonly managed: Gauge;
  private readonly ready: Gauge<'namespace' | 'cluster'>;

  constructor(options: OperatorMetricsOptions = {}) {
    const registers = [this.registry];
    this.reconciles = new Counter({
      name: 'rocketcluster_operator_reconciles_total',
      help: 'Reconciles run, by controller and result (success, error, requeue).',
      labelNames: ['controller', 'result'],
      registers,
    });
    this.reconcileErrors = new Counter({
      name: 'rocketcluster_operator_reconcile_errors_total',
      help: 'Reconciles that failed, by controller.',
      labelNames: ['controller'],
      registers,
    });
    this.reconcileDuration = new Histogram({
      name: 'rocketcluster_operator_reconcile_duration_seconds',
      help: 'Time one reconcile took, by controller.',
      labelNames: ['controller'],
      buckets: [...RECONCILE_DURATION_BUCKETS],
      registers,
    });
    this.failovers = new Counter({
      name: 'rocketcluster_operator_failovers_total',
      help: 'Failovers the operator performed (a new master elected after the old one was lost).',
      labelNames: ['namespace', 'cluster', 'group'],
      registers,
    });
    this.switchovers = new Counter({
      name: 'rocketcluster_operator_switchovers_total',
      help: 'Planned master changes (rolling upgrades, requested switchovers).',
      labelNames: ['namespace', 'cluster', 'group'],
      registers,
    });
    this.isLeader = new Gauge({ name: 'rocketcluster_operator_is_leader', help: '1 while this replica holds the leader Lease.', registers });
    this.managed = new Gauge({ name: 'rocketcluster_operator_managed_clusters', help: 'RocketClusters this operator watches.', registers });
    this.ready = new Gauge({
      name: 'rocketcluster_operator_cluster_ready',
      help: '1 when the cluster is Ready (every group has a ready master).',
      labelNames: ['namespace', 'cluster'],
      registers,
    });
    this.isLeader.set(0);
    this.managed.set(0);
    if (options.processMetrics) collectDefaultMetrics({ register: this.registry });
  }

  reconciled(controller: string, result: ReconcileResultLabel, seconds: number): void {
    this.reconciles.inc({ controller, result });
    if (result === 'error') this.reconcileErrors.inc({ controller });
    this.reconcileDuration.observe({ controller }, seconds);
  }

  managedClusters(count: number): void {
    this.managed.set(count);
  }

  setLeader(leading: boolean): void {
    this.isLeader.set(leading ? 1 : 0);
  }

  failover(namespace: string, cluster: string, group: string): void {
    this.failovers.inc({ namespace, cluster, group });
  }

  switchover(namespace: string, cluster: string, group: string): void {
    this.switchovers.inc({ namespace, cluster, group });
  }

  clusterReady(namespace: string, cluster: string, ready: boolean): void {
    this.ready.set({ namespace, cluster }, ready ? 1 : 0);
  }

  forgetCluster(namespace: string, cluster: string): void {
    this.ready.remove({ namespace, cluster });
    // Failover counters are kept on purpose: a counter that vanishes breaks increase() over the window.
  }
}
