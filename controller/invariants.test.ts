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
