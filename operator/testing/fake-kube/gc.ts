/**
 * The garbage collector and namespace controller of the fake, run as a sweep after writes (on the
 * next turn of the event loop, so deletion of dependents is asynchronous as on a real cluster):
 * - a dependent whose owners are all gone (uid mismatch counts as gone) is deleted; dangling
 *   references next to a live owner are removed;
 * - an owner deleted with `orphan` has its dependents' references removed, then the finalizer;
 * - an owner deleted with `foregroundDeletion` waits until its dependents are gone;
 * - a terminating namespace is emptied, then removed.
 */
import type { KubeCore } from './api';
import type { JsonObject } from './patch';
import { deepCopy } from './patch';
import { storageKey, typeForKind } from './resources';
import type { ResourceType } from './resources';

interface Item {
  readonly type: ResourceType;
  readonly obj: JsonObject;
}

function meta(o: JsonObject): JsonObject {
  return o.metadata as JsonObject;
}

function refs(o: JsonObject): JsonObject[] {
  return (meta(o).ownerReferences ?? []) as JsonObject[];
}

/** The stored-version type for each storage key (one per group+plural). */
function storageTypes(core: KubeCore): ResourceType[] {
  const seen = new Map<string, ResourceType>();
  for (const t of core.allTypes()) if (!seen.has(storageKey(t))) seen.set(storageKey(t), t);
  return [...seen.values()];
}

function allItems(core: KubeCore): Item[] {
  const out: Item[] = [];
  for (const t of storageTypes(core)) for (const obj of core.list(t, undefined)) out.push({ type: t, obj });
  return out;
}

function ownerAlive(core: KubeCore, dependent: JsonObject, ref: JsonObject): boolean {
  const t = typeForKind(core.allTypes(), ref.apiVersion as string, ref.kind as string);
  if (!t) return true; // unknown kind: the real GC cannot resolve it either and leaves the dependent alone
  const ns = t.namespaced ? ((meta(dependent).namespace as string | undefined) ?? '') : '';
  if (t.namespaced && ns === '') return false;
  const owner = core.store.get(storageKey(t), ns, ref.name as string);
  return owner !== undefined && meta(owner).uid === ref.uid;
}

function dependentsOf(items: readonly Item[], owner: JsonObject): Item[] {
  const uid = meta(owner).uid;
  return items.filter((i) => refs(i.obj).some((r) => r.uid === uid));
}

function nsOf(o: JsonObject): string {
  return (meta(o).namespace as string | undefined) ?? '';
}

function dropFinalizer(core: KubeCore, item: Item, finalizer: string): void {
  const next = deepCopy(item.obj);
  meta(next).finalizers = ((meta(next).finalizers ?? []) as string[]).filter((f) => f !== finalizer);
  core.replace(item.type, nsOf(next), meta(next).name as string, next, '');
}

function setRefs(core: KubeCore, item: Item, keep: (r: JsonObject) => boolean): void {
  const next = deepCopy(item.obj);
  const kept = refs(next).filter(keep);
  if (kept.length === 0) delete meta(next).ownerReferences;
  else meta(next).ownerReferences = kept;
  core.replace(item.type, nsOf(next), meta(next).name as string, next, '');
}

function tryRun(f: () => void): void {
  try {
    f();
  } catch {
    // The object changed or vanished under the sweep; the next sweep sees the new state.
  }
}

/** One pass; returns true when it changed something (the caller sweeps again). */
export function sweep(core: KubeCore): boolean {
  const before = core.store.currentRv();
  const items = allItems(core);
  for (const stale of items) {
    // Earlier steps of this pass may have changed or removed the object: decide on its current state.
    const current = core.store.get(storageKey(stale.type), nsOf(stale.obj), meta(stale.obj).name as string);
    if (!current) continue;
    const item: Item = { type: stale.type, obj: current };
    const m = meta(item.obj);
    const fins = (m.finalizers ?? []) as string[];
    if (m.deletionTimestamp) {
      if (item.type.plural === 'namespaces' && item.type.group === '') {
        sweepNamespace(core, items, item);
        continue;
      }
      if (fins.includes('orphan')) {
        for (const d of dependentsOf(items, item.obj)) tryRun(() => setRefs(core, d, (r) => r.uid !== m.uid));
        tryRun(() => dropFinalizer(core, item, 'orphan'));
        continue;
      }
      if (fins.includes('foregroundDeletion')) {
        const deps = dependentsOf(items, item.obj);
        for (const d of deps) tryRun(() => core.remove(d.type, nsOf(d.obj), meta(d.obj).name as string, { propagationPolicy: 'Foreground' }));
        if (deps.length === 0) tryRun(() => dropFinalizer(core, item, 'foregroundDeletion'));
        continue;
      }
    }
    const rs = refs(item.obj);
    if (rs.length === 0) continue;
    const alive = rs.filter((r) => ownerAlive(core, item.obj, r));
    if (alive.length === 0) tryRun(() => core.remove(item.type, nsOf(item.obj), m.name as string, {}));
    else if (alive.length < rs.length) tryRun(() => setRefs(core, item, (r) => alive.includes(r)));
  }
  return core.store.currentRv() !== before;
}

function sweepNamespace(core: KubeCore, items: readonly Item[], nsItem: Item): void {
  const name = meta(nsItem.obj).name as string;
  const content = items.filter((i) => i.type.namespaced && nsOf(i.obj) === name);
  for (const c of content) if (!meta(c.obj).deletionTimestamp) tryRun(() => core.remove(c.type, name, meta(c.obj).name as string, {}));
  if (content.length === 0) {
    const fins = (meta(nsItem.obj).finalizers ?? []) as string[];
    if (fins.length === 0) tryRun(() => core.finalize(nsItem.type, nsItem.obj));
  }
}

