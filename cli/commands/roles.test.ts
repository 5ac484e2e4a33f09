import type { BrokerObservation, GroupState } from '../../controller';
import type { ControlEvent, GroupView } from '../controller-host';
import { CliError } from '../errors';
import { eligibilityProblem, judgeRoleChange, resolveTarget, roleLines, roleRows } from './roles';

const replicas = [
  { replicaId: 'broker-a-0', address: '127.0.0.1:10911', haAddress: '127.0.0.1:10912', httpUrl: 'http://127.0.0.1:10913' },
  { replicaId: 'broker-a-1', address: '127.0.0.1:10921', haAddress: '127.0.0.1:10922', httpUrl: 'http://127.0.0.1:10923' },
];

const state = (masterId: string, epoch: number, pending: GroupState['pending'] = null): GroupState => ({
  group: 'broker-a',
  masterId,
  epoch,
  inSyncReplicaIds: ['broker-a-0', 'broker-a-1'],
  syncStateSetEpoch: 3,
  pending,
  decidedAtMs: 1,
});

function seen(replicaId: string, role: 'master' | 'slave' | 'none', epoch: number, maxCommitLogOffset: number, fenced = false): BrokerObservation {
  const r = replicas.find((x) => x.replicaId === replicaId)!;
  return { reachable: true, replicaId, address: r.address, haAddress: r.haAddress, role, epoch, fenced, maxCommitLogOffset, priority: 0, ...(role === 'master' ? { inSyncReplicaIds: [replicaId] } : {}) };
}

const view = (s: GroupState | null, observed: BrokerObservation[]): GroupView => ({ group: 'broker-a', replicas, state: s, observed, observedAtMs: 1, events: [], lastSeq: 0 });
const before = { masterId: 'broker-a-0', epoch: 2 };

describe('judging a requested role change', () => {
  test('a pending switchover is waiting for the target to catch up', () => {
    const pending = { kind: 'switchover' as const, fromId: 'broker-a-0', toId: 'broker-a-1', epoch: 2, startedAtMs: 1 };
    const p = judgeRoleChange('switchover', before, undefined, view(state('broker-a-0', 2, pending), [seen('broker-a-0', 'master', 2, 100, true), seen('broker-a-1', 'slave', 2, 90)]), []);
    expect(p).toEqual({ kind: 'waiting', detail: 'broker-a-0 fenced; waiting for broker-a-1 to hold everything it has' });
  });

  test('a switchover whose pending record is gone at the same epoch was aborted, with the controller note as the reason', () => {
    const events: ControlEvent[] = [{ seq: 4, atMs: 1, kind: 'switchover-aborted', message: 'switchover broker-a-0 -> broker-a-1 aborted: broker-a-1 is unreachable' }];
    const p = judgeRoleChange('switchover', before, undefined, view(state('broker-a-0', 2), [seen('broker-a-0', 'master', 2, 100)]), events);
    expect(p).toEqual({ kind: 'failed', reason: events[0]!.message });
  });

  test('the new master recorded but not yet writable is waiting; once it serves it is done, settled when the old one follows', () => {
    const recorded = state('broker-a-1', 3);
    expect(judgeRoleChange('failover', before, undefined, view(recorded, [seen('broker-a-0', 'master', 2, 100), seen('broker-a-1', 'slave', 2, 100)]), []).kind).toBe('waiting');
    expect(judgeRoleChange('failover', before, undefined, view(recorded, [seen('broker-a-0', 'master', 2, 100), seen('broker-a-1', 'master', 3, 100, true)]), []).kind).toBe('waiting');
    expect(judgeRoleChange('failover', before, undefined, view(recorded, [seen('broker-a-0', 'master', 2, 100), seen('broker-a-1', 'master', 3, 100)]), [])).toEqual({
      kind: 'done',
      master: { masterId: 'broker-a-1', epoch: 3 },
      settled: false,
    });
    expect(judgeRoleChange('failover', before, undefined, view(recorded, [seen('broker-a-0', 'slave', 3, 100), seen('broker-a-1', 'master', 3, 100)]), [])).toMatchObject({ kind: 'done', settled: true });
    // An unreachable old master (the sick one of a failover) does not hold the result back.
    const gone: BrokerObservation = { reachable: false, replicaId: 'broker-a-0' };
    expect(judgeRoleChange('failover', before, undefined, view(recorded, [gone, seen('broker-a-1', 'master', 3, 100)]), [])).toMatchObject({ kind: 'done', settled: true });
  });

  test('a new epoch with the same master, or another master than the one asked for, is a failure', () => {
    expect(judgeRoleChange('failover', before, undefined, view(state('broker-a-0', 3), []), [])).toEqual({ kind: 'failed', reason: 'the controller kept broker-a-0 as master, now at epoch 3' });
    expect(judgeRoleChange('switchover', before, 'broker-a-2', view(state('broker-a-1', 3), []), [])).toEqual({ kind: 'failed', reason: 'broker-a-1 became master at epoch 3, not broker-a-2' });
    expect(judgeRoleChange('switchover', before, undefined, view(null, []), []).kind).toBe('failed');
  });
});

describe('switchover target', () => {
  test('named by process name or by address', () => {
    expect(resolveTarget('broker-a-1', view(null, []))).toBe('broker-a-1');
    expect(resolveTarget('127.0.0.1:10921', view(null, []))).toBe('broker-a-1');
  });

  test('an unknown one is an error listing the group brokers', () => {
    expect(() => resolveTarget('broker-b-0', view(null, []))).toThrow(CliError);
    expect(() => resolveTarget('broker-b-0', view(null, []))).toThrow('broker-b-0 is not a broker of broker-a (its brokers: broker-a-0 127.0.0.1:10911, broker-a-1 127.0.0.1:10921)');
  });
});

describe('roles table', () => {
  test('each replica with role, epoch, offsets, lag behind the recorded master and in-sync membership', () => {
    const v = view({ ...state('broker-a-1', 3), inSyncReplicaIds: ['broker-a-1'] }, [seen('broker-a-0', 'slave', 3, 1000), { ...seen('broker-a-1', 'master', 3, 1500), confirmedOffset: 1400 } as BrokerObservation]);
    expect(roleLines(v)).toEqual([
      'BROKER      ROLE    EPOCH  ADDRESS          MAX OFFSET  CONFIRMED  LAG  IN SYNC',
      'broker-a-0  slave       3  127.0.0.1:10911        1000          -  500  no',
      'broker-a-1  master      3  127.0.0.1:10921        1500       1400    0  yes',
    ]);
  });

  test('a fenced master and an unreachable replica say so; nothing observed yet leaves the figures empty', () => {
    const v = view(state('broker-a-0', 2), [seen('broker-a-0', 'master', 2, 10, true), { reachable: false, replicaId: 'broker-a-1' }]);
    expect(roleRows(v).map((r) => r.role)).toEqual(['master (fenced)', 'unreachable']);
    expect(roleRows(view(state('broker-a-0', 2), [])).map((r) => [r.role, r.epoch, r.lagBytes])).toEqual([
      ['unknown', undefined, undefined],
      ['unknown', undefined, undefined],
    ]);
  });
});

describe('eligible targets', () => {
  const gone: BrokerObservation = { reachable: false, replicaId: 'broker-a-1' };

  test('a reachable in-sync slave is eligible; an unreachable or out-of-sync one is not, and the message says which', () => {
    const ok = view(state('broker-a-0', 2), [seen('broker-a-0', 'master', 2, 100), seen('broker-a-1', 'slave', 2, 100)]);
    expect(eligibilityProblem(ok, undefined)).toBeUndefined();
    expect(eligibilityProblem(ok, 'broker-a-1')).toBeUndefined();
    expect(eligibilityProblem(view(state('broker-a-0', 2), [seen('broker-a-0', 'master', 2, 100), gone]), undefined)).toBe('no eligible target: broker-a-1 is unreachable');
    const behind = view({ ...state('broker-a-0', 2), inSyncReplicaIds: ['broker-a-0'] }, [seen('broker-a-0', 'master', 2, 100), seen('broker-a-1', 'slave', 2, 10)]);
    expect(eligibilityProblem(behind, 'broker-a-1')).toBe('broker-a-1 cannot take over: broker-a-1 is not in sync (in-sync set: broker-a-0)');
  });

  test('nothing observed yet, or no record: left to the controller', () => {
    expect(eligibilityProblem(view(state('broker-a-0', 2), []), undefined)).toBeUndefined();
    expect(eligibilityProblem(view(null, []), undefined)).toBeUndefined();
  });
});
