/**
 * Ordered rollout of one broker group after a config or image change (StatefulSets use the OnDelete
 * strategy, so pods change only when the operator deletes them). Pure: from the template's config
 * hash, the pods and the controller's record to the one next step.
 *
 * Order: outdated slaves one at a time (highest ordinal first); then a switchover to an updated,
 * in-sync slave (the controller's zero-loss plan: fence, wait for catch-up, new epoch); then the old
 * master, now a slave. Every step waits until the whole group is healthy: every pod present, Ready,
 * running the recorded roles at the recorded epoch and in the in-sync set, no switchover pending.
 */
import type { BrokerObservation, GroupState } from '../../controller';

export interface RolloutPod {
  readonly name: string;
  readonly uid?: string;
  readonly exists: boolean;
  readonly terminating: boolean;
  readonly ready: boolean;
  readonly configHash?: string;
  /** Not ready: since when (the Ready condition's last transition, else the pod's creation), ms. */
  readonly notReadySinceMs?: number;
}

export interface RolloutInput {
  readonly group: string;
  /** The StatefulSet template's config hash; undefined: nothing to compare, nothing to roll. */
  readonly templateHash: string | undefined;
  /** Every replica, ordinal order. */
  readonly pods: readonly RolloutPod[];
  readonly state: GroupState | null;
  /** The controller's latest observations of the group's replicas. */
  readonly observations: readonly BrokerObservation[];
}

export type RolloutStep =
  | { readonly kind: 'up-to-date' }
  | { readonly kind: 'wait'; readonly reason: string; readonly outdated: readonly string[] }
  | { readonly kind: 'delete-pod'; readonly pod: string; readonly uid?: string; readonly reason: string; readonly outdated: readonly string[] }
  | { readonly kind: 'switchover'; readonly from: string; readonly to: string; readonly outdated: readonly string[] };

export function planRollout(input: RolloutInput): RolloutStep {
  const { templateHash, pods, state } = input;
  if (templateHash === undefined) return { kind: 'up-to-date' };
  const outdated = pods.filter((p) => p.exists && !p.terminating && p.configHash !== templateHash).map((p) => p.name);
  // A pod deleted by the last step comes back from the new template: nothing left to roll.
  if (outdated.length === 0) return { kind: 'up-to-date' };
  const wait = (reason: string): RolloutStep => ({ kind: 'wait', reason, outdated });
  const unhealthy = groupHealthProblem(input);
  if (unhealthy !== null) return wait(unhealthy);
  const masterId = state!.masterId!;
  const slaves = pods.filter((p) => p.name !== masterId && outdated.includes(p.name));
  if (slaves.length > 0) {
    const victim = slaves[slaves.length - 1]!;
    return { kind: 'delete-pod', pod: victim.name, ...(victim.uid !== undefined ? { uid: victim.uid } : {}), reason: `slave ${victim.name} runs an old config`, outdated };
  }
  const master = pods.find((p) => p.name === masterId)!;
  if (pods.length === 1) {
    // No slave to hand over to: the only way to update a single replica is to restart it.
    return { kind: 'delete-pod', pod: master.name, ...(master.uid !== undefined ? { uid: master.uid } : {}), reason: `the group's only replica ${master.name} runs an old config`, outdated };
  }
  const target = bestUpdatedSlave(input, masterId);
  if (target === null) return wait('no updated in-sync slave to switch over to');
  return { kind: 'switchover', from: masterId, to: target, outdated };
}

/** Why the group is not ready for the next rollout step, or null when it is. */
export function groupHealthProblem(input: RolloutInput): string | null {
  const { pods, state, observations } = input;
  const down = pods.find((p) => !p.exists || p.terminating || !p.ready);
  if (down !== undefined) return `${down.name} is ${!down.exists ? 'missing' : down.terminating ? 'terminating' : 'not ready'}`;
  if (state === null || state.masterId === null) return 'the group has no master yet';
  if (state.pending !== null) return `a switchover to ${state.pending.toId} is in progress`;
  for (const p of pods) {
    const o = observations.find((b) => b.replicaId === p.name);
    if (o === undefined || !o.reachable) return `${p.name} does not answer`;
    const role = p.name === state.masterId ? 'master' : 'slave';
    if (o.role !== role || o.epoch !== state.epoch) return `${p.name} is ${o.role} at epoch ${o.epoch}, not yet ${role} at ${state.epoch}`;
    if (role === 'master' && o.fenced) return `${p.name} is fenced`;
    if (!state.inSyncReplicaIds.includes(p.name)) return `${p.name} is not in sync yet`;
  }
  return null;
}

function bestUpdatedSlave(input: RolloutInput, masterId: string): string | null {
  const updated = input.pods.filter((p) => p.name !== masterId && p.configHash === input.templateHash && input.state!.inSyncReplicaIds.includes(p.name));
  const offsetOf = (name: string): number => {
    const o = input.observations.find((b) => b.replicaId === name);
    return o?.reachable ? o.maxCommitLogOffset : -1;
  };
  const ranked = [...updated].sort((a, b) => offsetOf(b.name) - offsetOf(a.name) || a.name.localeCompare(b.name, 'en', { numeric: true }));
  return ranked[0]?.name ?? null;
}
