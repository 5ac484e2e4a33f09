/**
 * operator/kube: the operator's Kubernetes plumbing (typed client with apply, informer caches,
 * work queue, Manager, events, Lease leader election). Reconcilers code against the types here.
 */
export type {
  ApplyOutcome,
  ApplyResult,
  ClusterKey,
  ClusterMetrics,
  CreateReconcilers,
  DeleteOptions,
  EventRecorder,
  EventType,
  KubeClient,
  KubeErrorInfo,
  KubeErrorKind,
  KubeObject,
  KubeObjectMeta,
  ListOptions,
  ObjectCache,
  ObjectRef,
  OwnerReference,
  ReconcileContext,
  Reconciler,
  ReconcilerDeps,
  ReconcilerSettings,
  ReconcileResult,
} from './types';
export { DESIRED_HASH_ANNOTATION, KubeErrorKinds } from './types';
export { KubeError, toKubeError } from './errors';
export { KubeTransport, DEFAULT_REQUEST_TIMEOUT_MS } from './transport';
export type { HttpVerb, SendOptions } from './transport';
export { HttpKubeClient, refOf } from './client';
export type { JsonSender } from './client';
export { desiredHash, mergeForUpdate, stableJson } from './apply';
export { WorkQueue, realTimers } from './work-queue';
export type { HandleOutcome, HandleResult, KeyHandler, Timers, WorkQueueOptions } from './work-queue';
export { InformerSet } from './informers';
export type { InformerEventType, InformerListener, InformerSetOptions, WatchedKind } from './informers';
export { CLUSTER_KIND, CLUSTER_LABEL, Manager, OWNED_KINDS, clusterKeyOf } from './manager';
export type { ManagerMetrics, ManagerOptions, ReconcileResultLabel } from './manager';
export { KubeEventRecorder } from './events';
export type { EventRecorderOptions } from './events';
export { LeaderElector, microTime } from './leader';
export type { LeaderElectorOptions } from './leader';
export { matchesSelector, parseSelector } from './selectors';
export type { Requirement } from './selectors';
