import * as fs from 'node:fs';
import * as path from 'node:path';
import { err, ok, systemClock } from '../../stdx';
import type { Clock, Result } from '../../stdx';
import type { Crc32 } from '../../message';
import * as codec from '../../message';
import { RecordAppender } from './appender';
import { CommitLog, NEED_SEGMENT } from './commit-log';
import { CheckpointFile } from './checkpoint';
import type { Checkpoint } from './checkpoint';
import { validateStoreConfig, DEFAULT_STORE_CONFIG } from './config';
import type { StoreConfig } from './config';
import { ConsumeQueueTable } from './consume-queue-table';
import { Dispatcher } from './dispatcher';
import { FlushService } from './flush';
import { IndexService } from './index/index';
import { createFileFactory } from './io';
import type { MappedFileFactory } from './io/mapped-file';
import { planRecovery, scanCommitLog } from './recovery';
import { StoreReader } from './reader';
import { accountRawRecords } from './raw-records';
import { Retention } from './retention';
import type { DiskUsageProbe } from './retention';
import { StoreLock } from './store-lock';
import { DOUBLE_ZERO, PutStatus } from './types';
import type {
  AppendedRecord,
  GetMessageRequest,
  GetMessageResult,
  PutMessageInput,
  PutMessageResult,
  QueryMessageResult,
  RecoveryReport,
  StoreOpenError,
} from './types';

/** Where the store reports what it does; the broker passes its logger. Libraries do not log. */
export interface StoreEvents {
  warn(message: string, meta?: Record<string, unknown>): void;
  info(message: string, meta?: Record<string, unknown>): void;
}

export interface StoreDeps {
  readonly clock?: Clock;
  /** The disk; tests inject fault-injecting factories. Defaults to the configured I/O mode. */
  readonly files?: MappedFileFactory;
  readonly diskUsage?: DiskUsageProbe;
  readonly events?: StoreEvents;
  /** Called after consume-queue and index entries exist for every record below the offset. */
  readonly onDispatched?: (commitLogOffset: number) => void;
}

/** A batch for SEND_BATCH_MESSAGE: one topic and queue, consecutive queue offsets. */
export interface PutBatchInput extends Omit<PutMessageInput, 'flag' | 'body' | 'properties'> {
  /** Properties as text, or as encoded bytes stored as they are. */
  readonly messages: readonly { readonly flag: number; readonly body: Uint8Array; readonly properties: string | Buffer }[];
}

// Read once at load, not through the import on every put (see appender.ts).
const { BLANK_MARKER_BYTES, validateTopicName } = codec;

const silentEvents: StoreEvents = { warn: () => undefined, info: () => undefined };
const MAX_CACHED_TOPICS = 100_000;

type State = 'new' | 'open' | 'closing' | 'closed';

/**
 * The storage engine's narrow door: append, read by queue offset, look up by commit-log offset or
 * key, offsets by time, and the raw byte interface replication needs. Expected outcomes are result
 * values; exceptions mean a bug.
 */
export class MessageStore {
  readonly config: StoreConfig;
  private readonly clock: Clock;
  private readonly files: MappedFileFactory;
  private readonly events: StoreEvents;
  private readonly commitLog: CommitLog;
  private readonly queues: ConsumeQueueTable;
  private readonly index: IndexService | undefined;
  private readonly checkpointFile: CheckpointFile;
  private readonly lock: StoreLock;
  private readonly flushService: FlushService;
  private readonly retention: Retention;
  private dispatcher: Dispatcher | undefined;
  private readonly reader: StoreReader;
  /** Next queue offset per topic and queue id, assigned at append time. */
  private readonly queueOffsets = new Map<string, Map<number, number>>();
  /**
   * End of the last whole record (or end-of-segment marker) whose queue offset the table above
   * accounts for. Equal to the log end except while a replicated record is still arriving.
   */
  private wholeRecordsEndValue = 0;
  private readonly queueOffsetSink = {
    advance: (topic: string, queueId: number, next: number): void => {
      const offsets = this.queueOffsetsOf(topic);
      if ((offsets.get(queueId) ?? 0) < next) offsets.set(queueId, next);
    },
  };
  private readonly topicBytes = new Map<string, Buffer>();
  private state: State = 'new';
  private writable = true;
  private recordCrcFromOffset = -1;
  private logicsTimer: NodeJS.Timeout | undefined;
  private logicsFlushing: Promise<void> | null = null;
  /** Every record below it has its consume-queue and index entries fsynced (checkpoint field). */
  private logicsDurableOffset = 0;
  private logicsDurableTimestamp = DOUBLE_ZERO;
  private readonly onDispatched: ((commitLogOffset: number) => void) | undefined;
  /** The CRC-32 for record CRCs: native where the CPU has carry-less multiplication, else zlib. */
  private readonly crc32: Crc32;
  private readonly appender: RecordAppender;

  constructor(config: Partial<StoreConfig> & Pick<StoreConfig, 'storeDir' | 'ioMode'>, deps: StoreDeps = {}) {
    this.config = { ...DEFAULT_STORE_CONFIG, ...config };
    this.clock = deps.clock ?? systemClock;
    this.files = deps.files ?? createFileFactory(this.config.ioMode);
    this.events = deps.events ?? silentEvents;
    const dir = this.config.storeDir;
    this.commitLog = new CommitLog(path.join(dir, 'commitlog'), this.config.commitLogSegmentBytes, this.files, this.config.pretouchSegments);
    this.queues = new ConsumeQueueTable(path.join(dir, 'consumequeue'), this.config.consumeQueueEntriesPerFile, this.files);
    this.index = this.config.indexEnabled
      ? new IndexService(path.join(dir, 'index'), { maxHashSlots: this.config.indexMaxHashSlots, maxIndexCount: this.config.indexMaxCount }, this.files, this.clock)
      : undefined;
    this.checkpointFile = new CheckpointFile(path.join(dir, 'checkpoint'));
    this.lock = new StoreLock(dir);
    this.flushService = new FlushService(this.commitLog, this.config.flushMode, this.config.flushIntervalMs, this.config.syncFlushTimeoutMs, this.clock, (e) =>
      this.events.warn('commit log flush failed', { error: e.message }),
    );
    this.onDispatched = deps.onDispatched;
    // CRC-32 comes from zlib.crc32 (the project's rule); records get two per append.
    this.crc32 = codec.zlibCrc32;
    this.appender = new RecordAppender(this.config.recordCrc, this.crc32, this.config.maxMessageSizeBytes);
    this.retention = new Retention(this.config, this.commitLog, this.queues, this.index, this.clock, deps.diskUsage, this.events, {
      dispatchedOffset: () => this.dispatcher?.offset ?? 0,
      setWritable: (w, why) => this.setWritable(w, why),
    });
    this.reader = new StoreReader(this.commitLog, this.queues, this.index, this.crc32);
  }

  /** Recovers the store and starts its background work. */
  async open(): Promise<Result<RecoveryReport, StoreOpenError>> {
    if (this.state !== 'new') return err({ kind: 'state', path: this.config.storeDir, message: `store is ${this.state}` });
    const problems = validateStoreConfig(this.config);
    if (problems.length > 0) return err({ kind: 'config', path: this.config.storeDir, message: problems.join('; ') });
    fs.mkdirSync(this.config.storeDir, { recursive: true });
    const locked = this.lock.acquire();
    if (!locked.ok) return err({ kind: 'locked', path: this.config.storeDir, message: locked.error });
    const opened = await this.recover();
    if (!opened.ok) {
      await this.releaseAll();
      return opened;
    }
    // Allocate (and pre-touch) the segment appends go to now, not on the first put.
    const ready = await this.commitLog.ensureSegment();
    if (!ready.ok) this.events.warn('cannot allocate a commit-log segment at open; appends will report DISK_FULL until space returns', { error: ready.error });
    else await this.commitLog.prefaultCurrentSegment();
    this.flushService.start();
    this.logicsTimer = setInterval(() => void this.flushLogics(), this.config.flushConsumeQueueIntervalMs);
    this.logicsTimer.unref();
    this.retention.start();
    this.state = 'open';
    return opened;
  }

  private async recover(): Promise<Result<RecoveryReport, StoreOpenError>> {
    const abortPath = path.join(this.config.storeDir, 'abort');
    const clean = !fs.existsSync(abortPath);
    const checkpoint = this.checkpointFile.read();
    fs.writeFileSync(abortPath, String(process.pid));

    const loaded = await this.commitLog.load();
    if (!loaded.ok) return err(toOpenError(loaded.error));
    const queuesLoaded = await this.queues.load();
    if (!queuesLoaded.ok) return err(toOpenError(queuesLoaded.error));
    if (this.index) {
      const indexLoaded = await this.index.open();
      if (!indexLoaded.ok) return err(toOpenError(indexLoaded.error));
    }

    const minOffset = this.commitLog.minOffset;
    const plan = planRecovery(clean, checkpoint, minOffset);
    const lastSegment = this.commitLog.segmentAt(this.commitLog.segmentCount - 1);
    const scanFrom = lastSegment ? Math.min(plan.scanFromOffset, lastSegment.baseOffset) : minOffset;
    // Records carry the record CRC from the offset the checkpoint remembers (none without one).
    this.recordCrcFromOffset = this.config.recordCrc ? (checkpoint?.recordCrcFromOffset ?? -1) : -1;
    const scan = scanCommitLog(this.commitLog, scanFrom, {
      checkBodyCrc: this.config.checkCrcOnRecover,
      recordCrcFromOffset: this.recordCrcFromOffset,
      crc32: this.crc32,
    });
    const end = scan.endOffset;
    if (scan.damage) this.events.warn('commit log tail cut during recovery', { offset: end, reason: scan.damage });
    this.commitLog.truncate(end);
    this.queues.truncateBeyond(end);
    // After a crash the index may hold a header newer than its durable entries (a power loss keeps
    // whichever pages reached the disk), so index files past the last durable point are rebuilt.
    const indexCut = clean ? end : Math.min(end, plan.redispatchFromOffset);
    const indexRebuildFrom = this.index ? await this.index.truncateFrom(indexCut) : undefined;
    const redispatchFrom = Math.max(this.commitLog.minOffset, Math.min(plan.redispatchFromOffset, indexRebuildFrom ?? Infinity, end));

    const sink = { consumeQueue: (topic: string, queueId: number) => this.queues.consumeQueue(topic, queueId), index: this.index };
    this.dispatcher = new Dispatcher(this.commitLog, sink, redispatchFrom, () => this.commitLog.writeOffset, (o) => this.onDispatched?.(o), this.crc32);
    await this.dispatcher.catchUp();
    const fault = this.dispatcher.fault ?? (this.dispatcher.stallReason ? { commitLogOffset: this.dispatcher.offset, reason: this.dispatcher.stallReason } : undefined);
    if (fault) {
      return err({ kind: 'dispatch', path: this.commitLog.dir, message: `cannot rebuild consume queues at commitLogOffset ${fault.commitLogOffset}: ${fault.reason}` });
    }
    this.rebuildQueueOffsets();
    this.wholeRecordsEndValue = end;
    this.queues.deleteBefore(this.commitLog.minOffset);
    // What recovery rebuilt is made durable before the checkpoint says so.
    this.queues.flushSync();
    this.index?.flushSync();
    this.logicsDurableOffset = this.dispatcher.offset;
    this.logicsDurableTimestamp = this.dispatcher.lastStoreTimestamp;
    if (this.config.recordCrc && this.recordCrcFromOffset < 0) this.recordCrcFromOffset = end;
    this.writeCheckpoint(-1);
    return ok({
      cleanShutdown: clean,
      checkpointValid: checkpoint !== undefined,
      commitLogEndOffset: end,
      truncationReason: scan.damage,
      scannedRecords: scan.records,
      redispatchedFromOffset: redispatchFrom,
    });
  }

  /** Appends one message. Resolves per the flush mode once the message is durable enough to acknowledge. */
  putMessage(input: PutMessageInput): Promise<PutMessageResult> {
    return this.putBatch(input, [input]);
  }

  /** Appends a batch to one queue atomically (all records in one segment, consecutive queue offsets). */
  async putMessages(input: PutBatchInput): Promise<PutMessageResult> {
    if (input.messages.length === 0) return { status: PutStatus.MESSAGE_ILLEGAL, reason: 'empty batch' };
    return this.putBatch(input, input.messages);
  }

  private async putBatch(
    common: Omit<PutMessageInput, 'flag' | 'body' | 'properties'>,
    messages: readonly { readonly flag: number; readonly body: Uint8Array; readonly properties: string | Buffer }[],
  ): Promise<PutMessageResult> {
    const refused = this.refusal();
    if (refused) return refused;
    const topic = this.topicBytesOf(common.topic);
    if (!topic.ok) return { status: PutStatus.MESSAGE_ILLEGAL, reason: topic.error };
    if (!Number.isInteger(common.queueId) || common.queueId < 0 || common.queueId > 0x7fffffff) {
      return { status: PutStatus.MESSAGE_ILLEGAL, reason: `invalid queueId ${common.queueId}` };
    }
    const appender = this.appender;
    let records: AppendedRecord[];
    for (;;) {
      // Sized again after every wait: other puts use the appender meanwhile.
      const total = appender.size(common, messages, topic.value);
      if (typeof total !== 'number') {
        const status = total.kind === 'body-too-large' ? PutStatus.MESSAGE_ILLEGAL : PutStatus.PROPERTIES_SIZE_EXCEEDED;
        return { status, reason: total.reason };
      }
      if (total + BLANK_MARKER_BYTES > this.config.commitLogSegmentBytes) {
        return { status: PutStatus.MESSAGE_ILLEGAL, reason: `batch of ${total} bytes does not fit one commit-log segment` };
      }
      const offsets = this.queueOffsetsOf(common.topic);
      const firstQueueOffset = offsets.get(common.queueId) ?? 0;
      appender.prepare(firstQueueOffset, this.clock.nowMs());
      const at = this.commitLog.append(total, appender.fill);
      records = appender.finish();
      // Whole records only (or an end-of-segment marker when the batch did not fit).
      this.wholeRecordsEndValue = this.commitLog.writeOffset;
      if (at !== NEED_SEGMENT) {
        if (appender.takesQueueOffsets) offsets.set(common.queueId, firstQueueOffset + messages.length);
        break;
      }
      const ready = await this.commitLog.ensureSegment();
      if (!ready.ok) {
        const status = ready.error.kind === 'no-space' ? PutStatus.DISK_FULL : PutStatus.IO_ERROR;
        this.events.warn('cannot allocate a commit-log segment', { error: ready.error });
        return { status, reason: `cannot allocate a commit-log segment: ${ready.error.kind}` };
      }
      const again = this.refusal();
      if (again) return again;
    }
    const endCommitLogOffset = records[records.length - 1]!.commitLogOffset + records[records.length - 1]!.size;
    this.dispatcher!.noteAppended(common, records, messages);
    if (common.waitStoreMsgOk === false) {
      this.dispatcher!.schedule();
      return { status: PutStatus.PUT_OK, records, endCommitLogOffset };
    }
    // Asked before dispatch is scheduled, so that a sync flush starts before the dispatch pass runs.
    const flushed = this.flushService.waitFlushed(endCommitLogOffset);
    this.dispatcher!.schedule();
    const durable = flushed === true ? true : await flushed;
    return { status: durable ? PutStatus.PUT_OK : PutStatus.FLUSH_DISK_TIMEOUT, records, endCommitLogOffset };
  }

  /** Reads up to `maxCount` messages of a queue from `queueOffset`, as stored (zero-copy in mmap mode). */
  getMessages(request: GetMessageRequest): GetMessageResult {
    return this.reader.getMessages(request);
  }

  /** The stored record at `commitLogOffset`, verified (CRC included) because the offset may come from a user. */
  lookupMessage(commitLogOffset: number): Result<Buffer, string> {
    return this.reader.lookup(commitLogOffset);
  }

  /** Messages of `topic` whose KEYS contain `key` or whose UNIQ_KEY is `key`, stored within [beginMs, endMs]. */
  queryMessages(topic: string, key: string, maxCount: number, beginMs: number, endMs: number): QueryMessageResult {
    return this.reader.query(topic, key, maxCount, beginMs, endMs);
  }

  /** First queue offset whose message was stored at or after `timestampMs` (maxQueueOffset if none). */
  getOffsetByTime(topic: string, queueId: number, timestampMs: number): number {
    return this.reader.offsetByTime(topic, queueId, timestampMs);
  }

  /** Store time of the oldest message still in the queue, or -1. */
  getEarliestMessageTime(topic: string, queueId: number): number {
    return this.reader.earliestTime(topic, queueId);
  }

  getMaxQueueOffset(topic: string, queueId: number): number {
    return this.queues.find(topic, queueId)?.maxOffset ?? 0;
  }

  getMinQueueOffset(topic: string, queueId: number): number {
    return this.queues.find(topic, queueId)?.minOffset ?? 0;
  }

  /** Topics and queue ids that have consume queues. */
  listQueues(): Map<string, number[]> {
    return this.queues.list();
  }

  get commitLogMinOffset(): number {
    return this.commitLog.minOffset;
  }

  get commitLogMaxOffset(): number {
    return this.commitLog.writeOffset;
  }

  get commitLogFlushedOffset(): number {
    return this.commitLog.flushedOffset;
  }

  /** Records dispatched since open: from the appender's description, or read back from the log (recovery, replication). */
  get dispatchCounts(): { readonly described: number; readonly read: number } {
    return { ...(this.dispatcher?.counts ?? { described: 0, read: 0 }) };
  }

  get dispatchedOffset(): number {
    return this.dispatcher?.offset ?? 0;
  }

  /** Deletes a topic's consume queues; its records leave the commit log with retention. */
  deleteTopic(topic: string): void {
    this.queues.deleteTopic(topic);
    this.queueOffsets.delete(topic);
    this.topicBytes.delete(topic);
  }

  // ---- replication (next issues): raw bytes at commit-log offsets ----

  /** Up to `maxBytes` raw commit-log bytes from `commitLogOffset`, within one segment. */
  readRaw(commitLogOffset: number, maxBytes: number): Buffer | undefined {
    return this.commitLog.readWindow(commitLogOffset, maxBytes);
  }

  /**
   * Appends bytes a master sent, at exactly the end of this log, then dispatches them. The queue
   * offsets the appended records carry move the store's next-queue-offset table on at once, as a
   * put does, so a promoted replica continues every queue where its replicated records end.
   */
  async appendRaw(commitLogOffset: number, bytes: Buffer): Promise<Result<number, string>> {
    if (this.state !== 'open') return err(`store is ${this.state}`);
    let r = this.commitLog.appendRaw(commitLogOffset, bytes);
    if (!r.ok && r.error === 'need-segment') {
      const ready = await this.commitLog.ensureSegment();
      if (!ready.ok) return err(`cannot allocate a commit-log segment: ${ready.error.kind}`);
      r = this.commitLog.appendRaw(commitLogOffset, bytes);
    }
    if (!r.ok) return err(`${r.error} (log ends at ${this.commitLog.writeOffset}, got ${commitLogOffset})`);
    this.wholeRecordsEndValue = accountRawRecords(this.commitLog, this.wholeRecordsEndValue, this.queueOffsetSink);
    this.dispatcher!.schedule();
    return ok(this.commitLog.writeOffset);
  }

  /** Cuts the log (and everything derived from it) at `commitLogOffset`; a replica uses it to drop a divergent tail. */
  async truncateTo(commitLogOffset: number): Promise<void> {
    const dispatcher = this.dispatcher!;
    await dispatcher.catchUp();
    const end = Math.max(this.commitLog.minOffset, Math.min(commitLogOffset, this.commitLog.writeOffset));
    this.commitLog.truncate(end);
    this.queues.truncateBeyond(end);
    const rebuild = this.index ? await this.index.truncateFrom(end) : undefined;
    dispatcher.reset(Math.max(this.commitLog.minOffset, Math.min(end, rebuild ?? Infinity)));
    await dispatcher.catchUp();
    this.rebuildQueueOffsets();
    this.wholeRecordsEndValue = this.commitLog.writeOffset;
    this.writeCheckpoint(-1);
  }

  /**
   * The end of the last whole record: below the log end only while a replicated record is still
   * arriving (a replication frame may end inside one). A replica taking writes cuts the log here
   * first, so new records never follow a torn one.
   */
  get wholeRecordsEnd(): number {
    return Math.min(this.wholeRecordsEndValue, this.commitLog.writeOffset);
  }

  /** Waits until consume queues and index cover everything appended so far. */
  async waitDispatched(): Promise<void> {
    await this.dispatcher?.catchUp();
  }

  /** Flushes everything and marks the shutdown clean. */
  async close(): Promise<void> {
    if (this.state !== 'open') return;
    this.state = 'closing';
    if (this.logicsTimer) clearInterval(this.logicsTimer);
    this.retention.stop();
    await this.dispatcher!.catchUp();
    this.dispatcher!.stop();
    await this.flushService.stop();
    await this.logicsFlushing;
    this.commitLog.flushSync();
    this.queues.flushSync();
    this.index?.flushSync();
    const cleanlyDispatched = this.dispatcher!.offset === this.commitLog.writeOffset && !this.dispatcher!.fault;
    this.writeCheckpoint(cleanlyDispatched ? this.commitLog.writeOffset : -1);
    if (cleanlyDispatched) fs.rmSync(path.join(this.config.storeDir, 'abort'), { force: true });
    await this.releaseAll();
  }

  private async releaseAll(): Promise<void> {
    await this.commitLog.close();
    this.queues.close();
    this.index?.close();
    this.checkpointFile.close();
    this.lock.release();
    this.state = 'closed';
  }

  private refusal(): PutMessageResult | undefined {
    if (this.state !== 'open') return { status: PutStatus.SERVICE_NOT_AVAILABLE, reason: `store is ${this.state}` };
    if (this.wholeRecordsEndValue < this.commitLog.writeOffset) {
      // A record after a torn one would be unreadable: the replica must cut its log first.
      return { status: PutStatus.SERVICE_NOT_AVAILABLE, reason: `a replicated record is incomplete at commitLogOffset ${this.wholeRecordsEndValue}; cut the log there before writing` };
    }
    if (!this.writable) return { status: PutStatus.DISK_FULL, reason: 'disk usage is above diskFullRatio; writes resume when space returns' };
    return undefined;
  }

  private setWritable(writable: boolean, why: string): void {
    if (writable !== this.writable) this.events.warn(writable ? 'store writable again' : 'store refuses writes', { reason: why });
    this.writable = writable;
  }

  private topicBytesOf(topic: string): Result<Buffer, string> {
    const cached = this.topicBytes.get(topic);
    if (cached) return ok(cached);
    const valid = validateTopicName(topic);
    if (!valid.ok) return err(valid.error);
    const bytes = Buffer.from(topic, 'utf8');
    if (this.topicBytes.size >= MAX_CACHED_TOPICS) this.topicBytes.clear();
    this.topicBytes.set(topic, bytes);
    return ok(bytes);
  }

  private queueOffsetsOf(topic: string): Map<number, number> {
    let m = this.queueOffsets.get(topic);
    if (!m) {
      m = new Map();
      this.queueOffsets.set(topic, m);
    }
    return m;
  }

  private rebuildQueueOffsets(): void {
    this.queueOffsets.clear();
    for (const cq of this.queues.all()) this.queueOffsetsOf(cq.topic).set(cq.queueId, cq.maxOffset);
  }

  /** Flushes consume queues and index, then records in the checkpoint how far everything is durable. */
  private flushLogics(): Promise<void> {
    if (this.logicsFlushing || this.state !== 'open') return this.logicsFlushing ?? Promise.resolve();
    const dispatched = this.dispatcher!.offset;
    const run = async () => {
      try {
        await Promise.all([this.queues.flush(), this.index?.flush()]);
        this.logicsDurableOffset = dispatched;
        this.logicsDurableTimestamp = this.dispatcher!.lastStoreTimestamp;
        if (this.state === 'open') this.writeCheckpoint(-1);
      } catch (e) {
        this.events.warn('consume queue flush failed', { error: e instanceof Error ? e.message : String(e) });
      } finally {
        this.logicsFlushing = null;
      }
    };
    this.logicsFlushing = run();
    return this.logicsFlushing;
  }

  private writeCheckpoint(cleanShutdownOffset: number): void {
    const clean = cleanShutdownOffset >= 0;
    const logics = clean ? cleanShutdownOffset : Math.min(this.logicsDurableOffset, this.dispatcher?.offset ?? 0);
    const c: Checkpoint = {
      physicMsgTimestamp: this.dispatcher?.lastStoreTimestamp ?? 0,
      logicsMsgTimestamp: clean ? (this.dispatcher?.lastStoreTimestamp ?? 0) : this.logicsDurableTimestamp,
      indexMsgTimestamp: clean ? (this.dispatcher?.lastStoreTimestamp ?? 0) : this.logicsDurableTimestamp,
      commitLogFlushedOffset: this.commitLog.flushedOffset,
      consumeQueueFlushedOffset: logics,
      indexFlushedOffset: logics,
      cleanShutdownOffset,
      confirmedOffset: this.commitLog.writeOffset,
      recordCrcFromOffset: this.recordCrcFromOffset,
    };
    this.checkpointFile.write(c);
  }
}

function toOpenError(e: { kind: string; path: string; message?: string }): StoreOpenError {
  return { kind: e.kind, path: e.path, message: e.message ?? describeFileError(e) };
}

function describeFileError(e: { kind: string; path: string }): string {
  if (e.kind === 'size-mismatch') {
    const m = e as unknown as { expectedBytes: number; actualBytes: number };
    return `${e.path} has ${m.actualBytes} bytes, expected ${m.expectedBytes}; the store will not guess which data to trust`;
  }
  return `${e.kind} error on ${e.path}`;
}
