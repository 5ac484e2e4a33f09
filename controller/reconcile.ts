/**
 * One reconcile step for one broker group: from the recorded state and fresh observations to the
 * next state (to be saved first) and the actions to send after the save succeeded. Pure and
 * idempotent: re-running it after a crash at any point re-derives whatever is still missing.
 */
import { assert } from '../stdx';
import { adoptInSyncSet, convergeActions } from './converge';
import type { Election } from './election';
import { electFirstMaster, electMaster, findBroker, isMasterDown, reachableBrokers } from './election';
import type { PlanStep } from './switchover';
import { advanceSwitchover, planSwitchover } from './switchover';
import type {
  BrokerObservation,
  ControllerAction,
  ControllerIntent,
  ControllerNote,
  ControllerPolicy,
  GroupState,
} from './types';
import { NoteKinds } from './types';

export interface ReconcileInput {
  readonly group: string;
  /** The persisted state; null for a group never decided before. */
  readonly state: GroupState | null;
  readonly brokers: readonly BrokerObservation[];
  readonly nowMs: number;
  readonly policy: ControllerPolicy;
  readonly intent?: ControllerIntent | null;
}

export interface IntentOutcome {
  readonly accepted: boolean;
  readonly reason: string;
}

export interface Reconciliation {
  /** The state to persist (compare-and-set) before sending any action, when `changed`. */
  readonly state: GroupState;
  readonly changed: boolean;
  readonly actions: readonly ControllerAction[];
  readonly notes: readonly ControllerNote[];
  /** Present when an intent was given. */
  readonly intent?: IntentOutcome;
}

export function initialGroupState(group: string): GroupState {
  return { group, masterId: null, epoch: 0, inSyncReplicaIds: [], syncStateSetEpoch: 0, pending: null, decidedAtMs: null };
}

export type FailoverPlan =
  | { readonly kind: 'planned'; readonly state: GroupState; readonly steps: readonly PlanStep[]; readonly notes: readonly ControllerNote[] }
  | { readonly kind: 'no-eligible'; readonly reason: string };

export interface FailoverOptions {
  /** Replicas that may not be chosen; a manual failover excludes the current master. */
  readonly exclude?: readonly string[];
  readonly preferredId?: string | null;
}

/**
 * Plans a failover: record the new master and epoch, demote every other reachable master (the
 * old one steps down; an unreachable one is fenced by the epoch when it returns), promote the
 * chosen replica, re-point the others.
 */
export function planFailover(
  state: GroupState,
  brokers: readonly BrokerObservation[],
  policy: ControllerPolicy,
  nowMs: number,
  options: FailoverOptions = {},
): FailoverPlan {
  const election = state.masterId === null ? electFirstMaster(state, brokers, policy.minReplicasToBootstrap) : electMaster(state, brokers, policy, options);
  if (election.kind === 'no-eligible') return election;
  const next = electedState(state, election, nowMs);
  const converged = convergeActions(next, brokers);
  const notes: ControllerNote[] = [electedNote(state, election), ...converged.notes];
  const steps: PlanStep[] = [{ step: 'record', state: next }, ...converged.actions.map((action) => ({ step: 'act' as const, action }))];
  return { kind: 'planned', state: next, steps, notes };
}

function electedState(state: GroupState, election: Extract<Election, { kind: 'elected' }>, nowMs: number): GroupState {
  return {
    group: state.group,
    masterId: election.replicaId,
    epoch: election.newEpoch,
    inSyncReplicaIds: [election.replicaId],
    syncStateSetEpoch: state.syncStateSetEpoch + 1,
    pending: null,
    decidedAtMs: nowMs,
  };
}

function electedNote(state: GroupState, e: Extract<Election, { kind: 'elected' }>): ControllerNote {
  const from = state.masterId === null ? 'first master' : `replacing ${state.masterId} (epoch ${state.epoch})`;
  const unclean = e.unclean ? '; UNCLEAN: it may lack acknowledged messages' : '';
  const kind = state.masterId === null ? NoteKinds.bootstrapped : NoteKinds.elected;
  return { kind, message: `${e.replicaId} elected master at epoch ${e.newEpoch}, ${from}${unclean}` };
}

/** A reconcile step before `changed` is worked out (structurally, in reconcileGroup). */
type Step = Omit<Reconciliation, 'changed'>;

function fromPlan(current: GroupState, plan: FailoverPlan, notes: ControllerNote[], noEligibleKind: ControllerNote['kind']): Step {
  if (plan.kind === 'no-eligible') {
    return { state: current, actions: [], notes: [...notes, { kind: noEligibleKind, message: plan.reason }] };
  }
  const actions = plan.steps.flatMap((s) => (s.step === 'act' ? [s.action] : []));
  return { state: plan.state, actions, notes: [...notes, ...plan.notes] };
}

/** Field-by-field equality; a missing state equals the initial one (nothing worth saving). */
export function sameGroupState(a: GroupState, b: GroupState): boolean {
  const pa = a.pending;
  const pb = b.pending;
  const samePending =
    pa === pb ||
    (pa !== null && pb !== null && pa.fromId === pb.fromId && pa.toId === pb.toId && pa.epoch === pb.epoch && pa.startedAtMs === pb.startedAtMs);
  return (
    a.group === b.group &&
    a.masterId === b.masterId &&
    a.epoch === b.epoch &&
    a.syncStateSetEpoch === b.syncStateSetEpoch &&
    a.decidedAtMs === b.decidedAtMs &&
    samePending &&
    a.inSyncReplicaIds.length === b.inSyncReplicaIds.length &&
    a.inSyncReplicaIds.every((id, i) => id === b.inSyncReplicaIds[i])
  );
}

/** The reconcile step. See the README for the rules in prose. */
export function reconcileGroup(input: ReconcileInput): Reconciliation {
  const base = input.state ?? initialGroupState(input.group);
  assert(base.group === input.group, `state of ${base.group} given for group ${input.group}`);
  const step = reconcileState(input, base);
  return { ...step, changed: !sameGroupState(base, step.state) };
}

function reconcileState(input: ReconcileInput, base: GroupState): Step {
  const { brokers, nowMs, policy } = input;
  if (base.masterId === null) {
    const plan = planFailover(base, brokers, policy, nowMs);
    return withIntentRejected(fromPlan(base, plan, [], NoteKinds.waitingForReplicas), input, 'the group has no master yet');
  }
  const ahead = reachableBrokers(brokers).filter((b) => b.epoch > base.epoch);
  if (ahead.length > 0) {
    // The recorded state is older than what brokers saw (a restored backup, a lost file): never
    // go back to an old epoch; elect again above everything observed.
    const note = { kind: NoteKinds.stateBehind, message: `${ahead.map((b) => `${b.replicaId}@${b.epoch}`).join(', ')} ahead of recorded epoch ${base.epoch}` };
    const plan = planFailover(base, brokers, policy, nowMs, { preferredId: base.masterId });
    return withIntentRejected(fromPlan(base, plan, [note], NoteKinds.noEligible), input, 'the recorded state is behind the brokers');
  }
  let current = base;
  const notes: ControllerNote[] = [];
  if (current.pending !== null) {
    const progress = advanceSwitchover(current, brokers, nowMs, policy.switchoverTimeoutMs);
    if (progress.kind === 'step') {
      const r = { state: progress.state, actions: progress.actions, notes: progress.notes };
      return withIntentRejected(r, input, `a switchover to ${current.pending.toId} is in progress`);
    }
    current = progress.state;
    notes.push(progress.note);
  }
  if (input.intent) return applyIntent(input, current, input.intent, notes);
  return reconcileMaster(input, current, notes);
}

function withIntentRejected(r: Step, input: ReconcileInput, reason: string): Step {
  if (!input.intent) return r;
  const note: ControllerNote = { kind: NoteKinds.intentRejected, message: `${input.intent.kind} refused: ${reason}` };
  return { ...r, notes: [...r.notes, note], intent: { accepted: false, reason } };
}

/** Switchover and manual failover requests; a refused one still runs the ordinary step. */
function applyIntent(input: ReconcileInput, state: GroupState, intent: ControllerIntent, notes: ControllerNote[]): Step {
  const { brokers, nowMs, policy } = input;
  const reject = (reason: string): Step => {
    const r = reconcileMaster(input, state, [...notes, { kind: NoteKinds.intentRejected, message: `${intent.kind} refused: ${reason}` }]);
    return { ...r, intent: { accepted: false, reason } };
  };
  if (intent.kind === 'switchover') {
    const plan = planSwitchover(state, brokers, nowMs, intent.targetId);
    if (plan.kind === 'rejected') return reject(plan.reason);
    const actions = plan.steps.slice(0, 2).flatMap((s) => (s.step === 'act' ? [s.action] : []));
    const started = { kind: NoteKinds.switchoverStarted, message: `switchover ${state.masterId ?? '?'} -> ${plan.state.pending?.toId ?? '?'}: fencing the master` };
    return { state: plan.state, actions, notes: [...notes, started], intent: { accepted: true, reason: started.message } };
  }
  const plan = planFailover(state, brokers, policy, nowMs, { exclude: state.masterId === null ? [] : [state.masterId] });
  if (plan.kind === 'no-eligible') return reject(plan.reason);
  const r = fromPlan(state, plan, notes, NoteKinds.noEligible);
  return { ...r, intent: { accepted: true, reason: `${plan.state.masterId ?? '?'} becomes master at epoch ${plan.state.epoch}` } };
}

/** The ordinary step once a master is recorded and no switchover is pending. */
function reconcileMaster(input: ReconcileInput, state: GroupState, notes: ControllerNote[]): Step {
  const { brokers, nowMs, policy } = input;
  const masterId = state.masterId;
  assert(masterId !== null, 'reconcileMaster needs a recorded master');
  const master = findBroker(brokers, masterId);
  if (!master?.reachable) {
    if (!isMasterDown(state, brokers, nowMs, policy.masterDownAfterMs)) {
      const note = { kind: NoteKinds.masterUnreachable, message: `${masterId} unreachable, not yet for ${policy.masterDownAfterMs} ms` };
      return { state, actions: [], notes: [...notes, note] };
    }
    const down = { kind: NoteKinds.masterDown, message: `${masterId} (epoch ${state.epoch}) is down` };
    return fromPlan(state, planFailover(state, brokers, policy, nowMs, { exclude: [masterId] }), [...notes, down], NoteKinds.noEligible);
  }
  if (master.role !== 'master' && master.epoch >= state.epoch) {
    // It was master at this epoch and came back without the role (a restart): whatever it
    // wrote may be ahead of or behind its slaves, so elect again, preferring it on a tie.
    const lost = { kind: NoteKinds.masterLostRole, message: `${masterId} reports ${master.role} at epoch ${master.epoch}` };
    return fromPlan(state, planFailover(state, brokers, policy, nowMs, { preferredId: masterId }), [...notes, lost], NoteKinds.noEligible);
  }
  const adopted = adoptInSyncSet(state, master);
  if (adopted !== state) {
    notes.push({ kind: NoteKinds.inSyncChanged, message: `in-sync set ${adopted.inSyncReplicaIds.join(', ')} (syncStateSetEpoch ${adopted.syncStateSetEpoch})` });
  }
  const converged = convergeActions(adopted, brokers);
  return { state: adopted, actions: converged.actions, notes: [...notes, ...converged.notes] };
}
