/**
 * The scale subresource (autoscaling/v1 Scale) for kinds that declare one: built-in Deployments
 * and StatefulSets, and custom resources whose CRD names spec/status replica paths.
 */
import type { KubeCore } from './api';
import { STALE_OBJECT, badRequest, conflict, invalid, unsupportedMediaType } from './errors';
import { deepCopy, isObject, jsonPatch, mergePatch } from './patch';
import type { Json, JsonObject } from './patch';
import type { ResourceType } from './resources';
import { selectorToString } from './selectors';
import type { LabelSelectorObject } from './selectors';

function pathParts(p: string): string[] {
  return p.replace(/^\./, '').split('.');
}

function getPath(obj: JsonObject, p: string): Json | undefined {
  let cur: Json | undefined = obj;
  for (const k of pathParts(p)) cur = isObject(cur) ? cur[k] : undefined;
  return cur;
}

function setPath(obj: JsonObject, p: string, v: Json): void {
  const parts = pathParts(p);
  let cur: JsonObject = obj;
  for (const k of parts.slice(0, -1)) {
    if (!isObject(cur[k])) cur[k] = {};
    cur = cur[k] as JsonObject;
  }
  cur[parts[parts.length - 1]] = v;
}

export function readScale(t: ResourceType, obj: JsonObject): JsonObject {
  const scale = t.scale as NonNullable<ResourceType['scale']>;
  const m = obj.metadata as JsonObject;
  let selector: Json | undefined;
  if (t.builtin) selector = selectorToString((obj.spec as JsonObject | undefined)?.selector as LabelSelectorObject | undefined);
  else if (scale.labelSelectorPath) selector = getPath(obj, scale.labelSelectorPath);
  const status: JsonObject = { replicas: (getPath(obj, scale.statusReplicasPath) as number | undefined) ?? 0 };
  if (typeof selector === 'string' && selector !== '') status.selector = selector;
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: { name: m.name as string, namespace: m.namespace as string, uid: m.uid as string, resourceVersion: m.resourceVersion as string, creationTimestamp: m.creationTimestamp as string },
    spec: { replicas: (getPath(obj, scale.specReplicasPath) as number | undefined) ?? 0 },
    status,
  };
}

export function writeScale(core: KubeCore, t: ResourceType, ns: string, name: string, body: unknown): JsonObject {
  if (!isObject(body)) throw badRequest('the body of the request was not a JSON object');
  const replicas = (body.spec as JsonObject | undefined)?.replicas;
  if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0) {
    throw invalid('autoscaling', 'Scale', name, [{ reason: 'FieldValueInvalid', field: 'spec.replicas', message: `Invalid value: ${JSON.stringify(replicas)}: must be greater than or equal to 0` }]);
  }
  const current = core.get(t, ns, name);
  const rv = (body.metadata as JsonObject | undefined)?.resourceVersion;
  if (rv !== undefined && rv !== '' && rv !== (current.metadata as JsonObject).resourceVersion) throw conflict(t.group, t.plural, name, STALE_OBJECT);
  const next = deepCopy(current);
  setPath(next, (t.scale as NonNullable<ResourceType['scale']>).specReplicasPath, replicas);
  return readScale(t, core.replace(t, ns, name, next, ''));
}

/** PATCH of /scale: the patch applies to the Scale object (merge or JSON patch), then as a PUT of it. */
export function patchScale(core: KubeCore, t: ResourceType, ns: string, name: string, contentType: string, patch: unknown): JsonObject {
  const current = readScale(t, core.get(t, ns, name));
  const type = contentType.split(';')[0].trim();
  let next: Json;
  if (type === 'application/json-patch+json') next = jsonPatch(current, patch);
  else if (type === 'application/merge-patch+json' || type === 'application/strategic-merge-patch+json') {
    if (!isObject(patch)) throw badRequest('merge patch must be a JSON object');
    next = mergePatch(current, patch);
  } else throw unsupportedMediaType('application/json-patch+json, application/merge-patch+json');
  return writeScale(core, t, ns, name, next);
}
