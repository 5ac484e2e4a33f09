/**
 * The rules that keep one master per epoch, written as checks. `validateTransition` guards what
 * the controller itself records (a failure there is a bug: the loop asserts it before saving);
 * `validateInvariants` checks what brokers report against the record (a failure there is a fact
 * about the world, reported as an event, and the reconcile step repairs it).
 */
import { reachableBrokers } from './election';
import type { BrokerObservation, GroupState } from './types';

/** Problems in going from one recorded state to the next; empty when the change is allowed. */
export function validateTransition(prev: GroupState | null, next: GroupState): string[] {
  const problems = validateState(next);
  if (prev === null) return problems;
  if (prev.group !== next.group) problems.push(`group changed from ${prev.group} to ${next.group}`);
  if (next.epoch < prev.epoch) problems.push(`epoch went back from ${prev.epoch} to ${next.epoch}`);
  if (next.epoch === prev.epoch && prev.masterId !== null && next.masterId !== prev.masterId) {
    problems.push(`epoch ${next.epoch} changed hands from ${prev.masterId} to ${next.masterId ?? '(none)'}`);
  }
  if (prev.masterId !== null && next.masterId === null) problems.push(`master ${prev.masterId} was cleared`);
  if (next.syncStateSetEpoch < prev.syncStateSetEpoch) {
    problems.push(`syncStateSetEpoch went back from ${prev.syncStateSetEpoch} to ${next.syncStateSetEpoch}`);
  }
  return problems;
}

/** Internal consistency of one recorded state. */
export function validateState(s: GroupState): string[] {
  const problems: string[] = [];
  if (!Number.isSafeInteger(s.epoch) || s.epoch < 0) problems.push(`bad epoch ${s.epoch}`);
  if (s.masterId === null) {
    if (s.pending !== null) problems.push('a switchover is pending without a master');
    return problems;
  }
  if (s.epoch < 1) problems.push(`master ${s.masterId} recorded at epoch ${s.epoch}`);
  if (!s.inSyncReplicaIds.includes(s.masterId)) problems.push(`master ${s.masterId} is missing from its in-sync set`);
  if (new Set(s.inSyncReplicaIds).size !== s.inSyncReplicaIds.length) problems.push('duplicate ids in the in-sync set');
  const p = s.pending;
  if (p !== null && (p.fromId !== s.masterId || p.epoch !== s.epoch || p.toId === p.fromId)) {
    problems.push(`pending switchover ${p.fromId}@${p.epoch} -> ${p.toId} does not match master ${s.masterId}@${s.epoch}`);
  }
  return problems;
}

/**
 * What the brokers report that breaks the rules: two masters claiming one epoch, or an epoch
 * beyond the recorded one (the record went back in time). Fenced masters count as masters: they
 * still claim the epoch.
 */
export function validateInvariants(state: GroupState | null, brokers: readonly BrokerObservation[]): string[] {
  const problems: string[] = [];
  const byEpoch = new Map<number, string[]>();
  for (const b of reachableBrokers(brokers)) {
    if (b.role !== 'master') continue;
    byEpoch.set(b.epoch, [...(byEpoch.get(b.epoch) ?? []), b.replicaId]);
  }
  for (const [epoch, ids] of byEpoch) {
    if (ids.length > 1) problems.push(`${ids.join(' and ')} both report master at epoch ${epoch}`);
  }
  if (state !== null) {
    for (const b of reachableBrokers(brokers)) {
      if (b.epoch > state.epoch) problems.push(`${b.replicaId} reports epoch ${b.epoch}, above the recorded ${state.epoch}`);
    }
  }
  return problems;
}
