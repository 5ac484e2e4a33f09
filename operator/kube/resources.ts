/**
 * Kind -> REST resource for the kinds the operator touches, so paths are built without a discovery
 * round trip per apiVersion (and without depending on a fake API server implementing discovery).
 * Other kinds fall back to discovery in the client.
 */
import type { ObjectRef } from './types';

export interface ResourceInfo {
  readonly plural: string;
  readonly namespaced: boolean;
}

const KNOWN: Readonly<Record<string, ResourceInfo>> = {
  'v1/Pod': { plural: 'pods', namespaced: true },
  'v1/Service': { plural: 'services', namespaced: true },
  'v1/ConfigMap': { plural: 'configmaps', namespaced: true },
  'v1/Secret': { plural: 'secrets', namespaced: true },
  'v1/PersistentVolumeClaim': { plural: 'persistentvolumeclaims', namespaced: true },
  'v1/Event': { plural: 'events', namespaced: true },
  'v1/Namespace': { plural: 'namespaces', namespaced: false },
  'apps/v1/StatefulSet': { plural: 'statefulsets', namespaced: true },
  'apps/v1/Deployment': { plural: 'deployments', namespaced: true },
  'policy/v1/PodDisruptionBudget': { plural: 'poddisruptionbudgets', namespaced: true },
  'coordination.k8s.io/v1/Lease': { plural: 'leases', namespaced: true },
  'events.k8s.io/v1/Event': { plural: 'events', namespaced: true },
  'monitoring.coreos.com/v1/ServiceMonitor': { plural: 'servicemonitors', namespaced: true },
  'rocketcluster.io/v1alpha1/RocketCluster': { plural: 'rocketclusters', namespaced: true },
  'apiextensions.k8s.io/v1/CustomResourceDefinition': { plural: 'customresourcedefinitions', namespaced: false },
};

export function knownResource(apiVersion: string, kind: string): ResourceInfo | undefined {
  return KNOWN[`${apiVersion}/${kind}`];
}

/** "/api/v1" or "/apis/apps/v1". */
export function apiVersionPath(apiVersion: string): string {
  return apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
}

/** The collection path (namespace undefined: across all namespaces, or a cluster-scoped kind). */
export function collectionPath(apiVersion: string, resource: ResourceInfo, namespace: string | undefined): string {
  const ns = resource.namespaced && namespace !== undefined ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  return `${apiVersionPath(apiVersion)}${ns}/${resource.plural}`;
}

export function objectPath(ref: ObjectRef, resource: ResourceInfo, subresource?: string): string {
  const base = `${collectionPath(ref.apiVersion, resource, ref.namespace)}/${encodeURIComponent(ref.name)}`;
  return subresource === undefined ? base : `${base}/${subresource}`;
}
