/**
 * Spec change propagation: when a group's StatefulSet template carries a new config hash (a config
 * or image change), roll its pods in the order rollout-plan.ts gives, one pod at a time across
 * each group. Deleting a pod (with its uid as a precondition) lets the StatefulSet controller
 * re-create it from the new template (OnDelete); switchovers go through the failover host so the
 * controller's record stays the single source of truth for roles.
 */
import type { ClusterKey, EventRecorder, KubeClient, ReconcileContext, ReconcileResult, Reconciler } from '../kube';
import type { FailoverHosts } from './hosts';
import { groupViews } from './group-view';
import { clusterObject } from './names';
import { listBrokerPods, listBrokerSets, readCluster, readLiveCluster } from './objects';
import { planRollout } from './rollout-plan';
import type { RocketCluster } from '../api';

/** How soon to look again while a rollout waits for a pod or a switchover. */
export const ROLLOUT_POLL_MS = 1_000;

export class RolloutReconciler implements Reconciler {
  readonly name = 'rollout';

  constructor(
    private readonly kube: KubeClient,
    private readonly events: EventRecorder,
    private readonly hosts: FailoverHosts,
  ) {}

  async reconcile(key: ClusterKey, ctx: ReconcileContext): Promise<ReconcileResult> {
    const cluster = await readLiveCluster(this.kube, key);
    if (cluster === null) return {};
    const host = await this.hosts.ensure(key, cluster, ctx.logger);
    // Fresh observations: a pod deleted by the previous step must be seen back and in sync.
    await host.tick();
    const fresh = await readCluster(this.kube, key);
    if (fresh === null || ctx.signal.aborted) return {};
    const [sets, pods] = await Promise.all([listBrokerSets(this.kube, key), listBrokerPods(this.kube, key)]);
    let rolling = false;
    for (const view of groupViews(fresh, sets, pods)) {
      if (view.phase !== 'Active') continue;
      const observations = host.snapshot(view.group)?.replicas.map((r) => r.observation) ?? [];
      const step = planRollout({ group: view.group, templateHash: view.templateHash, pods: view.pods, state: view.state, observations });
      if (step.kind === 'up-to-date') continue;
      rolling = true;
      if (step.kind === 'wait') {
        ctx.logger.debug('rollout waiting', { group: view.group, reason: step.reason, outdated: step.outdated });
      } else if (step.kind === 'delete-pod') {
        const gone = await this.kube.delete({ apiVersion: 'v1', kind: 'Pod', namespace: key.namespace, name: step.pod }, step.uid !== undefined ? { uid: step.uid } : {});
        ctx.logger.info('rollout: pod deleted', { group: view.group, pod: step.pod, reason: step.reason, result: gone });
        await this.event(fresh, 'RollingUpdate', `${view.group}: restarting ${step.pod}: ${step.reason}`);
      } else {
        const outcome = await host.requestSwitchover(view.group, step.to);
        ctx.logger.info('rollout: switchover requested', { group: view.group, from: step.from, to: step.to, accepted: outcome.accepted, reason: outcome.reason });
        if (outcome.accepted) await this.event(fresh, 'RollingUpdate', `${view.group}: switchover ${step.from} -> ${step.to} before restarting the master`);
      }
    }
    return rolling ? { requeueAfterMs: ROLLOUT_POLL_MS } : {};
  }

  private async event(cluster: RocketCluster, reason: string, message: string): Promise<void> {
    await this.events.record(clusterObject(cluster), 'Normal', reason, message);
  }

}
