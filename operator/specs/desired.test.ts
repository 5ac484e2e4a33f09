import { kubeSchemaProblems } from '../api/kube-schema-check.test-util';
import { fullySpecifiedCluster } from '../api/fixtures.test-util';
import { validateRocketCluster } from '../api';
import type { V1StatefulSet } from '@kubernetes/client-node';
import { brokerStatefulSet, podTemplateHash } from './broker';
import { configHash } from './broker-conf';
import type { ChildObject } from './desired';
import { CHILD_KINDS, childKey, desiredState } from './desired';
import { adminTokenOf, adminTokenSecret, serviceMonitor } from './extras';
import { isOwnedBy, ownerReference } from './meta';
import { makeCluster } from './test-kit.test-util';

const TOKEN = '0123456789abcdef'.repeat(4);
const kindsAndNames = (children: readonly ChildObject[]): string[] => children.map((o) => `${o.kind}/${o.metadata?.name}`);

describe('desiredState', () => {
  it('builds config, nameservers and, per group, a Service, StatefulSet and PDB', () => {
    expect(kindsAndNames(desiredState(makeCluster()))).toEqual([
      'ConfigMap/demo-broker-config',
      'Service/demo-nameserver',
      'Service/demo-nameserver-headless',
      'Deployment/demo-nameserver',
      'PodDisruptionBudget/demo-nameserver',
      'Service/demo-broker-0',
      'StatefulSet/demo-broker-0',
      'PodDisruptionBudget/demo-broker-0',
    ]);
  });

  it('scales by whole groups, keeps draining groups the caller names, and adds the Secret and ServiceMonitor on request', () => {
    const c = makeCluster({ broker: { groups: 3 }, metrics: { serviceMonitor: { enabled: true } } });
    const sets = (children: ChildObject[]): string[] => children.filter((o) => o.kind === 'StatefulSet').map((o) => o.metadata!.name!);
    expect(sets(desiredState(c))).toEqual(['demo-broker-0', 'demo-broker-1', 'demo-broker-2']);
    expect(sets(desiredState(c, { groups: [4, 0, 1, 2, 3, 4] }))).toEqual(['demo-broker-0', 'demo-broker-1', 'demo-broker-2', 'demo-broker-3', 'demo-broker-4']);
    const all = desiredState(c, { adminToken: TOKEN });
    expect(all[0]?.kind).toBe('Secret');
    expect(all[all.length - 1]?.kind).toBe('ServiceMonitor');
    expect(desiredState(makeCluster()).some((o) => o.kind === 'ServiceMonitor' || o.kind === 'Secret')).toBe(false);
  });

  it('hashes the config hash (the one given when given) with each group\'s pod spec', () => {
    const c = makeCluster({ broker: { groups: 2 } });
    const sets = (children: ChildObject[]): V1StatefulSet[] => children.filter((o): o is V1StatefulSet => o.kind === 'StatefulSet');
    const hashes = (children: ChildObject[]): string[] => sets(children).map((o) => o.spec!.template.metadata!.annotations!['rocketcluster.io/config-hash']!);
    expect(hashes(desiredState(c))).toEqual(sets(desiredState(c)).map((s) => podTemplateHash(configHash(c), s.spec!.template.spec!)));
    expect(hashes(desiredState(c, { configHash: 'abc' }))).toEqual(sets(desiredState(c)).map((s) => podTemplateHash('abc', s.spec!.template.spec!)));
    expect(new Set(hashes(desiredState(c))).size).toBe(2);
  });

  it('owns every child (controller, blockOwnerDeletion) in the cluster namespace with the standard labels', () => {
    const c = makeCluster({ broker: { groups: 2 }, metrics: { serviceMonitor: { enabled: true } } }, 'orders', 'shop');
    for (const child of desiredState(c, { adminToken: TOKEN })) {
      const m = child.metadata!;
      expect([childKey(child), m.ownerReferences]).toEqual([childKey(child), [{ apiVersion: 'rocketcluster.io/v1alpha1', kind: 'RocketCluster', name: 'orders', uid: 'uid-shop-orders', controller: true, blockOwnerDeletion: true }]]);
      expect(m.namespace).toBe('shop');
      expect(m.labels).toMatchObject({ 'app.kubernetes.io/name': 'rocketcluster', 'app.kubernetes.io/instance': 'orders', 'app.kubernetes.io/managed-by': 'rocketcluster-operator', 'rocketcluster.io/cluster': 'orders' });
      expect(isOwnedBy(m.ownerReferences, c)).toBe(true);
      expect(CHILD_KINDS.some((k) => k.apiVersion === child.apiVersion && k.kind === child.kind)).toBe(true);
    }
  });

  it('refuses to build children of a cluster without a uid (they would never be garbage-collected)', () => {
    const c = makeCluster();
    expect(() => ownerReference({ ...c, metadata: { ...c.metadata, uid: undefined } })).toThrow(/has no uid/);
  });
});

describe('admin token Secret and ServiceMonitor', () => {
  it('stores the token base64-encoded under key token and reads it back', () => {
    const secret = adminTokenSecret(makeCluster(), TOKEN);
    expect(secret.metadata?.name).toBe('demo-admin-token');
    expect(Object.keys(secret.data ?? {})).toEqual(['token']);
    expect(adminTokenOf(secret)).toBe(TOKEN);
    expect(adminTokenOf({ data: {} })).toBeUndefined();
    expect(() => adminTokenSecret(makeCluster(), 'short')).toThrow();
  });

  it('scrapes the http port of the Services labelled for metrics in the cluster namespace, with the user labels', () => {
    const c = makeCluster({ metrics: { serviceMonitor: { enabled: true, interval: '15s', labels: { release: 'prom' } } } });
    const sm = serviceMonitor(c);
    expect(sm.metadata.labels).toMatchObject({ release: 'prom' });
    expect(sm.spec.selector).toEqual({ matchLabels: { 'rocketcluster.io/cluster': 'demo', 'rocketcluster.io/metrics': 'true' } });
    expect(sm.spec.namespaceSelector).toEqual({ matchNames: ['ns'] });
    expect(sm.spec.endpoints).toEqual([{ port: 'http', path: '/metrics', interval: '15s', scheme: 'http' }]);
    const scraped = desiredState(c)
      .filter((o) => o.kind === 'Service' && Object.entries(sm.spec.selector.matchLabels!).every(([k, v]) => o.metadata?.labels?.[k] === v))
      .map((o) => o.metadata!.name);
    expect(scraped).toEqual(['demo-nameserver', 'demo-broker-0']);
  });
});

describe('every generated manifest against the Kubernetes API schema of its kind', () => {
  it('has no schema error and no field Kubernetes does not know, for a minimal, a full and a metrics-off cluster', () => {
    const full = validateRocketCluster(fullySpecifiedCluster());
    if (!full.ok) throw new Error(full.error.join('; '));
    const manifests = [
      ...desiredState(makeCluster(), { adminToken: TOKEN }),
      ...desiredState(full.value, { adminToken: TOKEN }),
      ...desiredState(makeCluster({ metrics: { enabled: false }, nameserver: { replicas: 1 }, broker: { replicasPerGroup: 1 } }, 'quiet')),
    ];
    // Two broken objects ride along to show the check bites: a misspelt field and a wrong type.
    const broken = [
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'typo' }, spec: { clusterIP: 'None', publishNotReadyAddress: true } },
      { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'wrong' }, spec: { ...brokerStatefulSet(makeCluster(), 0).spec, replicas: 'two' } },
    ];
    expect(kubeSchemaProblems([...manifests, ...broken])).toEqual(['Service/typo: unknown field .spec.publishNotReadyAddress', 'StatefulSet/wrong: /spec/replicas must be integer']);
  });
});
