import { roleRequestFor, observationFromStatus } from './admin-api';
import { validateInvariants, validateState, validateTransition } from './invariants';
import { master, slave, state } from './test-kit';

describe('validateTransition', () => {
  const prev = state({ masterId: 'b-0', epoch: 3, syncStateSetEpoch: 5 });

  it('allows a new master with a higher epoch, and in-sync changes within an epoch', () => {
    expect(validateTransition(prev, state({ masterId: 'b-1', epoch: 4, syncStateSetEpoch: 6 }))).toEqual([]);
    expect(validateTransition(prev, { ...prev, inSyncReplicaIds: ['b-0', 'b-1'], syncStateSetEpoch: 6 })).toEqual([]);
    expect(validateTransition(null, state({ masterId: null, epoch: 0 }))).toEqual([]);
  });

  it('forbids going back in epoch, handing an epoch to another master, clearing the master', () => {
    expect(validateTransition(prev, { ...prev, epoch: 2 })).toEqual(['epoch went back from 3 to 2']);
    expect(validateTransition(prev, state({ masterId: 'b-1', epoch: 3, syncStateSetEpoch: 5 }))).toEqual(['epoch 3 changed hands from b-0 to b-1']);
    expect(validateTransition(prev, { ...prev, masterId: null, inSyncReplicaIds: [] })).toContain('master b-0 was cleared');
    expect(validateTransition(prev, { ...prev, syncStateSetEpoch: 4 })).toEqual(['syncStateSetEpoch went back from 5 to 4']);
  });
});

describe('validateState', () => {
  it('requires the master in its in-sync set and a pending switchover that matches it', () => {
    expect(validateState(state({ masterId: 'b-0', inSyncReplicaIds: ['b-1'] }))).toEqual(['master b-0 is missing from its in-sync set']);
    const p = { kind: 'switchover' as const, fromId: 'b-1', toId: 'b-2', epoch: 1, startedAtMs: 0 };
    expect(validateState(state({ pending: p }))[0]).toMatch(/does not match master b-0@1/);
    expect(validateState(state({ masterId: 'b-0', epoch: 0 }))).toEqual(['master b-0 recorded at epoch 0']);
  });
});

describe('validateInvariants', () => {
  it('reports two brokers claiming master at the same epoch (fenced ones included)', () => {
    expect(validateInvariants(state({ epoch: 2 }), [master('b-0', 2), master('b-1', 2, { fenced: true }), slave('b-2', 'b-0', 2)])).toEqual([
      'b-0 and b-1 both report master at epoch 2',
    ]);
  });

  it('reports brokers ahead of the recorded epoch and accepts masters of different epochs', () => {
    expect(validateInvariants(state({ epoch: 2 }), [master('b-0', 1), master('b-1', 2)])).toEqual([]);
    expect(validateInvariants(state({ epoch: 2 }), [slave('b-1', 'b-9', 4)])).toEqual(['b-1 reports epoch 4, above the recorded 2']);
  });
});

describe('broker admin API mapping', () => {
  const common = { group: 'g', replicaId: 'b-1', epoch: 7, reason: 'r' };

  it('maps each action to the POST /role body', () => {
    expect(roleRequestFor({ ...common, kind: 'promote', inSyncReplicaIds: ['b-1'], syncStateSetEpoch: 3 })).toEqual({
      role: 'master', epoch: 7, fenced: false, inSyncReplicaIds: ['b-1'], syncStateSetEpoch: 3,
    });
    expect(roleRequestFor({ ...common, kind: 'fence' })).toEqual({ role: 'master', epoch: 7, fenced: true });
    const follow = { ...common, masterReplicaId: 'b-0', masterAddress: 'h:10911', masterHaAddress: 'h:10912' };
    const body = { role: 'slave', epoch: 7, masterReplicaId: 'b-0', masterAddress: 'h:10911', masterHaAddress: 'h:10912' };
    expect(roleRequestFor({ ...follow, kind: 'demote' })).toEqual(body);
    expect(roleRequestFor({ ...follow, kind: 'repoint' })).toEqual(body);
  });

  it('turns a GET /status body into an observation, defaulting the election priority', () => {
    const r = observationFromStatus({
      brokerName: 'broker-a', brokerId: 0, replicaId: 'b-0', role: 'master', epoch: 3, fenced: false,
      address: '127.0.0.1:10911', haAddress: '127.0.0.1:10912', maxCommitLogOffset: 4096, confirmedCommitLogOffset: 4000,
      masterAddress: null, inSyncReplicaIds: ['b-1'], syncStateSetEpoch: 2, slaves: [],
    });
    expect(r).toEqual({
      ok: true,
      value: {
        reachable: true, replicaId: 'b-0', address: '127.0.0.1:10911', haAddress: '127.0.0.1:10912', role: 'master', epoch: 3, fenced: false,
        maxCommitLogOffset: 4096, confirmedOffset: 4000, masterAddress: null, inSyncReplicaIds: ['b-1'], syncStateSetEpoch: 2, priority: 2_147_483_647,
      },
    });
  });

  it('refuses a malformed status, naming every bad field', () => {
    const r = observationFromStatus({ replicaId: '', role: 'leader', epoch: -1, maxCommitLogOffset: 1.5, address: 'a', haAddress: 'h', inSyncReplicaIds: [1] });
    expect(r.ok).toBe(false);
    const msg = r.ok ? '' : r.error;
    for (const field of ['replicaId', 'role', 'epoch', 'maxCommitLogOffset', 'inSyncReplicaIds']) expect(msg).toContain(field);
    expect(observationFromStatus(null).ok).toBe(false);
  });
});
