/**
 * The broker's metrics, named as RocketMQ 5 names them (FACTS 9) so its dashboards and alerts carry
 * over: messages and bytes in per topic, message sizes, request latency, storage size and lag, topic
 * count, plus Node's process metrics. Every metric carries RocketMQ's common labels `cluster`,
 * `node_type` and `node_id`. broker/consume registers the consumer metrics in the same registry.
 *
 * Per-message cost: the send path fetches its topic's cells once per request and adds counts; sizes
 * are bucketed with a short loop over numbers. Everything else is computed when /metrics is read.
 */
import { Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { requestCodeName } from '../protocol';
import type { CounterCell, HistogramCell } from './metrics-core';
import { FastCounter, FastHistogram } from './metrics-core';

const KiB = 1024;
const MiB = 1024 * KiB;
/** RocketMQ's message size buckets: 1K, 4K, 512K, 1M, 2M, 4M. */
const MESSAGE_SIZE_BUCKETS = [KiB, 4 * KiB, 512 * KiB, MiB, 2 * MiB, 4 * MiB];
/** RocketMQ's rpc latency buckets in ms. */
const RPC_LATENCY_BUCKETS_MS = [1, 3, 5, 7, 10, 100, 1000, 2000, 3000];

/** The cells of one topic's incoming messages. */
export interface TopicInCells {
  readonly messages: CounterCell;
  readonly bytes: CounterCell;
  readonly size: HistogramCell;
}

/** What the storage gauges read when scraped. */
export interface StorageView {
  readonly commitLogMinOffset: number;
  readonly commitLogMaxOffset: number;
  readonly commitLogFlushedOffset: number;
  readonly dispatchedOffset: number;
}

/** What the replication gauges read when scraped (broker/ha's ReplicationStatus has this shape). */
export interface ReplicationView {
  readonly role: 'none' | 'master' | 'slave';
  readonly epoch: number;
  readonly writable: boolean;
  readonly maxCommitLogOffset: number;
  readonly confirmedOffset: number;
  readonly slaves: readonly { readonly address: string; readonly lagBytes: number; readonly inSync: boolean; readonly lastAckAgoMs: number }[];
  readonly inSyncSet: readonly string[];
  readonly link: { readonly connected: boolean; readonly masterMaxOffset: number | null; readonly confirmedOffset: number } | null;
}

const ROLES = ['master', 'slave', 'none'] as const;

export interface BrokerMetricsOptions {
  readonly brokerClusterName: string;
  readonly brokerName: string;
  /** Node process metrics (CPU, memory, event loop, GC); off for in-process test clusters. */
  readonly processMetrics: boolean;
}

export class BrokerMetrics {
  readonly registry = new Registry();
  /** Messages and body bytes stored since start (runtime info reads these). */
  putMessagesTotal = 0;
  putBytesTotal = 0;
  private readonly messagesIn = new FastCounter('rocketmq_messages_in_total', 'Messages stored, by topic');
  private readonly throughputIn = new FastCounter('rocketmq_throughput_in_total', 'Message body bytes stored, by topic');
  private readonly messageSize = new FastHistogram('rocketmq_message_size', 'Distribution of message body sizes in bytes', MESSAGE_SIZE_BUCKETS);
  private readonly rpcLatency = new FastHistogram('rocketmq_rpc_latency', 'Latency of remoting requests handled by the broker core, ms', RPC_LATENCY_BUCKETS_MS);
  private readonly topicCells = new Map<string, TopicInCells>();
  private readonly rpcCells = new Map<number, HistogramCell>();
  private storage: (() => StorageView | undefined) | undefined;
  private topicCount: (() => number) | undefined;
  private replication: (() => ReplicationView | undefined) | undefined;

  constructor(options: BrokerMetricsOptions) {
    this.registry.setDefaultLabels({ cluster: options.brokerClusterName, node_type: 'broker', node_id: options.brokerName });
    for (const metric of [this.messagesIn, this.throughputIn, this.messageSize, this.rpcLatency]) metric.registerIn(this.registry);
    this.registerGauges();
    if (options.processMetrics) collectDefaultMetrics({ register: this.registry });
  }

  /** Where the storage and topic gauges read from; set once the store and topic table exist. */
  observe(storage: () => StorageView | undefined, topicCount: () => number): void {
    this.storage = storage;
    this.topicCount = topicCount;
  }

  /** Where the replication gauges (role, epoch, slaves' lag and in-sync state) read from. */
  observeReplication(replication: () => ReplicationView | undefined): void {
    this.replication = replication;
  }

  /** The cells of a topic; callers fetch them once per request. */
  topicIn(topic: string, messageType: string, isSystem: boolean): TopicInCells {
    const key = `${messageType}|${topic}`;
    let cells = this.topicCells.get(key);
    if (cells === undefined) {
      const labels = { topic, message_type: messageType.toLowerCase(), is_system: String(isSystem) };
      cells = {
        messages: this.messagesIn.cell(key, labels),
        bytes: this.throughputIn.cell(key, labels),
        size: this.messageSize.cell(key, { topic, message_type: labels.message_type }),
      };
      this.topicCells.set(key, cells);
    }
    return cells;
  }

  /** Counts stored messages once per request (a batch is one call). */
  recordPut(cells: TopicInCells, messages: number, bodyBytes: number): void {
    cells.messages.value += messages;
    cells.bytes.value += bodyBytes;
    this.putMessagesTotal += messages;
    this.putBytesTotal += bodyBytes;
  }

  /** Drops a deleted topic's series. */
  forgetTopic(topic: string): void {
    for (const key of [...this.topicCells.keys()]) {
      if (key.slice(key.indexOf('|') + 1) !== topic) continue;
      this.topicCells.delete(key);
      this.messagesIn.remove(key);
      this.throughputIn.remove(key);
      this.messageSize.remove(key);
    }
  }

  /** Records one handled request. */
  recordRpc(requestCode: number, responseCode: number, latencyMs: number): void {
    // Codes are below 2^31 and response codes small: one number keys the pair.
    const key = requestCode * 100_000 + responseCode;
    let cell = this.rpcCells.get(key);
    if (cell === undefined) {
      cell = this.rpcLatency.cell(String(key), {
        protocol_type: 'remoting',
        request_code: requestCodeName(requestCode).toLowerCase(),
        response_code: String(responseCode),
        is_long_polling: 'false',
        result: responseCode === 0 ? 'success' : 'failure',
      });
      this.rpcCells.set(key, cell);
    }
    cell.observe(latencyMs);
  }

  private registerGauges(): void {
    const gauge = (name: string, help: string, read: () => number | undefined, labels: Record<string, string> = {}): void => {
      const g: Gauge = new Gauge({
        name,
        help,
        labelNames: Object.keys(labels),
        registers: [this.registry],
        collect: () => {
          const value = read();
          if (value !== undefined) g.set(labels, value);
        },
      });
    };
    const storage = (f: (s: StorageView) => number) => (): number | undefined => {
      const s = this.storage?.();
      return s === undefined ? undefined : f(s);
    };
    gauge('rocketmq_storage_size', 'Bytes of commit log held on disk', storage((s) => s.commitLogMaxOffset - s.commitLogMinOffset), {
      storage_type: 'local',
      storage_medium: 'disk',
    });
    gauge('rocketmq_storage_flush_behind_bytes', 'Commit log bytes written but not yet flushed', storage((s) => Math.max(0, s.commitLogMaxOffset - s.commitLogFlushedOffset)));
    gauge('rocketmq_storage_dispatch_behind_bytes', 'Commit log bytes not yet in consume queues', storage((s) => Math.max(0, s.commitLogMaxOffset - s.dispatchedOffset)));
    gauge('rocketmq_topic_number', 'Topics on this broker', () => this.topicCount?.());
    this.registerReplicationGauges();
  }

  /**
   * Replication has no RocketMQ 5 metric names; these follow their style. Per-slave series are
   * rebuilt on every scrape so a detached slave's series disappear. Role-specific gauges read 0 on
   * the other roles (and before replication starts).
   */
  private registerReplicationGauges(): void {
    const view = (): ReplicationView | undefined => this.replication?.();
    const simple = (name: string, help: string, read: (r: ReplicationView) => number | undefined): void => {
      const g: Gauge = new Gauge({
        name,
        help,
        registers: [this.registry],
        collect: () => {
          // An unlabelled gauge always shows a value: 0 where it does not apply (see the help texts).
          const r = view();
          g.set(r === undefined ? 0 : (read(r) ?? 0));
        },
      });
    };
    const role: Gauge = new Gauge({
      name: 'rocketmq_broker_role',
      help: 'The broker\'s replication role: 1 on the series of its current role',
      labelNames: ['role'],
      registers: [this.registry],
      collect: () => {
        const r = view();
        role.reset();
        if (r !== undefined) for (const name of ROLES) role.set({ role: name }, r.role === name ? 1 : 0);
      },
    });
    simple('rocketmq_broker_epoch', 'The master epoch this broker leads or follows', (r) => r.epoch);
    simple('rocketmq_broker_writable', '1 when this broker is a master that takes writes', (r) => (r.writable ? 1 : 0));
    simple('rocketmq_replication_in_sync_replicas', 'Master: replicas in its in-sync set, itself included (0 on a slave)', (r) => (r.role === 'master' ? r.inSyncSet.length : undefined));
    simple('rocketmq_replication_behind_bytes', 'Slave: commit-log bytes its master has and it has not confirmed (0 on a master)', (r) =>
      r.role === 'slave' && r.link !== null && r.link.masterMaxOffset !== null ? Math.max(0, r.link.masterMaxOffset - r.link.confirmedOffset) : undefined,
    );
    simple('rocketmq_replication_link_connected', 'Slave: 1 while connected to its master (0 otherwise)', (r) => (r.role === 'slave' ? (r.link?.connected === true ? 1 : 0) : undefined));
    const perSlave = (name: string, help: string, read: (s: ReplicationView['slaves'][number]) => number): void => {
      const g: Gauge = new Gauge({
        name,
        help,
        labelNames: ['slave'],
        registers: [this.registry],
        collect: () => {
          const r = view();
          g.reset();
          if (r?.role === 'master') for (const slave of r.slaves) g.set({ slave: slave.address }, read(slave));
        },
      });
    };
    perSlave('rocketmq_replication_slave_lag_bytes', 'Master: commit-log bytes an attached slave has not acknowledged', (s) => s.lagBytes);
    perSlave('rocketmq_replication_slave_in_sync', 'Master: 1 while an attached slave is in sync', (s) => (s.inSync ? 1 : 0));
    perSlave('rocketmq_replication_slave_last_ack_seconds', 'Master: seconds since an attached slave last acknowledged', (s) => s.lastAckAgoMs / 1000);
  }
}
