/**
 * Queue offsets of records a replica appends verbatim (`MessageStore.appendRaw`). A normal put takes
 * the next queue offset from the store's table and moves it on at append time; replicated bytes
 * already carry their queue offsets, so the table must be moved on from them at the same moment, or
 * a promoted replica would hand out queue offsets its replicated records already hold.
 *
 * Walks whole records from a cursor: bytes of a record still arriving (a replication frame may end
 * inside one) are left for the next call.
 */
import * as codec from '../../message';
import type { CommitLog } from './commit-log';

const { checkRecord, readDispatchInfo, SysFlag } = codec;

/** Bytes looked at per step; a record larger than this is read on its own. */
const WINDOW_BYTES = 1024 * 1024;

export interface QueueOffsetSink {
  /** The record at `queueOffset` of `topic`/`queueId` is stored: the queue continues after it. */
  advance(topic: string, queueId: number, nextQueueOffset: number): void;
}

/**
 * Accounts every whole record in `[from, commitLog.writeOffset)`; returns the offset after the last
 * whole record (or end-of-segment marker), where the next call resumes. A record that fails its
 * structure check stops the walk there (dispatch reports the same fault).
 */
export function accountRawRecords(commitLog: CommitLog, from: number, sink: QueueOffsetSink): number {
  let offset = from;
  while (offset < commitLog.writeOffset) {
    let window = commitLog.readWindow(offset, WINDOW_BYTES);
    if (window === undefined) break;
    let position = 0;
    let progressed = false;
    while (position < window.length) {
      const check = checkRecord(window, position, window.length - position, { checkBodyCrc: false, requireRecordCrc: false, verifyRecordCrc: false, expectedCommitLogOffset: offset });
      if (check.kind === 'blank') {
        // The rest of the segment (whole only once all of it arrived); the next record begins the next segment.
        if (offset + check.size > commitLog.writeOffset) return offset;
        offset += check.size;
        progressed = true;
        break;
      }
      if (check.kind === 'invalid') return offset;
      if (check.kind === 'incomplete') {
        if (position > 0 || check.needBytes <= window.length) break;
        const whole = commitLog.read(offset, check.needBytes);
        if (whole === undefined) return offset;
        window = whole;
        continue;
      }
      const info = readDispatchInfo(window, position);
      const tranType = info.sysFlag & SysFlag.TRANSACTION_MASK;
      // Prepared and rolled-back transaction records take no queue offset (as in the appender).
      if (tranType === 0 || tranType === SysFlag.TRANSACTION_COMMIT) sink.advance(info.topic, info.queueId, info.queueOffset + 1);
      position += check.size;
      offset += check.size;
      progressed = true;
    }
    if (!progressed) break;
  }
  return offset;
}
