/**
 * The verbs of the API server over the object store: create, replace, patch, delete, get, list.
 * HTTP handlers and the test-side helpers both go through here, so a mock controller's write is
 * subject to the same rules (and produces the same watch events) as an operator's.
 */
import { randomUUID } from 'node:crypto';
import { ApiError, STALE_OBJECT, alreadyExists, badRequest, conflict, forbidden, invalid, notFound, unsupportedMediaType } from './errors';
import type { StatusCause } from './errors';
import { finalizerUpdateErrors, generatedName, metadataErrors, nameErrors } from './meta';
import { deepCopy, deepEqual, isObject, jsonPatch, mergePatch } from './patch';
import type { Json, JsonObject } from './patch';
import { strategicMergePatch } from './strategic';
import { apiVersionOf, storageKey } from './resources';
import type { ResourceType } from './resources';
import { pruneObjectMeta } from './schema';
import { normalizeTimes } from './times';
import { normalizeQuantities } from './quantity';
import { ObjectStore, metaOf } from './store';

export type Subresource = '' | 'status';

export const PatchTypes = {
  merge: 'application/merge-patch+json',
  json: 'application/json-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  apply: 'application/apply-patch+yaml',
} as const;

/** Kind-specific admission: defaults, validation, side effects (CRD registration, IP allocation). */
export interface KindHooks {
  /** Defaults and validation on create; returns 422 causes. */
  create?(obj: JsonObject, core: KubeCore): StatusCause[];
  /** Defaults and validation on update (main resource or status); returns 422 causes. */
  update?(old: JsonObject, next: JsonObject, sub: Subresource, core: KubeCore): StatusCause[];
  /** After the object was stored or removed. */
  written?(obj: JsonObject, deleted: boolean, core: KubeCore): void;
}

export interface DeleteOptions {
  propagationPolicy?: 'Background' | 'Foreground' | 'Orphan';
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun?: boolean;
  /** 0 forces immediate removal of an object that would otherwise terminate gracefully (a scheduled pod). */
  gracePeriodSeconds?: number;
}

export interface KubeCoreOptions {
  readonly maxHistory: number;
  readonly now: () => Date;
  /** A type's hooks, looked up per write (CR types get theirs from the CRD's schema). */
  readonly hooksFor: (t: ResourceType) => KindHooks | undefined;
  /**
   * Grace period for an object that terminates gracefully instead of going at once (a pod on a node
   * with a kubelet), or undefined when it goes at once.
   */
  readonly gracePeriod?: (t: ResourceType, obj: JsonObject) => number | undefined;
}

function timestamp(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Top-level fields other than metadata and (optionally) status: what a generation counts. */
function specPart(obj: JsonObject, t: ResourceType): JsonObject {
  if (t.generation === 'spec') return { spec: obj.spec ?? null };
  const out: JsonObject = { ...obj };
  delete out.metadata;
  delete out.apiVersion;
  delete out.kind;
  if (t.status) delete out.status;
  return out;
}

export class KubeCore {
  readonly store: ObjectStore;

  constructor(
    private readonly types: () => readonly ResourceType[],
    private readonly opts: KubeCoreOptions,
  ) {
    this.store = new ObjectStore(opts.maxHistory);
  }

  allTypes(): readonly ResourceType[] {
    return this.types();
  }

  now(): string {
    return timestamp(this.opts.now());
  }

  get(t: ResourceType, ns: string, name: string): JsonObject {
    const o = this.store.get(storageKey(t), t.namespaced ? ns : '', name);
    if (!o) throw notFound(t.group, t.plural, name);
    return this.view(t, o);
  }

  /** Objects are stored once per group+plural; reading them through another served version only changes apiVersion. */
  private view(t: ResourceType, o: JsonObject): JsonObject {
    o.apiVersion = apiVersionOf(t);
    o.kind = t.kind;
    return o;
  }

  list(t: ResourceType, ns: string | undefined): JsonObject[] {
    return this.store.list(storageKey(t), t.namespaced ? ns : undefined).map((o) => this.view(t, o));
  }

  private checkIdentity(t: ResourceType, body: unknown, ns: string, urlName?: string): JsonObject {
    if (!isObject(body)) throw badRequest('the body of the request was not a JSON object');
    if (body.apiVersion !== undefined && body.apiVersion !== apiVersionOf(t)) {
      throw badRequest(`the API version in the data (${String(body.apiVersion)}) does not match the expected API version (${apiVersionOf(t)})`);
    }
    if (body.kind !== undefined && body.kind !== t.kind) {
      throw badRequest(`the kind in the data (${String(body.kind)}) does not match the expected kind (${t.kind})`);
    }
    const obj = deepCopy(body);
    obj.apiVersion = apiVersionOf(t);
    obj.kind = t.kind;
    if (!isObject(obj.metadata)) obj.metadata = {};
    const meta = metaOf(obj);
    pruneObjectMeta(meta);
    if (t.namespaced) {
      if (meta.namespace !== undefined && meta.namespace !== '' && meta.namespace !== ns) {
        throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
      }
      meta.namespace = ns;
    } else delete meta.namespace;
    if (urlName !== undefined && meta.name !== undefined && meta.name !== '' && meta.name !== urlName) {
      throw badRequest(`the name of the object (${String(meta.name)}) does not match the name on the URL (${urlName})`);
    }
    if (urlName !== undefined) meta.name = urlName;
    return obj;
  }

  private checkNamespace(t: ResourceType, ns: string): void {
    if (!t.namespaced) return;
    const nsObj = this.store.get('/namespaces', '', ns);
    if (!nsObj) throw new ApiError(404, 'NotFound', `namespaces "${ns}" not found`, { name: ns, kind: 'namespaces' });
    if (metaOf(nsObj).deletionTimestamp) {
      throw forbidden(`unable to create new content in namespace ${ns} because it is being terminated`);
    }
  }

  create(t: ResourceType, ns: string, body: unknown, opts: { dryRun?: boolean } = {}): JsonObject {
    const obj = this.checkIdentity(t, body, ns);
    const meta = metaOf(obj);
    if ((meta.name === undefined || meta.name === '') && typeof meta.generateName === 'string' && meta.generateName !== '') {
      meta.name = generatedName(meta.generateName);
    }
    const name = typeof meta.name === 'string' ? meta.name : '';
    if (name === '') {
      throw invalid(t.group, t.kind, '', [{ reason: 'FieldValueRequired', field: 'metadata.name', message: 'Required value: name or generateName is required' }]);
    }
    this.checkNamespace(t, ns);
    const causes = [...nameErrors(t.nameRule, name), ...metadataErrors(meta)];
    if (causes.length > 0) throw invalid(t.group, t.kind, name, causes);
    // Server-owned fields: whatever the client sent is replaced.
    for (const k of ['uid', 'resourceVersion', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'generation', 'selfLink', 'managedFields']) delete meta[k];
    if (t.status && !t.builtin) delete obj.status;
    if (t.builtin) {
      normalizeTimes(obj);
      normalizeQuantities(storageKey(t), obj);
    }
    const hookCauses = this.opts.hooksFor(t)?.create?.(obj, this) ?? [];
    if (hookCauses.length > 0) throw invalid(t.group, t.kind, name, hookCauses);
    if (this.store.get(storageKey(t), t.namespaced ? ns : '', name)) throw alreadyExists(t.group, t.plural, name);
    meta.uid = randomUUID();
    meta.creationTimestamp = this.now();
    if (t.generation !== 'none') meta.generation = 1;
    if (opts.dryRun) return obj;
    meta.resourceVersion = String(this.store.nextRv());
    this.store.put(storageKey(t), 'ADDED', obj);
    this.opts.hooksFor(t)?.written?.(obj, false, this);
    return this.view(t, deepCopy(obj));
  }

  /** PUT. `body` must carry the current resourceVersion unless the kind allows unconditional updates. */
  replace(t: ResourceType, ns: string, name: string, body: unknown, sub: Subresource, opts: { dryRun?: boolean } = {}): JsonObject {
    const old = this.get(t, ns, name);
    const obj = this.checkIdentity(t, body, ns, name);
    const rv = metaOf(obj).resourceVersion;
    if (rv === undefined || rv === '') {
      if (!t.unconditionalUpdate) {
        throw invalid(t.group, t.kind, name, [{ reason: 'FieldValueInvalid', field: 'metadata.resourceVersion', message: 'Invalid value: 0x0: must be specified for an update' }]);
      }
    } else if (rv !== metaOf(old).resourceVersion) {
      throw conflict(t.group, t.plural, name, STALE_OBJECT);
    }
    return this.commitUpdate(t, old, obj, sub, opts);
  }

  patch(t: ResourceType, ns: string, name: string, contentType: string, patchBody: unknown, sub: Subresource, opts: { dryRun?: boolean; fieldManager?: string; force?: boolean } = {}): JsonObject {
    const type = contentType.split(';')[0].trim();
    if (type === PatchTypes.apply) return this.apply(t, ns, name, patchBody, sub, opts);
    const old = this.get(t, ns, name);
    let patched: Json;
    if (type === PatchTypes.merge) {
      if (!isObject(patchBody)) throw badRequest('merge patch must be a JSON object');
      patched = mergePatch(old, patchBody);
    } else if (type === PatchTypes.json) patched = jsonPatch(old, patchBody);
    else if (type === PatchTypes.strategic) {
      if (!t.builtin) throw unsupportedMediaType('application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml');
      if (!isObject(patchBody)) throw badRequest('strategic merge patch must be a JSON object');
      patched = strategicMergePatch(old, patchBody);
    } else {
      throw unsupportedMediaType(Object.values(PatchTypes).join(', '));
    }
    const obj = this.checkIdentity(t, patched, ns, name);
    // A patch that sets metadata.resourceVersion is a precondition, like PUT.
    if (metaOf(obj).resourceVersion !== metaOf(old).resourceVersion) throw conflict(t.group, t.plural, name, STALE_OBJECT);
    return this.commitUpdate(t, old, obj, sub, opts);
  }

  /**
   * Server-side apply, approximated: fieldManager is required as on a real server, the object is
   * created when absent, otherwise the applied configuration is merged in as a JSON merge patch.
   * Field ownership and conflicts are not tracked.
   */
  private apply(t: ResourceType, ns: string, name: string, body: unknown, sub: Subresource, opts: { dryRun?: boolean; fieldManager?: string }): JsonObject {
    if (!opts.fieldManager) {
      throw invalid('meta.k8s.io', 'PatchOptions', '', [{ reason: 'FieldValueRequired', field: 'fieldManager', message: 'Required value: is required for apply patch' }]);
    }
    if (!isObject(body)) throw badRequest('apply patch must be an object');
    const exists = this.store.get(storageKey(t), t.namespaced ? ns : '', name);
    if (!exists) {
      if (sub !== '') throw notFound(t.group, t.plural, name);
      const obj = this.checkIdentity(t, body, ns, name);
      return this.create(t, ns, obj, opts);
    }
    const old = this.get(t, ns, name);
    const applied = this.checkIdentity(t, body, ns, name);
    const rv = metaOf(applied).resourceVersion;
    if (rv !== undefined && rv !== metaOf(old).resourceVersion) throw conflict(t.group, t.plural, name, STALE_OBJECT);
    delete metaOf(applied).resourceVersion;
    const merged = this.checkIdentity(t, mergePatch(old, applied), ns, name);
    return this.commitUpdate(t, old, merged, sub, opts);
  }

  private commitUpdate(t: ResourceType, old: JsonObject, obj: JsonObject, sub: Subresource, opts: { dryRun?: boolean }): JsonObject {
    const name = metaOf(old).name as string;
    let next: JsonObject;
    if (sub === 'status') {
      // Only status moves through /status; metadata and spec come from the stored object.
      next = deepCopy(old);
      if (obj.status === undefined) delete next.status;
      else next.status = obj.status;
    } else {
      next = obj;
      const meta = metaOf(next);
      const oldMeta = metaOf(old);
      for (const k of ['uid', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'generation', 'namespace', 'name']) {
        if (oldMeta[k] === undefined) delete meta[k];
        else meta[k] = oldMeta[k];
      }
      delete meta.managedFields;
      if (t.status) {
        if (old.status === undefined) delete next.status;
        else next.status = deepCopy(old.status);
      }
      const causes = [...metadataErrors(meta), ...finalizerUpdateErrors(oldMeta, meta)];
      if (causes.length > 0) throw invalid(t.group, t.kind, name, causes);
    }
    metaOf(next).resourceVersion = metaOf(old).resourceVersion;
    if (t.builtin) {
      normalizeTimes(next);
      normalizeQuantities(storageKey(t), next);
    }
    const hookCauses = this.opts.hooksFor(t)?.update?.(old, next, sub, this) ?? [];
    if (hookCauses.length > 0) throw invalid(t.group, t.kind, name, hookCauses);
    if (t.generation !== 'none' && !deepEqual(specPart(old, t), specPart(next, t))) {
      metaOf(next).generation = ((metaOf(old).generation as number | undefined) ?? 0) + 1;
    }
    // A write that changes nothing keeps the resourceVersion and emits no event (as kube-apiserver).
    if (deepEqual(old, next)) return old;
    if (opts.dryRun) return next;
    metaOf(next).resourceVersion = String(this.store.nextRv());
    const meta = metaOf(next);
    // Removed once nothing holds it: no finalizers left and no grace period still running.
    if (meta.deletionTimestamp && ((meta.finalizers ?? []) as string[]).length === 0 && !((meta.deletionGracePeriodSeconds as number | undefined) ?? 0)) {
      this.store.remove(storageKey(t), next);
      this.opts.hooksFor(t)?.written?.(next, true, this);
    } else {
      this.store.put(storageKey(t), 'MODIFIED', next);
      this.opts.hooksFor(t)?.written?.(next, false, this);
    }
    return this.view(t, deepCopy(next));
  }

  /**
   * DELETE. Without finalizers the object goes at once (dependents follow through the garbage
   * collector unless orphaned); with finalizers it gets deletionTimestamp and stays until they are gone.
   */
  remove(t: ResourceType, ns: string, name: string, opts: DeleteOptions = {}): JsonObject {
    const old = this.get(t, ns, name);
    const meta = metaOf(old);
    const pre = opts.preconditions ?? {};
    if (pre.uid !== undefined && pre.uid !== meta.uid) {
      throw conflict(t.group, t.plural, name, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${String(meta.uid)}`);
    }
    if (pre.resourceVersion !== undefined && pre.resourceVersion !== meta.resourceVersion) {
      throw conflict(t.group, t.plural, name, `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${String(meta.resourceVersion)}`);
    }
    if (opts.dryRun) return old;
    const policy = opts.propagationPolicy ?? 'Background';
    const finalizers = [...((meta.finalizers ?? []) as string[])];
    if (policy === 'Orphan' && !finalizers.includes('orphan')) finalizers.push('orphan');
    if (policy === 'Foreground' && !finalizers.includes('foregroundDeletion')) finalizers.push('foregroundDeletion');
    if (t.plural === 'namespaces' && t.group === '') {
      return this.markDeleting(t, old, finalizers, (o) => {
        o.spec = { finalizers: ['kubernetes'] };
        o.status = { phase: 'Terminating' };
      });
    }
    const grace = opts.gracePeriodSeconds ?? this.opts.gracePeriod?.(t, old);
    if (grace !== undefined && grace > 0) {
      // Graceful termination: the object stays (Terminating) until its kubelet confirms with a grace-0 delete.
      return this.markDeleting(t, old, finalizers, (o) => {
        const m = metaOf(o);
        const current = m.deletionGracePeriodSeconds as number | undefined;
        m.deletionGracePeriodSeconds = current === undefined || (metaOf(old).deletionTimestamp === undefined) ? grace : Math.min(current, grace);
      });
    }
    if (finalizers.length > 0) {
      return this.markDeleting(t, old, finalizers, (o) => {
        if (metaOf(o).deletionGracePeriodSeconds !== undefined) metaOf(o).deletionGracePeriodSeconds = 0;
      });
    }
    const gone = deepCopy(old);
    metaOf(gone).resourceVersion = String(this.store.nextRv());
    this.store.remove(storageKey(t), gone);
    this.opts.hooksFor(t)?.written?.(gone, true, this);
    return this.view(t, gone);
  }

  private markDeleting(t: ResourceType, old: JsonObject, finalizers: string[], edit?: (o: JsonObject) => void): JsonObject {
    const next = deepCopy(old);
    const meta = metaOf(next);
    if (!meta.deletionTimestamp) {
      meta.deletionTimestamp = this.now();
      meta.deletionGracePeriodSeconds = 0;
    }
    if (finalizers.length > 0) meta.finalizers = finalizers;
    edit?.(next);
    if (deepEqual(old, next)) return old;
    meta.resourceVersion = String(this.store.nextRv());
    this.store.put(storageKey(t), 'MODIFIED', next);
    this.opts.hooksFor(t)?.written?.(next, false, this);
    return this.view(t, deepCopy(next));
  }

  /** Removes an object whose finalizers (or the namespace's content) are done; used by GC and the namespace controller. */
  finalize(t: ResourceType, obj: JsonObject): void {
    const meta = metaOf(obj);
    if (!this.store.get(storageKey(t), (meta.namespace as string | undefined) ?? '', meta.name as string)) return;
    const gone = deepCopy(obj);
    metaOf(gone).resourceVersion = String(this.store.nextRv());
    this.store.remove(storageKey(t), gone);
    this.opts.hooksFor(t)?.written?.(gone, true, this);
  }
}
