/**
 * Pure election decisions: is the master down, who may become master, and which epoch it gets.
 * Ranking follows RocketMQ's DefaultElectPolicy (FACTS 7.3): highest epoch, then highest
 * max commit-log offset, then lowest election priority; we add the incumbent on ties (no
 * needless change of master) and the replica id last, so the outcome is deterministic.
 */
import { assert } from '../stdx';
import type { BrokerObservation, ControllerPolicy, GroupState, ReachableBroker } from './types';

/** Natural order for replica ids, so `b-2` sorts before `b-10`. Plain code-unit order otherwise. */
export function compareReplicaIds(a: string, b: string): number {
  const pa = splitDigits(a);
  const pb = splitDigits(b);
  for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
    const x = pa[i]!;
    const y = pb[i]!;
    if (x === y) continue;
    const bothNumeric = /^\d/.test(x) && /^\d/.test(y);
    if (bothNumeric && Number(x) !== Number(y)) return Number(x) - Number(y);
    return x < y ? -1 : 1;
  }
  return pa.length - pb.length;
}

function splitDigits(id: string): string[] {
  return id.match(/\d+|\D+/g) ?? [];
}

export function reachableBrokers(brokers: readonly BrokerObservation[]): ReachableBroker[] {
  return brokers.filter((b): b is ReachableBroker => b.reachable);
}

export function findBroker(brokers: readonly BrokerObservation[], replicaId: string | null): BrokerObservation | undefined {
  if (replicaId === null) return undefined;
  return brokers.find((b) => b.replicaId === replicaId);
}

/**
 * The recorded master is down when it has been unreachable (or unlisted) for at least
 * `masterDownAfterMs`. An unreachable master with no known last-seen time counts as down: the
 * host says it has never seen it. (The loop supplies its own start time in that case, so a
 * restarted controller still waits the full period.)
 */
export function isMasterDown(
  state: GroupState,
  brokers: readonly BrokerObservation[],
  nowMs: number,
  masterDownAfterMs: number,
): boolean {
  assert(masterDownAfterMs >= 0, 'masterDownAfterMs must not be negative');
  if (state.masterId === null) return false;
  const master = findBroker(brokers, state.masterId);
  if (master?.reachable) return false;
  const lastSeenMs = master?.lastSeenMs;
  if (lastSeenMs === undefined) return true;
  return nowMs - lastSeenMs >= masterDownAfterMs;
}

/** The epoch a new master gets: above everything recorded and everything any broker reports. */
export function nextEpoch(state: GroupState, brokers: readonly BrokerObservation[]): number {
  let highest = state.epoch;
  for (const b of reachableBrokers(brokers)) highest = Math.max(highest, b.epoch);
  return highest + 1;
}

/** Sort order for candidates, best first. `preferredId` wins ties on epoch and offset. */
export function rankCandidates(candidates: readonly ReachableBroker[], preferredId: string | null = null): ReachableBroker[] {
  return [...candidates].sort((a, b) => {
    if (a.epoch !== b.epoch) return b.epoch - a.epoch;
    if (a.maxCommitLogOffset !== b.maxCommitLogOffset) return b.maxCommitLogOffset - a.maxCommitLogOffset;
    if (a.replicaId === preferredId) return -1;
    if (b.replicaId === preferredId) return 1;
    if (a.priority !== b.priority) return a.priority - b.priority;
    return compareReplicaIds(a.replicaId, b.replicaId);
  });
}

export type Election =
  | { readonly kind: 'elected'; readonly replicaId: string; readonly newEpoch: number; readonly unclean: boolean }
  | { readonly kind: 'no-eligible'; readonly reason: string };

export interface ElectOptions {
  /** Replicas that may not be chosen (the master being replaced). */
  readonly exclude?: readonly string[];
  /** Wins ties on epoch and offset (the incumbent). */
  readonly preferredId?: string | null;
}

/**
 * Picks a new master among reachable members of the recorded in-sync set. Only when none is
 * reachable and the policy allows unclean election does it look at the other replicas; that
 * choice may lack acknowledged messages, and says so (`unclean: true`).
 */
export function electMaster(
  state: GroupState,
  brokers: readonly BrokerObservation[],
  policy: Pick<ControllerPolicy, 'allowUncleanElection'>,
  options: ElectOptions = {},
): Election {
  const excluded = new Set(options.exclude ?? []);
  const reachable = reachableBrokers(brokers).filter((b) => !excluded.has(b.replicaId));
  const inSync = new Set(state.inSyncReplicaIds);
  const clean = reachable.filter((b) => inSync.has(b.replicaId));
  const preferred = options.preferredId ?? null;
  if (clean.length > 0) {
    return { kind: 'elected', replicaId: rankCandidates(clean, preferred)[0]!.replicaId, newEpoch: nextEpoch(state, brokers), unclean: false };
  }
  if (policy.allowUncleanElection && reachable.length > 0) {
    return { kind: 'elected', replicaId: rankCandidates(reachable, preferred)[0]!.replicaId, newEpoch: nextEpoch(state, brokers), unclean: true };
  }
  return { kind: 'no-eligible', reason: noEligibleReason(state, reachable.map((b) => b.replicaId), excluded) };
}

function noEligibleReason(state: GroupState, reachableIds: readonly string[], excluded: ReadonlySet<string>): string {
  const inSync = state.inSyncReplicaIds.filter((id) => !excluded.has(id));
  const inSyncText = inSync.length > 0 ? inSync.join(', ') : 'nobody';
  const others = reachableIds.length > 0 ? `reachable but not in sync: ${reachableIds.join(', ')}` : 'no other replica is reachable';
  return `no reachable replica of the in-sync set (${inSyncText}); ${others}; unclean election is not allowed`;
}

/** A group's first master: the most advanced reachable replica (the lowest id on a fresh group). */
export function electFirstMaster(
  state: GroupState,
  brokers: readonly BrokerObservation[],
  minReplicasToBootstrap: number,
): Election {
  const reachable = reachableBrokers(brokers);
  if (reachable.length === 0 || reachable.length < minReplicasToBootstrap) {
    return { kind: 'no-eligible', reason: `waiting for replicas: ${reachable.length} reachable, ${Math.max(1, minReplicasToBootstrap)} needed` };
  }
  // A broker already serving as master (say the controller's state was lost) wins ties.
  const serving = rankCandidates(reachable.filter((b) => b.role === 'master' && !b.fenced))[0];
  const chosen = rankCandidates(reachable, serving?.replicaId ?? null)[0]!;
  return { kind: 'elected', replicaId: chosen.replicaId, newEpoch: nextEpoch(state, brokers), unclean: false };
}
