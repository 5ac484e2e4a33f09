import { err, ok } from '../../stdx';
import type { Result } from '../../stdx';
import type { Crc32 } from '../../message';
import { checkRecord, readDispatchInfo, RecordPos, storeTimestampPos } from '../../message';
import type { CommitLog } from './commit-log';
import { BLANK_ENTRY_SIZE, CQ_ENTRY_BYTES, entryCommitLogOffset, entrySize, entryTagsCode } from './consume-queue';
import type { ConsumeQueueTable } from './consume-queue-table';
import type { IndexService } from './index/index';
import type { MappedFile } from './io/mapped-file';
import { GetStatus } from './types';
import type { GetMessageRequest, GetMessageResult, QueryMessageResult } from './types';

/** Consume-queue entries examined per read at most, matched or not (bounds a filtered scan). */
const MAX_ENTRIES_SCANNED = 16_000;

const noRelease = (): void => undefined;

/** The read side of the store: queue reads, lookups, key queries and time searches. */
export class StoreReader {
  constructor(
    private readonly commitLog: CommitLog,
    private readonly queues: ConsumeQueueTable,
    private readonly index: IndexService | undefined,
    private readonly crc32?: Crc32,
  ) {}

  getMessages(req: GetMessageRequest): GetMessageResult {
    const cq = this.queues.find(req.topic, req.queueId);
    if (!cq) return empty(GetStatus.NO_MATCHED_LOGIC_QUEUE, 0, 0, 0);
    const min = cq.minOffset;
    const max = cq.maxOffset;
    const offset = req.queueOffset;
    if (max === 0) return empty(GetStatus.NO_MESSAGE_IN_QUEUE, 0, min, max);
    if (offset < min) return empty(GetStatus.OFFSET_TOO_SMALL, min, min, max);
    if (offset === max) return empty(GetStatus.OFFSET_OVERFLOW_ONE, offset, min, max);
    if (offset > max) return empty(GetStatus.OFFSET_OVERFLOW_BADLY, min === 0 ? min : max, min, max);

    const maxCount = Math.max(1, req.maxCount);
    const maxBytes = req.maxBytes ?? Number.MAX_SAFE_INTEGER;
    const records: Buffer[] = [];
    const queueOffsets: number[] = [];
    const held: MappedFile[] = [];
    let totalBytes = 0;
    let next = offset;
    let removed = false;
    let scanned = 0;
    const clMin = this.commitLog.minOffset;
    outer: while (next < max && records.length < maxCount && scanned < MAX_ENTRIES_SCANNED) {
      const entries = cq.readEntries(next, Math.min(MAX_ENTRIES_SCANNED - scanned, max - next));
      if (!entries) break;
      for (let at = 0; at < entries.length; at += CQ_ENTRY_BYTES) {
        const size = entrySize(entries, at);
        const clOffset = entryCommitLogOffset(entries, at);
        if (size !== BLANK_ENTRY_SIZE) {
          if (clOffset < clMin) {
            removed = true;
          } else if (!req.filter || req.filter.byTagsCode(entryTagsCode(entries, at))) {
            if (records.length > 0 && totalBytes + size > maxBytes) break outer;
            const record = this.readHeld(clOffset, size, held);
            if (!record) break outer; // not written yet (a replica mid-stream) or gone
            if (!req.filter?.byRecord || req.filter.byRecord(record)) {
              records.push(record);
              queueOffsets.push(next);
              totalBytes += size;
            }
          }
        }
        next++;
        scanned++;
        if (records.length >= maxCount) break outer;
      }
    }
    const status = records.length > 0 ? GetStatus.FOUND : removed ? GetStatus.MESSAGE_WAS_REMOVING : GetStatus.NO_MATCHED_MESSAGE;
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      for (const f of held) f.release();
    };
    return { status, records, queueOffsets, nextQueueOffset: next, minQueueOffset: min, maxQueueOffset: max, totalBytes, release };
  }

  lookup(commitLogOffset: number): Result<Buffer, string> {
    if (!Number.isSafeInteger(commitLogOffset) || commitLogOffset < this.commitLog.minOffset || commitLogOffset >= this.commitLog.writeOffset) {
      return err(`commitLogOffset ${commitLogOffset} is outside [${this.commitLog.minOffset}, ${this.commitLog.writeOffset})`);
    }
    const head = this.commitLog.read(commitLogOffset, 4);
    if (!head) return err(`no record at commitLogOffset ${commitLogOffset}`);
    const size = head.readInt32BE(0);
    const record = size > 0 ? this.commitLog.read(commitLogOffset, size) : undefined;
    if (!record) return err(`no record at commitLogOffset ${commitLogOffset}`);
    const check = checkRecord(record, 0, record.length, {
      checkBodyCrc: true,
      requireRecordCrc: false,
      expectedCommitLogOffset: commitLogOffset,
      crc32: this.crc32,
    });
    if (check.kind !== 'record') return err(`no valid record at commitLogOffset ${commitLogOffset}`);
    return ok(record);
  }

  query(topic: string, key: string, maxCount: number, beginMs: number, endMs: number): QueryMessageResult {
    if (!this.index) return { records: [], commitLogOffsets: [] };
    const records: Buffer[] = [];
    const commitLogOffsets: number[] = [];
    for (const offset of this.index.query(topic, key, maxCount, beginMs, endMs)) {
      const found = this.lookup(offset);
      if (!found.ok) continue;
      const info = readDispatchInfo(found.value, 0);
      // The index keeps hashes only: re-check the real topic and key (collisions).
      const matches = info.topic === topic && (info.uniqKey === key || (info.keys?.split(' ').includes(key) ?? false));
      if (!matches) continue;
      records.push(found.value);
      commitLogOffsets.push(offset);
      if (records.length >= maxCount) break;
    }
    return { records, commitLogOffsets };
  }

  offsetByTime(topic: string, queueId: number, timestampMs: number): number {
    const cq = this.queues.find(topic, queueId);
    if (!cq) return 0;
    let low = cq.minOffset;
    let high = cq.maxOffset;
    while (low < high) {
      const mid = Math.floor((low + high) / 2);
      const t = this.storeTimeAt(topic, queueId, mid);
      if (t === undefined || t < timestampMs) low = mid + 1;
      else high = mid;
    }
    return low;
  }

  earliestTime(topic: string, queueId: number): number {
    const cq = this.queues.find(topic, queueId);
    if (!cq) return -1;
    for (let q = cq.minOffset; q < cq.maxOffset; q++) {
      const t = this.storeTimeAt(topic, queueId, q);
      if (t !== undefined) return t;
    }
    return -1;
  }

  /** Store time of the record behind a queue entry; undefined for fillers and removed records. */
  private storeTimeAt(topic: string, queueId: number, queueOffset: number): number | undefined {
    const e = this.queues.find(topic, queueId)?.entryAt(queueOffset);
    if (!e || e.size === BLANK_ENTRY_SIZE) return undefined;
    return storeTimestampAt(this.commitLog, e.commitLogOffset);
  }

  private readHeld(commitLogOffset: number, size: number, held: MappedFile[]): Buffer | undefined {
    const seg = this.commitLog.segmentFor(commitLogOffset);
    if (!seg) return undefined;
    const record = this.commitLog.read(commitLogOffset, size);
    if (record && !held.includes(seg.file) && seg.file.hold()) held.push(seg.file);
    return record;
  }
}

/** Store time of the record at `commitLogOffset`, read from its header alone. */
export function storeTimestampAt(commitLog: CommitLog, commitLogOffset: number): number | undefined {
  const sysFlag = commitLog.read(commitLogOffset + RecordPos.SYS_FLAG, 4)?.readInt32BE(0);
  if (sysFlag === undefined) return undefined;
  const at = commitLog.read(commitLogOffset + storeTimestampPos(sysFlag), 8);
  return at ? Number(at.readBigInt64BE(0)) : undefined;
}

function empty(status: GetMessageResult['status'], next: number, min: number, max: number): GetMessageResult {
  return { status, records: [], queueOffsets: [], nextQueueOffset: next, minQueueOffset: min, maxQueueOffset: max, totalBytes: 0, release: noRelease };
}
