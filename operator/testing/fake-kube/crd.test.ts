import { ApiextensionsV1Api, CustomObjectsApi, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import type { KubeConfig } from '@kubernetes/client-node';
import { FakeKube } from './index';
import { codeOf, statusOf } from './test-helpers.test-util';

let fake: FakeKube;
let kc: KubeConfig;
let custom: CustomObjectsApi;
let ext: ApiextensionsV1Api;

const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
const G = { group: 'example.io', version: 'v1', plural: 'widgets', namespace: 'default' };

const crd = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'widgets.example.io' },
  spec: {
    group: 'example.io',
    scope: 'Namespaced',
    names: { plural: 'widgets', singular: 'widget', kind: 'Widget', shortNames: ['wd'] },
    versions: [
      {
        name: 'v1',
        served: true,
        storage: true,
        subresources: { status: {}, scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas', labelSelectorPath: '.status.selector' } },
        schema: {
          openAPIV3Schema: {
            type: 'object',
            properties: {
              spec: {
                type: 'object',
                required: ['image'],
                properties: {
                  image: { type: 'string', minLength: 1 },
                  replicas: { type: 'integer', minimum: 1, maximum: 5, default: 2 },
                  mode: { type: 'string', enum: ['async', 'sync'], default: 'async' },
                  storage: { type: 'object', default: {}, properties: { size: { type: 'string', default: '10Gi', pattern: '^[0-9]+[MG]i$' } } },
                  config: { type: 'object', additionalProperties: { type: 'string' } },
                  extra: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
                },
              },
              status: { type: 'object', properties: { replicas: { type: 'integer' }, selector: { type: 'string' }, epoch: { type: 'integer' } } },
            },
          },
        },
      },
    ],
  },
};

beforeEach(async () => {
  fake = await FakeKube.start();
  kc = fake.kubeConfig();
  custom = kc.makeApiClient(CustomObjectsApi);
  ext = kc.makeApiClient(ApiextensionsV1Api);
  // Installed as raw JSON: client-node's typed V1CustomResourceDefinition spells `default`/`enum` as
  // `_default`/`_enum` and silently drops the JSON names when it serializes a plain object.
  fake.create(JSON.parse(JSON.stringify(crd)));
});
afterEach(async () => {
  await fake.stop();
});

type Widget = { metadata: { name: string; resourceVersion: string; generation: number }; spec: Record<string, unknown>; status?: Record<string, unknown> };

describe('CustomResourceDefinitions', () => {
  test('a created CRD is Established and its group becomes discoverable', async () => {
    const got = await ext.readCustomResourceDefinition({ name: 'widgets.example.io' });
    expect(got.status?.conditions?.find((c) => c.type === 'Established')?.status).toBe('True');
    const res = await fetch(`${fake.url}/apis/example.io/v1`, { headers: { Authorization: `Bearer ${(kc.getCurrentUser() as { token: string }).token}` } });
    const list = (await res.json()) as { resources: { name: string }[] };
    expect(list.resources.map((r) => r.name)).toEqual(['widgets', 'widgets/status', 'widgets/scale']);
  });

  test('a non-structural schema, a wrong name or two storage versions are refused with 422', async () => {
    const bad = JSON.parse(JSON.stringify(crd));
    bad.metadata.name = 'gadgets.example.io';
    bad.spec.names = { plural: 'gadgets', kind: 'Gadget' };
    bad.spec.versions[0].schema.openAPIV3Schema.properties.spec.properties.untyped = {};
    const s = await statusOf(ext.createCustomResourceDefinition({ body: bad }));
    expect(s.code).toBe(422);
    expect(s.details?.causes?.some((c) => c.field?.includes('properties[untyped].type'))).toBe(true);
    const closed = JSON.parse(JSON.stringify(crd));
    closed.metadata.name = 'gadgets.example.io';
    closed.spec.names = { plural: 'gadgets', kind: 'Gadget' };
    closed.spec.versions[0].schema.openAPIV3Schema.properties.spec.additionalProperties = false;
    const c = await statusOf(ext.createCustomResourceDefinition({ body: closed }));
    expect(c.details?.causes?.map((x) => x.message)).toContain('Forbidden: additionalProperties cannot be set to false');
    const misnamed = JSON.parse(JSON.stringify(crd));
    misnamed.metadata.name = 'other.example.io';
    expect(await codeOf(ext.createCustomResourceDefinition({ body: misnamed }))).toBe(422);
  });
});

describe('custom resources', () => {
  test('defaults are applied (nested, inside defaulted objects) and unknown fields pruned', async () => {
    const w = (await custom.createNamespacedCustomObject({ ...G, body: { apiVersion: 'example.io/v1', kind: 'Widget', metadata: { name: 'w' }, spec: { image: 'i', bogus: 1, extra: { keep: true } } } })) as Widget;
    expect(w.spec).toEqual({ image: 'i', replicas: 2, mode: 'async', storage: { size: '10Gi' }, extra: { keep: true } });
    expect(w.metadata.generation).toBe(1);
  });

  test('schema violations are 422 Invalid with one cause per field', async () => {
    const s = await statusOf(
      custom.createNamespacedCustomObject({ ...G, body: { apiVersion: 'example.io/v1', kind: 'Widget', metadata: { name: 'w' }, spec: { replicas: 9, mode: 'fast', storage: { size: 'big' }, config: { a: 1 } } } }),
    );
    expect([s.code, s.reason]).toEqual([422, 'Invalid']);
    const fields = (s.details?.causes ?? []).map((c) => `${c.field}:${c.reason}`).sort();
    expect(fields).toEqual(['spec.config.a:FieldValueTypeInvalid', 'spec.image:FieldValueRequired', 'spec.mode:FieldValueNotSupported', 'spec.replicas:FieldValueInvalid', 'spec.storage.size:FieldValueInvalid']);
    expect(s.message).toContain('Widget.example.io "w" is invalid');
  });

  test('status subresource isolation and generation: spec bumps it, status and metadata do not', async () => {
    await custom.createNamespacedCustomObject({ ...G, body: { apiVersion: 'example.io/v1', kind: 'Widget', metadata: { name: 'w' }, spec: { image: 'i' }, status: { epoch: 9 } } });
    let w = (await custom.getNamespacedCustomObject({ ...G, name: 'w' })) as Widget;
    expect(w.status).toBeUndefined();
    w.status = { epoch: 1 };
    w = (await custom.replaceNamespacedCustomObjectStatus({ ...G, name: 'w', body: w })) as Widget;
    expect([w.status?.epoch, w.metadata.generation]).toEqual([1, 1]);
    w = (await custom.patchNamespacedCustomObject({ ...G, name: 'w', body: { metadata: { labels: { a: 'b' } }, status: { epoch: 5 } } }, merge)) as Widget;
    expect([w.status?.epoch, w.metadata.generation]).toEqual([1, 1]);
    w = (await custom.patchNamespacedCustomObject({ ...G, name: 'w', body: { spec: { replicas: 3 } } }, merge)) as Widget;
    expect(w.metadata.generation).toBe(2);
    const stale = { ...w, metadata: { ...w.metadata, resourceVersion: '1' }, status: { epoch: 2 } };
    expect(await codeOf(custom.replaceNamespacedCustomObjectStatus({ ...G, name: 'w', body: stale }))).toBe(409);
  });

  test('PUT of a custom resource without resourceVersion is 422 (custom resources allow no unconditional update)', async () => {
    await custom.createNamespacedCustomObject({ ...G, body: { apiVersion: 'example.io/v1', kind: 'Widget', metadata: { name: 'w' }, spec: { image: 'i' } } });
    const s = await statusOf(custom.replaceNamespacedCustomObject({ ...G, name: 'w', body: { apiVersion: 'example.io/v1', kind: 'Widget', metadata: { name: 'w' }, spec: { image: 'j' } } }));
    expect(s.code).toBe(422);
    expect(s.details?.causes?.[0].field).toBe('metadata.resourceVersion');
  });

  test('strategic merge patch on a custom resource is 415', async () => {
    await custom.createNamespacedCustomObject({ ...G, body: { apiVersion: 'example.io/v1', kind: 'Widget', metadata: { name: 'w' }, spec: { image: 'i' } } });
    expect(await codeOf(custom.patchNamespacedCustomObject({ ...G, name: 'w', body: { spec: { replicas: 3 } } }, setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch)))).toBe(415);
  });

  test('scale subresource reads and writes the declared replica paths', async () => {
    await custom.createNamespacedCustomObject({ ...G, body: { apiVersion: 'example.io/v1', kind: 'Widget', metadata: { name: 'w' }, spec: { image: 'i' } } });
    fake.updateStatus('widgets.example.io', 'default', 'w', (s) => {
      s.replicas = 2;
      s.selector = 'app=w';
    });
    const scale = (await custom.getNamespacedCustomObjectScale({ ...G, name: 'w' })) as { spec: { replicas: number }; status: { replicas: number; selector: string } };
    expect(scale).toMatchObject({ spec: { replicas: 2 }, status: { replicas: 2, selector: 'app=w' } });
    await custom.replaceNamespacedCustomObjectScale({ ...G, name: 'w', body: { apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: { name: 'w', namespace: 'default' }, spec: { replicas: 4 } } });
    expect((fake.get('widgets.example.io', 'default', 'w')?.spec as { replicas: number }).replicas).toBe(4);
    const tooMany = await statusOf(custom.replaceNamespacedCustomObjectScale({ ...G, name: 'w', body: { apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: { name: 'w' }, spec: { replicas: 6 } } }));
    expect(tooMany.code).toBe(422);
  });

  test('deleting the CRD deletes its custom resources and the group stops being served', async () => {
    await custom.createNamespacedCustomObject({ ...G, body: { apiVersion: 'example.io/v1', kind: 'Widget', metadata: { name: 'w' }, spec: { image: 'i' } } });
    await ext.deleteCustomResourceDefinition({ name: 'widgets.example.io' });
    expect(await codeOf(custom.listNamespacedCustomObject(G))).toBe(404);
    fake.create(JSON.parse(JSON.stringify(crd)));
    const list = (await custom.listNamespacedCustomObject(G)) as { items: unknown[] };
    expect(list.items).toEqual([]);
  });
});
