import * as fs from 'node:fs';
import * as path from 'node:path';
import { assert, err, ok } from '../../stdx';
import type { Result } from '../../stdx';
import * as codec from '../../message';
import type { FileError, MappedFile, MappedFileFactory } from './io/mapped-file';
import { listOffsetFiles, offsetFileName, removeFile } from './files';
import { TouchAhead } from './touch-ahead';
import type { TouchTarget } from './touch-ahead';

// Read once at load, not through the import on every append (see appender.ts).
const { writeBlankMarker, BLANK_MARKER_BYTES } = codec;

export interface Segment {
  readonly baseOffset: number;
  readonly file: MappedFile;
}

/** Appending needs a segment that is not allocated yet: await `ensureSegment()` and retry. */
export const NEED_SEGMENT = -1;

/** Why a commit log could not be loaded. */
export type CommitLogLoadError =
  | FileError
  | { readonly kind: 'layout'; readonly path: string; readonly message: string };

/**
 * The commit log: fixed-size segments named by their start offset, appended strictly in order. It
 * knows bytes and offsets only; record encoding and validation live with the caller. A record
 * never spans segments: when one does not fit, an 8-byte blank marker fills the segment's end and
 * the record goes to the start of the next (RocketMQ's rule, FACTS 1.3).
 *
 * The next segment is allocated in the background as soon as the current one is taken into use,
 * so a rollover does not wait for the disk; with `pretouch`, the pages just ahead of the write
 * offset (into the next segment near the end of one) are mapped in the background too.
 */
export class CommitLog {
  private readonly segments: Segment[] = [];
  private writeOffsetValue = 0;
  private flushedOffsetValue = 0;
  private allocation: Promise<Result<Segment, FileError>> | null = null;
  private allocationBase = -1;
  private flushing: Promise<number> | null = null;
  /** The fill of the append in progress; `fillAtWriteOffset` (bound once) forwards to it. */
  private pendingFill: ((target: Buffer, position: number, commitLogOffset: number) => void) | undefined;
  private readonly fillAtWriteOffset = (target: Buffer, offset: number): void => this.pendingFill!(target, offset, this.writeOffsetValue);
  /**
   * Every byte in [selfWrittenFrom, writeOffset) was written by `append` in this process (encoded
   * here moments ago), none read back from disk or received by `appendRaw`. Dispatch skips
   * re-hashing the record CRC of such records; everything recovered is checked in full.
   */
  private selfWrittenFromValue = Number.POSITIVE_INFINITY;
  /** The next segment, allocated in the background and not taken into use yet. */
  private nextSegment: Segment | undefined;
  private readonly touch: TouchAhead | undefined;

  constructor(
    readonly dir: string,
    readonly segmentBytes: number,
    private readonly files: MappedFileFactory,
    pretouch: boolean,
  ) {
    assert(Number.isSafeInteger(segmentBytes) && segmentBytes > BLANK_MARKER_BYTES, 'segment size too small');
    this.touch = pretouch ? new TouchAhead(() => this.writeOffsetValue, (offset) => this.touchTarget(offset)) : undefined;
  }

  /**
   * Opens every segment found on disk. The last segment may be shorter than the configured size
   * (a torn file): it is extended with zeros and recovery decides where its valid data ends. Any
   * other segment of the wrong size, or a gap between segments, refuses the load.
   */
  async load(): Promise<Result<void, CommitLogLoadError>> {
    fs.mkdirSync(this.dir, { recursive: true });
    const { offsets, strangers } = listOffsetFiles(this.dir);
    const unexpected = strangers.filter((n) => !n.endsWith('.tmp'));
    if (unexpected.length > 0) {
      return err({ kind: 'layout', path: this.dir, message: `unexpected files in commit log folder: ${unexpected.join(', ')}` });
    }
    for (let i = 0; i < offsets.length; i++) {
      const base = offsets[i]!;
      const file = path.join(this.dir, offsetFileName(base));
      if (base % this.segmentBytes !== 0 || (i > 0 && base !== offsets[i - 1]! + this.segmentBytes)) {
        return err({ kind: 'layout', path: file, message: `segment ${offsetFileName(base)} does not follow the previous one (segment size ${this.segmentBytes})` });
      }
      const isLast = i === offsets.length - 1;
      const actual = fs.statSync(file).size;
      if (isLast && actual < this.segmentBytes) {
        if (actual === 0) {
          // A segment whose allocation never started: nothing was ever written to it.
          removeFile(file);
          continue;
        }
        fs.truncateSync(file, this.segmentBytes);
      }
      const opened = await this.files.open(file, this.segmentBytes, { create: false });
      if (!opened.ok) return opened;
      this.segments.push({ baseOffset: base, file: opened.value });
    }
    const last = this.segments[this.segments.length - 1];
    this.writeOffsetValue = last ? last.baseOffset + this.segmentBytes : 0;
    this.flushedOffsetValue = this.writeOffsetValue;
    this.selfWrittenFromValue = this.writeOffsetValue;
    return ok(undefined);
  }

  /** Offset of the first byte still stored. */
  get minOffset(): number {
    return this.segments.length > 0 ? this.segments[0]!.baseOffset : this.writeOffsetValue;
  }

  /** Offset where the next record goes (the end of the valid data). */
  get writeOffset(): number {
    return this.writeOffsetValue;
  }

  /** Bytes from here to the write offset were all appended by this process (see the field). */
  get selfWrittenFrom(): number {
    return this.selfWrittenFromValue;
  }

  /** Everything before this offset has been made durable. */
  get flushedOffset(): number {
    return this.flushedOffsetValue;
  }

  get segmentCount(): number {
    return this.segments.length;
  }

  segmentAt(index: number): Segment | undefined {
    return this.segments[index];
  }

  /** The segment holding `offset`, if it is stored. */
  segmentFor(offset: number): Segment | undefined {
    if (this.segments.length === 0) return undefined;
    const index = Math.floor((offset - this.segments[0]!.baseOffset) / this.segmentBytes);
    return index >= 0 ? this.segments[index] : undefined;
  }

  /**
   * Bytes [offset, offset + length) if they lie inside one stored segment and below the write
   * offset. mmap: a zero-copy view.
   */
  read(offset: number, length: number): Buffer | undefined {
    if (offset < this.minOffset || offset + length > this.writeOffsetValue || length < 0) return undefined;
    const seg = this.segmentFor(offset);
    if (!seg) return undefined;
    const position = offset - seg.baseOffset;
    if (position + length > this.segmentBytes) return undefined;
    return seg.file.read(position, length);
  }

  /**
   * Up to `maxBytes` bytes from `offset` to the end of its segment or the write offset, whichever
   * is first. Used by recovery, dispatch and replication to walk the log.
   */
  readWindow(offset: number, maxBytes: number): Buffer | undefined {
    const seg = this.segmentFor(offset);
    if (!seg || offset >= this.writeOffsetValue) return undefined;
    const position = offset - seg.baseOffset;
    const end = Math.min(this.segmentBytes, position + maxBytes, this.writeOffsetValue - seg.baseOffset);
    return seg.file.read(position, end - position);
  }

  /**
   * Appends `length` bytes written by `fill(target, position, commitLogOffset)` and returns the
   * record's commitLogOffset, or NEED_SEGMENT when the next segment is not ready yet.
   */
  append(length: number, fill: (target: Buffer, position: number, commitLogOffset: number) => void): number {
    if (!(length > 0 && length + BLANK_MARKER_BYTES <= this.segmentBytes)) assert(false, `record of ${length} bytes cannot fit a segment`);
    for (;;) {
      const seg = this.currentSegment();
      if (!seg) return NEED_SEGMENT;
      const position = this.writeOffsetValue - seg.baseOffset;
      if (position + length + BLANK_MARKER_BYTES <= this.segmentBytes) {
        const commitLogOffset = this.writeOffsetValue;
        this.pendingFill = fill;
        try {
          seg.file.writeWith(position, length, this.fillAtWriteOffset);
        } finally {
          this.pendingFill = undefined;
        }
        this.writeOffsetValue += length;
        this.touch?.advance();
        return commitLogOffset;
      }
      const remaining = this.segmentBytes - position;
      seg.file.writeWith(position, BLANK_MARKER_BYTES, (target, offset) => writeBlankMarker(target, offset, remaining));
      this.writeOffsetValue = seg.baseOffset + this.segmentBytes;
    }
  }

  /**
   * Appends raw bytes copied from a master at exactly `commitLogOffset` (replication). The bytes
   * must stay within one segment; blank markers included, so offsets match the master's.
   */
  appendRaw(commitLogOffset: number, bytes: Buffer): Result<void, 'offset-mismatch' | 'need-segment' | 'crosses-segment'> {
    if (commitLogOffset !== this.writeOffsetValue) return err('offset-mismatch');
    const seg = this.currentSegment();
    if (!seg) return err('need-segment');
    const position = commitLogOffset - seg.baseOffset;
    if (position + bytes.length > this.segmentBytes) return err('crosses-segment');
    seg.file.write(position, bytes);
    this.writeOffsetValue += bytes.length;
    this.selfWrittenFromValue = this.writeOffsetValue;
    return ok(undefined);
  }

  /** Makes sure a segment to append into exists; allocates (or awaits the background allocation of) the next one. */
  async ensureSegment(): Promise<Result<void, FileError>> {
    if (this.currentSegment()) return ok(undefined);
    const base = this.writeOffsetValue;
    assert(base % this.segmentBytes === 0, 'a new segment starts at a segment boundary');
    const allocated = await this.allocate(base);
    if (!allocated.ok) return allocated;
    if (!this.currentSegment()) this.adopt(allocated.value);
    return ok(undefined);
  }

  /**
   * With `pretouch`, maps the rest of the segment appends go to now and resolves when done (the
   * store's open: nothing is appending yet); later pages are touched a window ahead of appends.
   */
  async prefaultCurrentSegment(): Promise<void> {
    const target = this.touchTarget(this.writeOffsetValue);
    if (this.touch && target) await this.touch.touchRest(target);
  }

  /**
   * Cuts the log at `offset`: later segments are deleted and the rest of the containing segment is
   * zeroed, so stale records behind the cut can never be revived.
   */
  truncate(offset: number): void {
    assert(offset >= 0, 'truncate offset must not be negative');
    while (this.segments.length > 0) {
      const last = this.segments[this.segments.length - 1]!;
      if (last.baseOffset < offset) break;
      this.segments.pop();
      last.file.close();
      removeFile(last.file.path);
    }
    const last = this.segments[this.segments.length - 1];
    if (last && offset < last.baseOffset + this.segmentBytes) last.file.discardFrom(offset - last.baseOffset);
    if (this.segments.length === 0 && offset % this.segmentBytes !== 0) {
      // Nothing left to hold the cut: restart at the segment boundary below it.
      offset -= offset % this.segmentBytes;
    }
    this.writeOffsetValue = this.segments.length === 0 ? offset : Math.max(offset, this.segments[0]!.baseOffset);
    this.flushedOffsetValue = Math.min(this.flushedOffsetValue, this.writeOffsetValue);
    this.selfWrittenFromValue = Math.min(this.selfWrittenFromValue, this.writeOffsetValue);
    this.touch?.reset(this.writeOffsetValue);
    this.dropAllocationBeyond();
  }

  /** Flushes everything appended so far; concurrent callers share one flush. Returns the durable offset. */
  flush(): Promise<number> {
    if (this.flushing) return this.flushing.then(() => this.flush());
    const target = this.writeOffsetValue;
    if (target <= this.flushedOffsetValue) return Promise.resolve(this.flushedOffsetValue);
    const pending: Promise<void>[] = [];
    for (const seg of this.segments) {
      const end = seg.baseOffset + this.segmentBytes;
      if (end > this.flushedOffsetValue && seg.baseOffset < target) pending.push(seg.file.flush());
    }
    this.flushing = Promise.all(pending).then(
      () => {
        this.flushing = null;
        this.flushedOffsetValue = Math.max(this.flushedOffsetValue, Math.min(target, this.writeOffsetValue));
        return this.flushedOffsetValue;
      },
      (e: unknown) => {
        this.flushing = null;
        throw e;
      },
    );
    return this.flushing;
  }

  flushSync(): void {
    for (const seg of this.segments) {
      if (seg.baseOffset + this.segmentBytes > this.flushedOffsetValue) seg.file.flushSync();
    }
    this.flushedOffsetValue = this.writeOffsetValue;
  }

  /**
   * Deletes the oldest segments while `shouldDelete(segment, newestInLog)` says so, never the
   * segment being written. Returns the deleted segments' base offsets.
   */
  deleteOldest(shouldDelete: (seg: Segment) => boolean, maxCount: number): number[] {
    const deleted: number[] = [];
    while (deleted.length < maxCount && this.segments.length > 1) {
      const first = this.segments[0]!;
      if (first.baseOffset + this.segmentBytes > this.writeOffsetValue) break;
      if (!shouldDelete(first)) break;
      this.segments.shift();
      first.file.close();
      removeFile(first.file.path);
      deleted.push(first.baseOffset);
    }
    return deleted;
  }

  async close(): Promise<void> {
    this.touch?.stop();
    const pending = this.allocation;
    this.allocation = null;
    if (pending) {
      const r = await pending;
      if (r.ok && !this.segments.includes(r.value)) {
        // A pre-allocated segment nobody wrote into: leave no empty file behind.
        r.value.file.close();
        removeFile(r.value.file.path);
      }
    }
    for (const seg of this.segments) seg.file.close();
    this.segments.length = 0;
  }

  private currentSegment(): Segment | undefined {
    const last = this.segments[this.segments.length - 1];
    if (last && this.writeOffsetValue < last.baseOffset + this.segmentBytes && this.writeOffsetValue >= last.baseOffset) return last;
    return undefined;
  }

  private adopt(seg: Segment): void {
    const last = this.segments[this.segments.length - 1];
    assert(!last || last.baseOffset + this.segmentBytes === seg.baseOffset, 'segments must be contiguous');
    this.segments.push(seg);
    if (this.nextSegment === seg) this.nextSegment = undefined;
    seg.file.advise('sequential');
    // Start allocating the following segment now so the next rollover finds it ready.
    void this.allocate(seg.baseOffset + this.segmentBytes);
  }

  private allocate(base: number): Promise<Result<Segment, FileError>> {
    if (this.allocation && this.allocationBase === base) return this.allocation;
    const file = path.join(this.dir, offsetFileName(base));
    // Pages are touched ahead of the write offset (TouchAhead), not all at allocation.
    const promise = this.files.open(file, this.segmentBytes, { create: true }).then((r) => {
      if (this.allocation === promise && !r.ok) this.allocation = null; // let the next call retry
      if (!r.ok) return r;
      const seg: Segment = { baseOffset: base, file: r.value };
      if (this.allocation === promise) {
        this.nextSegment = seg;
        this.touch?.advance();
      }
      return ok(seg);
    });
    this.allocation = promise;
    this.allocationBase = base;
    return promise;
  }

  /** The file and position of `offset` for TouchAhead: a segment in use or the allocated next one. */
  private touchTarget(offset: number): TouchTarget | undefined {
    const seg = this.segmentFor(offset) ?? (this.nextSegment && offset >= this.nextSegment.baseOffset ? this.nextSegment : undefined);
    if (!seg || seg.file.closed || offset >= seg.baseOffset + this.segmentBytes) return undefined;
    return { file: seg.file, position: offset - seg.baseOffset, segmentEnd: seg.baseOffset + this.segmentBytes };
  }

  private dropAllocationBeyond(): void {
    this.nextSegment = undefined;
    const pending = this.allocation;
    if (!pending) return;
    this.allocation = null;
    void pending.then((r) => {
      if (r.ok && !this.segments.includes(r.value)) {
        r.value.file.close();
        removeFile(r.value.file.path);
      }
    });
  }
}
