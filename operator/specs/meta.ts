/**
 * ObjectMeta of every child: name, namespace, the standard labels and an ownerReference to the
 * RocketCluster (controller, blockOwnerDeletion), so garbage collection removes the children with
 * the cluster and watches on children map back to it.
 */
import type { V1ObjectMeta, V1OwnerReference } from '@kubernetes/client-node';
import type { RocketCluster } from '../api';
import { API_GROUP, API_VERSION, KIND } from '../api';
import { assert } from '../../stdx';

export function ownerReference(c: RocketCluster): V1OwnerReference {
  assert(c.metadata.uid !== undefined && c.metadata.uid !== '', `RocketCluster ${c.metadata.namespace}/${c.metadata.name} has no uid; build children from the stored object`);
  return {
    apiVersion: `${API_GROUP}/${API_VERSION}`,
    kind: KIND,
    name: c.metadata.name,
    uid: c.metadata.uid,
    controller: true,
    blockOwnerDeletion: true,
  };
}

export function childMeta(c: RocketCluster, name: string, labels: Record<string, string>, annotations?: Record<string, string>): V1ObjectMeta {
  return {
    name,
    namespace: c.metadata.namespace,
    labels,
    ...(annotations !== undefined && Object.keys(annotations).length > 0 ? { annotations } : {}),
    ownerReferences: [ownerReference(c)],
  };
}

/** True when `owner` is the controlling owner of an object with these ownerReferences. */
export function isOwnedBy(ownerReferences: readonly V1OwnerReference[] | undefined, c: RocketCluster): boolean {
  return (ownerReferences ?? []).some((r) => r.controller === true && r.kind === KIND && r.uid === c.metadata.uid);
}
