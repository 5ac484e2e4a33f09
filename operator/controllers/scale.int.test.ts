import type { JsonObject } from '../testing/fake-kube';
import { PERM_READ, PERM_WRITE, RequestCode, ResponseCode, UpdateConsumerOffsetRequestHeader, makeRequest } from '../../protocol';
import { AdminClient } from '../../client';
import { RemotingClient } from '../../remoting';
import { sendV2Request } from '../../broker/test-kit';
import { cleanupTempDirs } from '../../testing/temp';
import { Harness } from './harness.test-util';
import { groupOf, isReady, rocketCluster, statusOf } from './fixtures.test-util';

let h: Harness;
const remoting = new RemotingClient();
beforeAll(async () => {
  h = await Harness.start(['ns-s', 'ns-p', 'ns-d', 'ns-q']);
});
afterAll(async () => {
  await remoting.close();
  await h.close();
  cleanupTempDirs();
});

function setGroups(ns: string, groups: number): void {
  h.fake.update('rocketclusters.rocketcluster.io', ns, 'c', (o) => {
    ((o.spec as JsonObject).broker as JsonObject).groups = groups;
  });
}

const names = (ref: string, ns: string) => h.fake.list(ref, ns).map((o) => (o.metadata as JsonObject).name as string).sort();

let accepted = 0;
async function send(addr: string, queueId: number): Promise<number> {
  const r = await remoting.invoke(addr, sendV2Request({ topic: 'orders', queueId, defaultTopicQueueNums: 1 }), 5000);
  if (!r.ok) throw r.error;
  if (r.value.code === ResponseCode.SUCCESS) accepted += 1;
  return r.value.code;
}

async function commit(addr: string, offset: number): Promise<void> {
  const extFields = UpdateConsumerOffsetRequestHeader.format({ consumerGroup: 'billing', topic: 'orders', queueId: 0, commitOffset: offset });
  const r = await remoting.invoke(addr, makeRequest(RequestCode.UPDATE_CONSUMER_OFFSET, { extFields }), 5000);
  expect(r.ok && r.value.code).toBe(ResponseCode.SUCCESS);
}

test('scale up by a whole group, then a safe scale-down: read-only, wait for consumers, delete; PVCs kept by default', async () => {
  const key = { namespace: 'ns-s', name: 'c' };
  h.fake.create(rocketCluster('ns-s', 'c'));
  const op = h.startOperator();
  await h.until(op, [key], () => isReady(h, 'ns-s', 'c'), 'cluster Ready');

  setGroups('ns-s', 2);
  await h.until(op, [key], () => isReady(h, 'ns-s', 'c') && statusOf(h, 'ns-s', 'c').brokerGroups === 2 && groupOf(h, 'ns-s', 'c', 'broker-1')?.master != null, 'second group serving');
  expect(names('statefulsets', 'ns-s')).toEqual(['c-broker-0', 'c-broker-1']);

  // Messages on broker-1, partly consumed.
  const master = groupOf(h, 'ns-s', 'c', 'broker-1')!.master!;
  const addr = h.brokers.get('ns-s', master)!.endpoints!.address;
  for (let i = 0; i < 3; i++) expect(await send(addr, 0)).toBe(ResponseCode.SUCCESS);
  await commit(addr, 1);

  setGroups('ns-s', 1);
  await h.until(op, [key], () => groupOf(h, 'ns-s', 'c', 'broker-1')?.phase === 'Draining', 'broker-1 draining');
  await h.until(op, [key], async () => (await send(addr, 0)) === ResponseCode.NO_PERMISSION, 'writes refused on the draining group');
  // Routes: the group's topics and its auto-create template are read-only at the name server.
  const admin = new AdminClient({ namesrvAddr: h.nameserverAddrs('ns-s', 'c').join(';') });
  await admin.start();
  try {
    await h.until(op, [key], async () => {
      const [orders, template] = await Promise.all([admin.describeTopic('orders'), admin.describeTopic('TBW102')]);
      return orders.perm['broker-1'] === PERM_READ && template.perm['broker-1'] !== undefined && (template.perm['broker-1'] & PERM_WRITE) === 0 && ((template.perm['broker-0'] ?? 0) & PERM_WRITE) !== 0;
    }, 'read-only routes for broker-1');
  } finally {
    await admin.close();
  }
  for (let i = 0; i < 5; i++) await h.pass(op, [key]);
  // Consumers are behind: the group stays.
  expect(groupOf(h, 'ns-s', 'c', 'broker-1')?.phase).toBe('Draining');
  expect(names('statefulsets', 'ns-s')).toEqual(['c-broker-0', 'c-broker-1']);
  expect(statusOf(h, 'ns-s', 'c').conditions?.find((c) => c.type === 'Progressing')).toMatchObject({ status: 'True', reason: 'ScalingDown' });

  // Every message accepted before the write permission went (some by the probe above) consumed.
  await commit(addr, accepted);
  await h.until(op, [key], () => groupOf(h, 'ns-s', 'c', 'broker-1') === undefined && !names('statefulsets', 'ns-s').includes('c-broker-1'), 'broker-1 deleted');
  expect(names('services', 'ns-s')).not.toContain('c-broker-1');
  expect(names('poddisruptionbudgets', 'ns-s')).not.toContain('c-broker-1');
  expect(names('pods', 'ns-s').filter((p) => p.startsWith('c-broker-1-'))).toEqual([]);
  expect(names('persistentvolumeclaims', 'ns-s')).toEqual(['data-c-broker-0-0', 'data-c-broker-0-1', 'data-c-broker-1-0', 'data-c-broker-1-1']);
  await h.until(op, [key], () => isReady(h, 'ns-s', 'c') && statusOf(h, 'ns-s', 'c').brokerGroups === 1, 'Ready with one group');
  expect(h.events.map((e) => e.reason)).toEqual(expect.arrayContaining(['ScalingDown', 'ScaledDown']));
  await op.stop();
});

test('scale-down with storage.deleteClaimsOnScaleDown deletes the group\'s PVCs', async () => {
  const key = { namespace: 'ns-p', name: 'c' };
  h.fake.create(rocketCluster('ns-p', 'c', { broker: { groups: 2, storage: { size: '10Gi', deleteClaimsOnScaleDown: true } } }));
  const op = h.startOperator();
  await h.until(op, [key], () => isReady(h, 'ns-p', 'c') && statusOf(h, 'ns-p', 'c').brokerGroups === 2, 'cluster Ready');
  setGroups('ns-p', 1);
  await h.until(op, [key], () => groupOf(h, 'ns-p', 'c', 'broker-1') === undefined, 'broker-1 deleted');
  expect(names('persistentvolumeclaims', 'ns-p')).toEqual(['data-c-broker-0-0', 'data-c-broker-0-1']);
  await op.stop();
});

test('scaling back up while a group drains gives it its write permission back', async () => {
  const key = { namespace: 'ns-q', name: 'c' };
  h.fake.create(rocketCluster('ns-q', 'c', { broker: { groups: 2 } }));
  const op = h.startOperator();
  await h.until(op, [key], () => isReady(h, 'ns-q', 'c') && statusOf(h, 'ns-q', 'c').brokerGroups === 2, 'cluster Ready');
  const master = groupOf(h, 'ns-q', 'c', 'broker-1')!.master!;
  const addr = h.brokers.get('ns-q', master)!.endpoints!.address;
  expect(await send(addr, 0)).toBe(ResponseCode.SUCCESS);
  await commit(addr, 0); // a consumer group that has not consumed it yet

  setGroups('ns-q', 1);
  await h.until(op, [key], async () => groupOf(h, 'ns-q', 'c', 'broker-1')?.phase === 'Draining' && (await send(addr, 0)) === ResponseCode.NO_PERMISSION, 'draining, writes refused');
  setGroups('ns-q', 2);
  await h.until(op, [key], () => groupOf(h, 'ns-q', 'c', 'broker-1')?.phase === 'Active', 'active again');
  expect(await send(addr, 0)).toBe(ResponseCode.SUCCESS);
  const admin = new AdminClient({ namesrvAddr: h.nameserverAddrs('ns-q', 'c').join(';') });
  await admin.start();
  try {
    const template = await admin.describeTopic('TBW102');
    expect((template.perm['broker-1'] ?? 0) & PERM_WRITE).toBe(PERM_WRITE);
  } finally {
    await admin.close();
  }
  expect(names('statefulsets', 'ns-q')).toEqual(['c-broker-0', 'c-broker-1']);
  expect(h.events.some((e) => e.involved === 'ns-q/c' && e.reason === 'ScaleDownCancelled')).toBe(true);
  await op.stop();
});

test('deletion: children go with the cluster through ownerReferences, PVCs stay, the operator forgets it', async () => {
  const key = { namespace: 'ns-d', name: 'c' };
  h.fake.create(rocketCluster('ns-d', 'c'));
  const op = h.startOperator();
  await h.until(op, [key], () => isReady(h, 'ns-d', 'c'), 'cluster Ready');
  h.fake.delete('rocketclusters.rocketcluster.io', 'ns-d', 'c');
  await h.until(op, [key], () => ['statefulsets', 'deployments', 'services', 'configmaps', 'secrets', 'poddisruptionbudgets', 'pods'].every((k) => names(k, 'ns-d').length === 0), 'children garbage-collected');
  expect(names('persistentvolumeclaims', 'ns-d')).toEqual(['data-c-broker-0-0', 'data-c-broker-0-1']);
  expect(h.metrics.forgotten).toContain('ns-d/c');
  expect(h.brokers.running().filter(([ns]) => ns === 'ns-d')).toEqual([]);
  await op.stop();
});
