import type { GroupState } from '../../controller';
import type { JsonObject } from '../testing/fake-kube';
import { cleanupTempDirs } from '../../testing/temp';
import { Harness } from './harness.test-util';
import { rocketCluster, statusOf } from './fixtures.test-util';
import { StatusGroupStateStore } from './status-store';

let h: Harness;
beforeAll(async () => {
  h = await Harness.start(['ns-st']);
});
afterAll(async () => {
  await h.close();
  cleanupTempDirs();
});

const key = { namespace: 'ns-st', name: 'c' };
const state = (masterId: string, epoch: number): GroupState => ({ group: 'broker-0', masterId, epoch, inSyncReplicaIds: [masterId], syncStateSetEpoch: epoch, pending: null, decidedAtMs: 1_700_000_000_000 });

test('status.groups[] as the controller store: compare-and-set on the group, other status writes absorbed, failovers counted with the decision', async () => {
  const created = h.fake.create(rocketCluster('ns-st', 'c'));
  const uid = (created.metadata as JsonObject).uid as string;
  const a = new StatusGroupStateStore(h.kube, key, uid);
  const b = new StatusGroupStateStore(h.kube, key, uid);

  expect(await a.load('broker-0')).toBeNull();
  expect((await a.save('broker-0', null, state('c-broker-0-0', 1))).kind).toBe('saved');
  expect((await b.save('broker-0', null, state('c-broker-0-1', 1))).kind).toBe('conflict');

  const loaded = await a.load('broker-0');
  expect(loaded?.state).toEqual(state('c-broker-0-0', 1));
  // Someone else writes other status fields: the resourceVersion moves, the group does not.
  h.fake.updateStatus('rocketclusters.rocketcluster.io', 'ns-st', 'c', (s) => {
    s.conditions = [{ type: 'Ready', status: 'False', reason: 'Testing', message: 'x', lastTransitionTime: '2026-01-01T00:00:00Z' }];
  });
  const bLoaded = await b.load('broker-0');
  expect((await a.save('broker-0', loaded!.version, state('c-broker-0-1', 2))).kind).toBe('saved');
  expect(statusOf(h, 'ns-st', 'c').conditions?.[0]?.reason).toBe('Testing');
  expect(statusOf(h, 'ns-st', 'c').failovers).toBe(1);
  // b read the group before a's decision: its save must lose.
  expect((await b.save('broker-0', bLoaded!.version, state('c-broker-0-0', 2))).kind).toBe('conflict');
  expect((await b.load('broker-0'))?.state).toEqual(state('c-broker-0-1', 2));

  // A re-created namesake is another cluster: the old store refuses to touch it.
  h.fake.delete('rocketclusters.rocketcluster.io', 'ns-st', 'c');
  h.fake.create(rocketCluster('ns-st', 'c'));
  await expect(a.load('broker-0')).rejects.toThrow(/re-created/);
});
