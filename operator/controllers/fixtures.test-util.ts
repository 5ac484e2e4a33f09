/** RocketCluster objects and status readers for the reconcile tests. */
import type { JsonObject } from '../testing/fake-kube';
import type { Condition, GroupStatus, RocketClusterStatus } from '../api';
import type { Harness } from './harness.test-util';

export function rocketCluster(namespace: string, name: string, spec: Record<string, unknown> = {}): JsonObject {
  const { broker, failover, ...rest } = spec as { broker?: Record<string, unknown>; failover?: Record<string, unknown> };
  return {
    apiVersion: 'rocketcluster.io/v1alpha1',
    kind: 'RocketCluster',
    metadata: { name, namespace },
    spec: {
      image: 'rocketcluster/broker:1.0.0',
      nameserver: { replicas: 1 },
      broker: { groups: 1, replicasPerGroup: 2, storage: { size: '10Gi' }, ...broker },
      failover: { enabled: true, masterDownAfterSeconds: 60, ...failover },
      ...rest,
    } as unknown as JsonObject,
  };
}

export function statusOf(h: Harness, ns: string, name: string): RocketClusterStatus {
  return (h.cluster(ns, name).status ?? {}) as unknown as RocketClusterStatus;
}

export function conditionOf(h: Harness, ns: string, name: string, type: string): Condition | undefined {
  return statusOf(h, ns, name).conditions?.find((c) => c.type === type);
}

export function groupOf(h: Harness, ns: string, name: string, group: string): GroupStatus | undefined {
  return statusOf(h, ns, name).groups?.find((g) => g.name === group);
}

export function isReady(h: Harness, ns: string, name: string): boolean {
  return conditionOf(h, ns, name, 'Ready')?.status === 'True';
}

/** The broker's own view of itself (GET /status through the broker object). */
export function brokerRole(h: Harness, ns: string, pod: string): { role: string; epoch: number; writable: boolean } | undefined {
  const b = h.brokers.get(ns, pod)?.broker;
  const s = b?.status() as unknown as { role: string; epoch: number; writable: boolean } | undefined;
  return s === undefined ? undefined : { role: s.role, epoch: s.epoch, writable: s.writable };
}
