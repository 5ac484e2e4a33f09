import { CoreV1Api, Watch, makeInformer } from '@kubernetes/client-node';
import type { KubeConfig, V1ConfigMap } from '@kubernetes/client-node';
import { FakeKube } from './index';
import { waitFor } from './test-helpers.test-util';

let fake: FakeKube;
let kc: KubeConfig;
let core: CoreV1Api;

beforeEach(async () => {
  fake = await FakeKube.start({ maxHistory: 50 });
  kc = fake.kubeConfig();
  core = kc.makeApiClient(CoreV1Api);
});
afterEach(async () => {
  await fake.stop();
});

type Ev = { type: string; name: string; rv: string; code?: number };

async function watchInto(path: string, params: Record<string, string | undefined>, events: Ev[], done?: (err: unknown) => void): Promise<AbortController> {
  return new Watch(kc).watch(
    path,
    params,
    (type, obj: { metadata?: { name: string; resourceVersion: string }; code?: number }) =>
      events.push({ type, name: obj.metadata?.name ?? '', rv: obj.metadata?.resourceVersion ?? '', ...(obj.code ? { code: obj.code } : {}) }),
    done ?? (() => undefined),
  );
}

describe('watch', () => {
  test('resumes after a resourceVersion: ADDED, MODIFIED, DELETED in order', async () => {
    const start = await core.listNamespacedConfigMap({ namespace: 'default' });
    const events: Ev[] = [];
    const req = await watchInto('/api/v1/namespaces/default/configmaps', { resourceVersion: start.metadata?.resourceVersion }, events);
    await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'w' } } });
    await core.patchNamespacedConfigMap({ name: 'w', namespace: 'default', body: [{ op: 'add', path: '/data', value: { a: 'b' } }] });
    await core.deleteNamespacedConfigMap({ name: 'w', namespace: 'default' });
    await waitFor(() => events.length >= 3);
    req.abort();
    expect(events.map((e) => `${e.type}:${e.name}`)).toEqual(['ADDED:w', 'MODIFIED:w', 'DELETED:w']);
    expect(Number(events[2].rv)).toBeGreaterThan(Number(events[1].rv));
  });

  test('replays history written before the watch started, from the given resourceVersion', async () => {
    const a = await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'a' } } });
    await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'b' } } });
    const events: Ev[] = [];
    const req = await watchInto('/api/v1/namespaces/default/configmaps', { resourceVersion: a.metadata?.resourceVersion }, events);
    await waitFor(() => events.length >= 1);
    req.abort();
    expect(events.map((e) => e.name)).toEqual(['b']);
  });

  test('without a resourceVersion the current state arrives as ADDED events first', async () => {
    await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'a' } } });
    const events: Ev[] = [];
    const req = await watchInto('/api/v1/configmaps', {}, events);
    await waitFor(() => events.length >= 1);
    req.abort();
    expect(events[0]).toMatchObject({ type: 'ADDED', name: 'a' });
  });

  test('a compacted resourceVersion gets an ERROR event with a 410 Status and the stream ends', async () => {
    const a = await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'a' } } });
    await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'b' } } });
    fake.compact();
    const events: Ev[] = [];
    let ended = false;
    await watchInto('/api/v1/namespaces/default/configmaps', { resourceVersion: a.metadata?.resourceVersion }, events, () => (ended = true));
    await waitFor(() => ended);
    expect(events).toEqual([{ type: 'ERROR', name: '', rv: '', code: 410 }]);
  });

  test('history is bounded: falling more than maxHistory events behind is 410', async () => {
    const first = await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'first' } } });
    for (let i = 0; i < 60; i++) fake.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `c${i}`, namespace: 'default' } });
    const events: Ev[] = [];
    let ended = false;
    await watchInto('/api/v1/namespaces/default/configmaps', { resourceVersion: first.metadata?.resourceVersion }, events, () => (ended = true));
    await waitFor(() => ended);
    expect(events.map((e) => e.code)).toEqual([410]);
  });

  test('label selector changes turn MODIFIED into ADDED / DELETED for the watcher', async () => {
    const c = await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'm', labels: { on: 'no' } } } });
    const events: Ev[] = [];
    const req = await watchInto('/api/v1/namespaces/default/configmaps', { resourceVersion: c.metadata?.resourceVersion, labelSelector: 'on=yes' }, events);
    await core.patchNamespacedConfigMap({ name: 'm', namespace: 'default', body: [{ op: 'replace', path: '/metadata/labels/on', value: 'yes' }] });
    await core.patchNamespacedConfigMap({ name: 'm', namespace: 'default', body: [{ op: 'add', path: '/data', value: { x: 'y' } }] });
    await core.patchNamespacedConfigMap({ name: 'm', namespace: 'default', body: [{ op: 'replace', path: '/metadata/labels/on', value: 'no' }] });
    await waitFor(() => events.length >= 3);
    req.abort();
    expect(events.map((e) => e.type)).toEqual(['ADDED', 'MODIFIED', 'DELETED']);
  });

  test('timeoutSeconds ends the stream; dropWatches ends all streams', async () => {
    let timedOut = false;
    await watchInto('/api/v1/configmaps', { timeoutSeconds: '1' }, [], () => (timedOut = true));
    let dropped = false;
    await watchInto('/api/v1/pods', {}, [], () => (dropped = true));
    await waitFor(() => fake.watchCount() === 2);
    fake.dropWatches();
    await waitFor(() => dropped);
    await waitFor(() => timedOut, 3000);
    expect(fake.watchCount()).toBe(0);
  });

  test('bookmarks go only to watchers that asked for them', async () => {
    const withB: Ev[] = [];
    const without: Ev[] = [];
    const r1 = await watchInto('/api/v1/configmaps', { allowWatchBookmarks: 'true', resourceVersion: String(fake.resourceVersion()) }, withB);
    const r2 = await watchInto('/api/v1/configmaps', { resourceVersion: String(fake.resourceVersion()) }, without);
    await waitFor(() => fake.watchCount() === 2);
    fake.sendBookmarks();
    await waitFor(() => withB.length === 1);
    r1.abort();
    r2.abort();
    expect(withB[0].type).toBe('BOOKMARK');
    expect(without).toEqual([]);
  });
});

describe('makeInformer against the fake', () => {
  test('keeps its cache across dropped watches and relists after 410', async () => {
    await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'a' } } });
    const informer = makeInformer<V1ConfigMap>(kc, '/api/v1/namespaces/default/configmaps', () => core.listNamespacedConfigMap({ namespace: 'default' }));
    const added: string[] = [];
    const deleted: string[] = [];
    informer.on('add', (o) => added.push(o.metadata?.name as string));
    informer.on('delete', (o) => deleted.push(o.metadata?.name as string));
    await informer.start();
    await waitFor(() => added.includes('a') && fake.watchCount() === 1);
    // A dropped watch is resumed from the last resourceVersion seen: nothing is missed.
    fake.dropWatches();
    await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'b' } } });
    await waitFor(() => added.includes('b'));
    // A compacted history forces a 410 and a relist, which reports what was deleted meanwhile.
    await waitFor(() => fake.watchCount() === 1);
    const lists = fake.operations((r) => r.verb === 'list').length;
    // Same tick: the stream ends, then 'a' goes and the history with it, before the client re-watches.
    fake.dropWatches();
    fake.delete('configmaps', 'default', 'a');
    fake.compact();
    await waitFor(() => deleted.includes('a'));
    expect(fake.operations((r) => r.verb === 'list').length).toBe(lists + 1);
    expect(fake.operations((r) => r.verb === 'watch').length).toBeGreaterThanOrEqual(3);
    expect(informer.list().map((o) => o.metadata?.name)).toEqual(['b']);
    await informer.stop();
  });
});
