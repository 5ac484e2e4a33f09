import { cleanupTempDirs } from '../../testing/temp';
import { Harness } from './harness.test-util';
import { brokerRole, groupOf, isReady, rocketCluster, statusOf } from './fixtures.test-util';

let h: Harness;
beforeAll(async () => {
  h = await Harness.start(['ns-x', 'ns-y']);
});
afterAll(async () => {
  await h.close();
  cleanupTempDirs();
});

async function until(cond: () => boolean, what: string, limitMs = 20_000): Promise<void> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > limitMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

test('two clusters of the same name in two namespaces under one Manager: separate children, roles and failovers', async () => {
  const stopMocks = h.startMockLoop();
  const { stop } = await h.startManager(['ns-x', 'ns-y']);
  try {
    h.fake.create(rocketCluster('ns-x', 'c'));
    h.fake.create(rocketCluster('ns-y', 'c'));
    await until(() => isReady(h, 'ns-x', 'c') && isReady(h, 'ns-y', 'c'), 'both clusters Ready');
    expect(statusOf(h, 'ns-x', 'c').nameserverAddress).toBe('c-nameserver.ns-x.svc:9876');
    expect(statusOf(h, 'ns-y', 'c').nameserverAddress).toBe('c-nameserver.ns-y.svc:9876');
    const yBefore = groupOf(h, 'ns-y', 'c', 'broker-0')!;
    await until(() => groupOf(h, 'ns-x', 'c', 'broker-0')!.inSyncReplicas.length === 2, 'ns-x replicas in sync');

    const xMaster = groupOf(h, 'ns-x', 'c', 'broker-0')!.master!;
    const xOther = xMaster.endsWith('-0') ? 'c-broker-0-1' : 'c-broker-0-0';
    await h.killPod('ns-x', xMaster, { holdDown: true });
    h.clock.offsetMs += 61_000;
    await until(() => brokerRole(h, 'ns-x', xOther)?.role === 'master', 'ns-x failed over');
    expect(groupOf(h, 'ns-x', 'c', 'broker-0')).toMatchObject({ master: xOther, epoch: 2 });
    expect(statusOf(h, 'ns-x', 'c').failovers).toBe(1);
    // The other namespace's cluster of the same name is untouched.
    expect(groupOf(h, 'ns-y', 'c', 'broker-0')).toMatchObject({ master: yBefore.master, epoch: 1 });
    expect(statusOf(h, 'ns-y', 'c').failovers).toBe(0);
    expect(brokerRole(h, 'ns-y', yBefore.master!)).toEqual({ role: 'master', epoch: 1, writable: true });
    expect(h.metrics.failovers).toEqual(['ns-x/c/broker-0']);
  } finally {
    await stop();
    await stopMocks();
  }
});
