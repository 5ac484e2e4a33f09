/**
 * The failover reconciler: for each RocketCluster, one pass of its controller (observe every broker
 * group, decide, record in status, then tell the brokers), again every `failoverTickMs`. Bootstrap
 * (the first election once a group's pods are up), failover past `masterDownAfterSeconds`, fencing a
 * returning old master and finishing switchovers all happen in these passes.
 */
import type { ClusterKey, ReconcileContext, ReconcileResult, Reconciler, ReconcilerSettings } from '../kube';
import type { KubeClient } from '../kube';
import type { FailoverHosts } from './hosts';
import { readLiveCluster } from './objects';

export class FailoverReconciler implements Reconciler {
  readonly name = 'failover';

  constructor(
    private readonly kube: KubeClient,
    private readonly hosts: FailoverHosts,
    private readonly settings: ReconcilerSettings,
  ) {}

  async reconcile(key: ClusterKey, ctx: ReconcileContext): Promise<ReconcileResult> {
    const cluster = await readLiveCluster(this.kube, key);
    if (cluster === null) {
      await this.hosts.drop(key);
      return {};
    }
    if (ctx.signal.aborted) return {};
    const host = await this.hosts.ensure(key, cluster, ctx.logger);
    await host.tick();
    return { requeueAfterMs: this.settings.failoverTickMs };
  }

  async stop(): Promise<void> {
    await this.hosts.stopAll();
  }
}
