import * as fs from 'node:fs';
import * as path from 'node:path';
import type { GroupState } from '../../controller';
import { cleanupTempDirs, tempDir } from '../../testing/temp';
import { FileGroupStateStore } from './file-store';

afterAll(cleanupTempDirs);

const state = (epoch: number): GroupState => ({ group: 'broker-a', masterId: 'broker-a-0', epoch, inSyncReplicaIds: ['broker-a-0'], syncStateSetEpoch: 1, pending: null, decidedAtMs: 1 });

test('saves are compare-and-set on the version, and survive a new store on the same folder', async () => {
  const dir = tempDir('controller-store-');
  const store = new FileGroupStateStore(dir);
  expect(await store.load('broker-a')).toBeNull();
  const first = await store.save('broker-a', null, state(1));
  expect(first).toEqual({ kind: 'saved', version: '1' });
  expect((await store.save('broker-a', null, state(2))).kind).toBe('conflict');
  expect((await store.save('broker-a', '1', state(2))).kind).toBe('saved');
  expect((await store.save('broker-a', '1', state(3))).kind).toBe('conflict');
  const again = new FileGroupStateStore(dir);
  expect(await again.load('broker-a')).toEqual({ version: '2', state: state(2) });
});

test('concurrent saves from one version: exactly one wins', async () => {
  const store = new FileGroupStateStore(tempDir('controller-store-'));
  const outcomes = await Promise.all([1, 2, 3].map((e) => store.save('broker-a', null, state(e))));
  expect(outcomes.filter((o) => o.kind === 'saved')).toHaveLength(1);
});

test('a corrupt or foreign file is a load failure, not an empty group', async () => {
  const dir = tempDir('controller-store-');
  const store = new FileGroupStateStore(dir);
  fs.writeFileSync(path.join(dir, 'broker-a.json'), '{"version":1,"state":{"group":"broker-b","masterId":null,"epoch":0,"inSyncReplicaIds":[],"syncStateSetEpoch":0,"pending":null,"decidedAtMs":null}}');
  await expect(store.load('broker-a')).rejects.toThrow(/group differs/);
  fs.writeFileSync(path.join(dir, 'broker-a.json'), 'not json');
  await expect(store.load('broker-a')).rejects.toThrow();
  expect(() => store.fileOf('../x')).toThrow(/bad group name/);
});
