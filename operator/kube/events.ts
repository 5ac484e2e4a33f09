/**
 * Kubernetes Events (core/v1) on the objects the operator acts on, as `kubectl describe` shows them.
 * A repeat of the same event (same object, type, reason and message) within the aggregation window
 * bumps `count` and `lastTimestamp` on the existing Event instead of creating another, as
 * client-go's recorder does. Recording never throws: an Event is worth less than a reconcile.
 */
import { randomBytes } from 'node:crypto';
import { systemClock } from '../../stdx';
import type { Clock } from '../../stdx';
import type { EventRecorder, EventType, KubeClient, KubeObject } from './types';

export interface EventRecorderOptions {
  /** source.component / reportingComponent. */
  readonly component: string;
  /** reportingInstance: this replica (POD_NAME). */
  readonly instance: string;
  /** Repeats within this window are aggregated. Default 10 min. */
  readonly aggregateWindowMs?: number;
  /** Distinct events remembered for aggregation (oldest forgotten first). Default 4096. */
  readonly maxRemembered?: number;
  readonly clock?: Clock;
  /** Called when an Event could not be written. */
  readonly onError?: (error: unknown) => void;
}

interface Remembered {
  readonly namespace: string;
  readonly name: string;
  count: number;
  lastMs: number;
}

/** Event messages are capped by the API server; keep ours well inside. */
const MAX_MESSAGE_CHARS = 1024;

export class KubeEventRecorder implements EventRecorder {
  private readonly seen = new Map<string, Remembered>();
  private readonly clock: Clock;

  constructor(private readonly kube: KubeClient, private readonly options: EventRecorderOptions) {
    this.clock = options.clock ?? systemClock;
  }

  async record(involved: KubeObject, type: EventType, reason: string, message: string): Promise<void> {
    try {
      await this.write(involved, type, reason, message.slice(0, MAX_MESSAGE_CHARS));
    } catch (e) {
      this.options.onError?.(e);
    }
  }

  private async write(involved: KubeObject, type: EventType, reason: string, message: string): Promise<void> {
    const meta = involved.metadata ?? {};
    const namespace = meta.namespace ?? 'default';
    const key = [meta.uid ?? '', involved.kind, namespace, meta.name, type, reason, message].join('\u0000');
    const nowMs = this.clock.nowMs();
    const now = new Date(nowMs).toISOString();
    const prior = this.seen.get(key);
    if (prior !== undefined && nowMs - prior.lastMs < (this.options.aggregateWindowMs ?? 600_000)) {
      const patched = await this.kube.mergePatch(
        { apiVersion: 'v1', kind: 'Event', namespace: prior.namespace, name: prior.name },
        { count: prior.count + 1, lastTimestamp: now },
      );
      if (patched.ok) {
        prior.count++;
        prior.lastMs = nowMs;
        this.remember(key, prior);
        return;
      }
      // The Event expired or was deleted: start a new one.
    }
    const name = `${meta.name ?? 'unknown'}.${randomBytes(8).toString('hex')}`;
    const event = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name, namespace },
      involvedObject: {
        apiVersion: involved.apiVersion,
        kind: involved.kind,
        name: meta.name,
        namespace: meta.namespace,
        uid: meta.uid,
        resourceVersion: meta.resourceVersion,
      },
      type,
      reason,
      message,
      count: 1,
      firstTimestamp: now,
      lastTimestamp: now,
      source: { component: this.options.component },
      reportingComponent: this.options.component,
      reportingInstance: this.options.instance,
    };
    const created = await this.kube.create(event);
    if (!created.ok) throw new Error(`event ${reason} not recorded: ${created.error.message}`);
    this.remember(key, { namespace, name, count: 1, lastMs: nowMs });
  }

  private remember(key: string, entry: Remembered): void {
    this.seen.delete(key); // re-insert: Map order is the LRU order
    this.seen.set(key, entry);
    const max = this.options.maxRemembered ?? 4096;
    while (this.seen.size > max) {
      const oldest = this.seen.keys().next().value as string;
      this.seen.delete(oldest);
    }
  }
}
