/**
 * Broker status for tools and exporters: GET_BROKER_RUNTIME_INFO (28, a KVTable of strings, the keys
 * rocketmq-exporter and mqadmin read), GET_BROKER_CONFIG (26, Java properties text) and
 * GET_TOPIC_STATS_INFO (202, per-queue min/max offsets keyed by message queue, fastjson style).
 */
import * as fs from 'node:fs';
import type { RemotingCommand } from '../../protocol';
import { DEFAULT_VERSION, MQVersion, ResponseCode, defineHeader, encodeKVTable } from '../../protocol';
import { decodeRecord } from '../../message';
import type { BrokerConfig } from '../config';
import { CONFIG_KEYS } from '../config';
import type { ProcessorContext } from './context';
import { parseHeader, respond, success } from './responses';
import type { RuntimeStats } from './runtime-stats';

const GetTopicStatsInfoRequestHeader = defineHeader<{ topic: string }>('GetTopicStatsInfoRequestHeader', {
  topic: { type: 'string', required: true },
});

const GiB = 1024 * 1024 * 1024;
/** The name of DEFAULT_VERSION, the protocol version we speak (tools print it). */
const BROKER_VERSION_DESC = DEFAULT_VERSION === MQVersion.V4_9_4 ? 'V4_9_4' : `V${DEFAULT_VERSION}`;

export class RuntimeProcessor {
  constructor(
    private readonly ctx: ProcessorContext,
    private readonly stats: RuntimeStats,
  ) {}

  readonly getRuntimeInfo = (request: RemotingCommand): RemotingCommand => {
    return success(request, undefined, encodeKVTable({ table: this.runtimeInfo() }));
  };

  readonly getBrokerConfig = (request: RemotingCommand): RemotingCommand => {
    const lines = Object.entries(javaProperties(this.ctx.config)).map(([k, v]) => `${k}=${v}`);
    const version = JSON.stringify({ counter: 1, stateVersion: 0, timestamp: this.ctx.startedAtMs });
    return success(request, { version }, Buffer.from(`${lines.join('\n')}\n`, 'utf8'));
  };

  readonly getTopicStatsInfo = (request: RemotingCommand): RemotingCommand => {
    const h = parseHeader(GetTopicStatsInfoRequestHeader, request);
    if (!h.ok) return h.error;
    const topic = h.value.topic;
    const config = this.ctx.topics.get(topic);
    if (config === undefined) return respond(request, ResponseCode.TOPIC_NOT_EXIST, `topic[${topic}] not exist`);
    const entries: string[] = [];
    for (let queueId = 0; queueId < config.writeQueueNums; queueId++) {
      const minOffset = this.ctx.store.getMinQueueOffset(topic, queueId);
      const maxOffset = this.ctx.store.getMaxQueueOffset(topic, queueId);
      const lastUpdateTimestamp = maxOffset > minOffset ? this.storeTimeAt(topic, queueId, maxOffset - 1) : 0;
      // fastjson writes this map with MessageQueue objects as keys; Java admin tools expect exactly that.
      const key = JSON.stringify({ brokerName: this.ctx.config.brokerName, queueId, topic });
      entries.push(`${key}:${JSON.stringify({ lastUpdateTimestamp, maxOffset, minOffset })}`);
    }
    return success(request, undefined, Buffer.from(`{"offsetTable":{${entries.join(',')}}}`, 'utf8'));
  };

  private storeTimeAt(topic: string, queueId: number, queueOffset: number): number {
    const got = this.ctx.store.getMessages({ topic, queueId, queueOffset, maxCount: 1 });
    try {
      const record = got.records[0];
      return record === undefined ? 0 : decodeRecord(record, 0).storeTimestamp;
    } finally {
      got.release();
    }
  }

  private runtimeInfo(): Record<string, string> {
    const store = this.ctx.store;
    const now = this.ctx.clock.nowMs();
    const day = this.stats.dayTotals();
    const disk = diskUsage(store.config.storeDir);
    const table: Record<string, string> = {
      brokerVersionDesc: BROKER_VERSION_DESC,
      brokerVersion: String(DEFAULT_VERSION),
      brokerId: String(this.ctx.config.brokerId),
      brokerActive: 'true',
      bootTimestamp: String(this.ctx.startedAtMs),
      runtime: formatRuntime(now - this.ctx.startedAtMs),
      msgPutTotalYesterdayMorning: String(day.yesterdayMorning),
      msgPutTotalTodayMorning: String(day.todayMorning),
      msgPutTotalTodayNow: String(this.ctx.metrics.putMessagesTotal),
      // Pulls are counted by broker/consume; these keys exist so exporters parsing them find numbers.
      msgGetTotalYesterdayMorning: '0',
      msgGetTotalTodayMorning: '0',
      msgGetTotalTodayNow: '0',
      putTps: this.stats.putTps(),
      commitLogMinOffset: String(store.commitLogMinOffset),
      commitLogMaxOffset: String(store.commitLogMaxOffset),
      dispatchBehindBytes: String(Math.max(0, store.commitLogMaxOffset - store.dispatchedOffset)),
      remainHowManyDataToFlush: String(Math.max(0, store.commitLogMaxOffset - store.commitLogFlushedOffset)),
      pageCacheLockTimeMills: '0',
      sendThreadPoolQueueSize: '0',
      pullThreadPoolQueueSize: '0',
      queryThreadPoolQueueSize: '0',
      storeWritable: String(this.ctx.storeWritable),
      topicCount: String(this.ctx.topics.size),
    };
    if (disk !== undefined) {
      table.commitLogDiskRatio = disk.usedRatio.toFixed(4);
      table.commitLogDirCapacity = `Total : ${(disk.totalBytes / GiB).toFixed(2)} GiB, Free : ${(disk.freeBytes / GiB).toFixed(2)} GiB.`;
    }
    return table;
  }
}

/** The config as RocketMQ properties: our keys (mostly RocketMQ's names) plus RocketMQ's names of renamed ones. */
export function javaProperties(c: BrokerConfig): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of CONFIG_KEYS) {
    const value = c[key];
    out[key] = Array.isArray(value) ? value.join(';') : String(value);
  }
  out.brokerRole = c.brokerId === 0 ? 'ASYNC_MASTER' : 'SLAVE';
  out.registerNameServerPeriod = String(c.registerIntervalMs);
  out.mappedFileSizeCommitLog = String(c.commitLogSegmentBytes);
  out.fileReservedTime = String(c.fileReservedTimeHours);
  out.syncFlushTimeout = String(c.syncFlushTimeoutMs);
  out.flushIntervalCommitLog = String(c.flushIntervalCommitLogMs);
  out.shortPollingTimeMills = String(c.shortPollingTimeMs);
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** RocketMQ's `[ 1 days, 2 hours, 3 minutes, 4 seconds ]`. */
function formatRuntime(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  return `[ ${Math.floor(s / 86400)} days, ${Math.floor((s % 86400) / 3600)} hours, ${Math.floor((s % 3600) / 60)} minutes, ${s % 60} seconds ]`;
}

function diskUsage(dir: string): { usedRatio: number; totalBytes: number; freeBytes: number } | undefined {
  try {
    const s = fs.statfsSync(dir);
    const totalBytes = s.blocks * s.bsize;
    const freeBytes = s.bavail * s.bsize;
    return { usedRatio: totalBytes > 0 ? (totalBytes - freeBytes) / totalBytes : 0, totalBytes, freeBytes };
  } catch {
    return undefined;
  }
}
