/** Translation of the broker's RocketMQ-named settings into the store's own config. */
import type { StoreConfig } from '../store';
import { FileIoMode, FlushMode } from '../store';
import type { BrokerConfig } from './broker-config';
import { FlushDiskType } from './broker-config';

const HOUR_MS = 3600 * 1000;

export function storeConfigOf(c: BrokerConfig): Partial<StoreConfig> & Pick<StoreConfig, 'storeDir' | 'ioMode'> {
  return {
    storeDir: c.storePathRootDir,
    ioMode: c.ioMode === 'fs' ? FileIoMode.fs : FileIoMode.mmap,
    commitLogSegmentBytes: c.commitLogSegmentBytes,
    consumeQueueEntriesPerFile: c.consumeQueueEntriesPerFile,
    flushMode: c.flushDiskType === FlushDiskType.SYNC_FLUSH ? FlushMode.sync : FlushMode.async,
    flushIntervalMs: c.flushIntervalCommitLogMs,
    syncFlushTimeoutMs: c.syncFlushTimeoutMs,
    maxMessageSizeBytes: c.maxMessageSize,
    fileReservedTimeMs: c.fileReservedTimeHours * HOUR_MS,
    diskCleanRatio: c.diskMaxUsedSpaceRatio / 100,
    diskFullRatio: c.diskFullRatio / 100,
    indexEnabled: c.messageIndexEnable,
    indexMaxHashSlots: c.maxHashSlotNum,
    indexMaxCount: c.maxIndexNum,
  };
}
