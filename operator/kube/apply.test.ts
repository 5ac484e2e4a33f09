import { desiredHash, mergeForUpdate, stableJson } from './apply';
import { DESIRED_HASH_ANNOTATION } from './types';
import type { KubeObject } from './types';

type Obj = KubeObject & Record<string, unknown>;

describe('apply helpers', () => {
  const desired: Obj = {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: 's', namespace: 'ns', labels: { a: '1', b: '2' } },
    spec: { replicas: 2, template: { metadata: { labels: { x: 'y' } } } },
  };

  it('hashes content independently of key order and of its own annotation', () => {
    const reordered: Obj = {
      spec: { template: { metadata: { labels: { x: 'y' } } }, replicas: 2 },
      metadata: { labels: { b: '2', a: '1' }, namespace: 'ns', name: 's', annotations: { [DESIRED_HASH_ANNOTATION]: 'old' } },
      kind: 'StatefulSet',
      apiVersion: 'apps/v1',
    };
    expect(desiredHash(reordered)).toBe(desiredHash(desired));
    expect(desiredHash({ ...desired, spec: { replicas: 3 } } as Obj)).not.toBe(desiredHash(desired));
    expect(desiredHash({ ...desired, metadata: { ...desired.metadata, labels: { a: '1' } } })).not.toBe(desiredHash(desired));
    expect(stableJson({ b: [1, { d: 1, c: undefined }], a: null })).toBe('{"a":null,"b":[1,{"d":1}]}');
  });

  it('merges desired over current, keeping status, server metadata and foreign labels', () => {
    const current: Obj = {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: {
        name: 's',
        namespace: 'ns',
        uid: 'u1',
        resourceVersion: '7',
        creationTimestamp: '2026-01-01T00:00:00Z',
        finalizers: ['x/y'],
        labels: { a: 'old', other: 'kept' },
        annotations: { [DESIRED_HASH_ANNOTATION]: 'old', note: 'kept' },
      },
      spec: { replicas: 1, serviceName: 'gone' },
      status: { replicas: 1 },
    };
    const merged = mergeForUpdate(current, desired, 'h1') as Obj;
    expect(merged.spec).toEqual(desired.spec);
    expect(merged.status).toEqual({ replicas: 1 });
    expect(merged.metadata).toMatchObject({
      uid: 'u1',
      resourceVersion: '7',
      creationTimestamp: '2026-01-01T00:00:00Z',
      finalizers: ['x/y'],
      labels: { a: '1', b: '2', other: 'kept' },
      annotations: { [DESIRED_HASH_ANNOTATION]: 'h1', note: 'kept' },
    });
  });

  it("keeps a Service's server-assigned clusterIP(s) unless the desired object sets them", () => {
    const current: Obj = { apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: { clusterIP: '10.0.0.7', clusterIPs: ['10.0.0.7'], ports: [] } };
    const plain = mergeForUpdate(current, { apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: { ports: [{ port: 1 }] } } as Obj, 'h') as Obj;
    expect(plain.spec).toEqual({ clusterIP: '10.0.0.7', clusterIPs: ['10.0.0.7'], ports: [{ port: 1 }] });
    const headless = mergeForUpdate(current, { apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: { clusterIP: 'None' } } as Obj, 'h') as Obj;
    expect((headless.spec as { clusterIP: string }).clusterIP).toBe('None');
  });
});
