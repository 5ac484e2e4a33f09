/**
 * The operator's Kubernetes layer as the reconcilers see it: a small typed client, a cache fed by
 * informers, an event recorder, and the Reconciler contract the Manager drives. Objects travel as
 * plain JSON (exactly what the API server sent: timestamps are RFC 3339 strings, never Date), so
 * what a reconciler reads from the cache, from `get` and from a watch has one shape.
 *
 * Expected failures (a conflict on a stale resourceVersion, an object that is already there or
 * already gone) are Result unions; anything else (network down, 403, 500) is thrown as KubeError.
 */
import type { Clock, Result } from '../../stdx';
import type { ServerLogger } from '../../ops';

/** Any Kubernetes object as JSON. Builders' typed objects (V1StatefulSet...) are assignable to it. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: KubeObjectMeta;
}

/** The metadata fields the operator reads or writes; the rest travels untouched. */
export interface KubeObjectMeta {
  name?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  labels?: { [key: string]: string };
  annotations?: { [key: string]: string };
  ownerReferences?: OwnerReference[];
  finalizers?: string[];
  /** RFC 3339 string on the wire (typed loosely because client-node's models say Date). */
  deletionTimestamp?: string | Date;
  creationTimestamp?: string | Date;
}

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

/** Names one object. `namespace` is omitted for cluster-scoped kinds. */
export interface ObjectRef {
  readonly apiVersion: string;
  readonly kind: string;
  readonly namespace?: string;
  readonly name: string;
}

/** What the Manager hands a reconciler: one RocketCluster, by name. */
export interface ClusterKey {
  readonly namespace: string;
  readonly name: string;
}

export const KubeErrorKinds = [
  'conflict', // 409 with reason Conflict: stale resourceVersion
  'alreadyExists', // 409 with reason AlreadyExists
  'notFound', // 404
  'gone', // 410: resourceVersion too old
  'invalid', // 422 (or 400): the server refused the content
  'forbidden', // 401/403
  'unavailable', // 429, 5xx, network errors: worth retrying later
  'other',
] as const;
export type KubeErrorKind = (typeof KubeErrorKinds)[number];

/** An API failure, mapped once from HTTP status + the Status body. Thrown or carried in err(). */
export interface KubeErrorInfo {
  readonly kind: KubeErrorKind;
  /** HTTP status code; 0 when the request never got an answer. */
  readonly code: number;
  /** Status.reason from the server ("Conflict", "NotFound"...) or the network error code. */
  readonly reason: string;
  readonly message: string;
}

export interface ListOptions {
  /** "a=b,c=d" (equality selectors). */
  readonly labelSelector?: string;
}

export interface DeleteOptions {
  readonly propagationPolicy?: 'Foreground' | 'Background' | 'Orphan';
  /** Delete only if the object still has this uid (guards against deleting a re-created namesake). */
  readonly uid?: string;
}

export type ApplyOutcome = 'created' | 'updated' | 'unchanged';

export interface ApplyResult<T extends KubeObject> {
  readonly outcome: ApplyOutcome;
  /** The object as the server now holds it. */
  readonly object: T;
}

/** Annotation `apply` puts on what it writes: a hash of the desired content. */
export const DESIRED_HASH_ANNOTATION = 'rocketcluster.io/desired-hash';

export interface KubeClient {
  /** null when the object does not exist. */
  get<T extends KubeObject>(ref: ObjectRef): Promise<T | null>;
  /** `namespace` undefined: all namespaces. */
  list<T extends KubeObject>(apiVersion: string, kind: string, namespace: string | undefined, options?: ListOptions): Promise<T[]>;
  create<T extends KubeObject>(obj: T): Promise<Result<T, KubeErrorInfo>>;
  /** PUT with the object's resourceVersion: kind 'conflict' when someone wrote in between. */
  replace<T extends KubeObject>(obj: T): Promise<Result<T, KubeErrorInfo>>;
  /** PUT to the status subresource; resourceVersion concurrency as `replace`. */
  replaceStatus<T extends KubeObject>(obj: T): Promise<Result<T, KubeErrorInfo>>;
  /** application/merge-patch+json. `subresource: 'status'` patches the status subresource. */
  mergePatch<T extends KubeObject>(ref: ObjectRef, patch: object, options?: { subresource?: 'status' }): Promise<Result<T, KubeErrorInfo>>;
  /** 'notFound' when it was already gone (not an error for a reconciler). */
  delete(ref: ObjectRef, options?: DeleteOptions): Promise<'deleted' | 'notFound'>;
  /**
   * Create when missing; otherwise replace only when the desired content changed (compared through
   * DESIRED_HASH_ANNOTATION), keeping what the server or others own: status, clusterIP(s),
   * resourceVersion, fields the desired object does not name at the top level, and other
   * controllers' labels/annotations. A conflict is retried once on a fresh read, then returned.
   */
  apply<T extends KubeObject>(desired: T): Promise<Result<ApplyResult<T>, KubeErrorInfo>>;
}

/**
 * Reads from the informers' caches (what the Manager watches). Never hits the API server. The
 * objects are the cache's own: read them, never mutate them (copy first).
 */
export interface ObjectCache {
  get<T extends KubeObject>(ref: ObjectRef): T | undefined;
  /** Objects of a watched kind; namespace undefined = all watched namespaces. */
  list<T extends KubeObject>(apiVersion: string, kind: string, namespace?: string, options?: ListOptions): T[];
}

export type EventType = 'Normal' | 'Warning';

export interface EventRecorder {
  /** Creates a core/v1 Event on `involved` (repeats within a while bump `count` instead). Never throws. */
  record(involved: KubeObject, type: EventType, reason: string, message: string): Promise<void>;
}

/** The operator metrics reconcilers feed (implemented in operator/metrics.ts). */
export interface ClusterMetrics {
  failover(namespace: string, cluster: string, group: string): void;
  switchover(namespace: string, cluster: string, group: string): void;
  clusterReady(namespace: string, cluster: string, ready: boolean): void;
  /** The cluster is gone: drop its series. */
  forgetCluster(namespace: string, cluster: string): void;
}

export interface ReconcileContext {
  /** Child logger carrying `namespace` and `cluster`. */
  readonly logger: ServerLogger;
  /** Aborted when the operator stops leading or shuts down: stop work, write nothing more. */
  readonly signal: AbortSignal;
}

export interface ReconcileResult {
  /** Reconcile this key again after this long even if nothing changes (e.g. waiting for a pod). */
  readonly requeueAfterMs?: number;
}

/**
 * One concern's reconcile loop. The Manager calls `reconcile` for a cluster key whenever the
 * RocketCluster or an object it owns changes, on resync, and after `requeueAfterMs`; never twice
 * at once for the same key and reconciler. The cluster may be gone from the cache (deleted):
 * the reconciler then forgets it. A throw is logged, counted and retried with backoff.
 */
export interface Reconciler {
  readonly name: string;
  reconcile(key: ClusterKey, ctx: ReconcileContext): Promise<ReconcileResult>;
  /** Called once when the Manager stops (leadership lost or shutdown): drop per-cluster timers. */
  stop?(): Promise<void>;
}

/** Operator settings reconcilers may need (from operator/config.ts). */
export interface ReconcilerSettings {
  /** How often the failover loop observes a cluster's brokers. */
  readonly failoverTickMs: number;
  /** This operator replica's identity (POD_NAME). */
  readonly identity: string;
}

/**
 * What operator/main.ts gives `createReconcilers(deps)` from '../controllers'. The controllers
 * folder may extend it with optional test seams (e.g. a broker admin port) of its own.
 */
export interface ReconcilerDeps {
  readonly kube: KubeClient;
  readonly cache: ObjectCache;
  readonly events: EventRecorder;
  readonly metrics: ClusterMetrics;
  readonly clock: Clock;
  /** Operator-wide logger (component=controllers); per-cluster lines use ReconcileContext.logger. */
  readonly logger: ServerLogger;
  readonly settings: ReconcilerSettings;
  /** Ask for a reconcile of `key` by every reconciler soon (e.g. a broker reported a change). */
  readonly enqueue: (key: ClusterKey) => void;
}

export type CreateReconcilers = (deps: ReconcilerDeps) => Reconciler[];
