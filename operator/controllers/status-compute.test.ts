import type { BrokerObservation } from '../../controller';
import type { GroupStatus, RocketCluster } from '../api';
import { applyDefaults } from '../api';
import type { GroupSnapshot } from './failover-host';
import type { GroupView } from './group-view';
import { computeStatus } from './status-compute';
import { stateFromStatus } from './status-store';

const NOW = '2026-11-24T23:00:00.000Z';

function cluster(groups: GroupStatus[], extraStatus: Record<string, unknown> = {}): RocketCluster {
  return applyDefaults({
    apiVersion: 'rocketcluster.io/v1alpha1',
    kind: 'RocketCluster',
    metadata: { name: 'c', namespace: 'ns', generation: 4 },
    spec: { image: 'img:1', broker: { groups: 1, replicasPerGroup: 2 } },
    status: { groups, failovers: 2, ...extraStatus },
  }) as unknown as RocketCluster;
}

const group: GroupStatus = { name: 'broker-0', phase: 'Active', master: 'c-broker-0-0', epoch: 3, inSyncReplicas: ['c-broker-0-0', 'c-broker-0-1'], syncStateSetEpoch: 2, pendingSwitchover: null, masterSince: NOW, replicas: [] };

function view(pods: { name: string; ready: boolean; hash?: string }[], status: GroupStatus = group): GroupView {
  return {
    group: 'broker-0',
    index: 0,
    sts: {},
    templateHash: 'h1',
    pods: pods.map((p) => ({ name: p.name, exists: true, terminating: false, ready: p.ready, configHash: p.hash ?? 'h1' })),
    status,
    phase: status.phase,
    state: stateFromStatus(status),
  };
}

function obs(id: string, role: 'master' | 'slave', offset: number, epoch = 3): BrokerObservation {
  return { reachable: true, replicaId: id, address: 'a:1', haAddress: 'a:2', role, epoch, fenced: false, maxCommitLogOffset: offset, priority: 1 };
}

function snapshot(...replicas: BrokerObservation[]): Map<string, GroupSnapshot> {
  return new Map([['broker-0', { group: 'broker-0', atMs: 0, replicas: replicas.map((o) => ({ replicaId: o.replicaId, podReady: true, observation: o })) }]]);
}

const conditions = (s: ReturnType<typeof computeStatus>) => Object.fromEntries((s.conditions ?? []).map((c) => [c.type, `${c.status} ${c.reason}`]));
const both = [{ name: 'c-broker-0-0', ready: true }, { name: 'c-broker-0-1', ready: true }];

test('healthy: Ready, Available, not Progressing, not Degraded; replicas with offsets and lag', () => {
  const s = computeStatus({ cluster: cluster([group]), views: [view(both)], snapshots: snapshot(obs('c-broker-0-0', 'master', 500), obs('c-broker-0-1', 'slave', 420)), nameserversReady: 1, specProblems: [], appliedGeneration: 4, nowIso: NOW });
  expect(conditions(s)).toEqual({ Ready: 'True AllReplicasReady', Available: 'True MastersServing', Progressing: 'False Stable', Degraded: 'False AsExpected' });
  expect(s.observedGeneration).toBe(4);
  expect(s.failovers).toBe(2);
  expect(s.groups?.[0]?.replicas).toEqual([
    { name: 'c-broker-0-0', role: 'master', ready: true, offset: 500, lag: 0 },
    { name: 'c-broker-0-1', role: 'slave', ready: true, offset: 420, lag: 80 },
  ]);
});

test('a recorded master that does not serve: not Available, Degraded MasterDown; an unreachable replica is unknown', () => {
  const s = computeStatus({ cluster: cluster([group]), views: [view([{ name: 'c-broker-0-0', ready: false }, { name: 'c-broker-0-1', ready: true }])], snapshots: snapshot({ reachable: false, replicaId: 'c-broker-0-0' }, obs('c-broker-0-1', 'slave', 420)), nameserversReady: 1, specProblems: [], appliedGeneration: 4, nowIso: NOW });
  expect(conditions(s)).toMatchObject({ Ready: 'False NoMaster', Available: 'False NoMaster', Degraded: 'True MasterDown' });
  expect(s.groups?.[0]?.replicas[0]).toEqual({ name: 'c-broker-0-0', role: 'unknown', ready: false });
});

test('outdated pods: Progressing RollingUpdate; transition times kept while a condition holds', () => {
  const first = computeStatus({ cluster: cluster([group]), views: [view([{ name: 'c-broker-0-0', ready: true, hash: 'h0' }, { name: 'c-broker-0-1', ready: true }])], snapshots: snapshot(obs('c-broker-0-0', 'master', 1), obs('c-broker-0-1', 'slave', 1)), nameserversReady: 1, specProblems: [], appliedGeneration: 4, nowIso: NOW });
  expect(conditions(first).Progressing).toBe('True RollingUpdate');
  const later = computeStatus({ cluster: cluster([group], { conditions: first.conditions }), views: [view(both)], snapshots: snapshot(obs('c-broker-0-0', 'master', 1), obs('c-broker-0-1', 'slave', 1)), nameserversReady: 1, specProblems: [], appliedGeneration: 4, nowIso: '2026-11-24T23:05:00.000Z' });
  const time = (s: typeof later, type: string) => s.conditions?.find((c) => c.type === type)?.lastTransitionTime;
  expect(time(later, 'Ready')).toBe(NOW);
  expect(time(later, 'Progressing')).toBe('2026-11-24T23:05:00.000Z');
});

test('a pod that stays not ready during a rollout makes the cluster Degraded after a while', () => {
  const notReadyFor = (ms: number) => {
    const v = view(both.map((p) => ({ ...p, hash: 'h0' })));
    const pods = v.pods.map((p, i) => (i === 1 ? { ...p, ready: false, configHash: 'h1', notReadySinceMs: Date.parse(NOW) - ms } : p));
    return computeStatus({ cluster: cluster([group]), views: [{ ...v, pods }], snapshots: snapshot(obs('c-broker-0-0', 'master', 1)), nameserversReady: 1, specProblems: [], appliedGeneration: 4, nowIso: NOW });
  };
  expect(conditions(notReadyFor(10_000))).toMatchObject({ Progressing: 'True RollingUpdate', Degraded: 'False AsExpected' });
  expect(conditions(notReadyFor(10 * 60_000))).toMatchObject({ Progressing: 'True RollingUpdate', Degraded: 'True ReplicasNotReady' });
});
