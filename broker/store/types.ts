import type { HostAddress } from '../../message';

/** A message as the broker hands it to the store; the store assigns offsets and store time. */
export interface PutMessageInput {
  readonly topic: string;
  readonly queueId: number;
  readonly flag: number;
  readonly body: Uint8Array;
  /** RocketMQ-encoded properties (name 0x01 value 0x02 ...), as received from the producer. */
  readonly properties: string;
  readonly sysFlag: number;
  readonly bornTimestamp: number;
  readonly bornHost: HostAddress;
  readonly storeHost: HostAddress;
  readonly reconsumeTimes: number;
  readonly preparedTransactionOffset: number;
  /** Wait for the configured durability before resolving (the `WAIT` property); default true. */
  readonly waitStoreMsgOk?: boolean;
}

/** Outcomes of an append, named as RocketMQ's PutMessageStatus where one exists. */
export const PutStatus = {
  PUT_OK: 'PUT_OK',
  /** Stored, but not flushed within syncFlushTimeoutMs (sync flush). */
  FLUSH_DISK_TIMEOUT: 'FLUSH_DISK_TIMEOUT',
  MESSAGE_ILLEGAL: 'MESSAGE_ILLEGAL',
  PROPERTIES_SIZE_EXCEEDED: 'PROPERTIES_SIZE_EXCEEDED',
  /** No room on disk for a new segment, or usage above diskFullRatio. Nothing was written. */
  DISK_FULL: 'DISK_FULL',
  /** The store is not open, is closing, or refuses writes (e.g. a replica). */
  SERVICE_NOT_AVAILABLE: 'SERVICE_NOT_AVAILABLE',
  /** The disk failed in a way other than lack of space. */
  IO_ERROR: 'IO_ERROR',
} as const;
export type PutStatus = (typeof PutStatus)[keyof typeof PutStatus];

export interface AppendedRecord {
  readonly commitLogOffset: number;
  readonly size: number;
  readonly queueOffset: number;
  readonly storeTimestamp: number;
}

export type PutMessageResult =
  | {
      readonly status: typeof PutStatus.PUT_OK | typeof PutStatus.FLUSH_DISK_TIMEOUT;
      /** One entry per stored message (a batch has several). */
      readonly records: readonly AppendedRecord[];
      /** End of the appended bytes in the commit log (replication waits on it). */
      readonly endCommitLogOffset: number;
    }
  | { readonly status: Exclude<PutStatus, typeof PutStatus.PUT_OK | typeof PutStatus.FLUSH_DISK_TIMEOUT>; readonly reason: string };

/** RocketMQ's GetMessageStatus, which the pull processor maps to response codes. */
export const GetStatus = {
  FOUND: 'FOUND',
  NO_MATCHED_MESSAGE: 'NO_MATCHED_MESSAGE',
  MESSAGE_WAS_REMOVING: 'MESSAGE_WAS_REMOVING',
  OFFSET_FOUND_NULL: 'OFFSET_FOUND_NULL',
  OFFSET_OVERFLOW_BADLY: 'OFFSET_OVERFLOW_BADLY',
  OFFSET_OVERFLOW_ONE: 'OFFSET_OVERFLOW_ONE',
  OFFSET_TOO_SMALL: 'OFFSET_TOO_SMALL',
  NO_MATCHED_LOGIC_QUEUE: 'NO_MATCHED_LOGIC_QUEUE',
  NO_MESSAGE_IN_QUEUE: 'NO_MESSAGE_IN_QUEUE',
} as const;
export type GetStatus = (typeof GetStatus)[keyof typeof GetStatus];

/**
 * Selects messages while reading a queue. `byTagsCode` sees the consume-queue tag hash (cheap);
 * `byRecord`, when present, sees the stored record bytes (SQL92 filters will need properties).
 */
export interface MessageFilter {
  byTagsCode(tagsCode: number): boolean;
  byRecord?(record: Buffer): boolean;
}

export interface GetMessageRequest {
  readonly topic: string;
  readonly queueId: number;
  readonly queueOffset: number;
  readonly maxCount: number;
  /** Stop adding records once this many bytes are collected (at least one record is returned). */
  readonly maxBytes?: number;
  readonly filter?: MessageFilter;
}

export interface GetMessageResult {
  readonly status: GetStatus;
  /** The stored records, each exactly as on disk (the pull wire format); mmap: zero-copy views. */
  readonly records: readonly Buffer[];
  readonly queueOffsets: readonly number[];
  readonly nextQueueOffset: number;
  readonly minQueueOffset: number;
  readonly maxQueueOffset: number;
  readonly totalBytes: number;
  /** Ends the pin on the files behind `records`; call once the bytes are sent. */
  release(): void;
}

export interface QueryMessageResult {
  readonly records: readonly Buffer[];
  readonly commitLogOffsets: readonly number[];
}

/** Reported by `open()`: what recovery found and did. */
export interface RecoveryReport {
  readonly cleanShutdown: boolean;
  readonly checkpointValid: boolean;
  /** Where the commit log's valid data ends. */
  readonly commitLogEndOffset: number;
  /** Why the tail was cut, when it was. */
  readonly truncationReason: string | undefined;
  /** Records validated by the recovery scan. */
  readonly scannedRecords: number;
  /** Commit-log offset from which consume queues and index were re-dispatched. */
  readonly redispatchedFromOffset: number;
}

export type StoreOpenError = { readonly kind: string; readonly path: string; readonly message: string };

// -0, not 0: V8 keeps a field that starts as a small integer in integer form and must change its
// representation (deoptimising the code that uses it) when the first millisecond timestamp, too
// large for that form, is stored. -0 starts it as a double; it equals 0 in every use.
export const DOUBLE_ZERO = -0;
