/**
 * One broker group as the rollout and scale reconcilers see it: its StatefulSet, its pods in
 * ordinal order, the controller's record from status, and the latest observations.
 */
import type { GroupPhase, GroupStatus, RocketCluster } from '../api';
import type { GroupState } from '../../controller';
import { groupIndex, podName } from './names';
import type { PodObject, StatefulSetObject } from './objects';
import { groupOf, isPodReady, isTerminating, podConfigHash, templateConfigHash } from './objects';
import type { RolloutPod } from './rollout-plan';
import { stateFromStatus } from './status-store';

export interface GroupView {
  readonly group: string;
  readonly index: number;
  readonly sts: StatefulSetObject;
  readonly templateHash: string | undefined;
  readonly pods: readonly RolloutPod[];
  readonly status: GroupStatus | undefined;
  readonly phase: GroupPhase;
  readonly state: GroupState | null;
}

export function groupViews(cluster: RocketCluster, sets: readonly StatefulSetObject[], pods: readonly PodObject[]): GroupView[] {
  const byName = new Map(pods.map((p) => [p.metadata?.name ?? '', p]));
  const views: GroupView[] = [];
  for (const sts of sets) {
    const group = groupOf(sts);
    const index = group === undefined ? null : groupIndex(group);
    if (group === undefined || index === null) continue;
    const replicas = sts.spec?.replicas ?? 0;
    const groupPods = Array.from({ length: replicas }, (_, k): RolloutPod => {
      const name = podName(cluster.metadata.name, group, k);
      const pod = byName.get(name);
      if (pod === undefined) return { name, exists: false, terminating: false, ready: false };
      const hash = podConfigHash(pod);
      const uid = pod.metadata?.uid;
      const ready = isPodReady(pod);
      const since = ready ? undefined : notReadySince(pod);
      return {
        name,
        exists: true,
        terminating: isTerminating(pod),
        ready,
        ...(hash !== undefined ? { configHash: hash } : {}),
        ...(uid !== undefined ? { uid } : {}),
        ...(since !== undefined ? { notReadySinceMs: since } : {}),
      };
    });
    const status = cluster.status?.groups?.find((g) => g.name === group);
    views.push({
      group,
      index,
      sts,
      templateHash: templateConfigHash(sts),
      pods: groupPods,
      status,
      phase: status?.phase ?? 'Active',
      state: status === undefined ? null : stateFromStatus(status),
    });
  }
  return views.sort((a, b) => a.index - b.index);
}

function notReadySince(pod: PodObject): number | undefined {
  const condition = pod.status?.conditions?.find((c) => c.type === 'Ready');
  const at = condition?.lastTransitionTime ?? pod.metadata?.creationTimestamp;
  if (at === undefined) return undefined;
  const ms = at instanceof Date ? at.getTime() : Date.parse(at);
  return Number.isNaN(ms) ? undefined : ms;
}
