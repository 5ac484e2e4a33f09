import { checkRecord } from '../../message';
import type { Crc32 } from '../../message';
import type { CommitLog } from './commit-log';
import type { Checkpoint } from './checkpoint';

const WINDOW_BYTES = 1024 * 1024;

export interface ScanResult {
  /** End of the last valid record: where appends resume. */
  readonly endOffset: number;
  readonly records: number;
  /** Why the scan stopped, when it stopped on damaged data rather than on never-written space. */
  readonly damage: string | undefined;
}

export interface ScanOptions {
  readonly checkBodyCrc: boolean;
  /** Records at or after this offset must carry the record CRC; -1 = never required. */
  readonly recordCrcFromOffset: number;
  /** The CRC-32 implementation; zlib's by default. */
  readonly crc32?: Crc32;
}

/**
 * Validates records from the start of the segment holding `fromOffset` to the first record that
 * fails (torn, corrupt, or never written). Everything before the stop point is the intact prefix.
 */
export function scanCommitLog(commitLog: CommitLog, fromOffset: number, options: ScanOptions): ScanResult {
  const size = commitLog.segmentBytes;
  let offset = fromOffset - (fromOffset % size);
  let records = 0;
  for (;;) {
    const seg = commitLog.segmentFor(offset);
    if (!seg) return { endOffset: offset, records, damage: undefined };
    let position = offset - seg.baseOffset;
    let window = seg.file.read(position, Math.min(WINDOW_BYTES, size - position));
    let at = 0;
    for (;;) {
      const available = window.length - at;
      const check = checkRecord(window, at, available, {
        checkBodyCrc: options.checkBodyCrc,
        requireRecordCrc: options.recordCrcFromOffset >= 0 && offset >= options.recordCrcFromOffset,
        expectedCommitLogOffset: offset,
        crc32: options.crc32,
      });
      if (check.kind === 'incomplete') {
        const windowEnd = position - at + window.length;
        if (windowEnd >= size || position + check.needBytes > size) {
          return { endOffset: offset, records, damage: describeStop(window, at, 'a record runs past the end of its segment') };
        }
        window = seg.file.read(position, Math.min(Math.max(WINDOW_BYTES, check.needBytes), size - position));
        at = 0;
        continue;
      }
      if (check.kind === 'invalid') return { endOffset: offset, records, damage: describeStop(window, at, check.reason) };
      if (check.kind === 'blank') {
        if (position + check.size !== size) {
          return { endOffset: offset, records, damage: `blank marker at ${offset} does not reach the segment end` };
        }
        offset = seg.baseOffset + size;
        break;
      }
      records++;
      offset += check.size;
      position += check.size;
      at += check.size;
    }
  }
}

/** Never-written space (zeros) is the normal end of data; anything else is damage worth reporting. */
function describeStop(window: Buffer, at: number, reason: string): string | undefined {
  const end = Math.min(window.length, at + 8);
  for (let i = at; i < end; i++) if (window[i] !== 0) return reason;
  return undefined;
}

export interface RecoveryPlan {
  /** Validation starts at the segment holding this offset. */
  readonly scanFromOffset: number;
  /** Consume queues and index are re-dispatched from here (never past the valid end). */
  readonly redispatchFromOffset: number;
}

/**
 * Where recovery must look again. After a clean shutdown the checkpoint records the exact end, so
 * only the last segment is re-validated. After a crash (abort file present) everything after the
 * last point known durable is re-validated and re-dispatched. Without a valid checkpoint the
 * whole log is.
 */
export function planRecovery(clean: boolean, checkpoint: Checkpoint | undefined, minOffset: number): RecoveryPlan {
  if (!checkpoint) return { scanFromOffset: minOffset, redispatchFromOffset: minOffset };
  if (clean && checkpoint.cleanShutdownOffset >= 0) {
    const at = Math.max(minOffset, checkpoint.cleanShutdownOffset);
    return { scanFromOffset: at, redispatchFromOffset: at };
  }
  const redispatch = Math.max(minOffset, Math.min(checkpoint.consumeQueueFlushedOffset, checkpoint.indexFlushedOffset));
  const durable = Math.max(minOffset, Math.min(checkpoint.commitLogFlushedOffset, redispatch));
  return { scanFromOffset: durable, redispatchFromOffset: redispatch };
}
