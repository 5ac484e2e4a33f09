import { compareReplicaIds, electFirstMaster, electMaster, isMasterDown, nextEpoch, rankCandidates } from './election';
import { down, master, policy, slave, state, up } from './test-kit';

describe('compareReplicaIds', () => {
  it('orders numeric parts by value so b-2 comes before b-10', () => {
    expect(['b-10', 'b-2', 'a-1', 'b-1'].sort(compareReplicaIds)).toEqual(['a-1', 'b-1', 'b-2', 'b-10']);
  });
});

describe('isMasterDown', () => {
  const s = state({ masterId: 'b-0' });
  const now = 10_000;

  it('is false while the master is reachable', () => {
    expect(isMasterDown(s, [master('b-0', 1)], now, 2_000)).toBe(false);
  });

  it('is false one millisecond before masterDownAfterMs and true at it', () => {
    expect(isMasterDown(s, [down('b-0', now - 1_999)], now, 2_000)).toBe(false);
    expect(isMasterDown(s, [down('b-0', now - 2_000)], now, 2_000)).toBe(true);
    expect(isMasterDown(s, [down('b-0', now - 5_000)], now, 2_000)).toBe(true);
  });

  it('counts a master missing from the observations, or never seen, as down', () => {
    expect(isMasterDown(s, [slave('b-1', 'b-0', 1)], now, 2_000)).toBe(true);
    expect(isMasterDown(s, [down('b-0')], now, 2_000)).toBe(true);
  });

  it('is false when no master was ever recorded', () => {
    expect(isMasterDown(state({ masterId: null, epoch: 0 }), [down('b-0', 0)], now, 2_000)).toBe(false);
  });
});

describe('electMaster', () => {
  const s = state({ masterId: 'b-0', epoch: 3, inSyncReplicaIds: ['b-0', 'b-1', 'b-2'] });

  it('chooses only from the in-sync set: an out-of-sync slave with a higher offset is not chosen', () => {
    const e = electMaster(
      state({ masterId: 'b-0', epoch: 3, inSyncReplicaIds: ['b-0', 'b-1'] }),
      [down('b-0'), slave('b-1', 'b-0', 3, { maxCommitLogOffset: 100 }), slave('b-2', 'b-0', 3, { maxCommitLogOffset: 900 })],
      policy,
    );
    expect(e).toEqual({ kind: 'elected', replicaId: 'b-1', newEpoch: 4, unclean: false });
  });

  it('ranks by epoch first: a replica of a newer epoch beats a larger offset of an older one', () => {
    const e = electMaster(s, [slave('b-1', 'b-0', 3, { maxCommitLogOffset: 10 }), slave('b-2', 'b-0', 2, { maxCommitLogOffset: 99 })], policy);
    expect(e.kind === 'elected' && e.replicaId).toBe('b-1');
  });

  it('then by offset, then by priority (lower wins), then by id', () => {
    const byOffset = electMaster(s, [slave('b-1', 'b-0', 3, { maxCommitLogOffset: 10 }), slave('b-2', 'b-0', 3, { maxCommitLogOffset: 11 })], policy);
    expect(byOffset.kind === 'elected' && byOffset.replicaId).toBe('b-2');
    const byPriority = electMaster(s, [slave('b-1', 'b-0', 3, { priority: 5 }), slave('b-2', 'b-0', 3, { priority: 1 })], policy);
    expect(byPriority.kind === 'elected' && byPriority.replicaId).toBe('b-2');
    const byId = electMaster(s, [slave('b-2', 'b-0', 3), slave('b-1', 'b-0', 3)], policy);
    expect(byId.kind === 'elected' && byId.replicaId).toBe('b-1');
  });

  it('lets the preferred replica win ties on epoch and offset, but not a smaller offset', () => {
    const tie = electMaster(s, [up('b-0', { epoch: 3, priority: 9 }), slave('b-1', 'b-0', 3)], policy, { preferredId: 'b-0' });
    expect(tie.kind === 'elected' && tie.replicaId).toBe('b-0');
    const behind = electMaster(s, [up('b-0', { epoch: 3, maxCommitLogOffset: 1 }), slave('b-1', 'b-0', 3, { maxCommitLogOffset: 2 })], policy, { preferredId: 'b-0' });
    expect(behind.kind === 'elected' && behind.replicaId).toBe('b-1');
  });

  it('skips unreachable and excluded replicas', () => {
    const e = electMaster(s, [master('b-0', 3, { maxCommitLogOffset: 50 }), down('b-1'), slave('b-2', 'b-0', 3)], policy, { exclude: ['b-0'] });
    expect(e.kind === 'elected' && e.replicaId).toBe('b-2');
  });

  it('reports no eligible replica with a reason instead of electing an out-of-sync one', () => {
    const e = electMaster(state({ inSyncReplicaIds: ['b-0', 'b-1'] }), [down('b-0'), down('b-1'), slave('b-2', 'b-0', 1)], policy);
    expect(e.kind).toBe('no-eligible');
    expect(e.kind === 'no-eligible' && e.reason).toMatch(/in-sync set \(b-0, b-1\).*reachable but not in sync: b-2/);
  });

  it('elects outside the in-sync set only when unclean election is allowed, and flags it', () => {
    const e = electMaster(state({ inSyncReplicaIds: ['b-0'] }), [down('b-0'), slave('b-1', 'b-0', 1, { maxCommitLogOffset: 3 }), slave('b-2', 'b-0', 1, { maxCommitLogOffset: 7 })], {
      allowUncleanElection: true,
    });
    expect(e).toEqual({ kind: 'elected', replicaId: 'b-2', newEpoch: 2, unclean: true });
  });

  it('gives a new epoch above the recorded one and above any epoch a broker reports', () => {
    expect(nextEpoch(state({ epoch: 3 }), [slave('b-1', 'b-0', 3)])).toBe(4);
    expect(nextEpoch(state({ epoch: 3 }), [master('b-9', 7), down('b-8', 0)])).toBe(8);
  });
});

describe('electFirstMaster', () => {
  const fresh = state({ masterId: null, epoch: 0 });

  it('picks the lowest id on a fresh group', () => {
    expect(electFirstMaster(fresh, [up('b-1'), up('b-0'), up('b-2')], 1)).toEqual({ kind: 'elected', replicaId: 'b-0', newEpoch: 1, unclean: false });
  });

  it('picks the most advanced replica when data exists, with an epoch above all reported', () => {
    const e = electFirstMaster(fresh, [up('b-0', { epoch: 4, maxCommitLogOffset: 10 }), up('b-1', { epoch: 4, maxCommitLogOffset: 20 })], 1);
    expect(e).toEqual({ kind: 'elected', replicaId: 'b-1', newEpoch: 5, unclean: false });
  });

  it('prefers a broker already serving as master on a tie (a lost controller state)', () => {
    const e = electFirstMaster(fresh, [slave('b-0', 'b-1', 4), master('b-1', 4)], 1);
    expect(e.kind === 'elected' && e.replicaId).toBe('b-1');
  });

  it('waits until minReplicasToBootstrap replicas are reachable', () => {
    expect(electFirstMaster(fresh, [up('b-0'), down('b-1')], 2).kind).toBe('no-eligible');
    expect(electFirstMaster(fresh, [down('b-0')], 1).kind).toBe('no-eligible');
  });
});

describe('rankCandidates', () => {
  it('does not reorder its input', () => {
    const input = [up('b-1'), up('b-0')];
    rankCandidates(input);
    expect(input.map((b) => b.replicaId)).toEqual(['b-1', 'b-0']);
  });
});
