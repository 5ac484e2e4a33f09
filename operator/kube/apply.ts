/**
 * The pure half of `apply`: hash the desired object, and merge it over what the server holds so
 * that fields owned by the server or by other controllers survive the replace.
 */
import { createHash } from 'node:crypto';
import { DESIRED_HASH_ANNOTATION } from './types';
import type { KubeObject, KubeObjectMeta } from './types';

/** sha256 (hex, first 32 chars) of the desired object's content in a key-order-independent form. */
export function desiredHash(desired: KubeObject): string {
  const annotations = { ...(desired.metadata?.annotations ?? {}) };
  delete annotations[DESIRED_HASH_ANNOTATION];
  const meta = desired.metadata ?? {};
  const content = {
    ...desired,
    metadata: { labels: meta.labels ?? {}, annotations, ownerReferences: meta.ownerReferences ?? [] },
  };
  return createHash('sha256').update(stableJson(content)).digest('hex').slice(0, 32);
}

/** The desired object, annotated with its hash, ready to create. */
export function withHash<T extends KubeObject>(desired: T, hash: string): T {
  const meta = desired.metadata ?? {};
  return { ...desired, metadata: { ...meta, annotations: { ...(meta.annotations ?? {}), [DESIRED_HASH_ANNOTATION]: hash } } };
}

export function hashOf(obj: KubeObject): string | undefined {
  return obj.metadata?.annotations?.[DESIRED_HASH_ANNOTATION];
}

/**
 * What to PUT: the desired content over the current object. Kept from `current`: top-level fields
 * the desired object does not name (status...), metadata the server owns (uid, resourceVersion,
 * creationTimestamp, finalizers), labels/annotations others added, and per-kind server-assigned spec
 * fields (a Service's clusterIP(s), which are immutable once set).
 */
export function mergeForUpdate<T extends KubeObject>(current: KubeObject, desired: T, hash: string): T {
  const cur = current as Record<string, unknown>;
  const merged: Record<string, unknown> = { ...cur, ...(desired as Record<string, unknown>) };
  const curMeta: KubeObjectMeta = current.metadata ?? {};
  const desMeta: KubeObjectMeta = desired.metadata ?? {};
  merged.metadata = {
    ...curMeta,
    ...desMeta,
    labels: { ...(curMeta.labels ?? {}), ...(desMeta.labels ?? {}) },
    annotations: { ...(curMeta.annotations ?? {}), ...(desMeta.annotations ?? {}), [DESIRED_HASH_ANNOTATION]: hash },
    ownerReferences: desMeta.ownerReferences ?? curMeta.ownerReferences,
    finalizers: desMeta.finalizers ?? curMeta.finalizers,
    uid: curMeta.uid,
    resourceVersion: curMeta.resourceVersion,
    creationTimestamp: curMeta.creationTimestamp,
  };
  if (desired.kind === 'Service') merged.spec = keepServiceIps(cur.spec, merged.spec);
  return merged as T;
}

const SERVICE_SERVER_FIELDS = ['clusterIP', 'clusterIPs', 'ipFamilies', 'ipFamilyPolicy', 'healthCheckNodePort'] as const;

function keepServiceIps(currentSpec: unknown, desiredSpec: unknown): unknown {
  if (!isRecord(currentSpec) || !isRecord(desiredSpec)) return desiredSpec;
  const spec: Record<string, unknown> = { ...desiredSpec };
  for (const field of SERVICE_SERVER_FIELDS) {
    if (spec[field] === undefined && currentSpec[field] !== undefined) spec[field] = currentSpec[field];
  }
  return spec;
}

/** JSON with object keys sorted, so equal content hashes equal whatever the build order. */
export function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => stableJson(v === undefined ? null : v)).join(',')}]`;
  if (isRecord(value)) {
    const keys = Object.keys(value)
      .filter((k) => value[k] !== undefined)
      .sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${stableJson(value[k])}`).join(',')}}`;
  }
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  return JSON.stringify(value) ?? 'null';
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !(v instanceof Date);
}
