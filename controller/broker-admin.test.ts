import type { ControllerAction } from './types';
import type { ReplicaEndpoint } from './broker-admin';
import { observationFromBrokerStatus, roleCommandFor } from './broker-admin';

const replicas: ReplicaEndpoint[] = [
  { replicaId: 'broker-a-0', group: 'broker-a', httpUrl: 'http://127.0.0.1:10913', address: '127.0.0.1:10911', haAddress: '127.0.0.1:10912', slaveBrokerId: 2 },
  { replicaId: 'broker-a-1', group: 'broker-a', httpUrl: 'http://127.0.0.1:10923', address: '127.0.0.1:10921', haAddress: '127.0.0.1:10922', slaveBrokerId: 1 },
];

const base = { brokerName: 'broker-a', clusterName: 'C', maxCommitLogOffset: 500, minCommitLogOffset: 0, confirmedOffset: 400, epochEntries: [], link: null, fencedReason: null };

test('a master status: writable becomes fenced, the in-sync set of addresses becomes replicaIds', () => {
  const status = {
    ...base,
    brokerId: 0,
    address: '127.0.0.1:10911',
    haAddress: '127.0.0.1:10912',
    role: 'master',
    epoch: 3,
    writable: false,
    masterAddress: null,
    slaves: [{ brokerId: 1, address: '127.0.0.1:10921', haRemoteAddress: '127.0.0.1:5555', ackOffset: 480, lagBytes: 20, inSync: true, lastAckAgoMs: 10 }],
    inSyncSet: ['127.0.0.1:10911', '127.0.0.1:10921', '10.0.0.9:1'],
  };
  const o = observationFromBrokerStatus(status, 'broker-a-0', replicas);
  expect(o).toEqual({
    ok: true,
    value: expect.objectContaining({
      reachable: true,
      replicaId: 'broker-a-0',
      role: 'master',
      epoch: 3,
      fenced: true,
      maxCommitLogOffset: 500,
      confirmedOffset: 400,
      masterAddress: null,
      inSyncReplicaIds: ['broker-a-0', 'broker-a-1'],
    }),
  });
  expect(o.ok && o.value.syncStateSetEpoch).toBeUndefined();
  const confirmed = observationFromBrokerStatus({ ...status, syncStateSetEpoch: 7 }, 'broker-a-0', replicas);
  expect(confirmed.ok && confirmed.value.syncStateSetEpoch).toBe(7);
  const writable = observationFromBrokerStatus({ ...status, writable: true }, 'broker-a-0', replicas);
  expect(writable.ok && writable.value.fenced).toBe(false);
});

test('a slave status: the master HA address becomes its remoting address; role none passes through', () => {
  const slave = { ...base, brokerId: 1, address: '127.0.0.1:10921', haAddress: '127.0.0.1:10922', role: 'slave', epoch: 3, writable: false, masterAddress: '127.0.0.1:10912', slaves: [], inSyncSet: [] };
  const o = observationFromBrokerStatus(slave, 'broker-a-1', replicas);
  expect(o.ok && o.value).toMatchObject({ role: 'slave', fenced: false, masterAddress: '127.0.0.1:10911' });
  expect(o.ok && o.value.inSyncReplicaIds).toBeUndefined();
  const none = observationFromBrokerStatus({ ...slave, role: 'none', epoch: 0, masterAddress: null }, 'broker-a-1', replicas);
  expect(none.ok && none.value).toMatchObject({ role: 'none', epoch: 0, masterAddress: null });
});

test('a bad status names what is wrong', () => {
  expect(observationFromBrokerStatus('x', 'broker-a-0', replicas)).toEqual({ ok: false, error: 'status body is not an object' });
  const r = observationFromBrokerStatus({ role: 'master', epoch: -1, address: '', haAddress: 'h:1', maxCommitLogOffset: 0 }, 'broker-a-0', replicas);
  expect(r.ok).toBe(false);
  expect(!r.ok && r.error).toContain('writable');
  const r2 = observationFromBrokerStatus({ role: 'leader', epoch: -1, address: '', haAddress: 'h:1', maxCommitLogOffset: 0 }, 'broker-a-0', replicas);
  expect(!r2.ok && r2.error).toMatch(/address.*role.*epoch/);
});

test('actions become the broker role commands', () => {
  const common = { group: 'broker-a', epoch: 4, reason: 'test' };
  const promote: ControllerAction = { ...common, kind: 'promote', replicaId: 'broker-a-1', inSyncReplicaIds: ['broker-a-1'], syncStateSetEpoch: 3 };
  const master = { role: 'master', epoch: 4, writable: true, inSyncSet: ['127.0.0.1:10921'], syncStateSetEpoch: 3 };
  expect(roleCommandFor(promote, replicas)).toEqual({ ok: true, value: master });
  const confirm: ControllerAction = { ...promote, kind: 'confirm-sync-set', inSyncReplicaIds: ['broker-a-0', 'broker-a-1', 'gone'], syncStateSetEpoch: 5 };
  // The set goes as remoting addresses; a replica the host does not know is left out.
  expect(roleCommandFor(confirm, replicas)).toEqual({ ok: true, value: { ...master, inSyncSet: ['127.0.0.1:10911', '127.0.0.1:10921'], syncStateSetEpoch: 5 } });
  expect(roleCommandFor({ ...common, kind: 'fence', replicaId: 'broker-a-0' }, replicas)).toEqual({ ok: true, value: { role: 'master', epoch: 4, writable: false } });
  const follow = { ...common, masterReplicaId: 'broker-a-1', masterAddress: '127.0.0.1:10921', masterHaAddress: '127.0.0.1:10922' };
  for (const kind of ['demote', 'repoint'] as const) {
    expect(roleCommandFor({ ...follow, kind, replicaId: 'broker-a-0' }, replicas)).toEqual({ ok: true, value: { role: 'slave', epoch: 4, masterAddress: '127.0.0.1:10922', brokerId: 2 } });
  }
  expect(roleCommandFor({ ...follow, kind: 'repoint', replicaId: 'nobody' }, replicas)).toEqual({ ok: false, error: 'unknown replica nobody' });
});
