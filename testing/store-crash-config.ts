import type { StoreConfig } from '../broker/store';

/** Shared by the kill -9 test and its child process. */
export const CRASH_TEST_CONFIG: Partial<StoreConfig> = {
  flushMode: 'async',
  commitLogSegmentBytes: 256 * 1024,
  maxMessageSizeBytes: 8 * 1024,
  consumeQueueEntriesPerFile: 500,
  indexMaxHashSlots: 1024,
  indexMaxCount: 4096,
  pretouchSegments: false,
  flushIntervalMs: 200,
  flushConsumeQueueIntervalMs: 100,
};
export const CRASH_TEST_QUEUES = 4;
export const crashBodyBytes = (seq: number): number => 100 + ((seq * 37) % 900);
