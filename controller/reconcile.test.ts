import { reconcileGroup } from './reconcile';
import type { ReconcileInput } from './reconcile';
import { G, brief, down, master, policy, slave, state, up } from './test-kit';
import type { BrokerObservation, GroupState } from './types';

const NOW = 100_000;

function run(s: GroupState | null, brokers: readonly BrokerObservation[], extra: Partial<ReconcileInput> = {}) {
  return reconcileGroup({ group: G, state: s, brokers, nowMs: NOW, policy, ...extra });
}

describe('reconcileGroup: first master', () => {
  it('bootstraps a fresh group: lowest id becomes master at epoch 1, the others follow it', () => {
    const r = run(null, [up('b-1'), up('b-0')]);
    expect(r.changed).toBe(true);
    expect(r.state).toMatchObject({ masterId: 'b-0', epoch: 1, inSyncReplicaIds: ['b-0'], syncStateSetEpoch: 1, decidedAtMs: NOW });
    expect(brief(r.actions)).toEqual(['promote b-0@1', 'repoint b-1@1->b-0']);
    expect(r.notes.map((n) => n.kind)).toContain('bootstrapped');
  });

  it('waits for enough replicas before the first election, saving nothing', () => {
    const r = run(null, [up('b-0'), down('b-1')], { policy: { ...policy, minReplicasToBootstrap: 2 } });
    expect(r.changed).toBe(false);
    expect(r.actions).toEqual([]);
    expect(r.notes.map((n) => n.kind)).toEqual(['waiting-for-replicas']);
  });

  it('a broker that starts accepts no writes until told: nothing is sent to an unreachable group', () => {
    expect(run(null, [down('b-0'), down('b-1')]).actions).toEqual([]);
  });
});

describe('reconcileGroup: steady state', () => {
  const s = state({ masterId: 'b-0', epoch: 2, inSyncReplicaIds: ['b-0', 'b-1'], syncStateSetEpoch: 4 });
  const healthy = [master('b-0', 2, { inSyncReplicaIds: ['b-1'], syncStateSetEpoch: 4 }), slave('b-1', 'b-0', 2)];

  it('does nothing when every broker matches the record', () => {
    const r = run(s, healthy);
    expect(r.changed).toBe(false);
    expect(r.actions).toEqual([]);
  });

  it('records a changed in-sync set reported by the master, then confirms it to the master', () => {
    const r = run(s, [master('b-0', 2, { inSyncReplicaIds: ['b-0'], syncStateSetEpoch: 4 }), slave('b-1', 'b-0', 2)]);
    expect(r.changed).toBe(true);
    expect(r.state).toMatchObject({ inSyncReplicaIds: ['b-0'], syncStateSetEpoch: 5 });
    expect(r.actions).toEqual([expect.objectContaining({ kind: 'confirm-sync-set', replicaId: 'b-0', inSyncReplicaIds: ['b-0'], syncStateSetEpoch: 5 })]);
  });

  it('re-sends the confirmation when the master still holds an older confirmed set', () => {
    const r = run(s, [master('b-0', 2, { inSyncReplicaIds: ['b-1'], syncStateSetEpoch: 3 }), slave('b-1', 'b-0', 2)]);
    expect(r.changed).toBe(false);
    expect(brief(r.actions)).toEqual(['confirm-sync-set b-0@2']);
  });

  it('ignores in-sync reports from a broker that is not the recorded master at the recorded epoch', () => {
    const r = run(s, [...healthy.slice(0, 1), slave('b-1', 'b-0', 2, { inSyncReplicaIds: ['b-7'] })]);
    expect(r.state.inSyncReplicaIds).toEqual(['b-0', 'b-1']);
  });

  it('ignores the in-sync report of the recorded master until it serves at the recorded epoch', () => {
    const r = run({ ...s, epoch: 3 }, [master('b-0', 2, { inSyncReplicaIds: ['b-2'], syncStateSetEpoch: 4 }), slave('b-1', 'b-0', 2)]);
    expect(r.state.inSyncReplicaIds).toEqual(['b-0', 'b-1']);
    expect(brief(r.actions)).toEqual(['promote b-0@3', 'repoint b-1@3->b-0']);
  });

  it('re-points a slave that follows the wrong address or an older epoch, and gives a role to a new broker', () => {
    const r = run(s, [healthy[0]!, slave('b-1', 'b-9', 2), slave('b-2', 'b-0', 1), up('b-3')]);
    expect(brief(r.actions)).toEqual(['repoint b-1@2->b-0', 'repoint b-2@2->b-0', 'repoint b-3@2->b-0']);
    expect(r.actions[0]).toMatchObject({ masterAddress: 'b-0:10911', masterHaAddress: 'b-0:10912' });
  });

  it('unfences a fenced master when no switchover is pending', () => {
    const r = run(s, [master('b-0', 2, { fenced: true, syncStateSetEpoch: 4, inSyncReplicaIds: ['b-1'] }), slave('b-1', 'b-0', 2)]);
    expect(brief(r.actions)).toEqual(['promote b-0@2']);
  });
});

describe('reconcileGroup: master down', () => {
  const s = state({ masterId: 'b-0', epoch: 2, inSyncReplicaIds: ['b-0', 'b-1', 'b-2'], syncStateSetEpoch: 4 });
  const slaves = [slave('b-1', 'b-0', 2, { maxCommitLogOffset: 50 }), slave('b-2', 'b-0', 2, { maxCommitLogOffset: 70 })];

  it('waits while the master has been unreachable for less than masterDownAfterMs', () => {
    const r = run(s, [down('b-0', NOW - 1_999), ...slaves]);
    expect(r.changed).toBe(false);
    expect(r.actions).toEqual([]);
    expect(r.notes.map((n) => n.kind)).toEqual(['master-unreachable']);
  });

  it('fails over to the most advanced in-sync slave once down: record, promote, re-point the rest', () => {
    const r = run(s, [down('b-0', NOW - 2_000), ...slaves]);
    expect(r.changed).toBe(true);
    expect(r.state).toMatchObject({ masterId: 'b-2', epoch: 3, inSyncReplicaIds: ['b-2'], syncStateSetEpoch: 5, pending: null });
    expect(brief(r.actions)).toEqual(['promote b-2@3', 'repoint b-1@3->b-2']);
    expect(r.notes.map((n) => n.kind)).toEqual(['master-down', 'elected']);
  });

  it('takes no action and says why when no in-sync replica is reachable', () => {
    const r = run(state({ epoch: 2, inSyncReplicaIds: ['b-0', 'b-1'] }), [down('b-0', 0), down('b-1', 0), slave('b-2', 'b-0', 2, { maxCommitLogOffset: 999 })]);
    expect(r.changed).toBe(false);
    expect(r.actions).toEqual([]);
    expect(r.notes.map((n) => n.kind)).toEqual(['master-down', 'no-eligible']);
    expect(r.notes[1]!.message).toMatch(/b-2/);
  });

  it('after a crash between record and promote, re-sends the promote without a new decision', () => {
    const decided = state({ masterId: 'b-2', epoch: 3, inSyncReplicaIds: ['b-2'], syncStateSetEpoch: 5 });
    const r = run(decided, [down('b-0', 0), ...slaves]);
    expect(r.changed).toBe(false);
    expect(brief(r.actions)).toEqual(['promote b-2@3', 'repoint b-1@3->b-2']);
  });

  it('after the promote landed, only re-points what is left', () => {
    const decided = state({ masterId: 'b-2', epoch: 3, inSyncReplicaIds: ['b-2'], syncStateSetEpoch: 5 });
    const r = run(decided, [down('b-0', 0), slave('b-1', 'b-0', 2), master('b-2', 3, { syncStateSetEpoch: 5, inSyncReplicaIds: [] })]);
    expect(brief(r.actions)).toEqual(['repoint b-1@3->b-2']);
  });
});

describe('reconcileGroup: two masters never share an epoch', () => {
  const s = state({ masterId: 'b-1', epoch: 3, inSyncReplicaIds: ['b-1'], syncStateSetEpoch: 5 });

  it('demotes an old master that comes back reporting master at its old epoch', () => {
    const r = run(s, [master('b-0', 2, { maxCommitLogOffset: 999 }), master('b-1', 3, { syncStateSetEpoch: 5 })]);
    expect(r.changed).toBe(false);
    expect(brief(r.actions)).toEqual(['demote b-0@3->b-1']);
  });

  it('demotes the stray master before promoting the recorded one, then re-points the rest', () => {
    const r = run(s, [master('b-0', 2), slave('b-1', 'b-0', 2), slave('b-2', 'b-0', 2)]);
    expect(brief(r.actions)).toEqual(['demote b-0@3->b-1', 'promote b-1@3', 'repoint b-2@3->b-1']);
  });

  it('flags a broker claiming the recorded epoch without being the recorded master, and demotes it', () => {
    const r = run(s, [master('b-0', 3), master('b-1', 3, { syncStateSetEpoch: 5 })]);
    expect(r.notes.map((n) => n.kind)).toContain('split-brain');
    expect(brief(r.actions)).toEqual(['demote b-0@3->b-1']);
  });

  it('elects again above every reported epoch when brokers are ahead of the record (a restored state)', () => {
    const r = run(state({ masterId: 'b-0', epoch: 3, inSyncReplicaIds: ['b-0', 'b-1'] }), [master('b-0', 3), master('b-1', 5)]);
    expect(r.notes[0]!.kind).toBe('state-behind');
    expect(r.state.epoch).toBe(6);
    expect(r.actions.every((a) => a.epoch === 6)).toBe(true);
  });
});

describe('reconcileGroup: the recorded master restarts', () => {
  const s = state({ masterId: 'b-0', epoch: 2, inSyncReplicaIds: ['b-0', 'b-1'], syncStateSetEpoch: 4 });

  it('elects again when it comes back without its role, keeping it on a tie', () => {
    const r = run(s, [up('b-0', { epoch: 2, maxCommitLogOffset: 40 }), slave('b-1', 'b-0', 2, { maxCommitLogOffset: 40 })]);
    expect(r.notes.map((n) => n.kind)).toEqual(['master-lost-role', 'elected']);
    expect(r.state).toMatchObject({ masterId: 'b-0', epoch: 3 });
    expect(brief(r.actions)).toEqual(['promote b-0@3', 'repoint b-1@3->b-0']);
  });

  it('moves to the slave when the slave holds more than the restarted master', () => {
    const r = run(s, [up('b-0', { epoch: 2, maxCommitLogOffset: 30 }), slave('b-1', 'b-0', 2, { maxCommitLogOffset: 40 })]);
    expect(r.state).toMatchObject({ masterId: 'b-1', epoch: 3 });
    expect(brief(r.actions)).toEqual(['promote b-1@3', 'repoint b-0@3->b-1']);
  });

  it('re-sends the promote when it restarted before it ever took the recorded epoch', () => {
    const decided = state({ masterId: 'b-1', epoch: 3, inSyncReplicaIds: ['b-1'] });
    const r = run(decided, [down('b-0', 0), up('b-1', { epoch: 2 })]);
    expect(r.changed).toBe(false);
    expect(brief(r.actions)).toEqual(['promote b-1@3']);
  });
});

describe('reconcileGroup: manual failover', () => {
  const s = state({ masterId: 'b-0', epoch: 2, inSyncReplicaIds: ['b-0', 'b-1'], syncStateSetEpoch: 4 });
  const healthy = [master('b-0', 2, { inSyncReplicaIds: ['b-1'], syncStateSetEpoch: 4 }), slave('b-1', 'b-0', 2), slave('b-2', 'b-0', 2)];

  it('moves mastership away from a live master: demote it first, promote, re-point', () => {
    const r = run(s, healthy, { intent: { kind: 'failover' } });
    expect(r.intent).toEqual({ accepted: true, reason: expect.stringMatching(/b-1 becomes master at epoch 3/) });
    expect(r.state).toMatchObject({ masterId: 'b-1', epoch: 3 });
    expect(brief(r.actions)).toEqual(['demote b-0@3->b-1', 'promote b-1@3', 'repoint b-2@3->b-1']);
  });

  it('is refused when no other in-sync replica is reachable, and the ordinary step still runs', () => {
    const alone = master('b-0', 2, { inSyncReplicaIds: [], syncStateSetEpoch: 4 });
    const r = run(state({ masterId: 'b-0', epoch: 2, syncStateSetEpoch: 4 }), [alone, up('b-1')], { intent: { kind: 'failover' } });
    expect(r.intent?.accepted).toBe(false);
    expect(r.state.masterId).toBe('b-0');
    expect(brief(r.actions)).toEqual(['repoint b-1@2->b-0']);
  });

  it('is refused on a group without a master yet', () => {
    const r = run(null, [up('b-0')], { intent: { kind: 'failover' } });
    expect(r.intent?.accepted).toBe(false);
    expect(r.state.masterId).toBe('b-0');
  });
});
