/**
 * The full desired set of a cluster's children, for the controllers to create or update, and the
 * kinds the operator owns, for listing and pruning.
 */
import type { V1ConfigMap, V1Deployment, V1PodDisruptionBudget, V1Secret, V1Service, V1StatefulSet } from '@kubernetes/client-node';
import type { RocketCluster } from '../api';
import { brokerConfigMap, brokerPdb, brokerService, brokerStatefulSet } from './broker';
import { configHash } from './broker-conf';
import type { ServiceMonitor } from './extras';
import { adminTokenSecret, serviceMonitor } from './extras';
import { nameserverDeployment, nameserverHeadlessService, nameserverPdb, nameserverService } from './nameserver';

export type ChildObject = V1ConfigMap | V1Deployment | V1Service | V1PodDisruptionBudget | V1StatefulSet | V1Secret | ServiceMonitor;

export interface ChildKind {
  readonly apiVersion: string;
  readonly kind: string;
  /** The resource name in API paths. */
  readonly plural: string;
}

/** What the operator creates, in creation order (config before the pods that mount it). */
export const CHILD_KINDS: readonly ChildKind[] = [
  { apiVersion: 'v1', kind: 'Secret', plural: 'secrets' },
  { apiVersion: 'v1', kind: 'ConfigMap', plural: 'configmaps' },
  { apiVersion: 'v1', kind: 'Service', plural: 'services' },
  { apiVersion: 'apps/v1', kind: 'Deployment', plural: 'deployments' },
  { apiVersion: 'apps/v1', kind: 'StatefulSet', plural: 'statefulsets' },
  { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', plural: 'poddisruptionbudgets' },
  { apiVersion: 'monitoring.coreos.com/v1', kind: 'ServiceMonitor', plural: 'servicemonitors' },
];

export interface DesiredStateOptions {
  /** configHash(cluster) when the caller has it already. */
  readonly configHash?: string;
  /**
   * Group indices to build; default 0 .. spec.broker.groups-1. A scale-down passes the groups that
   * are still draining as well, so they are kept until the controller deletes them.
   */
  readonly groups?: readonly number[];
  /** Include the admin-token Secret with this token (it is generated once, then read back). */
  readonly adminToken?: string;
}

export function groupIndices(c: RocketCluster): number[] {
  return Array.from({ length: c.spec.broker.groups }, (_, i) => i);
}

/** Every child of a defaulted cluster: config, nameservers, each group's Service, StatefulSet and PDB, the ServiceMonitor. */
export function desiredState(c: RocketCluster, options: DesiredStateOptions = {}): ChildObject[] {
  const hash = options.configHash ?? configHash(c);
  const groups = [...new Set(options.groups ?? groupIndices(c))].sort((a, b) => a - b);
  const children: ChildObject[] = [];
  if (options.adminToken !== undefined) children.push(adminTokenSecret(c, options.adminToken));
  children.push(brokerConfigMap(c), nameserverService(c), nameserverHeadlessService(c), nameserverDeployment(c), nameserverPdb(c));
  for (const group of groups) children.push(brokerService(c, group), brokerStatefulSet(c, group, hash), brokerPdb(c, group));
  if (c.spec.metrics.enabled && c.spec.metrics.serviceMonitor.enabled) children.push(serviceMonitor(c));
  return children;
}

/** "apps/v1/StatefulSet/ns/name": identity of a child across desired and observed lists. */
export function childKey(o: { readonly apiVersion?: string; readonly kind?: string; readonly metadata?: { readonly namespace?: string; readonly name?: string } }): string {
  return `${o.apiVersion ?? ''}/${o.kind ?? ''}/${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;
}
