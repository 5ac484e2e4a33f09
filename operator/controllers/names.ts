/**
 * Names, labels and annotations of the operator contract (notes/operator-contract.md) as the
 * controllers need them to find what the builders made. The labels, annotations and names come
 * from operator/specs, which spells each once; what is here works from what the controllers hold
 * (a cluster key, a group label value). Pure.
 */
import type { ClusterKey, KubeObject, ObjectRef } from '../kube';
import { API_GROUP_VERSION, KIND } from '../api';
import type { ClusterIdentity } from '../specs';
import { ANNOTATIONS, brokerGroupIndex } from '../specs';

export { ADMIN_TOKEN_KEY, LABELS } from '../specs';

export const CONFIG_HASH_ANNOTATION = ANNOTATIONS.configHash;
/** The Pod label the StatefulSet controller puts on each pod: the template revision it was made from. */
export const CONTROLLER_REVISION_LABEL = 'controller-revision-hash';

/** A cluster key as specs' name helpers take a cluster. */
export function clusterIdentity(key: ClusterKey): ClusterIdentity {
  return { metadata: { name: key.name, namespace: key.namespace } };
}

export function clusterRef(key: ClusterKey): ObjectRef {
  return { apiVersion: API_GROUP_VERSION, kind: KIND, namespace: key.namespace, name: key.name };
}

/** The index of a group label value `broker-<i>` (at most four digits), or null for anything else. */
export function groupIndex(group: string): number | null {
  const index = brokerGroupIndex(group);
  return index === undefined || index > 9999 ? null : index;
}

/** Names from a group label value as found on a child, which need not be a well-formed `broker-<i>`. */
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

export function keyString(key: ClusterKey): string {
  return `${key.namespace}/${key.name}`;
}

/** The RocketCluster as the `involved` object of an Event. */
export function clusterObject(cluster: { readonly metadata: { readonly name: string; readonly namespace: string; readonly uid?: string } }): KubeObject {
  const m = cluster.metadata;
  return { apiVersion: API_GROUP_VERSION, kind: KIND, metadata: { name: m.name, namespace: m.namespace, ...(m.uid !== undefined ? { uid: m.uid } : {}) } };
}
