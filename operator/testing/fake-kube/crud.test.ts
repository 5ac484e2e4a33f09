import { AppsV1Api, CoordinationV1Api, CoreV1Api, KubernetesObjectApi, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import type { KubeConfig } from '@kubernetes/client-node';
import { FakeKube } from './index';
import { codeOf, statusOf } from './test-helpers.test-util';

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

const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
const strategic = setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch);

function deployment(name: string, image = 'img:1'): object {
  return {
    metadata: { name, labels: { app: name } },
    spec: { selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image, env: [{ name: 'A', value: '1' }] }] } } },
  };
}

describe('create/get/update/delete as on a real API server', () => {
  test('create, get, replace with the current resourceVersion, 409 Conflict on a stale one, 409 AlreadyExists, delete, 404', async () => {
    const created = await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'a' }, data: { k: 'v' } } });
    expect(created.metadata?.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(created.metadata?.creationTimestamp).toBeDefined();
    const rv1 = created.metadata?.resourceVersion as string;
    const got = await core.readNamespacedConfigMap({ name: 'a', namespace: 'default' });
    got.data = { k: 'w' };
    const updated = await core.replaceNamespacedConfigMap({ name: 'a', namespace: 'default', body: got });
    expect(Number(updated.metadata?.resourceVersion)).toBeGreaterThan(Number(rv1));
    const stale = await statusOf(core.replaceNamespacedConfigMap({ name: 'a', namespace: 'default', body: { ...got, metadata: { ...got.metadata, resourceVersion: rv1 } } }));
    expect([stale.code, stale.reason]).toEqual([409, 'Conflict']);
    expect(stale.message).toContain('the object has been modified');
    const dup = await statusOf(core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'a' } } }));
    expect([dup.code, dup.reason]).toEqual([409, 'AlreadyExists']);
    await core.deleteNamespacedConfigMap({ name: 'a', namespace: 'default' });
    const nf = await statusOf(core.readNamespacedConfigMap({ name: 'a', namespace: 'default' }));
    expect([nf.code, nf.reason, nf.message]).toEqual([404, 'NotFound', 'configmaps "a" not found']);
    expect(await codeOf(core.deleteNamespacedConfigMap({ name: 'a', namespace: 'default' }))).toBe(404);
  });

  test('an immediate DELETE answers with a Success Status, or with the object for kinds that return it (pods, services, PVCs)', async () => {
    await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'a' } } });
    const st = await core.deleteNamespacedConfigMap({ name: 'a', namespace: 'default' });
    expect([st.kind, st.status, st.details?.name]).toEqual(['Status', 'Success', 'a']);
    await core.createNamespacedPod({ namespace: 'default', body: { metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'i:1' }] } } });
    const pod = await core.deleteNamespacedPod({ name: 'p', namespace: 'default' });
    expect(pod.metadata?.name).toBe('p');
  });

  test('a PUT without resourceVersion is an unconditional update for built-in kinds', async () => {
    await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'u' }, data: { a: '1' } } });
    const out = await core.replaceNamespacedConfigMap({ name: 'u', namespace: 'default', body: { metadata: { name: 'u' }, data: { a: '2' } } });
    expect(out.data).toEqual({ a: '2' });
  });

  test('an update that changes nothing keeps the resourceVersion (no event)', async () => {
    const c = await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'same' }, data: { a: '1' } } });
    const again = await core.replaceNamespacedConfigMap({ name: 'same', namespace: 'default', body: c });
    expect(again.metadata?.resourceVersion).toBe(c.metadata?.resourceVersion);
  });

  test('generateName gets a 5-character suffix; no name at all is 422', async () => {
    const a = await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { generateName: 'gen-' } } });
    expect(a.metadata?.name).toMatch(/^gen-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    const s = await statusOf(core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: {} } }));
    expect([s.code, s.reason]).toEqual([422, 'Invalid']);
    expect(s.details?.causes?.[0].field).toBe('metadata.name');
  });

  test('invalid names and label values are 422 with causes', async () => {
    const bad = await statusOf(core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'Bad_Name' } } }));
    expect(bad.code).toBe(422);
    const svc = await statusOf(core.createNamespacedService({ namespace: 'default', body: { metadata: { name: '1svc' }, spec: { ports: [{ port: 80 }] } } }));
    expect(svc.code).toBe(422);
    const lbl = await statusOf(core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'x', labels: { a: 'not valid!' } } } }));
    expect(lbl.details?.causes?.[0].field).toBe('metadata.labels');
  });

  test('the namespace must exist (404) and must not be terminating (403)', async () => {
    expect(await codeOf(core.createNamespacedConfigMap({ namespace: 'nope', body: { metadata: { name: 'a' } } }))).toBe(404);
    await core.createNamespace({ body: { metadata: { name: 'n1', finalizers: ['test/hold'] } } });
    await core.createNamespacedConfigMap({ namespace: 'n1', body: { metadata: { name: 'a' } } });
    await core.deleteNamespace({ name: 'n1' });
    expect(await codeOf(core.createNamespacedConfigMap({ namespace: 'n1', body: { metadata: { name: 'b' } } }))).toBe(403);
  });

  test('body namespace or name that disagrees with the URL is 400', async () => {
    expect(await codeOf(core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'a', namespace: 'kube-system' } } }))).toBe(400);
    await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'a' } } });
    expect(await codeOf(core.replaceNamespacedConfigMap({ name: 'a', namespace: 'default', body: { metadata: { name: 'b' } } }))).toBe(400);
  });

  test('requests without the bearer token are 401', async () => {
    const res = await fetch(`${fake.url}/api/v1/namespaces`);
    expect(res.status).toBe(401);
    expect(((await res.json()) as { kind: string }).kind).toBe('Status');
  });
});

describe('status subresource and generation of built-in kinds', () => {
  test('main PUT ignores status, /status PUT ignores spec, generation moves on spec changes only', async () => {
    await apps.createNamespacedDeployment({ namespace: 'default', body: deployment('d') });
    const d = await apps.readNamespacedDeployment({ name: 'd', namespace: 'default' });
    expect(d.metadata?.generation).toBe(1);
    d.status = { replicas: 5 };
    const afterMain = await apps.replaceNamespacedDeployment({ name: 'd', namespace: 'default', body: d });
    expect(afterMain.status?.replicas).toBeUndefined();
    afterMain.status = { replicas: 3 };
    afterMain.spec!.replicas = 7;
    const afterStatus = await apps.replaceNamespacedDeploymentStatus({ name: 'd', namespace: 'default', body: afterMain });
    expect([afterStatus.status?.replicas, afterStatus.spec?.replicas, afterStatus.metadata?.generation]).toEqual([3, 1, 1]);
    const labelled = await apps.patchNamespacedDeployment({ name: 'd', namespace: 'default', body: { metadata: { labels: { x: 'y' } } } }, merge);
    expect(labelled.metadata?.generation).toBe(1);
    const scaled = await apps.patchNamespacedDeployment({ name: 'd', namespace: 'default', body: { spec: { replicas: 4 } } }, merge);
    expect(scaled.metadata?.generation).toBe(2);
  });

  test('built-in defaults are applied on write (as the API server does)', async () => {
    const d = await apps.createNamespacedDeployment({ namespace: 'default', body: deployment('dd', 'img') });
    expect(d.spec?.replicas).toBe(1);
    expect(d.spec?.strategy?.type).toBe('RollingUpdate');
    expect(d.spec?.template.spec?.containers[0].imagePullPolicy).toBe('Always');
    expect(d.spec?.template.spec?.restartPolicy).toBe('Always');
    const svc = await core.createNamespacedService({ namespace: 'default', body: { metadata: { name: 's' }, spec: { ports: [{ port: 80 }] } } });
    expect(svc.spec?.clusterIP).toMatch(/^10\.96\./);
    expect(svc.spec?.ports?.[0]).toMatchObject({ protocol: 'TCP', targetPort: 80 });
    const same = await core.replaceNamespacedService({ name: 's', namespace: 'default', body: { ...svc, spec: { ...svc.spec, clusterIP: undefined, clusterIPs: undefined } } });
    expect(same.spec?.clusterIP).toBe(svc.spec?.clusterIP);
  });

  test('immutable fields: StatefulSet volumeClaimTemplates and selector/template mismatch are 422', async () => {
    const sts = {
      metadata: { name: 's' },
      spec: {
        serviceName: 's',
        selector: { matchLabels: { app: 's' } },
        template: { metadata: { labels: { app: 's' } }, spec: { containers: [{ name: 'c', image: 'i:1' }] } },
        volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }],
      },
    };
    const created = await apps.createNamespacedStatefulSet({ namespace: 'default', body: sts });
    created.spec!.volumeClaimTemplates![0].spec!.resources!.requests = { storage: '2Gi' };
    expect((await statusOf(apps.replaceNamespacedStatefulSet({ name: 's', namespace: 'default', body: created }))).code).toBe(422);
    const mismatch = { ...sts, metadata: { name: 't' }, spec: { ...sts.spec, selector: { matchLabels: { app: 'other' } } } };
    expect(await codeOf(apps.createNamespacedStatefulSet({ namespace: 'default', body: mismatch }))).toBe(422);
  });
});

describe('field validation of built-in kinds', () => {
  const fields = async (p: Promise<unknown>): Promise<string[]> => ((await statusOf(p)).details?.causes ?? []).map((c) => `${c.field}:${c.reason}`);

  test('pod specs: containers required, mounts must name a volume (or a StatefulSet claim template), unique port names', async () => {
    expect(await fields(core.createNamespacedPod({ namespace: 'default', body: { metadata: { name: 'p' }, spec: { containers: [] } } }))).toEqual(['spec.containers:FieldValueRequired']);
    const mount = { name: 'c', image: 'i:1', volumeMounts: [{ name: 'data', mountPath: '/data' }], ports: [{ name: 'http', containerPort: 80 }, { name: 'http', containerPort: 81 }] };
    expect(await fields(core.createNamespacedPod({ namespace: 'default', body: { metadata: { name: 'p' }, spec: { containers: [mount] } } }))).toEqual([
      'spec.containers[0].ports[1].name:FieldValueDuplicate',
      'spec.containers[0].volumeMounts[0].name:FieldValueNotFound',
    ]);
    const sts = {
      metadata: { name: 's' },
      spec: {
        selector: { matchLabels: { a: 's' } },
        serviceName: 's',
        template: { metadata: { labels: { a: 's' } }, spec: { containers: [{ name: 'c', image: 'i:1', volumeMounts: [{ name: 'data', mountPath: '/data' }] }] } },
        volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }],
      },
    };
    await apps.createNamespacedStatefulSet({ namespace: 'default', body: sts });
  });

  test('services: ports required (unless headless), names required when several; config map keys', async () => {
    expect(await fields(core.createNamespacedService({ namespace: 'default', body: { metadata: { name: 's' }, spec: {} } }))).toEqual(['spec.ports:FieldValueRequired']);
    await core.createNamespacedService({ namespace: 'default', body: { metadata: { name: 'h' }, spec: { clusterIP: 'None', selector: { a: 'b' } } } });
    expect(await fields(core.createNamespacedService({ namespace: 'default', body: { metadata: { name: 't' }, spec: { ports: [{ port: 1 }, { port: 2 }] } } }))).toEqual([
      'spec.ports[0].name:FieldValueRequired',
      'spec.ports[1].name:FieldValueRequired',
    ]);
    expect(await fields(core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'c' }, data: { 'bad key': 'x' } } }))).toEqual(['data[bad key]:FieldValueInvalid']);
  });
});

describe('timestamps of built-in kinds', () => {
  test('metav1.Time drops the fraction, MicroTime keeps six digits, garbage is 400', async () => {
    const coord = kc.makeApiClient(CoordinationV1Api);
    await coord.createNamespacedLease({ namespace: 'default', body: { metadata: { name: 'l' }, spec: { holderIdentity: 'a', renewTime: new Date('2026-01-02T03:04:05.123Z') as never } } });
    const raw = fake.get('leases', 'default', 'l')?.spec as { renewTime: string };
    expect(raw.renewTime).toBe('2026-01-02T03:04:05.123000Z');
    await core.createNamespacedEvent({ namespace: 'default', body: { metadata: { name: 'e' }, involvedObject: { namespace: 'default' }, reason: 'R', firstTimestamp: new Date('2026-01-02T03:04:05.987Z') } });
    expect((fake.get('events', 'default', 'e') as { firstTimestamp: string }).firstTimestamp).toBe('2026-01-02T03:04:05Z');
    const res = await fetch(`${fake.url}/apis/coordination.k8s.io/v1/namespaces/default/leases`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${(kc.getCurrentUser() as { token: string }).token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ metadata: { name: 'bad' }, spec: { renewTime: 'yesterday' } }),
    });
    expect(res.status).toBe(400);
  });
});

describe('quantities of built-in kinds', () => {
  test('resources and claim sizes read back canonical; a non-quantity is 400', async () => {
    const pod = await core.createNamespacedPod({
      namespace: 'default',
      body: { metadata: { name: 'q' }, spec: { containers: [{ name: 'c', image: 'i:1', resources: { requests: { cpu: '1000m', memory: '2048Mi' }, limits: { cpu: 0.5 as never } } }] } },
    });
    expect(pod.spec?.containers[0].resources).toEqual({ requests: { cpu: '1', memory: '2Gi' }, limits: { cpu: '500m' } });
    const pvc = await core.createNamespacedPersistentVolumeClaim({ namespace: 'default', body: { metadata: { name: 'v' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '10240Mi' } } } } });
    expect(pvc.spec?.resources?.requests?.storage).toBe('10Gi');
    expect(await codeOf(core.createNamespacedPersistentVolumeClaim({ namespace: 'default', body: { metadata: { name: 'w' }, spec: { resources: { requests: { storage: '10 GB' } } } } }))).toBe(400);
  });
});

describe('events', () => {
  test('old-style core events need matching namespaces; events.k8s.io events need eventTime, reporter, action, reason, type', async () => {
    const involved = { kind: 'ConfigMap', name: 'x', namespace: 'other' };
    const legacy = await statusOf(core.createNamespacedEvent({ namespace: 'default', body: { metadata: { name: 'e1' }, involvedObject: involved, reason: 'R', message: 'm' } }));
    expect(legacy.details?.causes?.map((c) => c.field)).toEqual(['involvedObject.namespace']);
    await core.createNamespacedEvent({ namespace: 'default', body: { metadata: { name: 'e2' }, involvedObject: { ...involved, namespace: 'default' }, reason: 'R', message: 'm', type: 'Normal' } });
    const res = await fetch(`${fake.url}/apis/events.k8s.io/v1/namespaces/default/events`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${(kc.getCurrentUser() as { token: string }).token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ apiVersion: 'events.k8s.io/v1', kind: 'Event', metadata: { name: 'e3' }, regarding: { kind: 'Pod', name: 'p', namespace: 'default' }, type: 'Info' }),
    });
    const body = (await res.json()) as { code: number; details: { causes: { field: string }[] } };
    expect(body.code).toBe(422);
    expect(body.details.causes.map((c) => c.field)).toEqual(['eventTime', 'reportingController', 'reportingInstance', 'action', 'reason', 'type']);
  });
});

describe('patches', () => {
  test('JSON patch (the client default), merge patch and strategic merge patch', async () => {
    await apps.createNamespacedDeployment({ namespace: 'default', body: deployment('p') });
    const jp = await apps.patchNamespacedDeployment({ name: 'p', namespace: 'default', body: [{ op: 'replace', path: '/spec/replicas', value: 3 }] });
    expect(jp.spec?.replicas).toBe(3);
    // Merge patch replaces lists wholesale...
    const mp = await apps.patchNamespacedDeployment({ name: 'p', namespace: 'default', body: { spec: { template: { spec: { containers: [{ name: 'side', image: 's:1' }] } } } } }, merge);
    expect(mp.spec?.template.spec?.containers.map((c) => c.name)).toEqual(['side']);
    // ...strategic merge patch merges containers by name and env by name.
    const sp = await apps.patchNamespacedDeployment(
      { name: 'p', namespace: 'default', body: { spec: { template: { spec: { containers: [{ name: 'main', image: 'm:1', env: [{ name: 'B', value: '2' }] }] } } } } },
      strategic,
    );
    expect(sp.spec?.template.spec?.containers.map((c) => c.name)).toEqual(['side', 'main']);
    const failedTest = await codeOf(apps.patchNamespacedDeployment({ name: 'p', namespace: 'default', body: [{ op: 'test', path: '/spec/replicas', value: 99 }] }));
    expect(failedTest).toBe(422);
  });

  test('a patch carrying a stale metadata.resourceVersion is a 409', async () => {
    const c = await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'x' } } });
    await core.patchNamespacedConfigMap({ name: 'x', namespace: 'default', body: { data: { a: 'b' } } }, merge);
    const s = await statusOf(core.patchNamespacedConfigMap({ name: 'x', namespace: 'default', body: { metadata: { resourceVersion: c.metadata?.resourceVersion }, data: { a: 'c' } } }, merge));
    expect(s.code).toBe(409);
  });

  test('a patch of an absent object is 404', async () => {
    expect(await codeOf(core.patchNamespacedConfigMap({ name: 'none', namespace: 'default', body: { data: {} } }, merge))).toBe(404);
  });
});

describe('lists and selectors', () => {
  beforeEach(async () => {
    await core.createNamespace({ body: { metadata: { name: 'other' } } });
    const mk = (ns: string, name: string, labels: Record<string, string>): Promise<unknown> => core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name, labels } } });
    await mk('default', 'a', { app: 'x', tier: 'front' });
    await mk('default', 'b', { app: 'y' });
    await mk('other', 'c', { app: 'x', tier: 'back' });
  });

  test('namespaced and cluster-wide lists carry the current resourceVersion', async () => {
    const ns = await core.listNamespacedConfigMap({ namespace: 'default' });
    expect(ns.items.map((i) => i.metadata?.name)).toEqual(['a', 'b']);
    const all = await core.listConfigMapForAllNamespaces();
    expect(all.items.map((i) => i.metadata?.name)).toEqual(['a', 'b', 'c']);
    expect(all.metadata?.resourceVersion).toBe(String(fake.resourceVersion()));
  });

  test('label selectors: equality, inequality, set-based, existence', async () => {
    const names = async (labelSelector: string): Promise<string[]> =>
      (await core.listConfigMapForAllNamespaces({ labelSelector })).items.map((i) => i.metadata?.name as string);
    expect(await names('app=x')).toEqual(['a', 'c']);
    expect(await names('app!=x')).toEqual(['b']);
    expect(await names('tier in (front,back),app=x')).toEqual(['a', 'c']);
    expect(await names('tier notin (front)')).toEqual(['b', 'c']);
    expect(await names('tier')).toEqual(['a', 'c']);
    expect(await names('!tier')).toEqual(['b']);
    expect(await codeOf(core.listConfigMapForAllNamespaces({ labelSelector: 'a b c' }))).toBe(400);
  });

  test('field selectors: metadata.name and metadata.namespace; unsupported fields are 400', async () => {
    const byName = await core.listConfigMapForAllNamespaces({ fieldSelector: 'metadata.name=c' });
    expect(byName.items.map((i) => i.metadata?.namespace)).toEqual(['other']);
    const notDefault = await core.listConfigMapForAllNamespaces({ fieldSelector: 'metadata.namespace!=default' });
    expect(notDefault.items.map((i) => i.metadata?.name)).toEqual(['c']);
    expect(await codeOf(core.listConfigMapForAllNamespaces({ fieldSelector: 'data.x=1' }))).toBe(400);
  });

  test('limit/continue pages through a list', async () => {
    const p1 = await core.listConfigMapForAllNamespaces({ limit: 2 });
    expect(p1.items).toHaveLength(2);
    const p2 = await core.listConfigMapForAllNamespaces({ limit: 2, _continue: p1.metadata?._continue });
    expect(p2.items.map((i) => i.metadata?.name)).toEqual(['c']);
    expect(p2.metadata?._continue).toBeUndefined();
  });
});

describe('KubernetesObjectApi (discovery-driven)', () => {
  test('create/read/patch/delete by apiVersion+kind', async () => {
    const objs = KubernetesObjectApi.makeApiClient(kc);
    await objs.create({ apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'pdb', namespace: 'default' }, spec: { maxUnavailable: 1, selector: { matchLabels: { a: 'b' } } } } as never);
    const read = await objs.read({ apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'pdb', namespace: 'default' } });
    expect((read as unknown as { spec: { maxUnavailable: number } }).spec.maxUnavailable).toBe(1);
    await objs.patch({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'l', namespace: 'default' } } as never, undefined, undefined, 'test', true, PatchStrategy.ServerSideApply);
    expect(fake.get('leases', 'default', 'l')).toBeDefined();
    await objs.delete({ apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'pdb', namespace: 'default' } });
    expect(fake.get('poddisruptionbudgets', 'default', 'pdb')).toBeUndefined();
  });
});
