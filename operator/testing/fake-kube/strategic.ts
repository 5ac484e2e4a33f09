/**
 * Strategic merge patch, approximated for the built-in kinds: lists the Kubernetes Go types mark
 * with a patch merge key (containers by name, env by name, volumeMounts by mountPath, ports by
 * containerPort/port, conditions by type, ownerReferences by uid, ...) merge item by item; the
 * finalizers list merges as a set; every other list is replaced as in a JSON merge patch. The
 * directives `$patch: delete|replace` and `$deleteFromPrimitiveList/<field>` are honoured,
 * `$setElementOrder` and `$retainKeys` are accepted and ignored. The key table is by field name,
 * not by Go type, which is exact for the fields an operator writes.
 */
import { deepCopy, isObject } from './patch';
import type { Json, JsonObject } from './patch';

const MERGE_KEYS: Readonly<Record<string, string>> = {
  containers: 'name',
  initContainers: 'name',
  ephemeralContainers: 'name',
  volumes: 'name',
  env: 'name',
  imagePullSecrets: 'name',
  volumeMounts: 'mountPath',
  volumeDevices: 'devicePath',
  ownerReferences: 'uid',
  conditions: 'type',
  hostAliases: 'ip',
  topologySpreadConstraints: 'topologyKey',
  resourceClaims: 'name',
};
const PRIMITIVE_MERGE = new Set(['finalizers']);

function mergeKeyFor(field: string, items: readonly Json[]): string | undefined {
  if (field === 'ports') return items.some((i) => isObject(i) && 'containerPort' in i) ? 'containerPort' : 'port';
  return MERGE_KEYS[field];
}

function mergeList(field: string, original: Json[], patch: Json[]): Json[] {
  const key = mergeKeyFor(field, [...original, ...patch]);
  if (PRIMITIVE_MERGE.has(field)) return [...original, ...patch.filter((p) => !original.includes(p))];
  if (!key) return deepCopy(patch);
  if (patch.some((p) => isObject(p) && p.$patch === 'replace')) return patch.filter((p) => !(isObject(p) && p.$patch === 'replace')).map(deepCopy);
  const out = original.map(deepCopy);
  for (const p of patch) {
    if (!isObject(p)) continue;
    const idx = out.findIndex((o) => isObject(o) && o[key] === p[key]);
    if (p.$patch === 'delete') {
      if (idx >= 0) out.splice(idx, 1);
      continue;
    }
    if (idx >= 0) out[idx] = strategicMergePatch(out[idx], p);
    else out.push(strategicMergePatch(undefined, p));
  }
  return out;
}

export function strategicMergePatch(target: Json | undefined, patch: JsonObject): Json {
  if (patch.$patch === 'delete') return {};
  if (patch.$patch === 'replace') {
    const copy = deepCopy(patch);
    delete copy.$patch;
    return copy;
  }
  const out: JsonObject = isObject(target) ? deepCopy(target) : {};
  for (const [k, v] of Object.entries(patch)) {
    if (k === '$patch' || k === '$retainKeys' || k.startsWith('$setElementOrder/')) continue;
    if (k.startsWith('$deleteFromPrimitiveList/')) {
      const field = k.slice('$deleteFromPrimitiveList/'.length);
      const cur = out[field];
      if (Array.isArray(cur) && Array.isArray(v)) out[field] = cur.filter((x) => !v.includes(x));
      continue;
    }
    if (v === null) delete out[k];
    else if (isObject(v)) out[k] = strategicMergePatch(out[k], v);
    else if (Array.isArray(v)) out[k] = mergeList(k, Array.isArray(out[k]) ? (out[k] as Json[]) : [], v);
    else out[k] = v;
  }
  return out;
}
