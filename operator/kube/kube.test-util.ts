/** Shared setup for operator/kube tests against the fake API server. */
import { FakeKube } from '../testing/fake-kube';
import type { JsonObject } from '../testing/fake-kube';
import { buildCrd } from '../api';
import { HttpKubeClient } from './client';
import { KubeTransport } from './transport';
import type { KubeObject } from './types';

export interface KubeFixture {
  readonly fake: FakeKube;
  readonly client: HttpKubeClient;
  readonly kubeConfig: ReturnType<FakeKube['kubeConfig']>;
}

export async function startFake(namespaces: readonly string[] = ['default', 'ns', 'other']): Promise<KubeFixture> {
  const fake = await FakeKube.start({ namespaces });
  fake.create(buildCrd() as unknown as JsonObject);
  const kubeConfig = fake.kubeConfig();
  return { fake, kubeConfig, client: new HttpKubeClient(KubeTransport.create(kubeConfig, 5000)) };
}

export interface TestConfigMap extends KubeObject {
  data?: Record<string, string>;
}

export function cluster(name: string, namespace = 'ns'): JsonObject {
  return { apiVersion: 'rocketcluster.io/v1alpha1', kind: 'RocketCluster', metadata: { name, namespace }, spec: { image: 'rocketcluster/broker:1.0.0' } };
}

export function configMap(name: string, data: Record<string, string>, namespace = 'ns', labels: Record<string, string> = {}): TestConfigMap & JsonObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace, labels }, data };
}

/** Polls `cond` until true (bounded); no fixed sleeps. */
export async function until(cond: () => boolean | Promise<boolean>, what: string, limitMs = 10_000): Promise<void> {
  const start = Date.now();
  while (!(await cond())) {
    if (Date.now() - start > limitMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
