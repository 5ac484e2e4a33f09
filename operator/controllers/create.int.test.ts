import type { JsonObject } from '../testing/fake-kube';
import { cleanupTempDirs } from '../../testing/temp';
import { Harness } from './harness.test-util';
import { brokerRole, conditionOf, groupOf, isReady, rocketCluster, statusOf } from './fixtures.test-util';

let h: Harness;
beforeAll(async () => {
  h = await Harness.start(['ns-a']);
});
afterAll(async () => {
  await h.close();
  cleanupTempDirs();
});

const key = { namespace: 'ns-a', name: 'c' };

test('create: children from the builders, a first master per group, status and conditions', async () => {
  h.fake.create(rocketCluster('ns-a', 'c'));
  const op = h.startOperator();
  await h.until(op, [key], () => isReady(h, 'ns-a', 'c'), 'cluster Ready');

  for (const [ref, name] of [
    ['secrets', 'c-admin-token'],
    ['configmaps', 'c-broker-config'],
    ['deployments', 'c-nameserver'],
    ['services', 'c-nameserver'],
    ['services', 'c-nameserver-headless'],
    ['services', 'c-broker-0'],
    ['poddisruptionbudgets', 'c-nameserver'],
    ['poddisruptionbudgets', 'c-broker-0'],
    ['statefulsets', 'c-broker-0'],
  ] as const) {
    const obj = h.fake.get(ref, 'ns-a', name);
    expect({ ref, name, owned: ((obj?.metadata as JsonObject | undefined)?.ownerReferences as JsonObject[] | undefined)?.[0]?.kind }).toEqual({ ref, name, owned: 'RocketCluster' });
  }
  expect(((h.fake.get('statefulsets', 'ns-a', 'c-broker-0')!.spec as JsonObject).updateStrategy as JsonObject).type).toBe('OnDelete');

  const status = statusOf(h, 'ns-a', 'c');
  expect(status.observedGeneration).toBe((h.cluster('ns-a', 'c').metadata as JsonObject).generation);
  expect(status.nameserverAddress).toBe('c-nameserver.ns-a.svc:9876');
  expect(status.brokerGroups).toBe(1);
  expect(status.selector).toBe('rocketcluster.io/cluster=c,app.kubernetes.io/component=broker');
  for (const type of ['Ready', 'Available']) expect(conditionOf(h, 'ns-a', 'c', type)?.status).toBe('True');
  expect(conditionOf(h, 'ns-a', 'c', 'Degraded')?.status).toBe('False');
  expect(conditionOf(h, 'ns-a', 'c', 'Progressing')?.status).toBe('False');

  const g = groupOf(h, 'ns-a', 'c', 'broker-0')!;
  expect(g.phase).toBe('Active');
  expect(g.epoch).toBe(1);
  expect(['c-broker-0-0', 'c-broker-0-1']).toContain(g.master);
  const slave = g.master === 'c-broker-0-0' ? 'c-broker-0-1' : 'c-broker-0-0';
  expect(brokerRole(h, 'ns-a', g.master!)).toEqual({ role: 'master', epoch: 1, writable: true });
  expect(brokerRole(h, 'ns-a', slave)).toMatchObject({ role: 'slave', epoch: 1 });
  expect(status.failovers).toBe(0);
  expect(h.events.filter((e) => e.reason === 'MasterElected')).toHaveLength(1);

  // Replica details and role labels follow within a pass or two (observations refresh per pass).
  await h.until(op, [key], () => {
    const r = groupOf(h, 'ns-a', 'c', 'broker-0')!.replicas;
    return r.length === 2 && r.every((x) => x.ready && x.offset !== undefined && x.lag !== undefined) && r.some((x) => x.role === 'master') && r.some((x) => x.role === 'slave');
  }, 'replica status');
  const labels = (pod: string) => ((h.fake.get('pods', 'ns-a', pod)!.metadata as JsonObject).labels as Record<string, string>)['rocketcluster.io/role'];
  expect(labels(g.master!)).toBe('master');
  expect(labels(slave)).toBe('slave');
  expect(h.metrics.ready.get('ns-a/c')).toBe(true);

  // Settled: passes over an unchanged cluster write nothing (each write would trigger another reconcile).
  h.fake.clearOperations();
  for (let i = 0; i < 3; i++) await h.pass(op, [key]);
  expect(h.fake.operations((r) => r.method !== 'GET').map((r) => `${r.method} ${r.path}`)).toEqual([]);
  await op.stop();
});

test('a ServiceMonitor the cluster cannot take (no prometheus-operator CRDs) is reported, not blocking; an invalid spec change is refused and reported', async () => {
  const k = { namespace: 'ns-a', name: 'sm' };
  h.fake.create(rocketCluster('ns-a', 'sm', { broker: { replicasPerGroup: 1 }, metrics: { enabled: true, serviceMonitor: { enabled: true } } }));
  const op = h.startOperator();
  await h.until(op, [k], () => isReady(h, 'ns-a', 'sm'), 'cluster Ready');
  expect(statusOf(h, 'ns-a', 'sm').observedGeneration).toBe(1);
  expect(h.events.some((e) => e.involved === 'ns-a/sm' && e.reason === 'ServiceMonitorFailed')).toBe(true);

  const image = () => ((((h.fake.get('statefulsets', 'ns-a', 'sm-broker-0')!.spec as JsonObject).template as JsonObject).spec as JsonObject).containers as JsonObject[])[0]!.image;
  h.fake.update('rocketclusters.rocketcluster.io', 'ns-a', 'sm', (o) => {
    const spec = o.spec as JsonObject;
    spec.image = 'rocketcluster/broker:2.0.0';
    (spec.broker as JsonObject).config = { brokerName: 'mine' }; // owned by the operator
  });
  await h.until(op, [k], () => conditionOf(h, 'ns-a', 'sm', 'Degraded')?.reason === 'InvalidSpec', 'Degraded: InvalidSpec');
  expect(statusOf(h, 'ns-a', 'sm').observedGeneration).toBe(1);
  expect(image()).toBe('rocketcluster/broker:1.0.0');
  expect(h.events.some((e) => e.involved === 'ns-a/sm' && e.reason === 'InvalidSpec' && /brokerName/.test(e.message))).toBe(true);
  await op.stop();
});
