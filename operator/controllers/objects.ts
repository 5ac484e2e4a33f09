/**
 * The few fields of Pods, StatefulSets and PVCs the controllers read, as plain JSON (what the API
 * server sends), plus the reads and status writes every concern shares. Fresh reads go to the API
 * server, never to a cache: decisions about roles must not be made from stale objects.
 */
import type { RocketCluster, RocketClusterStatus } from '../api';
import type { ClusterKey, KubeClient, KubeErrorInfo, KubeObject } from '../kube';
import type { Result } from '../../stdx';
import { err, ok } from '../../stdx';
import type { BrokerPodRef } from '../brokers';
import { brokerPodSelector } from '../specs';
import { CONFIG_HASH_ANNOTATION, LABELS, clusterIdentity, clusterRef, podOrdinal } from './names';

export interface PodCondition {
  readonly type: string;
  readonly status: string;
  readonly lastTransitionTime?: string;
}

export interface PodObject extends KubeObject {
  spec?: { [key: string]: unknown };
  status?: { phase?: string; podIP?: string; conditions?: PodCondition[] };
}

export interface StatefulSetObject extends KubeObject {
  spec?: {
    replicas?: number;
    serviceName?: string;
    template?: { metadata?: { annotations?: { [key: string]: string }; labels?: { [key: string]: string } } };
    [key: string]: unknown;
  };
  status?: { [key: string]: unknown };
}

export function isTerminating(obj: KubeObject): boolean {
  return obj.metadata?.deletionTimestamp !== undefined && obj.metadata.deletionTimestamp !== null;
}

export function isPodReady(pod: PodObject): boolean {
  if (isTerminating(pod)) return false;
  return (pod.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

export function podConfigHash(pod: PodObject): string | undefined {
  return pod.metadata?.annotations?.[CONFIG_HASH_ANNOTATION];
}

export function templateConfigHash(sts: StatefulSetObject): string | undefined {
  return sts.spec?.template?.metadata?.annotations?.[CONFIG_HASH_ANNOTATION];
}

export async function readCluster(kube: KubeClient, key: ClusterKey): Promise<RocketCluster | null> {
  const obj = await kube.get<KubeObject>(clusterRef(key));
  return obj as unknown as RocketCluster | null;
}

/** The cluster, or null when it is gone or being deleted: either way there is nothing to roll, scale or fail over. */
export async function readLiveCluster(kube: KubeClient, key: ClusterKey): Promise<RocketCluster | null> {
  const cluster = await readCluster(kube, key);
  return cluster === null || isTerminating(cluster as never) ? null : cluster;
}

export async function listBrokerPods(kube: KubeClient, key: ClusterKey): Promise<PodObject[]> {
  return kube.list<PodObject>('v1', 'Pod', key.namespace, { labelSelector: brokerPodSelector(clusterIdentity(key)) });
}

export async function listBrokerSets(kube: KubeClient, key: ClusterKey): Promise<StatefulSetObject[]> {
  return kube.list<StatefulSetObject>('apps/v1', 'StatefulSet', key.namespace, { labelSelector: brokerPodSelector(clusterIdentity(key)) });
}

/** The broker group a StatefulSet or pod belongs to (its label). */
export function groupOf(obj: KubeObject): string | undefined {
  return obj.metadata?.labels?.[LABELS.brokerGroup];
}

/** How many conflicts a status update absorbs before giving up (the next reconcile retries). */
const STATUS_RETRIES = 5;

/**
 * Read-modify-write of the status subresource with resourceVersion concurrency: `mutate` gets the
 * fresh cluster and returns the new status, or null to write nothing. A conflict re-reads and
 * re-applies `mutate`, so a writer never overwrites what another wrote in between.
 */
export async function updateStatus(
  kube: KubeClient,
  key: ClusterKey,
  mutate: (cluster: RocketCluster) => RocketClusterStatus | null,
): Promise<Result<RocketCluster | null, KubeErrorInfo>> {
  for (let attempt = 0; ; attempt++) {
    const cluster = await readCluster(kube, key);
    if (cluster === null) return ok(null);
    const status = mutate(cluster);
    if (status === null) return ok(cluster);
    const written = await kube.replaceStatus<KubeObject>({ ...(cluster as unknown as KubeObject), status } as KubeObject);
    if (written.ok) return ok(written.value as unknown as RocketCluster);
    if (written.error.kind !== 'conflict' || attempt + 1 >= STATUS_RETRIES) return err(written.error);
  }
}

/** What the endpoint resolver needs of a broker pod. */
export function brokerPodRef(key: ClusterKey, sts: StatefulSetObject, group: string, pod: PodObject): BrokerPodRef {
  const name = pod.metadata?.name ?? '';
  return {
    namespace: key.namespace,
    name,
    group,
    ordinal: podOrdinal(name) ?? 0,
    serviceName: sts.spec?.serviceName ?? sts.metadata?.name ?? '',
    ...(pod.status?.podIP !== undefined ? { podIP: pod.status.podIP } : {}),
  };
}
