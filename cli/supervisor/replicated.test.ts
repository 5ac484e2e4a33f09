import { buildProcessSpecs, controlledReplicas } from './specs';
import type { ClusterLayout } from './specs';
import { parseUpFlags } from './up-config';

const layout: ClusterLayout = { dataDir: '/d', basePort: 9876, host: '127.0.0.1', clusterName: 'C', brokerGroups: 1, replicasPerGroup: 2, restart: 'on-failure' };

test('brokers of a replicated group take their role from the controller, with the replication mode asked for', () => {
  const specs = buildProcessSpecs({ ...layout, replicationMode: 'sync' });
  for (const s of specs.filter((x) => x.broker !== undefined)) {
    expect(s.args.join(' ')).toContain('--role-source controller --replication-mode sync');
  }
  const single = buildProcessSpecs({ ...layout, replicasPerGroup: 1 });
  expect(single.some((s) => s.args.includes('--role-source'))).toBe(false);
  expect(controlledReplicas(single, { ...layout, replicasPerGroup: 1 })).toEqual([]);
});

test('the controller sees every broker of a replicated group, with unique slave ids', () => {
  const specs = buildProcessSpecs({ ...layout, brokerGroups: 2, replicasPerGroup: 3 });
  const replicas = controlledReplicas(specs, { ...layout, replicasPerGroup: 3 });
  expect(replicas.filter((r) => r.group === 'broker-a')).toEqual([
    { replicaId: 'broker-a-0', group: 'broker-a', httpUrl: 'http://127.0.0.1:10913', address: '127.0.0.1:10911', haAddress: '127.0.0.1:10912', slaveBrokerId: 3 },
    { replicaId: 'broker-a-1', group: 'broker-a', httpUrl: 'http://127.0.0.1:10933', address: '127.0.0.1:10931', haAddress: '127.0.0.1:10932', slaveBrokerId: 1 },
    { replicaId: 'broker-a-2', group: 'broker-a', httpUrl: 'http://127.0.0.1:10953', address: '127.0.0.1:10951', haAddress: '127.0.0.1:10952', slaveBrokerId: 2 },
  ]);
  expect(replicas).toHaveLength(6);
});

test('--replication takes async or sync', () => {
  const sync = parseUpFlags({ replicas: '2', replication: 'sync' }, '/w');
  expect(sync.ok && sync.value.layout.replicationMode).toBe('sync');
  const none = parseUpFlags({ replicas: '2' }, '/w');
  expect(none.ok && none.value.layout.replicationMode).toBeUndefined();
  expect(parseUpFlags({ replication: 'quorum' }, '/w')).toEqual({ ok: false, error: ['--replication must be one of async, sync, got "quorum"'] });
});
