/**
 * CustomResourceDefinitions: validated as kube-apiserver does for apiextensions.k8s.io/v1
 * (name = plural.group, one storage version, structural schema per version), marked Established at
 * once, and turned into served resource types with their schema, status and scale subresources.
 */
import type { StatusCause } from './errors';
import { isObject } from './patch';
import type { JsonObject } from './patch';
import type { ResourceType } from './resources';
import { celCompileErrors, compileSchema, structuralErrors } from './schema';
import type { SchemaProps } from './schema';

interface CrdVersion {
  name: string;
  served: boolean;
  storage: boolean;
  schema?: { openAPIV3Schema?: SchemaProps };
  subresources?: { status?: object; scale?: { specReplicasPath: string; statusReplicasPath: string; labelSelectorPath?: string } };
}

interface CrdSpec {
  group: string;
  scope: string;
  names: { plural: string; singular?: string; kind: string; listKind?: string; shortNames?: string[] };
  versions: CrdVersion[];
}

export function crdErrors(crd: JsonObject): StatusCause[] {
  const causes: StatusCause[] = [];
  const spec = crd.spec as unknown as CrdSpec | undefined;
  const name = (crd.metadata as JsonObject).name as string;
  if (!isObject(spec as unknown)) return [{ reason: 'FieldValueRequired', field: 'spec', message: 'Required value' }];
  const s = spec as CrdSpec;
  if (!s.group) causes.push({ reason: 'FieldValueRequired', field: 'spec.group', message: 'Required value' });
  else if (s.group.split('.').length < 2) causes.push({ reason: 'FieldValueInvalid', field: 'spec.group', message: `Invalid value: "${s.group}": should be a domain with at least one dot` });
  if (!s.names?.plural) causes.push({ reason: 'FieldValueRequired', field: 'spec.names.plural', message: 'Required value' });
  if (!s.names?.kind) causes.push({ reason: 'FieldValueRequired', field: 'spec.names.kind', message: 'Required value' });
  if (s.names?.plural && s.group && name !== `${s.names.plural}.${s.group}`) {
    causes.push({ reason: 'FieldValueInvalid', field: 'metadata.name', message: `Invalid value: "${name}": must be spec.names.plural+"."+spec.group` });
  }
  if (s.scope !== 'Namespaced' && s.scope !== 'Cluster') {
    causes.push({ reason: 'FieldValueNotSupported', field: 'spec.scope', message: `Unsupported value: "${String(s.scope)}": supported values: "Cluster", "Namespaced"` });
  }
  const versions = Array.isArray(s.versions) ? s.versions : [];
  if (versions.length === 0) causes.push({ reason: 'FieldValueInvalid', field: 'spec.versions', message: 'Invalid value: must have exactly one version marked as storage version' });
  else if (versions.filter((v) => v.storage).length !== 1) {
    causes.push({ reason: 'FieldValueInvalid', field: 'spec.versions', message: 'Invalid value: must have exactly one version marked as storage version' });
  }
  versions.forEach((v, i) => {
    const schema = v.schema?.openAPIV3Schema;
    if (!schema) {
      causes.push({ reason: 'FieldValueRequired', field: `spec.versions[${i}].schema.openAPIV3Schema`, message: 'Required value: schemas are required' });
      return;
    }
    causes.push(...structuralErrors(schema, `spec.versions[${i}].schema.openAPIV3Schema`));
    causes.push(...celCompileErrors(schema, `spec.versions[${i}].schema.openAPIV3Schema`));
    const scale = v.subresources?.scale;
    if (scale) {
      for (const f of ['specReplicasPath', 'statusReplicasPath'] as const) {
        if (typeof scale[f] !== 'string' || !scale[f].startsWith('.')) {
          causes.push({ reason: 'FieldValueInvalid', field: `spec.versions[${i}].subresources.scale.${f}`, message: 'Invalid value: should be a json path starting with .' });
        }
      }
    }
  });
  return causes;
}

/** Marks the CRD as the API server's controllers would within milliseconds: names accepted, Established. */
export function crdStatus(crd: JsonObject, now: string): JsonObject {
  const s = crd.spec as unknown as CrdSpec;
  const accepted: JsonObject = { plural: s.names.plural, singular: s.names.singular ?? s.names.kind.toLowerCase(), kind: s.names.kind, listKind: s.names.listKind ?? `${s.names.kind}List` };
  if (s.names.shortNames) accepted.shortNames = s.names.shortNames;
  const cond = (type: string, reason: string, message: string): JsonObject => ({ type, status: 'True', lastTransitionTime: now, reason, message });
  return {
    acceptedNames: accepted,
    conditions: [cond('NamesAccepted', 'NoConflicts', 'no conflicts found'), cond('Established', 'InitialNamesAccepted', 'the initial names have been accepted')],
    storedVersions: s.versions.filter((v) => v.storage).map((v) => v.name),
  };
}

export function typesFromCrd(crd: JsonObject): ResourceType[] {
  const s = crd.spec as unknown as CrdSpec;
  return s.versions
    .filter((v) => v.served)
    .map((v) => {
      const schema = v.schema?.openAPIV3Schema as SchemaProps;
      const scale = v.subresources?.scale;
      return {
        group: s.group,
        version: v.name,
        plural: s.names.plural,
        singular: s.names.singular ?? s.names.kind.toLowerCase(),
        kind: s.names.kind,
        namespaced: s.scope === 'Namespaced',
        shortNames: s.names.shortNames ?? [],
        status: v.subresources?.status !== undefined,
        ...(scale ? { scale } : {}),
        generation: 'nonMeta' as const,
        builtin: false,
        unconditionalUpdate: false,
        fieldSelectors: [],
        nameRule: 'subdomain' as const,
        returnDeletedObject: true,
        schema: compileSchema(schema),
      };
    });
}
