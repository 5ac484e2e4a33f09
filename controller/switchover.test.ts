import { reconcileGroup } from './reconcile';
import type { ReconcileInput } from './reconcile';
import { planSwitchover } from './switchover';
import { G, brief, down, master, policy, slave, state } from './test-kit';
import type { BrokerObservation, ControllerAction, GroupState } from './types';

const NOW = 50_000;
const s = state({ masterId: 'b-0', epoch: 2, inSyncReplicaIds: ['b-0', 'b-1', 'b-2'], syncStateSetEpoch: 4 });
const serving = master('b-0', 2, { maxCommitLogOffset: 100, inSyncReplicaIds: ['b-1', 'b-2'], syncStateSetEpoch: 4 });
const b1 = slave('b-1', 'b-0', 2, { maxCommitLogOffset: 100 });
const b2 = slave('b-2', 'b-0', 2, { maxCommitLogOffset: 90 });

function run(st: GroupState, brokers: readonly BrokerObservation[], extra: Partial<ReconcileInput> = {}) {
  return reconcileGroup({ group: G, state: st, brokers, nowMs: NOW, policy, ...extra });
}

function stepsOf(plan: ReturnType<typeof planSwitchover>): string[] {
  if (plan.kind !== 'planned') return [plan.reason];
  return plan.steps.map((st) => {
    if (st.step === 'record') return `record ${st.state.masterId}@${st.state.epoch}${st.state.pending ? ' pending' : ''}`;
    if (st.step === 'wait-for-catch-up') return `wait ${st.replicaId} catches up with ${st.masterId}`;
    return brief([st.action as ControllerAction & { masterReplicaId?: string }])[0]!;
  });
}

describe('planSwitchover', () => {
  it('lays out the zero-loss order: fence, wait for catch-up, record a new epoch, demote, promote, re-point', () => {
    expect(stepsOf(planSwitchover(s, [serving, b1, b2], NOW, 'b-1'))).toEqual([
      'record b-0@2 pending',
      'fence b-0@2',
      'wait b-1 catches up with b-0',
      'record b-1@3',
      'demote b-0@3->b-1',
      'promote b-1@3',
      'repoint b-2@3->b-1',
    ]);
  });

  it('picks the most advanced in-sync slave when no target is named', () => {
    const plan = planSwitchover(s, [serving, b1, b2], NOW);
    expect(plan.kind === 'planned' && plan.state.pending).toEqual({ kind: 'switchover', fromId: 'b-0', toId: 'b-1', epoch: 2, startedAtMs: NOW });
  });

  it('refuses a target outside the in-sync set, the master itself, a master not serving, or a second switchover', () => {
    const narrow = { ...s, inSyncReplicaIds: ['b-0', 'b-1'] };
    expect(planSwitchover(narrow, [serving, b1, b2], NOW, 'b-2')).toMatchObject({ kind: 'rejected', reason: expect.stringMatching(/b-2 is not a reachable member/) });
    expect(planSwitchover(s, [serving, b1], NOW, 'b-0')).toMatchObject({ kind: 'rejected', reason: expect.stringMatching(/already the master/) });
    expect(planSwitchover(s, [down('b-0'), b1], NOW, 'b-1').kind).toBe('rejected');
    expect(planSwitchover(s, [master('b-0', 1), b1], NOW, 'b-1').kind).toBe('rejected');
    const pending = { ...s, pending: { kind: 'switchover' as const, fromId: 'b-0', toId: 'b-2', epoch: 2, startedAtMs: 0 } };
    expect(planSwitchover(pending, [serving, b1], NOW, 'b-1')).toMatchObject({ kind: 'rejected', reason: expect.stringMatching(/already in progress/) });
  });
});

describe('switchover through reconcileGroup', () => {
  const pending: GroupState = { ...s, pending: { kind: 'switchover', fromId: 'b-0', toId: 'b-1', epoch: 2, startedAtMs: NOW - 1_000 } };
  const fenced = { ...serving, fenced: true };

  it('a request records the pending switchover and fences the master, nothing else', () => {
    const r = run(s, [serving, b1, b2], { intent: { kind: 'switchover', targetId: 'b-1' } });
    expect(r.intent?.accepted).toBe(true);
    expect(r.changed).toBe(true);
    expect(r.state.pending).toMatchObject({ fromId: 'b-0', toId: 'b-1' });
    expect(brief(r.actions)).toEqual(['fence b-0@2']);
  });

  it('re-sends the fence when the master is not fenced yet (a crash after recording)', () => {
    expect(brief(run(pending, [serving, b1, b2]).actions)).toEqual(['fence b-0@2']);
  });

  it('waits while the target is behind the fenced master', () => {
    const r = run(pending, [fenced, { ...b1, maxCommitLogOffset: 99 }, b2]);
    expect(r.changed).toBe(false);
    expect(r.actions).toEqual([]);
    expect(r.notes.map((n) => n.kind)).toEqual(['switchover-waiting']);
  });

  it('waits while the master does not count the target in sync, even at an equal offset', () => {
    const r = run(pending, [{ ...fenced, inSyncReplicaIds: ['b-2'] }, b1, b2]);
    expect(r.actions).toEqual([]);
  });

  it('completes once the target holds everything: new epoch recorded, old master demoted under it', () => {
    const r = run(pending, [fenced, b1, b2]);
    expect(r.changed).toBe(true);
    expect(r.state).toMatchObject({ masterId: 'b-1', epoch: 3, pending: null, inSyncReplicaIds: ['b-1'], syncStateSetEpoch: 5 });
    expect(brief(r.actions)).toEqual(['demote b-0@3->b-1', 'promote b-1@3', 'repoint b-2@3->b-1']);
    expect(r.notes[0]!.kind).toBe('switchover-completed');
  });

  it('aborts on timeout: clears the pending switchover and unfences the master', () => {
    const r = run(pending, [fenced, { ...b1, maxCommitLogOffset: 10 }, b2], { nowMs: NOW - 1_000 + policy.switchoverTimeoutMs });
    expect(r.state.pending).toBeNull();
    expect(r.state.masterId).toBe('b-0');
    expect(r.notes[0]!.kind).toBe('switchover-aborted');
    expect(brief(r.actions)).toEqual(['promote b-0@2']);
  });

  it('aborts when the target becomes unreachable or leaves the in-sync set', () => {
    expect(run(pending, [fenced, down('b-1'), b2]).state.pending).toBeNull();
    expect(run({ ...pending, inSyncReplicaIds: ['b-0', 'b-2'] }, [fenced, b1, b2]).state.pending).toBeNull();
  });

  it('gives way to failover when the master dies during the switchover', () => {
    const waiting = run(pending, [down('b-0', NOW - 10), b1, b2]);
    expect(waiting.state.pending).toBeNull();
    expect(waiting.actions).toEqual([]);
    const failed = run(pending, [down('b-0', NOW - 5_000), b1, b2]);
    expect(failed.state).toMatchObject({ masterId: 'b-1', epoch: 3, pending: null });
  });

  it('refuses another request while one is pending', () => {
    const r = run(pending, [fenced, { ...b1, maxCommitLogOffset: 1 }], { intent: { kind: 'switchover', targetId: 'b-2' } });
    expect(r.intent).toEqual({ accepted: false, reason: 'a switchover to b-1 is in progress' });
  });
});
