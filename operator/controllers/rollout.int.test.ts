import type { JsonObject } from '../testing/fake-kube';
import { cleanupTempDirs } from '../../testing/temp';
import { Harness } from './harness.test-util';
import { brokerRole, conditionOf, groupOf, isReady, rocketCluster, statusOf } from './fixtures.test-util';

let h: Harness;
beforeAll(async () => {
  h = await Harness.start(['ns-u']);
});
afterAll(async () => {
  await h.close();
  cleanupTempDirs();
});

const key = { namespace: 'ns-u', name: 'c' };
const hashOf = (pod: JsonObject | undefined) => ((pod?.metadata as JsonObject | undefined)?.annotations as Record<string, string> | undefined)?.['rocketcluster.io/config-hash'];

test('spec change: slaves roll first (one at a time), then a switchover to an updated slave, then the old master', async () => {
  h.fake.create(rocketCluster('ns-u', 'c', { broker: { replicasPerGroup: 3 } }));
  const op = h.startOperator();
  await h.until(op, [key], () => isReady(h, 'ns-u', 'c'), 'cluster Ready');
  await h.until(op, [key], () => groupOf(h, 'ns-u', 'c', 'broker-0')!.inSyncReplicas.length === 3, 'all replicas in sync');
  const oldMaster = groupOf(h, 'ns-u', 'c', 'broker-0')!.master!;
  const pods = ['c-broker-0-0', 'c-broker-0-1', 'c-broker-0-2'];
  const slaves = pods.filter((p) => p !== oldMaster);
  const oldHash = hashOf(h.fake.get('pods', 'ns-u', oldMaster));
  h.fake.clearOperations();

  h.fake.update('rocketclusters.rocketcluster.io', 'ns-u', 'c', (o) => {
    (o.spec as JsonObject).image = 'rocketcluster/broker:1.0.1';
  });
  await h.until(op, [key], () => {
    const sts = h.fake.get('statefulsets', 'ns-u', 'c-broker-0')!;
    const want = ((((sts.spec as JsonObject).template as JsonObject).metadata as JsonObject).annotations as Record<string, string>)['rocketcluster.io/config-hash'];
    return want !== oldHash && pods.every((p) => hashOf(h.fake.get('pods', 'ns-u', p)) === want) && isReady(h, 'ns-u', 'c') && conditionOf(h, 'ns-u', 'c', 'Progressing')?.status === 'False';
  }, 'every pod on the new template, cluster Ready again');

  // The order, from the API server's log: pod deletions and the switchover's status writes.
  const steps = h.fake.operations((r) => r.namespace === 'ns-u' && (r.code ?? 0) < 300 && ((r.method === 'DELETE' && r.resource === 'pods') || (r.method === 'PUT' && r.subresource === 'status'))).flatMap((r) => {
    if (r.method === 'DELETE') return [`delete ${r.name}`];
    const g = ((((r.body as JsonObject).status as JsonObject).groups ?? []) as JsonObject[]).find((x) => x.name === 'broker-0');
    const pending = g?.pendingSwitchover as JsonObject | null | undefined;
    return pending != null ? [`switchover ${String(pending.from)} -> ${String(pending.to)}`] : [`record ${String(g?.master)}@${String(g?.epoch)}`];
  });
  const milestones = steps.filter((s, i) => !s.startsWith('record') || steps[i - 1] !== s).filter((s) => !s.startsWith('record') || !s.endsWith('@1'));
  const deletions = milestones.filter((s) => s.startsWith('delete'));
  expect(deletions).toEqual([`delete ${slaves[1]}`, `delete ${slaves[0]}`, `delete ${oldMaster}`]);
  const newMaster = groupOf(h, 'ns-u', 'c', 'broker-0')!.master!;
  expect(slaves).toContain(newMaster);
  const iSwitch = milestones.findIndex((s) => s === `switchover ${oldMaster} -> ${newMaster}`);
  const iRecorded = milestones.findIndex((s) => s === `record ${newMaster}@2`);
  expect(iSwitch).toBeGreaterThan(milestones.indexOf(`delete ${slaves[0]}`));
  expect(iRecorded).toBeGreaterThan(iSwitch);
  expect(milestones.indexOf(`delete ${oldMaster}`)).toBeGreaterThan(iRecorded);

  expect(groupOf(h, 'ns-u', 'c', 'broker-0')).toMatchObject({ epoch: 2, pendingSwitchover: null });
  expect(brokerRole(h, 'ns-u', newMaster)).toEqual({ role: 'master', epoch: 2, writable: true });
  expect(brokerRole(h, 'ns-u', oldMaster)).toMatchObject({ role: 'slave', epoch: 2 });
  expect(statusOf(h, 'ns-u', 'c').failovers).toBe(0);
  expect(h.metrics.switchovers).toEqual(['ns-u/c/broker-0']);
  expect(h.events.filter((e) => e.reason === 'RollingUpdate').length).toBeGreaterThanOrEqual(4);
  await op.stop();
});

test('fewer replicas per group: the master moves by switchover to a replica that stays before the StatefulSet shrinks', async () => {
  const k = { namespace: 'ns-u', name: 'd' };
  h.fake.create(rocketCluster('ns-u', 'd', { failover: { masterDownAfterSeconds: 60 } }));
  const op = h.startOperator();
  await h.until(op, [k], () => isReady(h, 'ns-u', 'd'), 'cluster Ready');
  await h.until(op, [k], () => groupOf(h, 'ns-u', 'd', 'broker-0')!.inSyncReplicas.length === 2, 'in sync');
  // Put the master on ordinal 1 (a failover), then bring ordinal 0 back as its slave.
  const first = groupOf(h, 'ns-u', 'd', 'broker-0')!.master!;
  if (first === 'd-broker-0-0') {
    await h.killPod('ns-u', first, { holdDown: true });
    await h.pass(op, [k]);
    h.clock.offsetMs += 61_000;
    await h.until(op, [k], () => groupOf(h, 'ns-u', 'd', 'broker-0')!.master === 'd-broker-0-1', 'master on ordinal 1');
    h.release('ns-u', first);
  }
  await h.until(op, [k], () => groupOf(h, 'ns-u', 'd', 'broker-0')!.inSyncReplicas.length === 2 && isReady(h, 'ns-u', 'd'), 'ordinal 0 back in sync');
  const epoch = groupOf(h, 'ns-u', 'd', 'broker-0')!.epoch;
  const failovers = statusOf(h, 'ns-u', 'd').failovers;

  h.fake.update('rocketclusters.rocketcluster.io', 'ns-u', 'd', (o) => {
    ((o.spec as JsonObject).broker as JsonObject).replicasPerGroup = 1;
  });
  await h.until(op, [k], () => ((h.fake.get('statefulsets', 'ns-u', 'd-broker-0')!.spec as JsonObject).replicas as number) === 1 && h.fake.get('pods', 'ns-u', 'd-broker-0-1') === undefined, 'StatefulSet shrunk');
  expect(groupOf(h, 'ns-u', 'd', 'broker-0')).toMatchObject({ master: 'd-broker-0-0', epoch: epoch + 1 });
  expect(brokerRole(h, 'ns-u', 'd-broker-0-0')).toEqual({ role: 'master', epoch: epoch + 1, writable: true });
  expect(statusOf(h, 'ns-u', 'd').failovers).toBe(failovers);
  expect(h.events.some((e) => e.involved === 'ns-u/d' && e.reason === 'MovingMaster')).toBe(true);
  await op.stop();
});

test('operator restart mid-switchover: the new instance finishes the recorded switchover and the rollout', async () => {
  const k = { namespace: 'ns-u', name: 'e' };
  h.fake.create(rocketCluster('ns-u', 'e'));
  const pending = () => groupOf(h, 'ns-u', 'e', 'broker-0')?.pendingSwitchover != null;
  const first = h.startOperator({ refuseRoleCalls: pending });
  await h.until(first, [k], () => isReady(h, 'ns-u', 'e'), 'cluster Ready');
  await h.until(first, [k], () => groupOf(h, 'ns-u', 'e', 'broker-0')!.inSyncReplicas.length === 2, 'in sync');
  const oldMaster = groupOf(h, 'ns-u', 'e', 'broker-0')!.master!;
  const slave = oldMaster === 'e-broker-0-0' ? 'e-broker-0-1' : 'e-broker-0-0';

  h.fake.update('rocketclusters.rocketcluster.io', 'ns-u', 'e', (o) => {
    (o.spec as JsonObject).image = 'rocketcluster/broker:1.0.1';
  });
  // The first instance rolls the slave, records the switchover, and dies before fencing the master.
  await h.until(first, [k], pending, 'switchover recorded');
  await first.stop();
  expect(groupOf(h, 'ns-u', 'e', 'broker-0')!.pendingSwitchover).toMatchObject({ from: oldMaster, to: slave, epoch: 1 });
  expect(brokerRole(h, 'ns-u', oldMaster)).toEqual({ role: 'master', epoch: 1, writable: true });

  const second = h.startOperator();
  await h.until(second, [k], () => {
    const sts = h.fake.get('statefulsets', 'ns-u', 'e-broker-0')!;
    const want = ((((sts.spec as JsonObject).template as JsonObject).metadata as JsonObject).annotations as Record<string, string>)['rocketcluster.io/config-hash'];
    return [oldMaster, slave].every((p) => hashOf(h.fake.get('pods', 'ns-u', p)) === want) && isReady(h, 'ns-u', 'e');
  }, 'rollout finished by the second instance');
  expect(groupOf(h, 'ns-u', 'e', 'broker-0')).toMatchObject({ master: slave, epoch: 2, pendingSwitchover: null });
  expect(brokerRole(h, 'ns-u', slave)).toEqual({ role: 'master', epoch: 2, writable: true });
  expect(brokerRole(h, 'ns-u', oldMaster)).toMatchObject({ role: 'slave', epoch: 2 });
  expect(statusOf(h, 'ns-u', 'e').failovers).toBe(0);
  await second.stop();
});
