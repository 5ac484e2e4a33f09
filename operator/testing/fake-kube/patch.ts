/**
 * Patch formats the API server accepts: JSON merge patch (RFC 7386), JSON patch (RFC 6902) and, for
 * built-in kinds only, strategic merge patch (see strategic.ts). A failed JSON-patch `test` or a bad
 * path is an error the caller maps to 422/400 as kube-apiserver does.
 */
import { ApiError } from './errors';

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
export type JsonObject = { [k: string]: Json };

export function isObject(v: unknown): v is JsonObject {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

export function deepCopy<T>(v: T): T {
  return v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T);
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((x, i) => deepEqual(x, bb[i]));
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const ak = Object.keys(ao).filter((k) => ao[k] !== undefined);
  const bk = Object.keys(bo).filter((k) => bo[k] !== undefined);
  return ak.length === bk.length && ak.every((k) => deepEqual(ao[k], bo[k]));
}

/** RFC 7386: objects merge recursively, null deletes, everything else (arrays included) replaces. */
export function mergePatch(target: Json | undefined, patch: Json): Json {
  if (!isObject(patch)) return deepCopy(patch);
  const out: JsonObject = isObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

function unescape(token: string): string {
  return token.replace(/~1/g, '/').replace(/~0/g, '~');
}

function parsePointer(path: string): string[] {
  if (path === '') return [];
  if (!path.startsWith('/')) throw new ApiError(422, 'Invalid', `json patch path "${path}" must start with "/"`);
  return path.slice(1).split('/').map(unescape);
}

function getAt(doc: Json, tokens: readonly string[]): Json | undefined {
  let cur: Json | undefined = doc;
  for (const t of tokens) {
    if (Array.isArray(cur)) cur = cur[Number(t)];
    else if (isObject(cur)) cur = Object.prototype.hasOwnProperty.call(cur, t) ? cur[t] : undefined;
    else return undefined;
  }
  return cur;
}

function parentOf(doc: Json, tokens: readonly string[], op: string): { parent: Json; key: string } {
  const parent = getAt(doc, tokens.slice(0, -1));
  if (parent === undefined || parent === null || typeof parent !== 'object') {
    throw new ApiError(422, 'Invalid', `jsonpatch ${op} operation does not apply: doc is missing path: "/${tokens.join('/')}"`);
  }
  return { parent, key: tokens[tokens.length - 1] };
}

function arrayIndex(arr: Json[], key: string, forAdd: boolean, path: string): number {
  if (forAdd && key === '-') return arr.length;
  if (!/^(0|[1-9][0-9]*)$/.test(key)) throw new ApiError(422, 'Invalid', `jsonpatch: invalid array index "${key}" in "${path}"`);
  const i = Number(key);
  if (i > arr.length || (!forAdd && i === arr.length)) {
    throw new ApiError(422, 'Invalid', `jsonpatch: array index out of bounds in "${path}"`);
  }
  return i;
}

function addAt(doc: Json, path: string, value: Json): Json {
  const tokens = parsePointer(path);
  if (tokens.length === 0) return deepCopy(value);
  const { parent, key } = parentOf(doc, tokens, 'add');
  if (Array.isArray(parent)) parent.splice(arrayIndex(parent, key, true, path), 0, deepCopy(value));
  else (parent as JsonObject)[key] = deepCopy(value);
  return doc;
}

function removeAt(doc: Json, path: string, op: string): Json {
  const tokens = parsePointer(path);
  const { parent, key } = parentOf(doc, tokens, op);
  if (Array.isArray(parent)) parent.splice(arrayIndex(parent, key, false, path), 1);
  else {
    if (!Object.prototype.hasOwnProperty.call(parent, key)) {
      throw new ApiError(422, 'Invalid', `jsonpatch ${op} operation does not apply: doc is missing key: ${path}`);
    }
    delete (parent as JsonObject)[key];
  }
  return doc;
}

interface PatchOp {
  op: string;
  path: string;
  value?: Json;
  from?: string;
}

/** RFC 6902. Operations apply in order to a copy; any failure rejects the whole patch. */
export function jsonPatch(target: Json, ops: unknown): Json {
  if (!Array.isArray(ops)) throw new ApiError(400, 'BadRequest', 'json: cannot unmarshal object into Go value of type jsonpatch.Patch');
  let doc = deepCopy(target);
  for (const raw of ops as PatchOp[]) {
    if (!isObject(raw as unknown) || typeof raw.path !== 'string') throw new ApiError(400, 'BadRequest', 'invalid JSON patch operation');
    switch (raw.op) {
      case 'add':
        doc = addAt(doc, raw.path, raw.value ?? null);
        break;
      case 'remove':
        doc = removeAt(doc, raw.path, 'remove');
        break;
      case 'replace':
        doc = removeAt(doc, raw.path, 'replace');
        doc = addAt(doc, raw.path, raw.value ?? null);
        break;
      case 'move': {
        const v = getAt(doc, parsePointer(raw.from ?? ''));
        if (v === undefined) throw new ApiError(422, 'Invalid', `jsonpatch move operation does not apply: doc is missing from path: ${raw.from}`);
        doc = removeAt(doc, raw.from ?? '', 'move');
        doc = addAt(doc, raw.path, v);
        break;
      }
      case 'copy': {
        const v = getAt(doc, parsePointer(raw.from ?? ''));
        if (v === undefined) throw new ApiError(422, 'Invalid', `jsonpatch copy operation does not apply: doc is missing from path: ${raw.from}`);
        doc = addAt(doc, raw.path, v);
        break;
      }
      case 'test': {
        const v = getAt(doc, parsePointer(raw.path));
        if (!deepEqual(v, raw.value)) throw new ApiError(422, 'Invalid', `the server rejected our request due to an error in our request: testing value ${raw.path} failed`);
        break;
      }
      default:
        throw new ApiError(400, 'BadRequest', `Unexpected kind: ${String(raw.op)}`);
    }
  }
  return doc;
}
