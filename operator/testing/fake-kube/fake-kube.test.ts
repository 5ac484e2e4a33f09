import { AppsV1Api, CoreV1Api, CustomObjectsApi, Watch } from '@kubernetes/client-node';
import type { KubeConfig } from '@kubernetes/client-node';
import { FakeKube } from './index';

let fake: FakeKube;
let kc: KubeConfig;
let core: CoreV1Api;
let apps: AppsV1Api;

beforeEach(async () => {
  fake = await FakeKube.start();
  kc = fake.kubeConfig();
  core = kc.makeApiClient(CoreV1Api);
  apps = kc.makeApiClient(AppsV1Api);
});
afterEach(async () => {
  await fake.stop();
});

async function codeOf(p: Promise<unknown>): Promise<number> {
  try {
    await p;
  } catch (e) {
    return (e as { code: number }).code;
  }
  return 200;
}

describe('core CRUD through @kubernetes/client-node', () => {
  test('create, get, replace with current resourceVersion, 409 on a stale one, delete, 404 after', async () => {
    const created = await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'a' }, data: { k: 'v' } } });
    expect(created.metadata?.uid).toBeDefined();
    const rv1 = created.metadata?.resourceVersion as string;
    const got = await core.readNamespacedConfigMap({ name: 'a', namespace: 'default' });
    expect(got.data).toEqual({ k: 'v' });
    got.data = { k: 'w' };
    const updated = await core.replaceNamespacedConfigMap({ name: 'a', namespace: 'default', body: got });
    expect(Number(updated.metadata?.resourceVersion)).toBeGreaterThan(Number(rv1));
    const stale = { ...got, metadata: { ...got.metadata, resourceVersion: rv1 } };
    expect(await codeOf(core.replaceNamespacedConfigMap({ name: 'a', namespace: 'default', body: stale }))).toBe(409);
    expect(await codeOf(core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'a' } } }))).toBe(409);
    await core.deleteNamespacedConfigMap({ name: 'a', namespace: 'default' });
    expect(await codeOf(core.readNamespacedConfigMap({ name: 'a', namespace: 'default' }))).toBe(404);
    expect(await codeOf(core.deleteNamespacedConfigMap({ name: 'a', namespace: 'default' }))).toBe(404);
  });

  test('a watch streams ADDED/MODIFIED/DELETED after a resourceVersion', async () => {
    const start = await core.listNamespacedConfigMap({ namespace: 'default' });
    const seen: string[] = [];
    const w = new Watch(kc);
    const req = await w.watch('/api/v1/namespaces/default/configmaps', { resourceVersion: start.metadata?.resourceVersion }, (type, obj: { metadata: { name: string } }) => seen.push(`${type}:${obj.metadata.name}`), () => undefined);
    await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'w' } } });
    await core.patchNamespacedConfigMap({ name: 'w', namespace: 'default', body: [{ op: 'add', path: '/data', value: { a: 'b' } }] });
    await core.deleteNamespacedConfigMap({ name: 'w', namespace: 'default' });
    for (let i = 0; i < 200 && seen.length < 3; i++) await new Promise((r) => setTimeout(r, 10));
    req.abort();
    expect(seen).toEqual(['ADDED:w', 'MODIFIED:w', 'DELETED:w']);
  });

  test('status subresource: main PUT keeps status, /status PUT keeps spec', async () => {
    await apps.createNamespacedDeployment({
      namespace: 'default',
      body: { metadata: { name: 'd' }, spec: { selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'x:1' }] } } } },
    });
    const d = await apps.readNamespacedDeployment({ name: 'd', namespace: 'default' });
    expect(d.metadata?.generation).toBe(1);
    d.status = { replicas: 5 };
    const afterMain = await apps.replaceNamespacedDeployment({ name: 'd', namespace: 'default', body: d });
    expect(afterMain.status?.replicas).toBeUndefined();
    afterMain.status = { replicas: 3 };
    afterMain.spec!.replicas = 7;
    const afterStatus = await apps.replaceNamespacedDeploymentStatus({ name: 'd', namespace: 'default', body: afterMain });
    expect(afterStatus.status?.replicas).toBe(3);
    expect(afterStatus.spec?.replicas).toBe(1);
    expect(afterStatus.metadata?.generation).toBe(1);
  });

  test('custom objects need their CRD', async () => {
    const custom = kc.makeApiClient(CustomObjectsApi);
    expect(await codeOf(custom.listNamespacedCustomObject({ group: 'x.io', version: 'v1', namespace: 'default', plural: 'things' }))).toBe(404);
  });
});
