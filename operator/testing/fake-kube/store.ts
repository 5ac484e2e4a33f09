/**
 * The fake's etcd: objects per storage key, one global resourceVersion counter, and a bounded event
 * history that watches replay from. Events older than the history are "compacted": a watch from
 * there gets 410 Gone, as from a real server after etcd compaction.
 */
import { assert } from '../../../stdx';
import { deepCopy } from './patch';
import type { JsonObject } from './patch';

export type EventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface StoreEvent {
  readonly rv: number;
  readonly type: EventType;
  /** Storage key (group/plural). */
  readonly key: string;
  readonly namespace: string;
  readonly object: JsonObject;
  /** The object before this event (MODIFIED/DELETED), for selector transitions in watches. */
  readonly previous?: JsonObject;
}

export type StoreListener = (ev: StoreEvent) => void;

function objKey(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

export function metaOf(obj: JsonObject): JsonObject {
  return obj.metadata as JsonObject;
}

export class ObjectStore {
  private rv = 0;
  private readonly data = new Map<string, Map<string, JsonObject>>();
  private readonly history: StoreEvent[] = [];
  private compactedRv = 0;
  private readonly listeners = new Set<StoreListener>();

  constructor(private readonly maxHistory: number) {
    assert(maxHistory > 0, 'history must hold at least one event');
  }

  currentRv(): number {
    return this.rv;
  }

  /** Events with rv <= this value can no longer be replayed. */
  oldestReplayableRv(): number {
    return this.compactedRv;
  }

  nextRv(): number {
    return ++this.rv;
  }

  get(key: string, namespace: string, name: string): JsonObject | undefined {
    const o = this.data.get(key)?.get(objKey(namespace, name));
    return o === undefined ? undefined : deepCopy(o);
  }

  /** Objects of one storage key, sorted by namespace then name (the order etcd lists them in). */
  list(key: string, namespace?: string): JsonObject[] {
    const m = this.data.get(key);
    if (!m) return [];
    const out: JsonObject[] = [];
    const keys = [...m.keys()].sort();
    for (const k of keys) {
      const o = m.get(k) as JsonObject;
      if (namespace === undefined || (metaOf(o).namespace ?? '') === namespace) out.push(deepCopy(o));
    }
    return out;
  }

  keys(): string[] {
    return [...this.data.keys()];
  }

  /** Writes `obj` (already carrying its new resourceVersion) and records the event. */
  put(key: string, type: 'ADDED' | 'MODIFIED', obj: JsonObject): void {
    const meta = metaOf(obj);
    const ns = (meta.namespace as string | undefined) ?? '';
    let m = this.data.get(key);
    if (!m) {
      m = new Map();
      this.data.set(key, m);
    }
    const k = objKey(ns, meta.name as string);
    const previous = m.get(k);
    m.set(k, deepCopy(obj));
    this.record({ rv: Number(meta.resourceVersion), type, key, namespace: ns, object: deepCopy(obj), ...(previous ? { previous } : {}) });
  }

  remove(key: string, obj: JsonObject): void {
    const meta = metaOf(obj);
    const ns = (meta.namespace as string | undefined) ?? '';
    const m = this.data.get(key);
    const k = objKey(ns, meta.name as string);
    const previous = m?.get(k);
    assert(previous !== undefined, 'remove of an absent object');
    m?.delete(k);
    this.record({ rv: Number(meta.resourceVersion), type: 'DELETED', key, namespace: ns, object: deepCopy(obj), previous });
  }

  private record(ev: StoreEvent): void {
    this.history.push(ev);
    while (this.history.length > this.maxHistory) this.compactedRv = (this.history.shift() as StoreEvent).rv;
    for (const l of [...this.listeners]) l(ev);
  }

  /** Drops all history: every watch resumed from an earlier resourceVersion gets 410 Gone. */
  compact(): void {
    this.compactedRv = this.rv;
    this.history.length = 0;
  }

  /** Events after `rv` (exclusive), or undefined when part of that range was compacted. */
  eventsSince(rv: number): StoreEvent[] | undefined {
    if (rv < this.compactedRv) return undefined;
    return this.history.filter((e) => e.rv > rv);
  }

  subscribe(l: StoreListener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }
}
