/**
 * Rules beyond the schema's field-by-field checks: relations between fields, broker config
 * override keys, and changes that cannot be applied to an existing cluster. The first two mirror
 * the CRD's CEL rules where CEL can say them; the operator applies all of them because a fake or
 * an old API server may not evaluate CEL. Input is a defaulted RocketCluster.
 */
import { overrideKeyProblem } from './broker-keys';
import { parseQuantity } from './quantity';
import { LIMITS } from './schema';
import { DNS_LABEL_PATTERN } from './schema-kit';
import type { ResourceRequirements, RocketCluster, RocketClusterSpec } from './types';

/** The broker's default commit-log segment (commitLogSegmentBytes, RocketMQ's mappedFileSizeCommitLog). */
const DEFAULT_SEGMENT_BYTES = 1024 * 1024 * 1024;

const DNS_LABEL = new RegExp(DNS_LABEL_PATTERN);

function nameProblems(name: unknown): string[] {
  if (typeof name !== 'string' || name === '') return ['metadata.name: required'];
  const problems: string[] = [];
  if (name.length > LIMITS.clusterNameMaxLength) {
    problems.push(`metadata.name: at most ${LIMITS.clusterNameMaxLength} characters (Service and pod names are built from it), got ${name.length}`);
  }
  if (!DNS_LABEL.test(name)) problems.push(`metadata.name: ${JSON.stringify(name)} must be a DNS label: lower-case letters, digits and '-', starting with a letter`);
  return problems;
}

function replicationProblems(spec: RocketClusterSpec): string[] {
  const { replicationMode, minInSyncReplicas, replicasPerGroup } = spec.broker;
  if (replicationMode !== 'sync') return [];
  if (replicasPerGroup < 2) return [`spec.broker.replicationMode: sync needs replicasPerGroup >= 2 (a master has no slave to wait for), got ${replicasPerGroup}`];
  if (minInSyncReplicas < 1 || minInSyncReplicas > replicasPerGroup - 1) {
    return [`spec.broker.minInSyncReplicas: with replicationMode sync it must be 1..${replicasPerGroup - 1} (replicasPerGroup - 1), got ${minInSyncReplicas}`];
  }
  return [];
}

function configProblems(spec: RocketClusterSpec): string[] {
  const problems: string[] = [];
  for (const key of Object.keys(spec.broker.config ?? {})) {
    const problem = overrideKeyProblem(key);
    if (problem !== undefined) problems.push(`spec.broker.config: ${problem}`);
  }
  return problems;
}

/** A pod whose request exceeds its limit is refused by the API server when the StatefulSet creates it. */
function resourceProblems(path: string, resources: ResourceRequirements | undefined): string[] {
  const problems: string[] = [];
  for (const [name, limit] of Object.entries(resources?.limits ?? {})) {
    const request = resources?.requests?.[name];
    if (request === undefined) continue;
    const [r, l] = [parseQuantity(request), parseQuantity(limit)];
    if (r !== undefined && l !== undefined && r > l) problems.push(`${path}: requests.${name} (${request}) exceeds limits.${name} (${limit})`);
  }
  return problems;
}

/**
 * The broker preallocates commit-log segments and refuses writes near a full disk, so a volume
 * that cannot hold two segments never takes a message.
 */
function storageProblems(spec: RocketClusterSpec): string[] {
  const config = spec.broker.config ?? {};
  const configured = config.commitLogSegmentBytes ?? config.mappedFileSizeCommitLog;
  const segmentBytes = configured !== undefined && /^\s*\d+\s*$/.test(configured) ? Number(configured) : DEFAULT_SEGMENT_BYTES;
  const size = parseQuantity(spec.broker.storage.size);
  if (size === undefined || size >= 2 * segmentBytes) return [];
  return [
    `spec.broker.storage.size: ${spec.broker.storage.size} cannot hold two commit-log segments of ${segmentBytes} bytes; raise the size or set commitLogSegmentBytes in spec.broker.config`,
  ];
}

function metricsProblems(spec: RocketClusterSpec): string[] {
  if (spec.metrics.serviceMonitor.enabled && !spec.metrics.enabled) {
    return ['spec.metrics.serviceMonitor.enabled: needs spec.metrics.enabled (the pods expose no metrics otherwise)'];
  }
  return [];
}

/**
 * The rules the CRD also states as CEL (x-kubernetes-validations), so a real API server refuses
 * the same objects: what a fake API server should apply, no more and no less.
 */
export function celEquivalentProblems(cluster: RocketCluster): string[] {
  return [...replicationProblems(cluster.spec), ...metricsProblems(cluster.spec)];
}

/** Every semantic problem of a defaulted RocketCluster (empty when it is fine). */
export function semanticProblems(cluster: RocketCluster): string[] {
  const spec = cluster.spec;
  return [
    ...nameProblems(cluster.metadata?.name),
    ...celEquivalentProblems(cluster),
    ...configProblems(spec),
    ...resourceProblems('spec.nameserver.resources', spec.nameserver.resources),
    ...resourceProblems('spec.broker.resources', spec.broker.resources),
    ...storageProblems(spec),
  ];
}

/**
 * Problems of changing a spec from `before` to `after` (both defaulted). The PVC templates of a
 * StatefulSet cannot change, so the storage size and class are fixed at creation (the CRD says the
 * same as a CEL transition rule).
 */
export function specChangeProblems(before: RocketClusterSpec, after: RocketClusterSpec): string[] {
  const problems: string[] = [];
  if (before.broker.storage.size !== after.broker.storage.size) {
    problems.push(`spec.broker.storage.size: cannot change after creation (${before.broker.storage.size} -> ${after.broker.storage.size})`);
  }
  if (before.broker.storage.storageClassName !== after.broker.storage.storageClassName) {
    problems.push('spec.broker.storage.storageClassName: cannot change after creation');
  }
  return problems;
}
