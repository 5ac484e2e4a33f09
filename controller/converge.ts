/**
 * From a recorded decision to broker actions. Given the persisted state (who is master at which
 * epoch) and what the brokers report, list what must be said to whom, in the order that keeps
 * writes safe: first take every other self-declared master out of the write path, then promote
 * the recorded master, then point the slaves at it. Running it again on the same observations
 * yields the same actions, so a loop that crashed half-way simply re-sends what did not land.
 */
import { compareReplicaIds, findBroker, reachableBrokers } from './election';
import type { BrokerObservation, ControllerAction, ControllerNote, GroupState, ReachableBroker } from './types';
import { NoteKinds } from './types';

export interface Convergence {
  readonly actions: readonly ControllerAction[];
  readonly notes: readonly ControllerNote[];
}

/** Actions that bring the reachable brokers in line with `state` (which must have a master). */
export function convergeActions(state: GroupState, brokers: readonly BrokerObservation[]): Convergence {
  const master = findBroker(brokers, state.masterId);
  // Followers need the master's address; until it is reachable there is nobody to point them at.
  if (state.masterId === null || !master?.reachable) return { actions: [], notes: [] };
  const others = reachableBrokers(brokers).filter((b) => b.replicaId !== state.masterId);
  const notes: ControllerNote[] = [];
  const actions: ControllerAction[] = [];
  for (const b of others.filter((o) => o.role === 'master')) {
    if (b.epoch === state.epoch) {
      notes.push({ kind: NoteKinds.splitBrain, message: `${b.replicaId} reports master at epoch ${b.epoch}, which belongs to ${state.masterId}` });
    }
    actions.push(follow('demote', state, b, master, `reports master at epoch ${b.epoch}; ${state.masterId} is master at epoch ${state.epoch}`));
  }
  const masterAction = masterActionFor(state, master);
  if (masterAction !== null) actions.push(masterAction);
  for (const b of others.filter((o) => o.role !== 'master')) {
    const why = followReason(state, b, master);
    if (why !== null) actions.push(follow('repoint', state, b, master, why));
  }
  return { actions, notes };
}

function masterActionFor(state: GroupState, master: ReachableBroker): ControllerAction | null {
  const base = {
    group: state.group,
    replicaId: master.replicaId,
    epoch: state.epoch,
    inSyncReplicaIds: state.inSyncReplicaIds,
    syncStateSetEpoch: state.syncStateSetEpoch,
  };
  if (master.role !== 'master' || master.epoch < state.epoch) {
    return { ...base, kind: 'promote', reason: `recorded master at epoch ${state.epoch}; reports ${master.role} at epoch ${master.epoch}` };
  }
  if (master.fenced) {
    return { ...base, kind: 'promote', reason: `fenced with no switchover in progress; accept writes again` };
  }
  if (master.syncStateSetEpoch !== undefined && master.syncStateSetEpoch !== state.syncStateSetEpoch) {
    return { ...base, kind: 'confirm-sync-set', reason: `confirmed in-sync set ${master.syncStateSetEpoch} is not the recorded ${state.syncStateSetEpoch}` };
  }
  return null;
}

function followReason(state: GroupState, b: ReachableBroker, master: ReachableBroker): string | null {
  if (b.role === 'none') return `has no role yet`;
  if (b.epoch !== state.epoch) return `follows epoch ${b.epoch}, current is ${state.epoch}`;
  if (b.masterAddress !== master.address) return `follows ${b.masterAddress ?? 'nobody'}, master is at ${master.address}`;
  return null;
}

function follow(kind: 'demote' | 'repoint', state: GroupState, b: ReachableBroker, master: ReachableBroker, reason: string): ControllerAction {
  return {
    kind,
    group: state.group,
    replicaId: b.replicaId,
    epoch: state.epoch,
    masterReplicaId: master.replicaId,
    masterAddress: master.address,
    masterHaAddress: master.haAddress,
    reason,
  };
}

/** The in-sync set a serving master reports, normalised: the master added, duplicates dropped, sorted. */
export function normaliseInSyncSet(masterId: string, reported: readonly string[]): string[] {
  return [...new Set([masterId, ...reported])].sort(compareReplicaIds);
}

export function sameIds(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((id, i) => id === b[i]);
}

/**
 * Adopts the in-sync set reported by the recorded master while it serves at the recorded epoch
 * (the analogue of RocketMQ's ALTER_SYNC_STATE_SET). Reports from anyone else, or from another
 * epoch, are ignored: after the master is gone, the last recorded set is what election trusts.
 */
export function adoptInSyncSet(state: GroupState, master: ReachableBroker): GroupState {
  if (master.replicaId !== state.masterId || master.role !== 'master' || master.epoch !== state.epoch) return state;
  if (master.inSyncReplicaIds === undefined) return state;
  const next = normaliseInSyncSet(master.replicaId, master.inSyncReplicaIds);
  if (sameIds(next, state.inSyncReplicaIds)) return state;
  return { ...state, inSyncReplicaIds: next, syncStateSetEpoch: state.syncStateSetEpoch + 1 };
}
