/**
 * Consumer metrics (FACTS 9), named as RocketMQ 5's native metrics. Counters are bumped once per pull
 * (never per message) through children cached per topic and group, so the pull path pays one map
 * lookup. Lag and connection gauges are computed when Prometheus scrapes.
 */
import type { Registry } from 'prom-client';
import { Counter, Gauge } from 'prom-client';

export interface PullCounter {
  readonly messages: { inc(value: number): void };
  readonly bytes: { inc(value: number): void };
  /** Messages counted so far, for consumeTps in GET_CONSUME_STATS. */
  total: number;
}

export interface MetricSources {
  /** Lag per topic and group: sum over queues of max offset minus committed offset. */
  lag(): Iterable<{ topic: string; group: string; lag: number }>;
  connections(): ReadonlyMap<string, number>;
  heldPulls(): number;
}

/** Distinct (topic, group) label pairs; beyond it counting goes on under one overflow pair. */
export const MAX_METRIC_PAIRS = 10_000;
const OVERFLOW_LABEL = '_other';

export class ConsumeMetrics {
  private readonly messagesOut: Counter<'topic' | 'consumer_group'>;
  private readonly throughputOut: Counter<'topic' | 'consumer_group'>;
  private readonly counters = new Map<string, PullCounter>();

  constructor(registry: Registry, sources: MetricSources) {
    this.messagesOut = new Counter({
      name: 'rocketmq_messages_out_total',
      help: 'Messages delivered to consumers by pulls',
      labelNames: ['topic', 'consumer_group'],
      registers: [registry],
    });
    this.throughputOut = new Counter({
      name: 'rocketmq_throughput_out_total',
      help: 'Bytes of stored records delivered to consumers by pulls',
      labelNames: ['topic', 'consumer_group'],
      registers: [registry],
    });
    new Gauge({
      name: 'rocketmq_consumer_lag_messages',
      help: 'Messages of a topic not yet committed by a consumer group (max offset minus committed offset, summed over queues)',
      labelNames: ['topic', 'consumer_group'],
      registers: [registry],
      collect() {
        this.reset();
        for (const { topic, group, lag } of sources.lag()) this.set({ topic, consumer_group: group }, lag);
      },
    });
    new Gauge({
      name: 'rocketmq_consumer_connections',
      help: 'Live consumer connections per consumer group',
      labelNames: ['consumer_group'],
      registers: [registry],
      collect() {
        this.reset();
        for (const [group, count] of sources.connections()) this.set({ consumer_group: group }, count);
      },
    });
    new Gauge({
      name: 'rocketmq_consumer_held_pulls',
      help: 'Pull requests held for long polling',
      registers: [registry],
      collect() {
        this.set(sources.heldPulls());
      },
    });
  }

  /** The counters of one topic and group, created on first use. */
  pullCounter(topic: string, group: string): PullCounter {
    const key = `${topic}@${group}`;
    const found = this.counters.get(key);
    if (found !== undefined) return found;
    const overflow = this.counters.size >= MAX_METRIC_PAIRS;
    const labels = overflow ? { topic: OVERFLOW_LABEL, consumer_group: OVERFLOW_LABEL } : { topic, consumer_group: group };
    const counter: PullCounter = { messages: this.messagesOut.labels(labels), bytes: this.throughputOut.labels(labels), total: 0 };
    if (!overflow) this.counters.set(key, counter);
    return counter;
  }

  /** Every pair counted so far with its message total. */
  totals(): IterableIterator<[string, PullCounter]> {
    return this.counters.entries();
  }
}
