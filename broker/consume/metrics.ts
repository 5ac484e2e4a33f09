/**
 * Consumer metrics (FACTS 9), named as RocketMQ 5's native metrics. A pull adds to two plain numbers
 * of its topic and group (one map lookup, no label hashing); the counters publish those totals when
 * Prometheus scrapes, as do the lag and connection gauges, which are computed then.
 */
import type { Registry } from 'prom-client';
import { Counter, Gauge } from 'prom-client';

/** Totals of one topic and group, bumped by each pull; Prometheus reads them when it scrapes. */
export interface PullCounter {
  messages: number;
  bytes: number;
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
  private readonly counters = new Map<string, { topic: string; group: string; counter: PullCounter }>();
  private readonly overflow: PullCounter = { messages: 0, bytes: 0 };

  constructor(registry: Registry, sources: MetricSources) {
    const publish = (counter: Counter<'topic' | 'consumer_group'>, pick: (c: PullCounter) => number): void => {
      // The totals only grow, so resetting and setting them keeps counter semantics.
      counter.reset();
      for (const { topic, group, counter: c } of this.counters.values()) if (pick(c) > 0) counter.inc({ topic, consumer_group: group }, pick(c));
      if (pick(this.overflow) > 0) counter.inc({ topic: OVERFLOW_LABEL, consumer_group: OVERFLOW_LABEL }, pick(this.overflow));
    };
    new Counter({
      name: 'rocketmq_messages_out_total',
      help: 'Messages delivered to consumers by pulls',
      labelNames: ['topic', 'consumer_group'],
      registers: [registry],
      collect() {
        publish(this, (c) => c.messages);
      },
    });
    new Counter({
      name: 'rocketmq_throughput_out_total',
      help: 'Bytes of stored records delivered to consumers by pulls',
      labelNames: ['topic', 'consumer_group'],
      registers: [registry],
      collect() {
        publish(this, (c) => c.bytes);
      },
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

  /** The totals of one topic and group, created on first use. */
  pullCounter(topic: string, group: string): PullCounter {
    const key = `${topic}@${group}`;
    const found = this.counters.get(key);
    if (found !== undefined) return found.counter;
    if (this.counters.size >= MAX_METRIC_PAIRS) return this.overflow;
    const counter: PullCounter = { messages: 0, bytes: 0 };
    this.counters.set(key, { topic, group, counter });
    return counter;
  }

  /** Every `topic@group` counted so far with its totals. */
  *totals(): IterableIterator<[string, PullCounter]> {
    for (const [key, entry] of this.counters) yield [key, entry.counter];
  }
}
