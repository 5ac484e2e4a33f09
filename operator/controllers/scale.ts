/**
 * Scaling by whole broker groups. Scale-up needs nothing here: the children reconciler creates the
 * new groups' StatefulSets and the failover host bootstraps them. Scale-down of group i (i >= the
 * spec's group count) goes through phases recorded in `status.groups[].phase`, so an operator
 * restart resumes where it was:
 * - Active → Draining: an Event, nothing else yet.
 * - Draining: every user topic on the group's master is made read-only (operator/brokers/drain.ts:
 *   producers route elsewhere, consumers keep reading), and every name server wipes the group's write
 *   permission (which also covers the auto-create template); the group waits until no consumer group has
 *   lag on it, seen on two passes in a row (a message answered just before the change may not be in
 *   a consume queue yet).
 * - Deleting: the StatefulSet, headless Service and PDB are deleted; once the StatefulSet is gone
 *   the group's PVCs are deleted only with `storage.deleteClaimsOnScaleDown`, then the group leaves
 *   the status.
 * Scaling back up while a group drains gives it its write permission back (phase Active again); a
 * group already Deleting is deleted first and then created afresh (the children reconciler skips
 * Deleting groups).
 */
import type { GroupPhase, GroupStatus, RocketCluster } from '../api';
import type { BrokerDrainClient, BrokerEndpointResolver, NameserverEndpointResolver } from '../brokers';
import type { ClusterKey, EventRecorder, KubeClient, KubeObject, ReconcileContext, ReconcileResult, Reconciler } from '../kube';
import type { GroupView } from './group-view';
import { groupViews } from './group-view';
import { LABELS, brokerSetName, clusterObject, groupIndex, keyString } from './names';
import type { PodObject } from './objects';
import { brokerPodRef, isPodReady, listBrokerPods, listBrokerSets, readLiveCluster, updateStatus } from './objects';

/** Zero-lag observations in a row before a draining group is deleted. */
export const DRAINED_CHECKS = 2;
export const SCALE_POLL_MS = 2_000;

export class ScaleReconciler implements Reconciler {
  readonly name = 'scale';
  private readonly zeroLagChecks = new Map<string, number>();

  constructor(
    private readonly kube: KubeClient,
    private readonly events: EventRecorder,
    private readonly drain: BrokerDrainClient,
    private readonly resolver: BrokerEndpointResolver,
    private readonly nameserverResolver: NameserverEndpointResolver,
  ) {}

  async reconcile(key: ClusterKey, ctx: ReconcileContext): Promise<ReconcileResult> {
    const cluster = await readLiveCluster(this.kube, key);
    if (cluster === null) return {};
    const [sets, pods] = await Promise.all([listBrokerSets(this.kube, key), listBrokerPods(this.kube, key)]);
    const views = groupViews(cluster, sets, pods);
    const wanted = cluster.spec.broker.groups;
    let busy = false;
    for (const view of views) {
      if (ctx.signal.aborted) return {};
      if (view.index < wanted && view.phase !== 'Deleting') {
        if (view.phase === 'Draining') busy = (await this.cancelDrain(key, cluster, view, pods, ctx)) || busy;
        continue;
      }
      busy = true;
      if (view.phase === 'Active') await this.startDrain(key, cluster, view, ctx);
      else if (view.phase === 'Draining') await this.continueDrain(key, cluster, view, pods, ctx);
      else await this.deleteGroup(key, cluster, view.group, ctx);
    }
    // Groups whose StatefulSet is already gone but whose status entry remains (a restart mid-delete).
    for (const g of cluster.status?.groups ?? []) {
      const index = groupIndex(g.name);
      if (views.some((v) => v.group === g.name) || index === null || (index < wanted && g.phase !== 'Deleting')) continue;
      busy = true;
      await this.deleteGroup(key, cluster, g.name, ctx);
    }
    return busy ? { requeueAfterMs: SCALE_POLL_MS } : {};
  }

  private async startDrain(key: ClusterKey, cluster: RocketCluster, view: GroupView, ctx: ReconcileContext): Promise<void> {
    // A group that never had a master holds no messages: nothing to drain.
    const next: GroupPhase = view.state?.masterId == null ? 'Deleting' : 'Draining';
    await this.setPhase(key, view.group, next, view.status);
    ctx.logger.info('scale down: group leaves the cluster', { group: view.group, phase: next });
    await this.event(cluster, 'ScalingDown', `${view.group}: ${next === 'Draining' ? 'draining (write permission removed, waiting for consumers)' : 'deleting (it never had a master)'}`);
  }

  private async continueDrain(key: ClusterKey, cluster: RocketCluster, view: GroupView, pods: readonly PodObject[], ctx: ReconcileContext): Promise<void> {
    const address = this.masterAddress(key, view, pods);
    const k = `${keyString(key)}/${view.group}`;
    if (address === null) {
      this.zeroLagChecks.delete(k);
      ctx.logger.info('scale down: waiting for the draining group\'s master', { group: view.group });
      return;
    }
    const perm = await this.drain.setWritable(address, false);
    if (!perm.ok) {
      ctx.logger.warn('scale down: write permission not removed yet', { group: view.group, error: perm.error });
      return;
    }
    if (perm.value.changed.length > 0) ctx.logger.info('scale down: topics made read-only', { group: view.group, topics: perm.value.changed });
    await this.setRoutesWritable(key, view.group, false, ctx);
    const lag = await this.drain.consumerLag(address);
    if (!lag.ok) {
      ctx.logger.warn('scale down: consumer lag unknown', { group: view.group, error: lag.error });
      return;
    }
    const behind = lag.value.filter((g) => g.lag > 0);
    if (behind.length > 0) {
      this.zeroLagChecks.set(k, 0);
      ctx.logger.info('scale down: consumers still behind', { group: view.group, lag: behind });
      return;
    }
    const seen = (this.zeroLagChecks.get(k) ?? 0) + 1;
    this.zeroLagChecks.set(k, seen);
    if (seen < DRAINED_CHECKS) return;
    this.zeroLagChecks.delete(k);
    await this.setPhase(key, view.group, 'Deleting', view.status);
    await this.event(cluster, 'ScalingDown', `${view.group}: drained (no consumer lag); deleting it`);
  }

  private async cancelDrain(key: ClusterKey, cluster: RocketCluster, view: GroupView, pods: readonly PodObject[], ctx: ReconcileContext): Promise<boolean> {
    const address = this.masterAddress(key, view, pods);
    if (address === null) return true;
    const perm = await this.drain.setWritable(address, true);
    if (!perm.ok) {
      ctx.logger.warn('scale down cancelled: write permission not restored yet', { group: view.group, error: perm.error });
      return true;
    }
    await this.setRoutesWritable(key, view.group, true, ctx);
    await this.setPhase(key, view.group, 'Active', view.status);
    await this.event(cluster, 'ScaleDownCancelled', `${view.group}: wanted again; write permission restored`);
    return false;
  }

  private async deleteGroup(key: ClusterKey, cluster: RocketCluster, group: string, ctx: ReconcileContext): Promise<void> {
    const name = brokerSetName(key.name, group);
    const ns = key.namespace;
    await this.kube.delete({ apiVersion: 'apps/v1', kind: 'StatefulSet', namespace: ns, name }, { propagationPolicy: 'Background' });
    await this.kube.delete({ apiVersion: 'v1', kind: 'Service', namespace: ns, name });
    await this.kube.delete({ apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', namespace: ns, name });
    const sts = await this.kube.get({ apiVersion: 'apps/v1', kind: 'StatefulSet', namespace: ns, name });
    const left = await this.kube.list<PodObject>('v1', 'Pod', ns, { labelSelector: `${LABELS.cluster}=${key.name},${LABELS.brokerGroup}=${group}` });
    if (sts !== null || left.length > 0) return; // pods still going; look again
    if (cluster.spec.broker.storage.deleteClaimsOnScaleDown) {
      const claim = new RegExp(`^data-${name}-(0|[1-9][0-9]*)$`);
      const pvcs = await this.kube.list<KubeObject>('v1', 'PersistentVolumeClaim', ns);
      for (const pvc of pvcs) {
        const pvcName = pvc.metadata?.name ?? '';
        if (!claim.test(pvcName)) continue;
        await this.kube.delete({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', namespace: ns, name: pvcName });
        ctx.logger.info('scale down: PVC deleted', { group, pvc: pvcName });
      }
    }
    const removed = await updateStatus(this.kube, key, (c) => {
      const groups = c.status?.groups ?? [];
      if (!groups.some((g) => g.name === group)) return null;
      return { ...c.status, groups: groups.filter((g) => g.name !== group) };
    });
    if (!removed.ok) throw new Error(`removing ${group} from status: ${removed.error.message}`);
    ctx.logger.info('scale down: group deleted', { group, claimsDeleted: cluster.spec.broker.storage.deleteClaimsOnScaleDown });
    await this.event(cluster, 'ScaledDown', `${group}: deleted${cluster.spec.broker.storage.deleteClaimsOnScaleDown ? ' with its PVCs' : '; its PVCs are kept (storage.deleteClaimsOnScaleDown is false)'}`);
  }

  /**
   * The same on every ready name server, repeated each pass (a restarted name server forgets it):
   * it also covers the auto-create template (TBW102), whose permissions the broker does not let us
   * change, so producers creating topics on the fly stop picking the group. Best effort: the topic
   * permissions on the broker are what lasts.
   */
  private async setRoutesWritable(key: ClusterKey, group: string, writable: boolean, ctx: ReconcileContext): Promise<void> {
    const pods = await this.kube.list<PodObject>('v1', 'Pod', key.namespace, { labelSelector: `rocketcluster.io/cluster=${key.name},app.kubernetes.io/component=nameserver` });
    for (const pod of pods) {
      if (!isPodReady(pod)) continue;
      const address = this.nameserverResolver({ namespace: key.namespace, name: pod.metadata?.name ?? '', ...(pod.status?.podIP !== undefined ? { podIP: pod.status.podIP } : {}) });
      if (address === null) continue;
      const r = await this.drain.setRouteWritable(address, group, writable);
      if (!r.ok) ctx.logger.warn('name server route permission not changed', { group, nameserver: pod.metadata?.name, writable, error: r.error });
      else if (r.value > 0) ctx.logger.info('name server route permission changed', { group, nameserver: pod.metadata?.name, writable, topics: r.value });
    }
  }

  /** The draining group's master, remoting address; null while it has no ready master pod. */
  private masterAddress(key: ClusterKey, view: GroupView, pods: readonly PodObject[]): string | null {
    const masterId = view.state?.masterId;
    if (masterId == null) return null;
    const pod = pods.find((p) => p.metadata?.name === masterId);
    if (pod === undefined || !isPodReady(pod)) return null;
    return this.resolver(brokerPodRef(key, view.sts, view.group, pod))?.address ?? null;
  }

  private async setPhase(key: ClusterKey, group: string, phase: GroupPhase, seen: GroupStatus | undefined): Promise<void> {
    const written = await updateStatus(this.kube, key, (c) => {
      const groups = [...(c.status?.groups ?? [])];
      const i = groups.findIndex((g) => g.name === group);
      if (i >= 0 && groups[i]!.phase === phase) return null;
      const base: GroupStatus = i >= 0 ? groups[i]! : (seen ?? { name: group, phase, master: null, epoch: 0, inSyncReplicas: [], syncStateSetEpoch: 0, replicas: [] });
      if (i >= 0) groups[i] = { ...base, phase };
      else groups.push({ ...base, phase });
      return { ...c.status, groups };
    });
    if (!written.ok) throw new Error(`setting ${group} to ${phase}: ${written.error.message}`);
  }

  private async event(cluster: RocketCluster, reason: string, message: string): Promise<void> {
    await this.events.record(clusterObject(cluster), 'Normal', reason, message);
  }

}
