import { AppsV1Api, CoreV1Api, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import type { KubeConfig } from '@kubernetes/client-node';
import { FakeKube } from './index';
import { codeOf, statusOf, waitFor } from './test-helpers.test-util';

let fake: FakeKube;
let kc: KubeConfig;
let core: CoreV1Api;
let apps: AppsV1Api;
const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

beforeEach(async () => {
  fake = await FakeKube.start();
  kc = fake.kubeConfig();
  core = kc.makeApiClient(CoreV1Api);
  apps = kc.makeApiClient(AppsV1Api);
});
afterEach(async () => {
  await fake.stop();
});

async function ownerWithChild(): Promise<{ uid: string }> {
  const owner = await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'owner' } } });
  const uid = owner.metadata?.uid as string;
  await core.createNamespacedSecret({
    namespace: 'default',
    body: { metadata: { name: 'child', ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid, controller: true }] }, stringData: { a: 'b' } },
  });
  return { uid };
}

describe('garbage collection', () => {
  test('background: deleting the owner deletes its dependents soon after', async () => {
    await ownerWithChild();
    await core.deleteNamespacedConfigMap({ name: 'owner', namespace: 'default' });
    await waitFor(() => fake.get('secrets', 'default', 'child') === undefined);
  });

  test('orphan: dependents stay and lose the owner reference', async () => {
    await ownerWithChild();
    await core.deleteNamespacedConfigMap({ name: 'owner', namespace: 'default', propagationPolicy: 'Orphan' });
    await waitFor(() => fake.get('configmaps', 'default', 'owner') === undefined);
    const child = fake.get('secrets', 'default', 'child');
    expect((child?.metadata as { ownerReferences?: unknown }).ownerReferences).toBeUndefined();
  });

  test('foreground: the owner stays (deletionTimestamp) until its dependents are gone', async () => {
    await ownerWithChild();
    const out = await core.deleteNamespacedConfigMap({ name: 'owner', namespace: 'default', propagationPolicy: 'Foreground' });
    expect(out).toBeDefined();
    await waitFor(() => fake.get('configmaps', 'default', 'owner') === undefined);
    expect(fake.get('secrets', 'default', 'child')).toBeUndefined();
  });

  test('a dependent whose owner uid does not exist is collected (as the real GC does)', async () => {
    await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'x', ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'ghost', uid: '00000000-0000-0000-0000-000000000000' }] } } });
    await waitFor(() => fake.get('configmaps', 'default', 'x') === undefined);
  });

  test('two controller owner references are 422', async () => {
    const ref = (name: string): object => ({ apiVersion: 'v1', kind: 'ConfigMap', name, uid: name, controller: true });
    expect(await codeOf(core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'x', ownerReferences: [ref('a'), ref('b')] as never } } }))).toBe(422);
  });
});

describe('finalizers', () => {
  test('DELETE sets deletionTimestamp; the object goes when the last finalizer is removed', async () => {
    await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'f', finalizers: ['example.io/cleanup'] } } });
    const del = await core.deleteNamespacedConfigMap({ name: 'f', namespace: 'default' });
    expect(del).toBeDefined();
    const held = await core.readNamespacedConfigMap({ name: 'f', namespace: 'default' });
    expect(held.metadata?.deletionTimestamp).toBeDefined();
    const added = await statusOf(core.patchNamespacedConfigMap({ name: 'f', namespace: 'default', body: { metadata: { finalizers: ['example.io/cleanup', 'example.io/more'] } } }, merge));
    expect(added.code).toBe(422);
    await core.patchNamespacedConfigMap({ name: 'f', namespace: 'default', body: { metadata: { finalizers: null } } }, merge);
    expect(await codeOf(core.readNamespacedConfigMap({ name: 'f', namespace: 'default' }))).toBe(404);
  });

  test('delete preconditions: a wrong uid or resourceVersion is 409', async () => {
    await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'p' } } });
    expect(await codeOf(core.deleteNamespacedConfigMap({ name: 'p', namespace: 'default', body: { preconditions: { uid: 'nope' } } }))).toBe(409);
    expect(await codeOf(core.deleteNamespacedConfigMap({ name: 'p', namespace: 'default', body: { preconditions: { resourceVersion: '1' } } }))).toBe(409);
  });

  test('deleting a namespace empties it and then removes it', async () => {
    await core.createNamespace({ body: { metadata: { name: 'gone' } } });
    await core.createNamespacedConfigMap({ namespace: 'gone', body: { metadata: { name: 'a' } } });
    await apps.createNamespacedDeployment({
      namespace: 'gone',
      body: { metadata: { name: 'd' }, spec: { selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'i:1' }] } } } },
    });
    const ns = await core.deleteNamespace({ name: 'gone' });
    expect(ns).toBeDefined();
    await waitFor(() => fake.get('namespaces', '', 'gone') === undefined);
    expect(fake.list('configmaps', 'gone')).toEqual([]);
  });
});

describe('test hooks', () => {
  test('fault injection fails the next matching requests with a Status body and does not execute them', async () => {
    fake.failNext((r) => r.verb === 'create' && r.resource === 'configmaps', { code: 500, count: 2 });
    expect(await codeOf(core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'a' } } }))).toBe(500);
    const s = await statusOf(core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'a' } } }));
    expect([s.code, s.reason]).toEqual([500, 'InternalError']);
    expect(fake.get('configmaps', 'default', 'a')).toBeUndefined();
    await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'a' } } });
    expect(fake.get('configmaps', 'default', 'a')).toBeDefined();
  });

  test('holdNext parks a request before it executes until released', async () => {
    const held = fake.holdNext((r) => r.verb === 'update' && r.subresource === 'status');
    await apps.createNamespacedDeployment({
      namespace: 'default',
      body: { metadata: { name: 'd' }, spec: { selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'i:1' }] } } } },
    });
    const d = await apps.readNamespacedDeployment({ name: 'd', namespace: 'default' });
    const write = apps.replaceNamespacedDeploymentStatus({ name: 'd', namespace: 'default', body: { ...d, status: { replicas: 9 } } });
    const req = await held.arrived;
    expect(req.name).toBe('d');
    expect((fake.get('deployments', 'default', 'd')?.status as { replicas?: number } | undefined)?.replicas).toBeUndefined();
    held.release();
    expect((await write).status?.replicas).toBe(9);
  });

  test('the operation log records verbs in order with their status codes', async () => {
    fake.clearOperations();
    await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'a' } } });
    await codeOf(core.readNamespacedConfigMap({ name: 'zz', namespace: 'default' }));
    await core.deleteNamespacedConfigMap({ name: 'a', namespace: 'default' });
    expect(fake.operations().map((r) => `${r.verb} ${r.resource} ${r.name ?? ''} ${r.code}`)).toEqual(['create configmaps  201', 'get configmaps zz 404', 'delete configmaps a 200']);
  });
});
