/**
 * The resource types the fake serves: a fixed table of built-in kinds plus whatever the stored
 * CustomResourceDefinitions declare. Objects are stored per group+plural (one storage for all
 * served versions of a CRD, as the API server does with conversion strategy None).
 */
import type { CompiledSchema } from './schema';

export interface ScaleSpec {
  readonly specReplicasPath: string;
  readonly statusReplicasPath: string;
  readonly labelSelectorPath?: string;
}

/** How metadata.generation moves: `spec` (built-ins: spec changes only), `nonMeta` (CRs: anything but metadata/status). */
export type GenerationMode = 'none' | 'spec' | 'nonMeta';

export interface ResourceType {
  readonly group: string;
  readonly version: string;
  readonly plural: string;
  readonly singular: string;
  readonly kind: string;
  readonly namespaced: boolean;
  readonly shortNames: readonly string[];
  readonly status: boolean;
  readonly scale?: ScaleSpec;
  readonly generation: GenerationMode;
  readonly builtin: boolean;
  /** Kinds whose PUT may omit metadata.resourceVersion (unconditional update). CRs and CRDs may not. */
  readonly unconditionalUpdate: boolean;
  /** Field selectors beyond metadata.name/namespace. */
  readonly fieldSelectors: readonly string[];
  /** Name rule for metadata.name: DNS-1123 subdomain (most), DNS-1123 label, DNS-1035 label (services), or path segment. */
  readonly nameRule: 'subdomain' | 'label' | 'label1035' | 'path';
  /** An immediate DELETE answers with the deleted object (else with a Success Status), per kind as kube-apiserver. */
  readonly returnDeletedObject: boolean;
  readonly schema?: CompiledSchema;
}

export function apiVersionOf(t: Pick<ResourceType, 'group' | 'version'>): string {
  return t.group === '' ? t.version : `${t.group}/${t.version}`;
}

/** Storage key: all versions of one group+plural share objects. */
export function storageKey(t: Pick<ResourceType, 'group' | 'plural'>): string {
  return `${t.group}/${t.plural}`;
}

type BuiltinRow = [group: string, version: string, plural: string, kind: string, namespaced: boolean, extra?: Partial<ResourceType>];

const REPLICAS_SCALE: ScaleSpec = { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas', labelSelectorPath: '.status.selector' };

const BUILTINS: readonly BuiltinRow[] = [
  ['', 'v1', 'namespaces', 'Namespace', false, { status: true, shortNames: ['ns'], nameRule: 'label', fieldSelectors: ['status.phase'] }],
  ['', 'v1', 'pods', 'Pod', true, { status: true, returnDeletedObject: true, shortNames: ['po'], fieldSelectors: ['spec.nodeName', 'status.phase', 'status.podIP', 'spec.serviceAccountName'] }],
  ['', 'v1', 'services', 'Service', true, { status: true, returnDeletedObject: true, shortNames: ['svc'], nameRule: 'label1035' }],
  ['', 'v1', 'configmaps', 'ConfigMap', true, { shortNames: ['cm'] }],
  ['', 'v1', 'secrets', 'Secret', true, { fieldSelectors: ['type'] }],
  ['', 'v1', 'persistentvolumeclaims', 'PersistentVolumeClaim', true, { status: true, returnDeletedObject: true, shortNames: ['pvc'] }],
  ['', 'v1', 'events', 'Event', true, {
    shortNames: ['ev'],
    fieldSelectors: ['involvedObject.kind', 'involvedObject.namespace', 'involvedObject.name', 'involvedObject.uid', 'involvedObject.apiVersion', 'involvedObject.resourceVersion', 'involvedObject.fieldPath', 'reason', 'reportingComponent', 'source', 'type'],
  }],
  ['', 'v1', 'serviceaccounts', 'ServiceAccount', true, { shortNames: ['sa'], returnDeletedObject: true }],
  ['', 'v1', 'endpoints', 'Endpoints', true, { shortNames: ['ep'] }],
  ['apps', 'v1', 'deployments', 'Deployment', true, { status: true, scale: REPLICAS_SCALE, generation: 'spec', shortNames: ['deploy'] }],
  ['apps', 'v1', 'statefulsets', 'StatefulSet', true, { status: true, scale: REPLICAS_SCALE, generation: 'spec', shortNames: ['sts'] }],
  ['apps', 'v1', 'replicasets', 'ReplicaSet', true, { status: true, scale: REPLICAS_SCALE, generation: 'spec', shortNames: ['rs'] }],
  ['apps', 'v1', 'controllerrevisions', 'ControllerRevision', true, {}],
  ['policy', 'v1', 'poddisruptionbudgets', 'PodDisruptionBudget', true, { status: true, generation: 'spec', shortNames: ['pdb'] }],
  ['coordination.k8s.io', 'v1', 'leases', 'Lease', true, {}],
  ['events.k8s.io', 'v1', 'events', 'Event', true, { shortNames: ['ev'], fieldSelectors: ['regarding.kind', 'regarding.namespace', 'regarding.name', 'regarding.uid', 'reason', 'type', 'reportingController'] }],
  ['rbac.authorization.k8s.io', 'v1', 'roles', 'Role', true, { nameRule: 'path' }],
  ['rbac.authorization.k8s.io', 'v1', 'rolebindings', 'RoleBinding', true, { nameRule: 'path' }],
  ['rbac.authorization.k8s.io', 'v1', 'clusterroles', 'ClusterRole', false, { nameRule: 'path' }],
  ['rbac.authorization.k8s.io', 'v1', 'clusterrolebindings', 'ClusterRoleBinding', false, { nameRule: 'path' }],
  ['apiextensions.k8s.io', 'v1', 'customresourcedefinitions', 'CustomResourceDefinition', false, { status: true, generation: 'spec', shortNames: ['crd', 'crds'], unconditionalUpdate: false }],
];

export function builtinTypes(): ResourceType[] {
  return BUILTINS.map(([group, version, plural, kind, namespaced, extra]) => ({
    group,
    version,
    plural,
    singular: kind.toLowerCase(),
    kind,
    namespaced,
    shortNames: [],
    status: false,
    generation: 'none',
    builtin: true,
    unconditionalUpdate: true,
    fieldSelectors: [],
    nameRule: 'subdomain',
    returnDeletedObject: false,
    ...extra,
  }));
}

/** The API groups the core server always serves (discovery lists them even before any object exists). */
export const CORE_GROUP_ORDER = ['', 'apps', 'policy', 'coordination.k8s.io', 'events.k8s.io', 'rbac.authorization.k8s.io', 'apiextensions.k8s.io'] as const;

export interface Registry {
  readonly types: readonly ResourceType[];
}

export function findType(types: readonly ResourceType[], group: string, version: string, plural: string): ResourceType | undefined {
  return types.find((t) => t.group === group && t.version === version && t.plural === plural);
}

/**
 * A test-side reference to a resource: a plural (`pods`), `plural.group` (`statefulsets.apps`), a
 * Kind (`StatefulSet`) or a short name (`sts`). The first served version wins.
 */
export function resolveRef(types: readonly ResourceType[], ref: string): ResourceType | undefined {
  const dot = ref.indexOf('.');
  if (dot > 0) {
    const plural = ref.slice(0, dot);
    const group = ref.slice(dot + 1);
    return types.find((t) => t.plural === plural && t.group === group);
  }
  return (
    types.find((t) => t.plural === ref && t.group === '') ??
    types.find((t) => t.plural === ref) ??
    types.find((t) => t.kind === ref && t.group === '') ??
    types.find((t) => t.kind === ref) ??
    types.find((t) => t.shortNames.includes(ref))
  );
}

export function typeForKind(types: readonly ResourceType[], apiVersion: string, kind: string): ResourceType | undefined {
  return types.find((t) => apiVersionOf(t) === apiVersion && t.kind === kind);
}
