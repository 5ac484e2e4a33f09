/**
 * Names, labels and annotations of the operator contract (notes/operator-contract.md) as the
 * controllers need them to find what the builders made. Pure.
 */
import type { ClusterKey, KubeObject, ObjectRef } from '../kube';
import { API_GROUP_VERSION, KIND } from '../api';

export const LABELS = {
  name: 'app.kubernetes.io/name',
  instance: 'app.kubernetes.io/instance',
  component: 'app.kubernetes.io/component',
  managedBy: 'app.kubernetes.io/managed-by',
  cluster: 'rocketcluster.io/cluster',
  group: 'rocketcluster.io/broker-group',
  role: 'rocketcluster.io/role',
} as const;

export const CONFIG_HASH_ANNOTATION = 'rocketcluster.io/config-hash';
/** The Pod label the StatefulSet controller puts on each pod: the template revision it was made from. */
export const CONTROLLER_REVISION_LABEL = 'controller-revision-hash';

export const ADMIN_TOKEN_KEY = 'token';

export function clusterRef(key: ClusterKey): ObjectRef {
  return { apiVersion: API_GROUP_VERSION, kind: KIND, namespace: key.namespace, name: key.name };
}

export function groupName(index: number): string {
  return `broker-${index}`;
}

/** The index of `broker-<i>`, or null for anything else. */
export function groupIndex(group: string): number | null {
  const m = /^broker-(0|[1-9][0-9]{0,3})$/.exec(group);
  return m === null ? null : Number(m[1]);
}

export function brokerSetName(cluster: string, group: string): string {
  return `${cluster}-${group}`;
}

export function podName(cluster: string, group: string, ordinal: number): string {
  return `${brokerSetName(cluster, group)}-${ordinal}`;
}

/** `<sts>-<ordinal>` → ordinal, or null. */
export function podOrdinal(pod: string): number | null {
  const m = /-(0|[1-9][0-9]*)$/.exec(pod);
  return m === null ? null : Number(m[1]);
}

export function adminSecretName(cluster: string): string {
  return `${cluster}-admin-token`;
}

export function nameserverAddress(key: ClusterKey): string {
  return `${key.name}-nameserver.${key.namespace}.svc:9876`;
}

/** Label selector of every broker pod of a cluster (the status `selector`, the scale subresource's). */
export function brokerSelector(cluster: string): string {
  return `${LABELS.cluster}=${cluster},${LABELS.component}=broker`;
}

export function keyString(key: ClusterKey): string {
  return `${key.namespace}/${key.name}`;
}

/** The RocketCluster as the `involved` object of an Event. */
export function clusterObject(cluster: { readonly metadata: { readonly name: string; readonly namespace: string; readonly uid?: string } }): KubeObject {
  const m = cluster.metadata;
  return { apiVersion: API_GROUP_VERSION, kind: KIND, metadata: { name: m.name, namespace: m.namespace, ...(m.uid !== undefined ? { uid: m.uid } : {}) } };
}
