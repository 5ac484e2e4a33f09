/**
 * One watch stream: replays history after the client's resourceVersion (or synthesises ADDED
 * events for the current state when none was given), then follows the store. Selector changes
 * turn MODIFIED into ADDED/DELETED for the watcher, as the watch cache does. A resourceVersion
 * older than the history ends the stream with an ERROR event carrying a 410 Status.
 */
import type { ServerResponse } from 'node:http';
import { gone } from './errors';
import type { JsonObject } from './patch';
import { apiVersionOf, storageKey } from './resources';
import type { ResourceType } from './resources';
import type { FieldSelector, Selector } from './selectors';
import type { ObjectStore, StoreEvent } from './store';

export interface WatchRequest {
  readonly type: ResourceType;
  readonly namespace?: string;
  readonly labelSelector: Selector;
  readonly fieldSelector: FieldSelector;
  readonly resourceVersion?: string;
  readonly timeoutSeconds?: number;
  readonly allowBookmarks: boolean;
}

export class WatchStream {
  private unsubscribe: (() => void) | undefined;
  private timer: NodeJS.Timeout | undefined;
  private ended = false;

  constructor(
    private readonly req: WatchRequest,
    private readonly res: ServerResponse,
    private readonly store: ObjectStore,
    private readonly onEnd: (w: WatchStream) => void,
  ) {}

  start(initial: () => JsonObject[]): void {
    this.res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked', 'Cache-Control': 'no-cache, private' });
    // Headers go out now: a client's watch() resolves on them, before any event exists.
    this.res.flushHeaders();
    this.res.on('close', () => this.end());
    const rvParam = this.req.resourceVersion;
    if (rvParam === undefined || rvParam === '' || rvParam === '0') {
      for (const o of initial()) if (this.matches(o)) this.send('ADDED', o);
    } else {
      const since = this.store.eventsSince(Number(rvParam));
      if (since === undefined) {
        const err = gone(`too old resource version: ${rvParam} (${this.store.oldestReplayableRv() + 1})`);
        this.res.write(JSON.stringify({ type: 'ERROR', object: err.toStatus() }) + '\n');
        this.end();
        return;
      }
      for (const ev of since) this.onEvent(ev);
    }
    this.unsubscribe = this.store.subscribe((ev) => this.onEvent(ev));
    if (this.req.timeoutSeconds !== undefined && this.req.timeoutSeconds > 0) {
      this.timer = setTimeout(() => this.end(), this.req.timeoutSeconds * 1000);
      this.timer.unref();
    }
  }

  private matches(o: JsonObject): boolean {
    return this.req.labelSelector((o.metadata as JsonObject).labels as Record<string, string> | undefined) && this.req.fieldSelector(o);
  }

  private onEvent(ev: StoreEvent): void {
    if (this.ended || ev.key !== storageKey(this.req.type)) return;
    if (this.req.namespace !== undefined && ev.namespace !== this.req.namespace) return;
    const now = this.matches(ev.object);
    const before = ev.previous !== undefined && this.matches(ev.previous);
    if (ev.type === 'ADDED' && now) this.send('ADDED', ev.object);
    else if (ev.type === 'MODIFIED') {
      if (now && before) this.send('MODIFIED', ev.object);
      else if (now) this.send('ADDED', ev.object);
      else if (before) this.send('DELETED', ev.object);
    } else if (ev.type === 'DELETED' && (now || before)) this.send('DELETED', ev.object);
  }

  private send(type: string, o: JsonObject): void {
    const object = { ...o, apiVersion: apiVersionOf(this.req.type), kind: this.req.type.kind };
    this.res.write(JSON.stringify({ type, object }) + '\n');
  }

  /** A BOOKMARK carrying the current resourceVersion, only to watchers that asked for them. */
  bookmark(): void {
    if (this.ended || !this.req.allowBookmarks) return;
    const object = { apiVersion: apiVersionOf(this.req.type), kind: this.req.type.kind, metadata: { resourceVersion: String(this.store.currentRv()) } };
    this.res.write(JSON.stringify({ type: 'BOOKMARK', object }) + '\n');
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.unsubscribe?.();
    if (this.timer) clearTimeout(this.timer);
    this.res.end();
    this.onEnd(this);
  }
}
