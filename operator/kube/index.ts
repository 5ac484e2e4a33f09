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
