import * as codec from '../../message';
import type { Crc32, DispatchPropertyValues } from '../../message';
import type { CommitLog } from './commit-log';
import type { AppendedRecord } from './types';
import { DOUBLE_ZERO } from './types';
import type { ConsumeQueue } from './consume-queue';
import type { IndexService } from './index/index';

// Read once at load, not through the import for every record (see appender.ts).
const { checkRecord, readDispatchInfo, readDispatchProperties, scanDispatchProperties, SysFlag } = codec;

/** Bytes of commit log read per step; a record larger than this is read on its own. */
const WINDOW_BYTES = 1024 * 1024;
/** Records dispatched before yielding to the event loop, so dispatch never starves the network. */
const MAX_RECORDS_PER_TURN = 20_000;
/**
 * Records described by their appender and waiting for dispatch, at most. Dispatch normally follows
 * appends within an event-loop turn; when it falls behind (a stall on a full disk, a burst), later
 * appends are not described and are read back from the log, so the descriptions never pile up.
 */
const MAX_DESCRIBED_RECORDS = 16_384;
/** Pause before retrying a dispatch that stalled on a full disk. */
const STALL_RETRY_MS = 1000;

export interface DispatchSink {
  consumeQueue(topic: string, queueId: number): ConsumeQueue;
  readonly index: IndexService | undefined;
}

export type DispatchFault = { readonly commitLogOffset: number; readonly reason: string };

/**
 * Records a put of this process has just appended, as the appender laid them out: everything
 * dispatch needs, so it need not parse them back out of the commit log. One per put.
 */
export interface AppendedBatch {
  readonly topic: string;
  readonly queueId: number;
  /** The records' sysFlag (transaction type). */
  readonly sysFlag: number;
  /** In commit-log order, back to back. */
  readonly records: readonly AppendedRecord[];
  /** The properties of each record as encoded: text, or the bytes themselves. */
  readonly properties: readonly (string | Buffer)[];
}

/** What dispatch writes for one record: its consume-queue entry and its index keys. */
interface DispatchEntry {
  readonly topic: string;
  readonly queueId: number;
  readonly queueOffset: number;
  readonly commitLogOffset: number;
  readonly size: number;
  readonly sysFlag: number;
  readonly storeTimestamp: number;
  readonly tagsCode: number;
  readonly keys: string | undefined;
  readonly uniqKey: string | undefined;
}

/**
 * The reput loop: walks the commit log from `offset` and builds consume-queue and index entries
 * from the records, so both can always be rebuilt from the log. After each step it announces
 * "dispatched up to commitLogOffset X" (long polls and replication wait on it).
 */
export class Dispatcher {
  private offsetValue: number;
  private running: Promise<void> | null = null;
  private again = false;
  private faultValue: DispatchFault | undefined;
  private stalled: string | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  /** Batches appended by this process and not yet dispatched, oldest first from `appendedHead`. */
  private appended: AppendedBatch[] = [];
  private appendedHead = 0;
  /** Records of the head batch already dispatched. */
  private appendedDone = 0;
  /** Records in the batches from the head on. */
  private appendedRecords = 0;
  private readonly scanned: DispatchPropertyValues = { tagsCode: 0, keys: undefined, uniqKey: undefined, delayLevel: 0 };
  private readonly scratch: { -readonly [K in keyof DispatchEntry]: DispatchEntry[K] } = {
    topic: '', queueId: 0, queueOffset: 0, commitLogOffset: 0, size: 0, sysFlag: 0, storeTimestamp: 0, tagsCode: 0, keys: undefined, uniqKey: undefined,
  };
  /** Store time of the last dispatched record (checkpoint field). */
  lastStoreTimestamp = DOUBLE_ZERO;
  /** Records dispatched from their appender's description, and read back from the log. */
  readonly counts = { described: 0, read: 0 };

  constructor(
    private readonly commitLog: CommitLog,
    private readonly sink: DispatchSink,
    startOffset: number,
    /** Dispatch stops at this offset (the write offset; later the replication-confirmed offset). */
    private readonly limit: () => number,
    private readonly onDispatched: (commitLogOffset: number) => void,
    private readonly crc32?: Crc32,
  ) {
    this.offsetValue = startOffset;
  }

  /** Every record below this offset has its consume-queue and index entries written. */
  get offset(): number {
    return this.offsetValue;
  }

  /** Set when dispatch met a record it cannot read; dispatch stays stopped until restart. */
  get fault(): DispatchFault | undefined {
    return this.faultValue;
  }

  /** Asks for a dispatch pass soon; passes never overlap. */
  schedule(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.runUntilCaughtUp());
  }

  /** Dispatches everything up to the limit; resolves when caught up. */
  async catchUp(): Promise<void> {
    while (this.running) await this.running;
    if (this.offsetValue < this.limit() && !this.faultValue) {
      this.running = this.runUntilCaughtUp();
      await this.running;
    }
  }

  /** Repositions dispatch (after truncation). */
  reset(offset: number): void {
    this.offsetValue = offset;
    this.faultValue = undefined;
    // The log was cut: what the appender described may no longer be what lies at those offsets.
    this.appended = [];
    this.appendedHead = 0;
    this.appendedDone = 0;
    this.appendedRecords = 0;
  }

  /**
   * Describes records just appended by this process. Dispatch takes them from here when it reaches
   * their offset instead of reading them back (their bytes were checked as they were encoded);
   * anything it cannot take from here (a skipped description, a cut log) it reads from the log.
   */
  noteAppended(
    put: { readonly topic: string; readonly queueId: number; readonly sysFlag: number },
    records: readonly AppendedRecord[],
    messages: readonly { readonly properties: string | Buffer }[],
  ): void {
    const count = records.length;
    if (count === 0 || this.appendedRecords + count > MAX_DESCRIBED_RECORDS) return;
    // Only the properties are kept, not the messages: their bodies would stay in memory until dispatch.
    const properties = new Array<string | Buffer>(count);
    for (let i = 0; i < count; i++) properties[i] = messages[i]!.properties;
    this.appended.push({ topic: put.topic, queueId: put.queueId, sysFlag: put.sysFlag, records, properties });
    this.appendedRecords += count;
  }

  private async runUntilCaughtUp(): Promise<void> {
    try {
      let progressed: boolean;
      do {
        this.again = false;
        const before = this.offsetValue;
        await this.pass();
        progressed = this.offsetValue !== before;
        // A record still arriving (replication sends raw bytes) stops the loop until more comes.
      } while ((this.again || (progressed && this.offsetValue < this.limit())) && !this.faultValue && !this.stalled);
    } catch (e) {
      // Allocation failures (a full disk) stall dispatch; it retries until space returns.
      this.stalled = e instanceof Error ? e.message : String(e);
    } finally {
      this.running = null;
    }
    if (this.stalled && !this.retryTimer) {
      this.retryTimer = setTimeout(() => {
        this.retryTimer = undefined;
        this.stalled = undefined;
        this.schedule();
      }, STALL_RETRY_MS);
      this.retryTimer.unref();
    }
  }

  /** Why dispatch is waiting (e.g. no disk space for a consume-queue file), if it is. */
  get stallReason(): string | undefined {
    return this.stalled;
  }

  stop(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
  }

  private async pass(): Promise<void> {
    let records = 0;
    const start = this.offsetValue;
    try {
      while (this.offsetValue < this.limit() && records < MAX_RECORDS_PER_TURN) {
        const described = await this.dispatchAppended(MAX_RECORDS_PER_TURN - records);
        if (described > 0) {
          records += described;
          continue;
        }
        if (this.offsetValue >= this.limit()) break;
        const window = this.commitLog.readWindow(this.offsetValue, WINDOW_BYTES);
        if (!window) break;
        const consumed = await this.dispatchWindow(window, this.nextAppendedOffset());
        if (consumed < 0) break;
        records += consumed;
      }
    } finally {
      if (this.offsetValue !== start) this.onDispatched(this.offsetValue);
    }
  }

  /**
   * Dispatches records from the appended batches while the oldest one continues exactly where
   * dispatch stands; returns how many (0: the log must be read first). Batches dispatch already
   * passed (read from the log meanwhile) are dropped; a record whose properties only the stored
   * bytes can settle (see `dispatchPropertiesOf`) ends its batch's use, and the log is read.
   */
  private async dispatchAppended(max: number): Promise<number> {
    let dispatched = 0;
    while (this.appendedHead < this.appended.length && dispatched < max) {
      const batch = this.appended[this.appendedHead]!;
      const records = batch.records;
      let i = this.appendedDone;
      while (i < records.length && records[i]!.commitLogOffset < this.offsetValue) i++;
      if (i === records.length) {
        this.dropAppendedHead(); // read from the log meanwhile
        continue;
      }
      if (records[i]!.commitLogOffset !== this.offsetValue) {
        // Something not described comes first (an end-of-segment marker, replicated bytes): the
        // log is read up to this record.
        this.appendedDone = i;
        return dispatched;
      }
      const limit = this.limit();
      // Every record of a batch goes to one queue: looked up once (a topic string from a request is
      // compared with the table's by content, not by reference); none for records that take no
      // queue entry (prepared or rolled-back transactions), as dispatchEntry would not look it up.
      const tranType = batch.sysFlag & SysFlag.TRANSACTION_MASK;
      const takesEntries = tranType === 0 || tranType === SysFlag.TRANSACTION_COMMIT;
      let queue = takesEntries ? this.sink.consumeQueue(batch.topic, batch.queueId) : undefined;
      for (; i < records.length && dispatched < max; i++) {
        const record = records[i]!;
        if (record.commitLogOffset + record.size > limit) {
          this.appendedDone = i;
          return dispatched;
        }
        // One entry object for every described record: dispatchEntry keeps nothing of it, and
        // the retry after an await below sees it unchanged (passes never overlap).
        const entry = this.scratch;
        const properties = batch.properties[i]!;
        if (typeof properties !== 'string') {
          // Bytes are stored as they are: read with the very scan dispatch uses on stored records.
          scanDispatchProperties(properties, 0, properties.length, this.scanned);
          entry.tagsCode = this.scanned.tagsCode;
          entry.keys = this.scanned.keys;
          entry.uniqKey = this.scanned.uniqKey;
        } else if (!readDispatchProperties(properties, entry)) {
          this.dropAppendedHead();
          return dispatched;
        }
        entry.topic = batch.topic;
        entry.queueId = batch.queueId;
        entry.queueOffset = record.queueOffset;
        entry.commitLogOffset = record.commitLogOffset;
        entry.size = record.size;
        entry.sysFlag = batch.sysFlag;
        entry.storeTimestamp = record.storeTimestamp;
        let pending = this.dispatchEntry(entry, queue);
        while (pending) {
          await pending;
          // Looked up again after a wait (the topic may have been deleted meanwhile).
          if (takesEntries) queue = this.sink.consumeQueue(batch.topic, batch.queueId);
          pending = this.dispatchEntry(entry, queue); // idempotent: finishes what was missing
        }
        this.offsetValue += record.size;
        this.counts.described++;
        dispatched++;
      }
      if (i < records.length) {
        this.appendedDone = i;
        return dispatched;
      }
      this.dropAppendedHead();
    }
    return dispatched;
  }

  private dropAppendedHead(): void {
    this.appendedRecords -= this.appended[this.appendedHead]!.records.length;
    this.appendedHead++;
    this.appendedDone = 0;
    if (this.appendedHead === this.appended.length) {
      this.appended = [];
      this.appendedHead = 0;
    } else if (this.appendedHead >= 1024 && this.appendedHead * 2 >= this.appended.length) {
      // Compacted only once half the array is spent: linear in the batches, however many wait.
      this.appended = this.appended.slice(this.appendedHead);
      this.appendedHead = 0;
    }
  }

  /** Where the next described record starts (reading the log stops there), or Infinity. */
  private nextAppendedOffset(): number {
    const batch = this.appended[this.appendedHead];
    if (batch === undefined) return Number.POSITIVE_INFINITY;
    const record = batch.records[this.appendedDone];
    return record === undefined ? Number.POSITIVE_INFINITY : record.commitLogOffset;
  }

  /**
   * Dispatches the records of one window up to `stopAt` (where described records begin); returns
   * how many, or -1 when nothing could be done.
   */
  private async dispatchWindow(window: Buffer, stopAt: number): Promise<number> {
    let position = 0;
    let records = 0;
    const end = Math.min(this.limit(), stopAt > this.offsetValue ? stopAt : Number.POSITIVE_INFINITY);
    while (position < window.length && this.offsetValue < end) {
      const check = checkRecord(window, position, window.length - position, {
        checkBodyCrc: false,
        requireRecordCrc: false,
        expectedCommitLogOffset: this.offsetValue,
        // Records this process encoded moments ago are not hashed again (structure, lengths and
        // position are still checked); recovered and replicated bytes are.
        verifyRecordCrc: this.offsetValue < this.commitLog.selfWrittenFrom,
        crc32: this.crc32,
      });
      if (check.kind === 'incomplete') {
        if (position > 0 || check.needBytes <= window.length) break;
        // A record larger than the window: read exactly it (absent while it is still arriving).
        const whole = this.commitLog.read(this.offsetValue, check.needBytes);
        if (!whole) break;
        window = whole;
        continue;
      }
      if (check.kind === 'invalid') {
        this.faultValue = { commitLogOffset: this.offsetValue, reason: check.reason };
        break;
      }
      if (check.kind === 'blank') {
        this.offsetValue += check.size;
        return records + 1; // the next record is in the next segment
      }
      let pending = this.dispatchRecord(window, position);
      while (pending) {
        await pending;
        pending = this.dispatchRecord(window, position); // idempotent: finishes what was missing
      }
      position += check.size;
      this.offsetValue += check.size;
      this.counts.read++;
      records++;
    }
    return records === 0 ? -1 : records;
  }

  /**
   * Writes the record's consume-queue and index entries. Returns a promise only when a file must
   * be allocated first; the caller awaits it and calls again (both writes are idempotent).
   */
  private dispatchRecord(buf: Buffer, position: number): Promise<void> | null {
    return this.dispatchEntry(readDispatchInfo(buf, position));
  }

  /** `queue`: the entry's consume queue when the caller has it at hand (one lookup per batch). */
  private dispatchEntry(info: DispatchEntry, queue?: ConsumeQueue): Promise<void> | null {
    this.lastStoreTimestamp = info.storeTimestamp;
    const tranType = info.sysFlag & SysFlag.TRANSACTION_MASK;
    if (tranType === 0 || tranType === SysFlag.TRANSACTION_COMMIT) {
      const cq = queue ?? this.sink.consumeQueue(info.topic, info.queueId);
      let outcome = cq.put(info.queueOffset, info.commitLogOffset, info.size, info.tagsCode);
      if (outcome === 'mismatch') {
        // The queue remembers another record at this offset (a stale tail): the log wins.
        cq.truncateFrom(info.queueOffset);
        outcome = cq.put(info.queueOffset, info.commitLogOffset, info.size, info.tagsCode);
      }
      if (outcome === 'need-file') {
        return cq.addFile().then((added) => {
          if (!added.ok) throw new Error(`cannot allocate a consume-queue file for ${info.topic}/${info.queueId}: ${describe(added.error)}`);
        });
      }
    }
    const index = this.sink.index;
    if (index && tranType !== SysFlag.TRANSACTION_ROLLBACK && (info.keys !== undefined || info.uniqKey !== undefined)) {
      const outcome = index.put({
        topic: info.topic,
        keys: info.keys,
        uniqKey: info.uniqKey,
        commitLogOffset: info.commitLogOffset,
        storeTimestamp: info.storeTimestamp,
      });
      if (outcome !== 'ok') {
        return index.roll().then((rolled) => {
          if (!rolled.ok) throw new Error(`cannot allocate an index file: ${describe(rolled.error)}`);
        });
      }
    }
    return null;
  }
}

function describe(e: { kind: string; message?: string }): string {
  return e.message ? `${e.kind}: ${e.message}` : e.kind;
}
