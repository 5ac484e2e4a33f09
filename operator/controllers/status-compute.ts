/**
 * The RocketCluster status the status reconciler writes (everything but the controller's decisions,
 * which only the failover host writes): observedGeneration, addresses, the scale subresource fields,
 * the four conditions and each replica's role, readiness, offset and lag. Pure.
 */
import type { Condition, ConditionType, GroupStatus, ReplicaStatus, RocketCluster, RocketClusterStatus } from '../api';
import type { BrokerObservation } from '../../controller';
import type { GroupSnapshot } from './failover-host';
import type { GroupView } from './group-view';
import { brokerPodSelector, nameserverAddress } from '../specs';

export interface StatusInput {
  readonly cluster: RocketCluster;
  readonly views: readonly GroupView[];
  readonly snapshots: ReadonlyMap<string, GroupSnapshot>;
  /** Ready nameserver pods (Deployment status.readyReplicas). */
  readonly nameserversReady: number;
  /** Spec problems (schema or semantic); non-empty: nothing was applied for this generation. */
  readonly specProblems: readonly string[];
  /** The generation the children were last applied for, if any. */
  readonly appliedGeneration: number | undefined;
  readonly nowIso: string;
}

/** A pod not ready this long makes the cluster Degraded even while a rollout or scale-up waits for it. */
export const STUCK_AFTER_MS = 5 * 60_000;

interface Verdict {
  readonly status: Condition['status'];
  readonly reason: string;
  readonly message: string;
}

export function computeStatus(input: StatusInput): RocketClusterStatus {
  const { cluster } = input;
  const previous = cluster.status ?? {};
  const verdicts = conditionVerdicts(input);
  const conditions = (['Ready', 'Available', 'Progressing', 'Degraded'] as const).map((type) => condition(previous.conditions, type, verdicts[type], input.nowIso, cluster.metadata.generation));
  return {
    ...previous,
    ...(input.appliedGeneration !== undefined ? { observedGeneration: input.appliedGeneration } : {}),
    conditions,
    nameserverAddress: nameserverAddress(cluster),
    brokerGroups: input.views.filter((v) => v.phase === 'Active').length,
    selector: brokerPodSelector(cluster),
    groups: (previous.groups ?? []).map((g) => withReplicas(g, input.views.find((v) => v.group === g.name), input.snapshots.get(g.name))),
    failovers: previous.failovers ?? 0,
  };
}

function condition(previous: readonly Condition[] | undefined, type: ConditionType, v: Verdict, nowIso: string, generation: number | undefined): Condition {
  const old = previous?.find((c) => c.type === type);
  const lastTransitionTime = old !== undefined && old.status === v.status ? old.lastTransitionTime : nowIso;
  return { type, status: v.status, reason: v.reason, message: v.message, lastTransitionTime, ...(generation !== undefined ? { observedGeneration: generation } : {}) };
}

/** A group's master serves writes: reachable, master at the recorded epoch, not fenced. */
function masterServing(view: GroupView, snapshot: GroupSnapshot | undefined): boolean {
  const state = view.state;
  if (state === null || state.masterId === null) return false;
  const o = snapshot?.replicas.find((r) => r.replicaId === state.masterId)?.observation;
  return o !== undefined && o.reachable && o.role === 'master' && o.epoch === state.epoch && !o.fenced;
}

function conditionVerdicts(input: StatusInput): Record<ConditionType, Verdict> {
  const { cluster, views, snapshots } = input;
  if (input.specProblems.length > 0) {
    const message = `spec refused: ${input.specProblems.join('; ')}`.slice(0, 1000);
    const no: Verdict = { status: 'False', reason: 'InvalidSpec', message };
    return { Ready: no, Available: no, Progressing: { status: 'False', reason: 'InvalidSpec', message }, Degraded: { status: 'True', reason: 'InvalidSpec', message } };
  }
  const active = views.filter((v) => v.phase === 'Active');
  const wanted = cluster.spec.broker.groups;
  const noMaster = active.filter((v) => !masterServing(v, snapshots.get(v.group))).map((v) => v.group);
  const notReady = active.flatMap((v) => v.pods.filter((p) => !p.ready).map((p) => p.name));
  const outdated = active.filter((v) => v.templateHash !== undefined && v.pods.some((p) => p.exists && p.configHash !== v.templateHash)).map((v) => v.group);
  const draining = views.filter((v) => v.phase !== 'Active').map((v) => v.group);
  const missing = Array.from({ length: wanted }, (_, i) => `broker-${i}`).filter((g) => !active.some((v) => v.group === g));
  const nsOk = input.nameserversReady > 0;
  // Not ready for long: a rollout or restart that does not come back (a bad image, no node).
  const nowMs = Date.parse(input.nowIso);
  const stuck = active.flatMap((v) => v.pods.filter((p) => !p.ready && p.notReadySinceMs !== undefined && nowMs - p.notReadySinceMs >= STUCK_AFTER_MS).map((p) => p.name));

  const available: Verdict = noMaster.length === 0 && missing.length === 0 && nsOk
    ? { status: 'True', reason: 'MastersServing', message: `every broker group (${active.length}) has a master accepting writes` }
    : { status: 'False', reason: !nsOk ? 'NoNameserver' : 'NoMaster', message: [missing.length > 0 ? `groups not created yet: ${missing.join(', ')}` : '', noMaster.length > 0 ? `no serving master: ${noMaster.join(', ')}` : '', nsOk ? '' : 'no nameserver ready'].filter((s) => s !== '').join('; ') };
  const ready: Verdict = available.status === 'True' && notReady.length === 0
    ? { status: 'True', reason: 'AllReplicasReady', message: 'every broker replica is ready and every group has a master' }
    : { status: 'False', reason: available.status !== 'True' ? available.reason : 'ReplicasNotReady', message: available.status !== 'True' ? available.message : `not ready: ${notReady.join(', ')}` };
  let progressing: Verdict = { status: 'False', reason: 'Stable', message: 'nothing to roll out, scale or create' };
  if (draining.length > 0) progressing = { status: 'True', reason: 'ScalingDown', message: `draining ${draining.join(', ')}` };
  else if (missing.length > 0) progressing = { status: 'True', reason: cluster.status?.groups === undefined ? 'Creating' : 'ScalingUp', message: `creating ${missing.join(', ')}` };
  else if (outdated.length > 0) progressing = { status: 'True', reason: 'RollingUpdate', message: `rolling ${outdated.join(', ')} (slaves first, then a switchover)` };
  else if (noMaster.length > 0 || notReady.length > 0) progressing = { status: 'True', reason: 'WaitingForReplicas', message: [...noMaster.map((g) => `${g} has no serving master`), ...notReady.map((p) => `${p} not ready`)].join('; ') };
  const degraded: Verdict = noMaster.length > 0 && cluster.status?.groups?.some((g) => noMaster.includes(g.name) && g.master !== null)
    ? { status: 'True', reason: 'MasterDown', message: `no serving master: ${noMaster.join(', ')}` }
    : stuck.length > 0 || (notReady.length > 0 && missing.length === 0 && outdated.length === 0)
      ? { status: 'True', reason: 'ReplicasNotReady', message: `not ready: ${(stuck.length > 0 ? stuck : notReady).join(', ')}` }
      : { status: 'False', reason: 'AsExpected', message: 'all groups healthy' };
  return { Ready: ready, Available: available, Progressing: progressing, Degraded: degraded };
}

function withReplicas(g: GroupStatus, view: GroupView | undefined, snapshot: GroupSnapshot | undefined): GroupStatus {
  if (view === undefined || snapshot === undefined) return g;
  const masterOffset = masterOffsetOf(g, snapshot);
  const replicas = view.pods.map((p): ReplicaStatus => {
    const o: BrokerObservation | undefined = snapshot.replicas.find((r) => r.replicaId === p.name)?.observation;
    if (o === undefined || !o.reachable) return { name: p.name, role: 'unknown', ready: p.ready };
    const lag = masterOffset === undefined ? undefined : Math.max(0, masterOffset - o.maxCommitLogOffset);
    return { name: p.name, role: o.role, ready: p.ready, offset: o.maxCommitLogOffset, ...(lag !== undefined ? { lag } : {}) };
  });
  return { ...g, replicas };
}

function masterOffsetOf(g: GroupStatus, snapshot: GroupSnapshot): number | undefined {
  const o = snapshot.replicas.find((r) => r.replicaId === g.master)?.observation;
  return o?.reachable && o.role === 'master' ? o.maxCommitLogOffset : undefined;
}
