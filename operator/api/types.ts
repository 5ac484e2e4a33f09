/**
 * The RocketCluster resource (group rocketcluster.io, version v1alpha1) as TypeScript types. The
 * OpenAPI schema in schema.ts describes the same shape once more, with defaults and validation;
 * a test keeps the two in step. Everything the operator reads from a spec has a default in the
 * schema, so after the API server applied defaults no field below needs a fallback in code.
 */

export const API_GROUP = 'rocketcluster.io';
export const API_VERSION = 'v1alpha1';
export const KIND = 'RocketCluster';
export const PLURAL = 'rocketclusters';

/** Kubernetes' own ResourceRequirements, kept loose (quantities are strings or numbers). */
export interface ResourceRequirements {
  readonly requests?: Readonly<Record<string, string | number>>;
  readonly limits?: Readonly<Record<string, string | number>>;
}

export const FlushModes = ['async', 'sync'] as const;
export type FlushMode = (typeof FlushModes)[number];
export const ReplicationModes = ['async', 'sync'] as const;
export type ReplicationMode = (typeof ReplicationModes)[number];

export interface NameserverSpec {
  /** Default 2. */
  readonly replicas: number;
  readonly resources?: ResourceRequirements;
}

export interface StorageSpec {
  /** PVC size per broker replica, a Kubernetes quantity. Default "10Gi". */
  readonly size: string;
  /** Omitted: the cluster's default StorageClass. */
  readonly storageClassName?: string;
  /** Delete a removed group's PVCs after a scale-down. Default false (kept). */
  readonly deleteClaimsOnScaleDown: boolean;
}

export interface BrokerSpec {
  /** Number of broker groups (brokerName broker-0 .. broker-<n-1>). Default 1. The scale subresource's replicas. */
  readonly groups: number;
  /** Replicas per group: 1 master + (n-1) slaves. Default 2, 1..5. */
  readonly replicasPerGroup: number;
  /** Default "async". */
  readonly flushMode: FlushMode;
  /** Default "async". */
  readonly replicationMode: ReplicationMode;
  /** Sync replication: slaves that must hold a message before it is acknowledged. Default 1. */
  readonly minInSyncReplicas: number;
  readonly storage: StorageSpec;
  readonly resources?: ResourceRequirements;
  /** Broker config overrides, broker.conf keys (e.g. fileReservedTime: "48"). A change rolls the brokers. */
  readonly config?: Readonly<Record<string, string>>;
}

export interface FailoverSpec {
  /** Default true. */
  readonly enabled: boolean;
  /** A master not ready or unreachable this long is replaced. Default 10. */
  readonly masterDownAfterSeconds: number;
}

export interface ServiceMonitorSpec {
  /** Default false. Needs the prometheus-operator CRDs in the cluster. */
  readonly enabled: boolean;
  /** Default "30s". */
  readonly interval: string;
  readonly labels?: Readonly<Record<string, string>>;
}

export interface MetricsSpec {
  /** Default true: pods carry prometheus.io scrape annotations and expose /metrics. */
  readonly enabled: boolean;
  readonly serviceMonitor: ServiceMonitorSpec;
}

export interface RocketClusterSpec {
  /** The broker/nameserver image (Dockerfile.broker). Required. */
  readonly image: string;
  /** Default "IfNotPresent". */
  readonly imagePullPolicy: 'Always' | 'IfNotPresent' | 'Never';
  readonly imagePullSecrets?: readonly string[];
  readonly nameserver: NameserverSpec;
  readonly broker: BrokerSpec;
  readonly failover: FailoverSpec;
  readonly metrics: MetricsSpec;
}

export const ConditionTypes = ['Ready', 'Available', 'Progressing', 'Degraded'] as const;
export type ConditionType = (typeof ConditionTypes)[number];

export interface Condition {
  readonly type: ConditionType;
  readonly status: 'True' | 'False' | 'Unknown';
  readonly reason: string;
  readonly message: string;
  /** RFC 3339. */
  readonly lastTransitionTime: string;
  readonly observedGeneration?: number;
}

export interface ReplicaStatus {
  /** Pod name: the controller's replicaId. */
  readonly name: string;
  readonly role: 'master' | 'slave' | 'none' | 'unknown';
  readonly ready: boolean;
  /** Max commit-log offset it reported; absent when unreachable. */
  readonly offset?: number;
  /** Bytes behind the master; absent when unknown. */
  readonly lag?: number;
}

/** A switchover in progress (controller PendingSwitchover), persisted so an operator restart carries on. */
export interface PendingSwitchoverStatus {
  readonly from: string;
  readonly to: string;
  readonly epoch: number;
  /** RFC 3339. */
  readonly startedAt: string;
}

export const GroupPhases = ['Active', 'Draining', 'Deleting'] as const;
export type GroupPhase = (typeof GroupPhases)[number];

export interface GroupStatus {
  /** brokerName, "broker-<i>". */
  readonly name: string;
  readonly phase: GroupPhase;
  /** Pod name of the master decided for `epoch`; null before the first election. */
  readonly master: string | null;
  readonly epoch: number;
  readonly inSyncReplicas: readonly string[];
  readonly syncStateSetEpoch: number;
  readonly pendingSwitchover?: PendingSwitchoverStatus | null;
  /** RFC 3339: when the current master was decided. */
  readonly masterSince?: string | null;
  readonly replicas: readonly ReplicaStatus[];
}

export interface RocketClusterStatus {
  readonly observedGeneration?: number;
  readonly conditions?: readonly Condition[];
  /** "<cluster>-nameserver.<namespace>.svc:9876". */
  readonly nameserverAddress?: string;
  /** Groups that exist (scale subresource statusReplicasPath). */
  readonly brokerGroups?: number;
  /** Label selector of the broker pods (scale subresource labelSelectorPath). */
  readonly selector?: string;
  readonly groups?: readonly GroupStatus[];
  /** Failovers performed since creation. */
  readonly failovers?: number;
}

export interface ObjectMeta {
  readonly name: string;
  readonly namespace: string;
  readonly uid?: string;
  readonly generation?: number;
  readonly resourceVersion?: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
  readonly deletionTimestamp?: string;
  readonly finalizers?: readonly string[];
}

export interface RocketCluster {
  readonly apiVersion: `${typeof API_GROUP}/${typeof API_VERSION}`;
  readonly kind: typeof KIND;
  readonly metadata: ObjectMeta;
  readonly spec: RocketClusterSpec;
  readonly status?: RocketClusterStatus;
}
