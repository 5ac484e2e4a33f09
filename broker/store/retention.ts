import * as fs from 'node:fs';
import type { Clock } from '../../stdx';
import type { CommitLog, Segment } from './commit-log';
import type { StoreConfig } from './config';
import type { ConsumeQueueTable } from './consume-queue-table';
import type { IndexService } from './index/index';
import { storeTimestampAt } from './reader';

/** Fraction of the store's filesystem in use, 0..1. */
export type DiskUsageProbe = (dir: string) => Promise<number>;

/**
 * Used / (used + available), as `df` reports Use% and RocketMQ's getDiskPartitionSpaceUsedPercent
 * computes it. Blocks reserved for root count as neither: counting them as used (1 - bavail /
 * blocks) read a disk with a large root reserve as 75% full at 38% use and deleted live segments.
 */
export const statfsUsage: DiskUsageProbe = async (dir) => diskUsageOf(await fs.promises.statfs(dir));

export function diskUsageOf(s: { readonly blocks: number; readonly bfree: number; readonly bavail: number }): number {
  const used = s.blocks - s.bfree;
  const entire = used + s.bavail;
  return entire <= 0 ? 0 : used / entire;
}

/** Segments deleted per pass at most, so one pass never stalls the event loop for long. */
const MAX_DELETES_PER_PASS = 10;

interface RetentionHooks {
  /** Segments not yet dispatched are never deleted. */
  dispatchedOffset(): number;
  setWritable(writable: boolean, why: string): void;
}

interface RetentionEvents {
  warn(message: string, meta?: Record<string, unknown>): void;
  info(message: string, meta?: Record<string, unknown>): void;
}

/**
 * Deletes commit-log segments whose newest record is older than fileReservedTimeMs, and the oldest
 * segments regardless of age while disk usage is above diskCleanRatio. At or above diskFullRatio
 * the store refuses appends until usage falls again. Consume queues and index follow the log's new
 * minimum offset.
 */
export class Retention {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | null = null;

  constructor(
    private readonly config: StoreConfig,
    private readonly commitLog: CommitLog,
    private readonly queues: ConsumeQueueTable,
    private readonly index: IndexService | undefined,
    private readonly clock: Clock,
    private readonly diskUsage: DiskUsageProbe = statfsUsage,
    private readonly events: RetentionEvents,
    private readonly hooks: RetentionHooks,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.runOnce(), this.config.cleanIntervalMs);
    this.timer.unref();
    void this.runOnce();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One retention pass; concurrent calls share it. */
  runOnce(): Promise<void> {
    if (!this.running) {
      this.running = this.pass().finally(() => {
        this.running = null;
      });
    }
    return this.running;
  }

  private async pass(): Promise<void> {
    let usage: number;
    try {
      usage = await this.diskUsage(this.config.storeDir);
    } catch (e) {
      this.events.warn('cannot read disk usage', { error: e instanceof Error ? e.message : String(e) });
      usage = 0;
    }
    const expiredBefore = this.clock.nowMs() - this.config.fileReservedTimeMs;
    const forced = usage >= this.config.diskCleanRatio;
    const dispatched = this.hooks.dispatchedOffset();
    const deleted = this.commitLog.deleteOldest(
      (seg) => seg.baseOffset + this.commitLog.segmentBytes <= dispatched && (forced || this.newestTimeIn(seg) < expiredBefore),
      MAX_DELETES_PER_PASS,
    );
    if (deleted.length > 0) {
      const min = this.commitLog.minOffset;
      this.queues.deleteBefore(min);
      this.index?.deleteBefore(min);
      this.events.info('deleted commit-log segments', { count: deleted.length, reason: forced ? 'disk usage' : 'expired', commitLogMinOffset: min, usage });
    }
    this.hooks.setWritable(usage < this.config.diskFullRatio, `disk usage ${(usage * 100).toFixed(1)}% (limit ${(this.config.diskFullRatio * 100).toFixed(0)}%)`);
  }

  /**
   * Newest store time in a segment, read cheaply: store times only grow, so the first record of the
   * following segment is no older than anything in this one.
   */
  private newestTimeIn(seg: Segment): number {
    const next = this.commitLog.segmentFor(seg.baseOffset + this.commitLog.segmentBytes);
    if (!next) return Number.MAX_SAFE_INTEGER;
    const size = this.commitLog.read(next.baseOffset, 4)?.readInt32BE(0);
    if (size === undefined || size <= 0) return Number.MAX_SAFE_INTEGER;
    return storeTimestampAt(this.commitLog, next.baseOffset) ?? Number.MAX_SAFE_INTEGER;
  }
}
