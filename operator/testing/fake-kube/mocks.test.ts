import { AppsV1Api, CoreV1Api, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import type { KubeConfig, V1StatefulSet } from '@kubernetes/client-node';
import { FakeKube } from './index';
import type { JsonObject } from './index';
import { waitFor } from './test-helpers.test-util';

let fake: FakeKube;
let kc: KubeConfig;
let core: CoreV1Api;
let apps: AppsV1Api;
const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

beforeEach(async () => {
  fake = await FakeKube.start();
  fake.enableMocks();
  kc = fake.kubeConfig();
  core = kc.makeApiClient(CoreV1Api);
  apps = kc.makeApiClient(AppsV1Api);
});
afterEach(async () => {
  await fake.stop();
});

function sts(name: string, replicas: number, image: string, policy: 'Parallel' | 'OrderedReady' = 'Parallel'): V1StatefulSet {
  return {
    metadata: { name },
    spec: {
      replicas,
      serviceName: name,
      podManagementPolicy: policy,
      updateStrategy: { type: 'OnDelete' },
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'broker', image }] } },
      volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }],
    },
  };
}

const podNames = (): string[] => fake.list('pods', 'default').map((p) => (p.metadata as JsonObject).name as string).sort();
const pvcNames = (): string[] => fake.list('persistentvolumeclaims', 'default').map((p) => (p.metadata as JsonObject).name as string).sort();
const image = (pod: string): string => (((fake.get('pods', 'default', pod)?.spec as JsonObject).containers as JsonObject[])[0].image as string);
const stsStatus = (name: string): JsonObject => (fake.get('statefulsets', 'default', name)?.status ?? {}) as JsonObject;

describe('StatefulSet mock controller', () => {
  test('creates pods <sts>-<i> and unowned PVCs <template>-<sts>-<i>; the kubelet gives pods IPs; PVCs bind', async () => {
    await apps.createNamespacedStatefulSet({ namespace: 'default', body: sts('b', 2, 'img:1') });
    await waitFor(() => podNames().length === 2 && fake.list('pods', 'default').every((p) => (p.status as JsonObject).podIP));
    expect(podNames()).toEqual(['b-0', 'b-1']);
    expect(pvcNames()).toEqual(['data-b-0', 'data-b-1']);
    const pod = fake.get('pods', 'default', 'b-0') as JsonObject;
    const meta = pod.metadata as JsonObject;
    expect((meta.ownerReferences as JsonObject[])[0]).toMatchObject({ kind: 'StatefulSet', name: 'b', controller: true });
    expect((meta.labels as JsonObject)['controller-revision-hash']).toBe(stsStatus('b').updateRevision);
    expect((pod.spec as JsonObject).subdomain).toBe('b');
    expect(((pod.spec as JsonObject).volumes as JsonObject[])[0]).toEqual({ name: 'data', persistentVolumeClaim: { claimName: 'data-b-0' } });
    expect((fake.get('persistentvolumeclaims', 'default', 'data-b-0')?.metadata as JsonObject).ownerReferences).toBeUndefined();
    await waitFor(() => fake.list('persistentvolumeclaims', 'default').every((p) => (p.status as JsonObject | undefined)?.phase === 'Bound'));
  });

  test('status follows readiness; readyReplicas is omitted while zero', async () => {
    await apps.createNamespacedStatefulSet({ namespace: 'default', body: sts('b', 2, 'img:1') });
    await waitFor(() => stsStatus('b').replicas === 2);
    expect(stsStatus('b').readyReplicas).toBeUndefined();
    fake.setPodReady('default', 'b-0', true);
    fake.setPodReady('default', 'b-1', true);
    await waitFor(() => stsStatus('b').readyReplicas === 2);
    const read = await apps.readNamespacedStatefulSet({ name: 'b', namespace: 'default' });
    expect(read.status?.currentRevision).toBe(read.status?.updateRevision);
    const pod = await core.readNamespacedPod({ name: 'b-0', namespace: 'default' });
    expect(pod.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
  });

  test('OrderedReady creates the next ordinal only once the previous one is Ready', async () => {
    await apps.createNamespacedStatefulSet({ namespace: 'default', body: sts('o', 2, 'img:1', 'OrderedReady') });
    await waitFor(() => podNames().length === 1 && (fake.get('pods', 'default', 'o-0')?.status as JsonObject).phase === 'Running');
    expect(podNames()).toEqual(['o-0']);
    fake.setPodReady('default', 'o-0', true);
    await waitFor(() => podNames().length === 2);
  });

  test('OnDelete: a template change replaces no pod; a killed pod comes back with the current template', async () => {
    await apps.createNamespacedStatefulSet({ namespace: 'default', body: sts('b', 2, 'img:1') });
    await waitFor(() => podNames().length === 2);
    const oldRev = stsStatus('b').updateRevision;
    await apps.patchNamespacedStatefulSet({ name: 'b', namespace: 'default', body: { spec: { template: { spec: { containers: [{ name: 'broker', image: 'img:2' }] } } } } }, merge);
    await waitFor(() => stsStatus('b').updateRevision !== oldRev);
    expect([image('b-0'), image('b-1')]).toEqual(['img:1', 'img:1']);
    expect(stsStatus('b').currentRevision).toBe(oldRev);
    const uidBefore = (fake.get('pods', 'default', 'b-1')?.metadata as JsonObject).uid;
    const ipBefore = (fake.get('pods', 'default', 'b-1')?.status as JsonObject).podIP;
    fake.killPod('default', 'b-1');
    await waitFor(() => fake.get('pods', 'default', 'b-1') !== undefined && (fake.get('pods', 'default', 'b-1')?.status as JsonObject).phase === 'Running');
    const fresh = fake.get('pods', 'default', 'b-1') as JsonObject;
    expect((fresh.metadata as JsonObject).uid).not.toBe(uidBefore);
    expect((fresh.status as JsonObject).podIP).not.toBe(ipBefore);
    expect(image('b-1')).toBe('img:2');
    expect(image('b-0')).toBe('img:1');
    await waitFor(() => stsStatus('b').updatedReplicas === 1);
  });

  test('a client DELETE of a running pod terminates it gracefully: deletionTimestamp, not Ready, then gone and recreated', async () => {
    await apps.createNamespacedStatefulSet({ namespace: 'default', body: sts('g', 1, 'img:1') });
    await waitFor(() => (fake.get('pods', 'default', 'g-0')?.status as JsonObject | undefined)?.phase === 'Running');
    fake.setPodReady('default', 'g-0', true);
    const uid = (fake.get('pods', 'default', 'g-0')?.metadata as JsonObject).uid;
    const seen: string[] = [];
    const stop = fake.core.store.subscribe((ev) => {
      if (ev.key !== '/pods') return;
      const meta = ev.object.metadata as JsonObject;
      if (meta.uid === uid) seen.push(`${ev.type}${meta.deletionTimestamp ? ':terminating' : ''}`);
    });
    const deleted = await core.deleteNamespacedPod({ name: 'g-0', namespace: 'default' });
    expect(deleted.metadata?.deletionTimestamp).toBeDefined();
    expect(deleted.metadata?.deletionGracePeriodSeconds).toBe(30);
    await waitFor(() => {
      const p = fake.get('pods', 'default', 'g-0');
      return p !== undefined && (p.metadata as JsonObject).uid !== uid;
    });
    stop();
    expect(seen).toEqual(['MODIFIED:terminating', 'MODIFIED:terminating', 'DELETED:terminating']);
  });

  test('scale down deletes the highest ordinals and keeps their PVCs; scale up reuses them', async () => {
    await apps.createNamespacedStatefulSet({ namespace: 'default', body: sts('b', 3, 'img:1') });
    await waitFor(() => podNames().length === 3);
    await apps.patchNamespacedStatefulSetScale({ name: 'b', namespace: 'default', body: [{ op: 'replace', path: '/spec/replicas', value: 1 }] });
    await waitFor(() => podNames().length === 1);
    expect(podNames()).toEqual(['b-0']);
    expect(pvcNames()).toEqual(['data-b-0', 'data-b-1', 'data-b-2']);
    await apps.patchNamespacedStatefulSet({ name: 'b', namespace: 'default', body: { spec: { replicas: 2 } } }, merge);
    await waitFor(() => podNames().length === 2);
    expect(pvcNames()).toHaveLength(3);
  });

  test('deleting the StatefulSet deletes its pods (owner references) but not its PVCs', async () => {
    await apps.createNamespacedStatefulSet({ namespace: 'default', body: sts('b', 2, 'img:1') });
    await waitFor(() => podNames().length === 2);
    await apps.deleteNamespacedStatefulSet({ name: 'b', namespace: 'default' });
    await waitFor(() => podNames().length === 0);
    expect(pvcNames()).toHaveLength(2);
  });
});

describe('Deployment mock controller and kubelet options', () => {
  test('marks the Deployment available', async () => {
    await apps.createNamespacedDeployment({
      namespace: 'default',
      body: { metadata: { name: 'ns' }, spec: { replicas: 2, selector: { matchLabels: { a: 'n' } }, template: { metadata: { labels: { a: 'n' } }, spec: { containers: [{ name: 'c', image: 'i:1' }] } } } },
    });
    await waitFor(() => ((fake.get('deployments', 'default', 'ns')?.status as JsonObject | undefined)?.availableReplicas as number) === 2);
    const d = await apps.readNamespacedDeployment({ name: 'ns', namespace: 'default' });
    expect(d.status?.conditions?.find((c) => c.type === 'Available')?.status).toBe('True');
    expect(d.status?.observedGeneration).toBe(1);
  });

  test('createPods runs the pods; autoReady and podIp choose readiness and addresses', async () => {
    await fake.stop();
    fake = await FakeKube.start();
    fake.enableMocks({ deployments: { createPods: true }, kubelet: { autoReady: true, podIp: (_pod, n) => `127.0.0.${n + 1}` } });
    kc = fake.kubeConfig();
    apps = kc.makeApiClient(AppsV1Api);
    await apps.createNamespacedDeployment({
      namespace: 'default',
      body: { metadata: { name: 'n' }, spec: { replicas: 2, selector: { matchLabels: { a: 'n' } }, template: { metadata: { labels: { a: 'n' } }, spec: { containers: [{ name: 'c', image: 'i:1' }] } } } },
    });
    await waitFor(() => ((fake.get('deployments', 'default', 'n')?.status as JsonObject | undefined)?.readyReplicas as number) === 2);
    const ips = fake.list('pods', 'default').map((p) => (p.status as JsonObject).podIP as string).sort();
    expect(ips).toEqual(['127.0.0.2', '127.0.0.3']);
  });
});
