/**
 * Planned change of master with zero loss: fence the master (it stops accepting writes but keeps
 * feeding its slaves), wait until the target holds every byte the master has, then record the
 * target as master of a new epoch, demote the old master under it and re-point the others.
 * The pending switchover is part of the persisted state, so a controller that restarts in the
 * middle carries on (or aborts and unfences) instead of leaving the master fenced.
 */
import { convergeActions } from './converge';
import { findBroker, nextEpoch, rankCandidates, reachableBrokers } from './election';
import type { BrokerObservation, ControllerAction, ControllerNote, GroupState, PendingSwitchover, ReachableBroker } from './types';
import { NoteKinds } from './types';

/** One step of a plan, in order. `record` steps are saved before any later step runs. */
export type PlanStep =
  | { readonly step: 'record'; readonly state: GroupState }
  | { readonly step: 'act'; readonly action: ControllerAction }
  | { readonly step: 'wait-for-catch-up'; readonly replicaId: string; readonly masterId: string };

export type SwitchoverPlan =
  | { readonly kind: 'planned'; readonly state: GroupState; readonly steps: readonly PlanStep[] }
  | { readonly kind: 'rejected'; readonly reason: string };

/** The master as a switchover needs it: reachable and master at the recorded epoch. */
function servingMaster(state: GroupState, brokers: readonly BrokerObservation[]): ReachableBroker | null {
  const m = findBroker(brokers, state.masterId);
  if (!m?.reachable || m.role !== 'master' || m.epoch !== state.epoch) return null;
  return m;
}

/**
 * Plans a switchover to `targetId`, or to the best reachable in-sync slave when none is given.
 * The returned state carries the pending switchover; the first action fences the master.
 */
export function planSwitchover(
  state: GroupState,
  brokers: readonly BrokerObservation[],
  nowMs: number,
  targetId?: string,
): SwitchoverPlan {
  if (state.pending !== null) return { kind: 'rejected', reason: `a switchover to ${state.pending.toId} is already in progress` };
  const master = servingMaster(state, brokers);
  if (master === null) return { kind: 'rejected', reason: `the master ${state.masterId ?? '(none)'} is not serving at epoch ${state.epoch}` };
  const inSync = new Set(state.inSyncReplicaIds);
  const candidates = reachableBrokers(brokers).filter((b) => b.replicaId !== master.replicaId && inSync.has(b.replicaId));
  if (targetId === master.replicaId) return { kind: 'rejected', reason: `${targetId} is already the master` };
  const target = targetId === undefined ? rankCandidates(candidates)[0] : candidates.find((b) => b.replicaId === targetId);
  if (target === undefined) {
    const who = targetId ?? 'any slave';
    return { kind: 'rejected', reason: `${who} is not a reachable member of the in-sync set (${state.inSyncReplicaIds.join(', ')})` };
  }
  const pending: PendingSwitchover = { kind: 'switchover', fromId: master.replicaId, toId: target.replicaId, epoch: state.epoch, startedAtMs: nowMs };
  const pendingState: GroupState = { ...state, pending };
  const after = completedState(pendingState, brokers, target.replicaId, nowMs);
  const steps: PlanStep[] = [
    { step: 'record', state: pendingState },
    { step: 'act', action: fenceAction(pendingState, master) },
    { step: 'wait-for-catch-up', replicaId: target.replicaId, masterId: master.replicaId },
    { step: 'record', state: after },
    ...convergeActions(after, brokers).actions.map((action) => ({ step: 'act' as const, action })),
  ];
  return { kind: 'planned', state: pendingState, steps };
}

function fenceAction(state: GroupState, master: ReachableBroker): ControllerAction {
  return { kind: 'fence', group: state.group, replicaId: master.replicaId, epoch: state.epoch, reason: `switchover to ${state.pending?.toId ?? '?'}: stop writes` };
}

function completedState(state: GroupState, brokers: readonly BrokerObservation[], targetId: string, nowMs: number): GroupState {
  return {
    group: state.group,
    masterId: targetId,
    epoch: nextEpoch(state, brokers),
    inSyncReplicaIds: [targetId],
    syncStateSetEpoch: state.syncStateSetEpoch + 1,
    pending: null,
    decidedAtMs: nowMs,
  };
}

/**
 * True when the target provably holds everything the fenced master has: the master counts it
 * in sync (so it has handshaken and truncated at this epoch), it follows this master at this
 * epoch, and the two max offsets are equal while the master accepts no writes.
 */
export function caughtUp(master: ReachableBroker, target: ReachableBroker): boolean {
  return (
    master.fenced &&
    (master.inSyncReplicaIds ?? []).includes(target.replicaId) &&
    target.role === 'slave' &&
    target.epoch === master.epoch &&
    target.masterAddress === master.address &&
    target.maxCommitLogOffset === master.maxCommitLogOffset
  );
}

export type SwitchoverProgress =
  /** The switchover cannot go on: the caller continues with `state` (pending cleared) as usual. */
  | { readonly kind: 'abandoned'; readonly state: GroupState; readonly note: ControllerNote }
  | { readonly kind: 'step'; readonly state: GroupState; readonly actions: readonly ControllerAction[]; readonly notes: readonly ControllerNote[] };

/** Moves a pending switchover one step on, from fresh observations. */
export function advanceSwitchover(
  state: GroupState,
  brokers: readonly BrokerObservation[],
  nowMs: number,
  switchoverTimeoutMs: number,
): SwitchoverProgress {
  const p = state.pending;
  if (p === null) return { kind: 'step', state, actions: [], notes: [] };
  const abandon = (message: string): SwitchoverProgress => ({
    kind: 'abandoned',
    state: { ...state, pending: null },
    note: { kind: NoteKinds.switchoverAborted, message: `switchover ${p.fromId} -> ${p.toId} aborted: ${message}` },
  });
  if (state.masterId !== p.fromId || state.epoch !== p.epoch) return abandon('the recorded master changed');
  const master = servingMaster(state, brokers);
  if (master === null) return abandon(`${p.fromId} no longer serves as master at epoch ${p.epoch}`);
  const target = findBroker(brokers, p.toId);
  if (!target?.reachable) return abandon(`${p.toId} is unreachable`);
  if (!state.inSyncReplicaIds.includes(p.toId)) return abandon(`${p.toId} left the in-sync set`);
  if (nowMs - p.startedAtMs >= switchoverTimeoutMs) return abandon(`${p.toId} did not catch up within ${switchoverTimeoutMs} ms`);
  if (!master.fenced) {
    return { kind: 'step', state, actions: [fenceAction(state, master)], notes: [] };
  }
  if (!caughtUp(master, target)) {
    const message = `waiting for ${p.toId} (offset ${target.maxCommitLogOffset}) to reach ${p.fromId} (offset ${master.maxCommitLogOffset})`;
    return { kind: 'step', state, actions: [], notes: [{ kind: NoteKinds.switchoverWaiting, message }] };
  }
  const next = completedState(state, brokers, p.toId, nowMs);
  const converged = convergeActions(next, brokers);
  const done: ControllerNote = { kind: NoteKinds.switchoverCompleted, message: `${p.toId} is master at epoch ${next.epoch} (was ${p.fromId} at ${p.epoch})` };
  return { kind: 'step', state: next, actions: converged.actions, notes: [done, ...converged.notes] };
}
