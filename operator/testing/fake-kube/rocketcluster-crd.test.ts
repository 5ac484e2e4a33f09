/**
 * The project's own CRD (operator/api buildCrd(), generated into crds/) must be accepted by the fake as by a real API
 * server, and RocketCluster objects must get its defaults and validation.
 */
import { CustomObjectsApi } from '@kubernetes/client-node';
import { buildCrd } from '../../api';
import { FakeKube } from './index';
import type { JsonObject } from './index';
import { statusOf } from './test-helpers.test-util';

const G = { group: 'rocketcluster.io', version: 'v1alpha1', plural: 'rocketclusters', namespace: 'default' };

let fake: FakeKube;
let custom: CustomObjectsApi;

beforeEach(async () => {
  fake = await FakeKube.start();
  custom = fake.kubeConfig().makeApiClient(CustomObjectsApi);
});
afterEach(async () => {
  await fake.stop();
});

test('the generated RocketCluster CRD installs; a minimal cluster is defaulted; schema and name rules hold', async () => {
  // buildCrd() is what crds/ is generated from. (client-node's loadYaml would turn `default` into
  // `_default` — its typed models — so the YAML file is not read through it.)
  fake.create(JSON.parse(JSON.stringify(buildCrd())) as JsonObject);
  const c = (await custom.createNamespacedCustomObject({ ...G, body: { apiVersion: 'rocketcluster.io/v1alpha1', kind: 'RocketCluster', metadata: { name: 'c' }, spec: { image: 'rc:1' } } })) as {
    spec: { broker: { groups: number; replicasPerGroup: number } };
  };
  expect(typeof c.spec.broker.groups).toBe('number');
  expect(typeof c.spec.broker.replicasPerGroup).toBe('number');
  const noImage = await statusOf(custom.createNamespacedCustomObject({ ...G, body: { apiVersion: 'rocketcluster.io/v1alpha1', kind: 'RocketCluster', metadata: { name: 'd' }, spec: {} } }));
  expect(noImage.details?.causes?.map((x) => x.field)).toContain('spec.image');
  const longName = 'x'.repeat(41);
  const tooLong = await statusOf(custom.createNamespacedCustomObject({ ...G, body: { apiVersion: 'rocketcluster.io/v1alpha1', kind: 'RocketCluster', metadata: { name: longName }, spec: { image: 'rc:1' } } }));
  expect(tooLong.details?.causes?.map((x) => x.field)).toContain('metadata.name');
  const scale = (await custom.getNamespacedCustomObjectScale({ ...G, name: 'c' })) as { spec: { replicas: number } };
  expect(scale.spec.replicas).toBe(c.spec.broker.groups);
});

test('the CRD\'s CEL rules are enforced: sync replication bounds on create, storage size immutable on update', async () => {
  fake.create(JSON.parse(JSON.stringify(buildCrd())) as JsonObject);
  const body = (name: string, broker: object): object => ({ apiVersion: 'rocketcluster.io/v1alpha1', kind: 'RocketCluster', metadata: { name }, spec: { image: 'rc:1', broker } });
  const badSync = await statusOf(custom.createNamespacedCustomObject({ ...G, body: body('s', { replicationMode: 'sync', replicasPerGroup: 2, minInSyncReplicas: 2 }) }));
  expect(badSync.code).toBe(422);
  expect(badSync.message).toContain('minInSyncReplicas');
  await custom.createNamespacedCustomObject({ ...G, body: body('t', { storage: { size: '10Gi' } }) });
  const current = (await custom.getNamespacedCustomObject({ ...G, name: 't' })) as { spec: { broker: { storage: { size: string } } } };
  current.spec.broker.storage.size = '20Gi';
  const resized = await statusOf(custom.replaceNamespacedCustomObject({ ...G, name: 't', body: current }));
  expect(resized.code).toBe(422);
  expect(resized.message).toContain('cannot change');
});

