/**
 * The RocketCluster OpenAPI v3 schema, written once: crds/ is generated from it (crd.ts), the
 * operator validates and defaults specs with it (validate.ts), and a test keeps it in step with
 * types.ts. Every spec field the operator reads has a default here, so after the API server (or
 * applyDefaults) ran, code needs no fallbacks. Rules the schema cannot say are CEL rules here (the
 * API server enforces them) and again in semantic.ts (the operator and the tests enforce them).
 */
import type { JsonSchemaProps } from './schema-kit';
import {
  DNS_LABEL_PATTERN,
  DNS_SUBDOMAIN_PATTERN,
  PROMETHEUS_DURATION_PATTERN,
  STORAGE_SIZE_PATTERN,
  arrayOf,
  bool,
  int,
  mapOf,
  obj,
  oneOf,
  resourceRequirements,
  str,
} from './schema-kit';
import { ConditionTypes, FlushModes, GroupPhases, ReplicationModes } from './types';

export const ImagePullPolicies = ['Always', 'IfNotPresent', 'Never'] as const;
export const ReplicaRoles = ['master', 'slave', 'none', 'unknown'] as const;
export const ConditionStatuses = ['True', 'False', 'Unknown'] as const;

/** Bounds of the spec; names derived from the cluster name must stay within 63 characters. */
export const LIMITS = {
  clusterNameMaxLength: 40,
  nameserverReplicas: { min: 1, max: 9 },
  groups: { min: 1, max: 64 },
  replicasPerGroup: { min: 1, max: 5 },
  minInSyncReplicas: { min: 0, max: 4 },
  masterDownAfterSeconds: { min: 1, max: 3600 },
  configOverrides: 64,
  configValueMaxLength: 1024,
  imagePullSecrets: 16,
} as const;

/** The defaults, one place; schema.ts puts them into the schema and tests read them from here. */
export const DEFAULTS = {
  imagePullPolicy: 'IfNotPresent',
  nameserverReplicas: 2,
  groups: 1,
  replicasPerGroup: 2,
  flushMode: 'async',
  replicationMode: 'async',
  minInSyncReplicas: 1,
  storageSize: '10Gi',
  deleteClaimsOnScaleDown: false,
  failoverEnabled: true,
  masterDownAfterSeconds: 10,
  metricsEnabled: true,
  serviceMonitorEnabled: false,
  serviceMonitorInterval: '30s',
} as const;

const nameserverSchema = obj(
  {
    replicas: int(LIMITS.nameserverReplicas.min, LIMITS.nameserverReplicas.max, { default: DEFAULTS.nameserverReplicas, description: 'Nameserver pods.' }),
    resources: resourceRequirements('Resources of each nameserver container.'),
  },
  { default: {}, description: 'The nameservers (a Deployment behind a Service).' },
);

const storageSchema = obj(
  {
    size: str({ default: DEFAULTS.storageSize, pattern: STORAGE_SIZE_PATTERN, maxLength: 32, description: 'PVC size per broker replica, e.g. 10Gi.' }),
    storageClassName: str({ pattern: DNS_SUBDOMAIN_PATTERN, maxLength: 253, description: "StorageClass of the PVCs; omitted = the cluster's default." }),
    deleteClaimsOnScaleDown: bool({ default: DEFAULTS.deleteClaimsOnScaleDown, description: "Delete a removed group's PVCs after a scale-down (default: kept)." }),
  },
  {
    default: {},
    description: 'Broker storage (one PVC per replica, from the StatefulSet volumeClaimTemplates).',
    // A StatefulSet's volumeClaimTemplates cannot change, so neither can these.
    'x-kubernetes-validations': [
      {
        rule: 'self.size == oldSelf.size && has(self.storageClassName) == has(oldSelf.storageClassName) && (!has(self.storageClassName) || self.storageClassName == oldSelf.storageClassName)',
        message: 'storage.size and storage.storageClassName cannot change after creation',
      },
    ],
  },
);

const brokerSchema = obj(
  {
    groups: int(LIMITS.groups.min, LIMITS.groups.max, { default: DEFAULTS.groups, description: 'Broker groups (broker-0 .. broker-<n-1>); the scale subresource.' }),
    replicasPerGroup: int(LIMITS.replicasPerGroup.min, LIMITS.replicasPerGroup.max, {
      default: DEFAULTS.replicasPerGroup,
      description: 'Replicas per group: one master and n-1 slaves.',
    }),
    flushMode: oneOf(FlushModes, { default: DEFAULTS.flushMode, description: 'async (ASYNC_FLUSH) or sync (SYNC_FLUSH).' }),
    replicationMode: oneOf(ReplicationModes, { default: DEFAULTS.replicationMode, description: 'async, or sync: a send is acknowledged once minInSyncReplicas slaves hold it.' }),
    minInSyncReplicas: int(LIMITS.minInSyncReplicas.min, LIMITS.minInSyncReplicas.max, {
      default: DEFAULTS.minInSyncReplicas,
      description: 'Sync replication: slaves that must hold a message before it is acknowledged.',
    }),
    storage: storageSchema,
    resources: resourceRequirements('Resources of each broker container.'),
    // One line each: broker.conf is key=value lines, so a newline would smuggle in another key.
    config: mapOf(str({ maxLength: LIMITS.configValueMaxLength, pattern: '^[^\\r\\n]*$' }), LIMITS.configOverrides, {
      description: 'broker.conf overrides (e.g. fileReservedTime: "48"); keys the operator controls are refused. A change rolls the brokers.',
    }),
  },
  {
    default: {},
    description: 'The broker groups.',
    'x-kubernetes-validations': [
      {
        rule: "self.replicationMode != 'sync' || (self.minInSyncReplicas >= 1 && self.minInSyncReplicas < self.replicasPerGroup)",
        message: 'replicationMode sync needs 1 <= minInSyncReplicas <= replicasPerGroup - 1',
      },
    ],
  },
);

const failoverSchema = obj(
  {
    enabled: bool({ default: DEFAULTS.failoverEnabled, description: 'Replace a master that is down.' }),
    masterDownAfterSeconds: int(LIMITS.masterDownAfterSeconds.min, LIMITS.masterDownAfterSeconds.max, {
      default: DEFAULTS.masterDownAfterSeconds,
      description: 'A master not ready or unreachable this long is replaced.',
    }),
  },
  { default: {}, description: 'Automatic master failover.' },
);

const metricsSchema = obj(
  {
    enabled: bool({ default: DEFAULTS.metricsEnabled, description: 'Prometheus scrape annotations on the pods.' }),
    serviceMonitor: obj(
      {
        enabled: bool({ default: DEFAULTS.serviceMonitorEnabled, description: 'Create a ServiceMonitor (needs the prometheus-operator CRDs).' }),
        interval: str({ default: DEFAULTS.serviceMonitorInterval, pattern: PROMETHEUS_DURATION_PATTERN, description: 'Scrape interval, e.g. 30s.' }),
        labels: mapOf(str({ maxLength: 63 }), 16, { description: 'Extra labels on the ServiceMonitor (for the Prometheus serviceMonitorSelector).' }),
      },
      { default: {} },
    ),
  },
  { default: {}, description: 'Metrics.' },
);

export const specSchema: JsonSchemaProps = obj(
  {
    image: str({ minLength: 1, maxLength: 512, pattern: '^\\S+$', description: 'The broker/nameserver image (Dockerfile.broker).' }),
    imagePullPolicy: oneOf(ImagePullPolicies, { default: DEFAULTS.imagePullPolicy }),
    imagePullSecrets: arrayOf(str({ pattern: DNS_SUBDOMAIN_PATTERN, maxLength: 253 }), LIMITS.imagePullSecrets, {
      description: 'Names of Secrets to pull the image with.',
    }),
    nameserver: nameserverSchema,
    broker: brokerSchema,
    failover: failoverSchema,
    metrics: metricsSchema,
  },
  {
    required: ['image'],
    description: 'The desired cluster.',
    'x-kubernetes-validations': [{ rule: '!self.metrics.serviceMonitor.enabled || self.metrics.enabled', message: 'metrics.serviceMonitor needs metrics.enabled' }],
  },
);

const conditionSchema = obj(
  {
    type: oneOf(ConditionTypes),
    status: oneOf(ConditionStatuses),
    reason: str({ maxLength: 1024 }),
    message: str({ maxLength: 32768 }),
    lastTransitionTime: str({ format: 'date-time' }),
    observedGeneration: int(0, Number.MAX_SAFE_INTEGER, { format: 'int64' }),
  },
  { required: ['type', 'status', 'reason', 'message', 'lastTransitionTime'] },
);

const offset = (description: string): JsonSchemaProps => int(0, Number.MAX_SAFE_INTEGER, { format: 'int64', description });

const replicaSchema = obj(
  {
    name: str({ description: "Pod name: the controller's replicaId." }),
    role: oneOf(ReplicaRoles),
    ready: bool(),
    offset: offset('Max commit-log offset it reported.'),
    lag: offset('Bytes behind the master.'),
  },
  { required: ['name', 'role', 'ready'] },
);

const groupSchema = obj(
  {
    name: str({ description: 'brokerName, broker-<i>.' }),
    phase: oneOf(GroupPhases),
    master: str({ nullable: true, description: 'Pod name of the master decided for epoch.' }),
    epoch: int(0, Number.MAX_SAFE_INTEGER, { format: 'int64' }),
    inSyncReplicas: arrayOf(str(), 64, { 'x-kubernetes-list-type': 'atomic' }),
    syncStateSetEpoch: int(0, Number.MAX_SAFE_INTEGER, { format: 'int64' }),
    pendingSwitchover: obj(
      { from: str(), to: str(), epoch: int(0, Number.MAX_SAFE_INTEGER, { format: 'int64' }), startedAt: str({ format: 'date-time' }) },
      { nullable: true, required: ['from', 'to', 'epoch', 'startedAt'] },
    ),
    masterSince: str({ nullable: true, format: 'date-time' }),
    replicas: arrayOf(replicaSchema, 64, { 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'] }),
  },
  { required: ['name', 'phase', 'master', 'epoch', 'inSyncReplicas', 'syncStateSetEpoch', 'replicas'] },
);

export const statusSchema: JsonSchemaProps = obj(
  {
    observedGeneration: int(0, Number.MAX_SAFE_INTEGER, { format: 'int64' }),
    conditions: arrayOf(conditionSchema, 16, { 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['type'] }),
    nameserverAddress: str({ description: '<cluster>-nameserver.<namespace>.svc:9876' }),
    brokerGroups: int(0, 1024, { description: 'Groups that exist (scale subresource).' }),
    selector: str({ description: 'Label selector of the broker pods (scale subresource).' }),
    groups: arrayOf(groupSchema, 1024, { 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'] }),
    failovers: int(0, Number.MAX_SAFE_INTEGER, { format: 'int64', description: 'Failovers performed since creation.' }),
  },
  { description: 'What the operator observed and decided.' },
);

/** The root schema: the CRD's openAPIV3Schema. */
export const rocketClusterSchema: JsonSchemaProps = obj(
  {
    apiVersion: str(),
    kind: str(),
    // Only name restrictions are allowed on metadata; the rest is the API server's.
    metadata: obj({ name: str({ maxLength: LIMITS.clusterNameMaxLength, pattern: DNS_LABEL_PATTERN }) }),
    spec: specSchema,
    status: statusSchema,
  },
  { required: ['spec'], description: 'A RocketMQ-compatible cluster: nameservers and broker groups with failover.' },
);
