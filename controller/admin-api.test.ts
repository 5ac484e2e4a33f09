import { observationFromStatus, roleRequestFor } from './admin-api';

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
