/**
 * Create and update: validates the spec, makes the admin-token Secret once (a random token, then
 * always read back), applies every child the builders describe (ConfigMap, nameserver Deployment +
 * Services + PDB, each wanted group's StatefulSet + headless Service + PDB, the optional
 * ServiceMonitor), then writes the status: observedGeneration, addresses, the scale subresource
 * fields, conditions, and each replica's role, readiness, offset and lag from the last observation.
 *
 * Groups beyond the spec's count are left alone here (the scale reconciler drains and deletes them),
 * and nothing is pruned: children go with the cluster through their ownerReferences. PVCs made
 * from the StatefulSets' volumeClaimTemplates have no owner and are kept when the cluster is deleted.
 */
import { randomBytes } from 'node:crypto';
import type { RocketCluster } from '../api';
import { validateRocketCluster } from '../api';
import type { ClusterKey, ClusterMetrics, EventRecorder, KubeClient, KubeObject, ReconcileContext, ReconcileResult, Reconciler } from '../kube';
import { stableJson } from '../kube';
import { adminTokenOf, adminTokenSecretName, brokerGroupName, configHash, desiredState, groupIndices, nameserverDeploymentName } from '../specs';
import type { Clock } from '../../stdx';
import type { FailoverHosts } from './hosts';
import type { GroupSnapshot } from './failover-host';
import { groupViews } from './group-view';
import { clusterObject, podOrdinal } from './names';
import type { StatefulSetObject } from './objects';
import { groupOf, isTerminating, listBrokerPods, listBrokerSets, readCluster, updateStatus } from './objects';
import { computeStatus } from './status-compute';

/** While the cluster is not Ready, the status is refreshed this often (offsets, roles, conditions). */
export const STATUS_POLL_MS = 5_000;
/** While a StatefulSet's shrink waits for its master to move. */
export const HOLD_POLL_MS = 1_000;

export class ChildrenReconciler implements Reconciler {
  readonly name = 'children';
  /** Event reasons already reported per cluster and generation, so a failing apply does not flood Events. */
  private readonly reported = new Map<string, string>();

  constructor(
    private readonly kube: KubeClient,
    private readonly events: EventRecorder,
    private readonly metrics: ClusterMetrics,
    private readonly hosts: FailoverHosts,
    private readonly clock: Clock,
  ) {}

  async reconcile(key: ClusterKey, ctx: ReconcileContext): Promise<ReconcileResult> {
    const stored = await readCluster(this.kube, key);
    if (stored === null) {
      this.metrics.forgetCluster(key.namespace, key.name);
      return {};
    }
    if (isTerminating(stored as never)) return {};
    const validated = validateRocketCluster(stored);
    let applied: number | undefined = stored.status?.observedGeneration;
    let problems: readonly string[] = [];
    if (!validated.ok) {
      problems = validated.error;
      await this.once(stored, 'InvalidSpec', `spec refused: ${problems.join('; ')}`);
    } else {
      const cluster = validated.value;
      const { failed, held } = await this.applyChildren(cluster, ctx);
      if (failed.length === 0 && held.length === 0) applied = stored.metadata.generation;
      if (failed.length > 0) await this.once(stored, 'ApplyFailed', failed.join('; '));
      if (held.length > 0) {
        await this.once(stored, 'MovingMaster', `${held.join(', ')}: fewer replicas wait until the master moved to a replica that stays`, 'Normal');
        await this.writeStatus(key, problems, applied);
        return { requeueAfterMs: HOLD_POLL_MS };
      }
    }
    const ready = await this.writeStatus(key, problems, applied);
    return ready ? {} : { requeueAfterMs: STATUS_POLL_MS };
  }

  /** Applies every child; returns what failed (the rest is still applied) and what waits. */
  private async applyChildren(cluster: RocketCluster, ctx: ReconcileContext): Promise<{ failed: string[]; held: string[] }> {
    const token = await this.adminToken(cluster);
    const failed: string[] = [];
    const held: string[] = [];
    // A group being deleted (scale-down) is not re-created until its deletion finished.
    const deleting = new Set((cluster.status?.groups ?? []).filter((g) => g.phase === 'Deleting').map((g) => g.name));
    const groups = groupIndices(cluster).filter((i) => !deleting.has(brokerGroupName(i)));
    for (const child of desiredState(cluster, { configHash: configHash(cluster), adminToken: token, groups })) {
      let obj = child as unknown as KubeObject;
      if (obj.kind === 'StatefulSet') {
        const kept = await this.holdShrinkBelowMaster(cluster, obj as StatefulSetObject, ctx);
        if (kept !== null) {
          obj = kept;
          held.push(obj.metadata?.name ?? '?');
        }
      }
      const what = `${obj.kind ?? '?'} ${obj.metadata?.name ?? '?'}`;
      let problem: string | undefined;
      try {
        const r = await this.kube.apply(obj);
        if (!r.ok) problem = r.error.message;
        else if (r.value.outcome !== 'unchanged') ctx.logger.info(`child ${r.value.outcome}`, { kind: obj.kind, name: obj.metadata?.name });
      } catch (e) {
        problem = e instanceof Error ? e.message : String(e);
      }
      if (problem === undefined) continue;
      if (obj.kind === 'ServiceMonitor') {
        // Usually the prometheus-operator CRDs are missing: the cluster itself is fine without it.
        await this.once(cluster, 'ServiceMonitorFailed', `${what}: ${problem}`);
        continue;
      }
      failed.push(`${what}: ${problem}`);
    }
    return { failed, held };
  }

  /**
   * Fewer replicas per group remove the highest ordinals. If the group's master is among them, the
   * StatefulSet keeps its size until a switchover moved the master to an in-sync replica that stays
   * (the controller's zero-loss plan), instead of a failover after its pod is gone. Returns the
   * StatefulSet to apply meanwhile, or null when the desired one can go as it is.
   */
  private async holdShrinkBelowMaster(cluster: RocketCluster, desired: StatefulSetObject, ctx: ReconcileContext): Promise<StatefulSetObject | null> {
    const key = { namespace: cluster.metadata.namespace, name: cluster.metadata.name };
    const name = desired.metadata?.name ?? '';
    const wanted = desired.spec?.replicas ?? 0;
    const current = await this.kube.get<StatefulSetObject>({ apiVersion: 'apps/v1', kind: 'StatefulSet', namespace: key.namespace, name });
    const currentReplicas = current?.spec?.replicas ?? 0;
    if (current === null || wanted >= currentReplicas) return null;
    const group = groupOf(desired);
    const status = cluster.status?.groups?.find((g) => g.name === group);
    const masterOrdinal = status?.master == null ? null : podOrdinal(status.master);
    if (group === undefined || status === undefined || masterOrdinal === null || masterOrdinal < wanted) return null;
    const target = status.inSyncReplicas.filter((id) => id !== status.master && (podOrdinal(id) ?? wanted) < wanted).sort()[0];
    if (target !== undefined && status.pendingSwitchover == null) {
      const host = await this.hosts.ensure(key, cluster, ctx.logger);
      const outcome = await host.requestSwitchover(group, target);
      ctx.logger.info('replicas shrink: moving the master first', { group, from: status.master, to: target, accepted: outcome.accepted, reason: outcome.reason });
    }
    return { ...desired, spec: { ...desired.spec, replicas: currentReplicas } };
  }

  /** The existing token, or a fresh random one for a cluster that has none yet. */
  private async adminToken(cluster: RocketCluster): Promise<string> {
    const secret = await this.kube.get<KubeObject & { data?: Record<string, string> }>({ apiVersion: 'v1', kind: 'Secret', namespace: cluster.metadata.namespace, name: adminTokenSecretName(cluster) });
    const existing = secret === null ? undefined : adminTokenOf(secret);
    return existing !== undefined && existing.length >= 16 ? existing : randomBytes(32).toString('hex');
  }

  /** Writes the status; true when the cluster is Ready. */
  private async writeStatus(key: ClusterKey, specProblems: readonly string[], appliedGeneration: number | undefined): Promise<boolean> {
    const [sets, pods, deployment] = await Promise.all([
      listBrokerSets(this.kube, key),
      listBrokerPods(this.kube, key),
      this.kube.get<KubeObject & { status?: { readyReplicas?: number } }>({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: key.namespace, name: nameserverDeploymentName({ metadata: { name: key.name, namespace: key.namespace } } as RocketCluster) }),
    ]);
    const host = this.hosts.get(key);
    let ready = false;
    const written = await updateStatus(this.kube, key, (cluster) => {
      const views = groupViews(cluster, sets, pods);
      const snapshots = new Map<string, GroupSnapshot>();
      for (const v of views) {
        const s = host?.snapshot(v.group);
        if (s !== undefined) snapshots.set(v.group, s);
      }
      const status = computeStatus({
        cluster,
        views,
        snapshots,
        nameserversReady: deployment?.status?.readyReplicas ?? 0,
        specProblems,
        appliedGeneration,
        nowIso: new Date(this.clock.nowMs()).toISOString(),
      });
      ready = status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
      // Key order differs between what we build and what a real API server returns (sorted).
      return stableJson(status) === stableJson(cluster.status ?? {}) ? null : status;
    });
    if (!written.ok) throw new Error(`status not written: ${written.error.message}`);
    this.metrics.clusterReady(key.namespace, key.name, ready);
    return ready;
  }

  private async once(cluster: RocketCluster, reason: string, message: string, type: 'Normal' | 'Warning' = 'Warning'): Promise<void> {
    const k = `${cluster.metadata.namespace}/${cluster.metadata.name}/${reason}`;
    const mark = `${cluster.metadata.generation ?? 0}:${message}`;
    if (this.reported.get(k) === mark) return;
    this.reported.set(k, mark);
    await this.events.record(clusterObject(cluster), type, reason, message.slice(0, 1000));
  }
}
