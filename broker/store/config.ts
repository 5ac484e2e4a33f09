import type { FileIoMode } from './io/mapped-file';

/** How appends are acknowledged (docs/ARCHITECTURE.md section "Durability"). */
export const FlushMode = { async: 'async', sync: 'sync' } as const;
export type FlushMode = (typeof FlushMode)[keyof typeof FlushMode];

export interface StoreConfig {
  /** Root of the store: `commitlog/`, `consumequeue/`, `index/`, `checkpoint`, `abort`. */
  readonly storeDir: string;
  readonly ioMode: FileIoMode;
  /** Size of one commit-log segment; RocketMQ's default is 1 GiB. */
  readonly commitLogSegmentBytes: number;
  /** Entries per consume-queue file; RocketMQ's default is 300,000 (6,000,000 bytes). */
  readonly consumeQueueEntriesPerFile: number;
  readonly flushMode: FlushMode;
  /** Async flush: the background flush period of the commit log. */
  readonly flushIntervalMs: number;
  /** Period of consume-queue and index flushes (and checkpoint writes). */
  readonly flushConsumeQueueIntervalMs: number;
  /** Sync flush: an append not durable within this time resolves FLUSH_DISK_TIMEOUT. */
  readonly syncFlushTimeoutMs: number;
  /** Largest accepted message body. */
  readonly maxMessageSizeBytes: number;
  /** Re-check body CRCs while recovering the commit log. */
  readonly checkCrcOnRecover: boolean;
  /**
   * Append RocketMQ 5's reserved record-CRC property to every record so that recovery detects a
   * corrupted byte anywhere in a record, not only in its body.
   */
  readonly recordCrc: boolean;
  /**
   * Map the commit-log pages just ahead of the write offset in the background (a 64 MiB window,
   * into the next segment near the end of one), so appends rarely stall on a page fault that must
   * allocate and zero a page. mmap mode only.
   */
  readonly pretouchSegments: boolean;
  readonly indexEnabled: boolean;
  readonly indexMaxHashSlots: number;
  readonly indexMaxCount: number;
  /** Retention: segments whose newest record is older than this are deleted. */
  readonly fileReservedTimeMs: number;
  /** Retention check period. */
  readonly cleanIntervalMs: number;
  /** Above this disk usage ratio the oldest segments are deleted even before they expire. */
  readonly diskCleanRatio: number;
  /** At or above this disk usage ratio appends are refused with DISK_FULL until space returns. */
  readonly diskFullRatio: number;
}

const GiB = 1024 * 1024 * 1024;
const MiB = 1024 * 1024;

export const DEFAULT_STORE_CONFIG: Omit<StoreConfig, 'storeDir' | 'ioMode'> = {
  commitLogSegmentBytes: GiB,
  consumeQueueEntriesPerFile: 300_000,
  flushMode: 'async',
  flushIntervalMs: 500,
  flushConsumeQueueIntervalMs: 1000,
  syncFlushTimeoutMs: 5000,
  maxMessageSizeBytes: 4 * MiB,
  checkCrcOnRecover: true,
  recordCrc: true,
  pretouchSegments: true,
  indexEnabled: true,
  indexMaxHashSlots: 5_000_000,
  indexMaxCount: 20_000_000,
  fileReservedTimeMs: 72 * 3600 * 1000,
  cleanIntervalMs: 10_000,
  diskCleanRatio: 0.75,
  diskFullRatio: 0.9,
};

/**
 * Room a segment must leave beyond the largest body for headers, topic and typical properties. A
 * record that still does not fit (huge properties in a tiny segment) is refused as MESSAGE_ILLEGAL.
 */
export const RECORD_OVERHEAD_RESERVE_BYTES = 1024;

/** Every problem with a config, reported at once (empty when valid). */
export function validateStoreConfig(c: StoreConfig): string[] {
  const problems: string[] = [];
  const positiveInt = (name: keyof StoreConfig, v: number) => {
    if (!Number.isSafeInteger(v) || v <= 0) problems.push(`${name} must be a positive integer, got ${v}`);
  };
  if (!c.storeDir) problems.push('storeDir must be set');
  positiveInt('commitLogSegmentBytes', c.commitLogSegmentBytes);
  positiveInt('consumeQueueEntriesPerFile', c.consumeQueueEntriesPerFile);
  positiveInt('flushIntervalMs', c.flushIntervalMs);
  positiveInt('flushConsumeQueueIntervalMs', c.flushConsumeQueueIntervalMs);
  positiveInt('syncFlushTimeoutMs', c.syncFlushTimeoutMs);
  positiveInt('maxMessageSizeBytes', c.maxMessageSizeBytes);
  positiveInt('indexMaxHashSlots', c.indexMaxHashSlots);
  positiveInt('indexMaxCount', c.indexMaxCount);
  positiveInt('fileReservedTimeMs', c.fileReservedTimeMs);
  positiveInt('cleanIntervalMs', c.cleanIntervalMs);
  if (c.flushMode !== 'async' && c.flushMode !== 'sync') problems.push(`flushMode must be async or sync, got ${String(c.flushMode)}`);
  if (c.ioMode !== 'mmap' && c.ioMode !== 'fs') problems.push(`ioMode must be mmap or fs, got ${String(c.ioMode)}`);
  if (c.commitLogSegmentBytes < c.maxMessageSizeBytes + RECORD_OVERHEAD_RESERVE_BYTES) {
    problems.push(
      `commitLogSegmentBytes (${c.commitLogSegmentBytes}) must hold the largest message: at least maxMessageSizeBytes + ${RECORD_OVERHEAD_RESERVE_BYTES}`,
    );
  }
  if (!(c.diskCleanRatio > 0 && c.diskCleanRatio <= 1)) problems.push(`diskCleanRatio must be in (0, 1], got ${c.diskCleanRatio}`);
  if (!(c.diskFullRatio > 0 && c.diskFullRatio <= 1)) problems.push(`diskFullRatio must be in (0, 1], got ${c.diskFullRatio}`);
  return problems;
}
