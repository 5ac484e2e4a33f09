/**
 * Informer caches for the kinds the operator watches, one client-node ListWatch per kind and
 * namespace scope (all namespaces, or each of WATCH_NAMESPACES). client-node 1.x informers stop
 * for good after an error (only 410 Gone relists by itself), so each one is restarted here with
 * backoff; a 410 or a dropped stream goes through its own relist/re-watch path.
 */
import { ListWatch, Watch } from '@kubernetes/client-node';
import { assert } from '../../stdx';
import type { KubeConfig, KubernetesListObject, KubernetesObject } from '@kubernetes/client-node';
import type { HttpKubeClient } from './client';
import { collectionPath, knownResource } from './resources';
import { matchesSelector, parseSelector } from './selectors';
import type { KubeObject, ListOptions, ObjectCache, ObjectRef } from './types';
import { realTimers } from './work-queue';
import type { Timers } from './work-queue';

export interface WatchedKind {
  readonly apiVersion: string;
  readonly kind: string;
  /** Server-side filter, e.g. `rocketcluster.io/cluster` (label exists) for owned kinds. */
  readonly labelSelector?: string;
}

export type InformerEventType = 'add' | 'update' | 'delete';
export type InformerListener = (kind: WatchedKind, type: InformerEventType, obj: KubeObject) => void;

export interface InformerSetOptions {
  readonly kubeConfig: KubeConfig;
  readonly client: HttpKubeClient;
  readonly kinds: readonly WatchedKind[];
  /** undefined or empty: all namespaces. */
  readonly namespaces?: readonly string[];
  readonly onEvent: InformerListener;
  /** A watch or list failed; it will be restarted after `retryInMs`. */
  readonly onError?: (kind: WatchedKind, namespace: string | undefined, error: unknown, retryInMs: number) => void;
  /** Restart backoff: first delay, doubled per consecutive failure, capped. Defaults 500 ms / 30 s. */
  readonly restartBaseMs?: number;
  readonly restartMaxMs?: number;
  readonly timers?: Timers;
}

interface Entry {
  readonly kind: WatchedKind;
  readonly namespace: string | undefined;
  readonly informer: ListWatch<KubernetesObject>;
  listed: boolean;
  failures: number;
  restart: unknown;
}

export class InformerSet implements ObjectCache {
  private readonly entries: Entry[] = [];
  private readonly timers: Timers;
  private stopped = false;

  constructor(private readonly options: InformerSetOptions) {
    this.timers = options.timers ?? realTimers;
    const scopes: (string | undefined)[] = options.namespaces?.length ? [...options.namespaces] : [undefined];
    for (const kind of options.kinds) {
      for (const namespace of scopes) this.entries.push(this.makeEntry(kind, namespace));
    }
  }

  /** Starts every informer; resolves once each has listed (or failed: it keeps retrying). */
  async start(): Promise<void> {
    await Promise.all(this.entries.map((e) => e.informer.start()));
  }

  /** True once every informer has completed a list: the cache reflects the cluster. */
  synced(): boolean {
    return this.entries.every((e) => e.listed);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const e of this.entries) {
      if (e.restart !== undefined) this.timers.clear(e.restart);
      e.restart = undefined;
      await e.informer.stop();
    }
  }

  get<T extends KubeObject>(ref: ObjectRef): T | undefined {
    for (const e of this.entriesFor(ref.apiVersion, ref.kind, ref.namespace)) {
      const found = e.informer.get(ref.name, ref.namespace);
      if (found !== undefined) return found as unknown as T;
    }
    return undefined;
  }

  list<T extends KubeObject>(apiVersion: string, kind: string, namespace?: string, options: ListOptions = {}): T[] {
    const selector = options.labelSelector === undefined ? undefined : parseSelector(options.labelSelector);
    const out: T[] = [];
    for (const e of this.entriesFor(apiVersion, kind, namespace)) {
      for (const obj of e.informer.list(namespace)) {
        if (selector === undefined || matchesSelector(selector, obj.metadata?.labels)) out.push(obj as unknown as T);
      }
    }
    return out;
  }

  private entriesFor(apiVersion: string, kind: string, namespace: string | undefined): Entry[] {
    const matching = this.entries.filter((e) => e.kind.apiVersion === apiVersion && e.kind.kind === kind);
    assert(matching.length > 0, `${apiVersion} ${kind} is not watched; read it with the client`);
    return namespace === undefined ? matching : matching.filter((e) => e.namespace === undefined || e.namespace === namespace);
  }

  private makeEntry(kind: WatchedKind, namespace: string | undefined): Entry {
    const resource = knownResource(kind.apiVersion, kind.kind);
    assert(resource !== undefined, `no REST resource known for ${kind.apiVersion} ${kind.kind}`);
    const path = collectionPath(kind.apiVersion, resource, namespace);
    const listFn = async (): Promise<KubernetesListObject<KubernetesObject>> => {
      const { items, resourceVersion } = await this.options.client.listWithVersion(kind.apiVersion, kind.kind, namespace, {
        labelSelector: kind.labelSelector,
      });
      entry.listed = true;
      entry.failures = 0;
      return { items: items as KubernetesObject[], metadata: { resourceVersion } };
    };
    const informer = new ListWatch<KubernetesObject>(path, new Watch(this.options.kubeConfig), listFn, false, kind.labelSelector);
    const entry: Entry = { kind, namespace, informer, listed: false, failures: 0, restart: undefined };
    informer.on('add', (obj) => this.options.onEvent(kind, 'add', withKind(kind, obj)));
    informer.on('update', (obj) => this.options.onEvent(kind, 'update', withKind(kind, obj)));
    informer.on('delete', (obj) => this.options.onEvent(kind, 'delete', withKind(kind, obj)));
    informer.on('error', (error) => this.scheduleRestart(entry, error));
    return entry;
  }

  private scheduleRestart(entry: Entry, error: unknown): void {
    if (this.stopped || entry.restart !== undefined) return;
    entry.failures++;
    const base = this.options.restartBaseMs ?? 500;
    const retryInMs = Math.min(this.options.restartMaxMs ?? 30_000, base * 2 ** Math.min(entry.failures - 1, 20));
    this.options.onError?.(entry.kind, entry.namespace, error, retryInMs);
    entry.restart = this.timers.set(() => {
      entry.restart = undefined;
      if (!this.stopped) void entry.informer.start();
    }, retryInMs);
  }
}

/** Watch events carry apiVersion/kind; list items were given them by the client. Make sure. */
function withKind(kind: WatchedKind, obj: KubernetesObject): KubeObject {
  const o = obj as unknown as KubeObject;
  return o.apiVersion === undefined || o.kind === undefined ? { ...o, apiVersion: kind.apiVersion, kind: kind.kind } : o;
}
