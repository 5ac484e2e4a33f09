import * as fs from 'node:fs';
import * as path from 'node:path';
import { assert, err, ok } from '../../stdx';
import type { Result } from '../../stdx';
import type { FileError, MappedFile, MappedFileFactory } from './io/mapped-file';
import { listOffsetFiles, offsetFileName, removeFile } from './files';

/** One consume-queue entry: commitLogOffset (8), size (4), tag hash (8). */
export const CQ_ENTRY_BYTES = 20;
/** Size of a filler entry, written where a queue starts past offset 0 (RocketMQ's convention). */
export const BLANK_ENTRY_SIZE = 0x7fffffff;

const TWO_32 = 0x1_0000_0000;

export interface CqEntry {
  readonly commitLogOffset: number;
  readonly size: number;
  readonly tagsCode: number;
}

export function writeCqEntry(target: Buffer, at: number, commitLogOffset: number, size: number, tagsCode: number): void {
  target.writeUInt32BE(Math.floor(commitLogOffset / TWO_32), at);
  target.writeUInt32BE(commitLogOffset >>> 0, at + 4);
  target.writeInt32BE(size, at + 8);
  target.writeInt32BE(Math.floor(tagsCode / TWO_32), at + 12);
  target.writeUInt32BE(tagsCode >>> 0, at + 16);
}

export function entryCommitLogOffset(buf: Buffer, at: number): number {
  return buf.readInt32BE(at) * TWO_32 + buf.readUInt32BE(at + 4);
}

export function entrySize(buf: Buffer, at: number): number {
  return buf.readInt32BE(at + 8);
}

export function entryTagsCode(buf: Buffer, at: number): number {
  return buf.readInt32BE(at + 12) * TWO_32 + buf.readUInt32BE(at + 16);
}

/** A slot that holds neither a record reference nor a filler: the end of written data. */
function isEmptySlot(buf: Buffer, at: number): boolean {
  return entryCommitLogOffset(buf, at) < 0 || entrySize(buf, at) <= 0;
}

export type CqPutOutcome = 'ok' | 'duplicate' | 'need-file' | 'mismatch';

/**
 * The consume queue of one (topic, queueId): an array of 20-byte entries spread over fixed-size
 * files named by their starting byte offset within the queue, so reading queueOffset N is one
 * lookup. Entries are derived from the commit log by dispatch and can always be rebuilt.
 */
export class ConsumeQueue {
  private readonly files: MappedFile[] = [];
  /** Index (queue byte offset / file size) of files[0]. */
  private firstFileIndex = 0;
  private maxOffsetValue = 0;
  private minOffsetValue = 0;
  private maxPhysicalEndValue = 0;
  private dirty = false;
  private readonly fileBytes: number;
  /** The entry being written; `fillEntry` (bound once, so a put allocates nothing) writes it. */
  private readonly pending = { commitLogOffset: 0, size: 0, tagsCode: 0 };
  private readonly fillEntry = (target: Buffer, offset: number): void =>
    writeCqEntry(target, offset, this.pending.commitLogOffset, this.pending.size, this.pending.tagsCode);

  constructor(
    readonly topic: string,
    readonly queueId: number,
    readonly dir: string,
    readonly entriesPerFile: number,
    private readonly fileFactory: MappedFileFactory,
  ) {
    assert(entriesPerFile > 0, 'a consume-queue file holds at least one entry');
    this.fileBytes = entriesPerFile * CQ_ENTRY_BYTES;
  }

  /** The next queue offset to be written: the number of entries ever written. */
  get maxOffset(): number {
    return this.maxOffsetValue;
  }

  /** The first queue offset still readable. */
  get minOffset(): number {
    return this.minOffsetValue;
  }

  /** End (offset + size) in the commit log of the newest record this queue references. */
  get maxPhysicalEnd(): number {
    return this.maxPhysicalEndValue;
  }

  get isDirty(): boolean {
    return this.dirty;
  }

  /** Opens the queue's files and finds where written entries end. */
  async load(): Promise<Result<void, FileError>> {
    const { offsets } = listOffsetFiles(this.dir);
    for (const byteOffset of offsets) {
      const file = path.join(this.dir, offsetFileName(byteOffset));
      if (byteOffset % this.fileBytes !== 0) {
        return err({ kind: 'size-mismatch', path: file, expectedBytes: this.fileBytes, actualBytes: fs.statSync(file).size });
      }
      const index = byteOffset / this.fileBytes;
      if (this.files.length > 0 && index !== this.firstFileIndex + this.files.length) {
        return err({ kind: 'io', path: file, code: 'ECORRUPT', message: `consume queue ${this.topic}/${this.queueId} has a gap before ${offsetFileName(byteOffset)}` });
      }
      const opened = await this.fileFactory.open(file, this.fileBytes, { create: false });
      if (!opened.ok && byteOffset === offsets[offsets.length - 1] && opened.error.kind === 'size-mismatch' && opened.error.actualBytes === 0) {
        // A kill between creating the queue's newest file and sizing it: it never held an entry.
        removeFile(file);
        continue;
      }
      if (!opened.ok) return opened;
      if (this.files.length === 0) this.firstFileIndex = index;
      this.files.push(opened.value);
    }
    this.findEnd();
    this.minOffsetValue = this.firstWrittenOffset();
    return ok(undefined);
  }

  /**
   * Writes the entry for `queueOffset`. An offset already present is verified ('duplicate' when it
   * matches, 'mismatch' when the stored entry references something else). An offset past the end
   * first gets filler entries, so the queue stays an array.
   */
  put(queueOffset: number, commitLogOffset: number, size: number, tagsCode: number): CqPutOutcome {
    if (queueOffset < this.maxOffsetValue) {
      if (queueOffset < this.minOffsetValue) return 'duplicate';
      const at = this.locate(queueOffset);
      if (!at) return 'duplicate';
      const buf = at.file.read(at.position, CQ_ENTRY_BYTES);
      const same = entryCommitLogOffset(buf, 0) === commitLogOffset && entrySize(buf, 0) === size && entryTagsCode(buf, 0) === tagsCode;
      return same ? 'duplicate' : 'mismatch';
    }
    if (this.files.length === 0) {
      // A queue that starts past zero (e.g. after its files expired): begin at that offset.
      this.firstFileIndex = Math.floor(queueOffset / this.entriesPerFile);
      this.maxOffsetValue = this.firstFileIndex * this.entriesPerFile;
      this.minOffsetValue = queueOffset;
      return 'need-file';
    }
    while (this.maxOffsetValue < queueOffset) {
      if (!this.writeAt(this.maxOffsetValue, 0, BLANK_ENTRY_SIZE, 0)) return 'need-file';
    }
    if (!this.writeAt(queueOffset, commitLogOffset, size, tagsCode)) return 'need-file';
    this.maxPhysicalEndValue = Math.max(this.maxPhysicalEndValue, commitLogOffset + size);
    return 'ok';
  }

  /** Allocates the file that the next `put` needs. */
  async addFile(): Promise<Result<void, FileError>> {
    const index = this.files.length === 0 ? this.firstFileIndex : this.firstFileIndex + this.files.length;
    fs.mkdirSync(this.dir, { recursive: true });
    const file = path.join(this.dir, offsetFileName(index * this.fileBytes));
    const opened = await this.fileFactory.open(file, this.fileBytes, { create: true });
    if (!opened.ok) return opened;
    if (this.files.length === 0) this.firstFileIndex = index;
    this.files.push(opened.value);
    return ok(undefined);
  }

  /**
   * Up to `maxCount` raw entries starting at `queueOffset`, from one file (callers loop). mmap: a
   * zero-copy view. Undefined when the offset is outside [minOffset, maxOffset).
   */
  readEntries(queueOffset: number, maxCount: number): Buffer | undefined {
    if (queueOffset < this.minOffsetValue || queueOffset >= this.maxOffsetValue) return undefined;
    const at = this.locate(queueOffset);
    if (!at) return undefined;
    const inFile = this.entriesPerFile - at.position / CQ_ENTRY_BYTES;
    const count = Math.min(maxCount, inFile, this.maxOffsetValue - queueOffset);
    return at.file.read(at.position, count * CQ_ENTRY_BYTES);
  }

  entryAt(queueOffset: number): CqEntry | undefined {
    const buf = this.readEntries(queueOffset, 1);
    if (!buf) return undefined;
    return { commitLogOffset: entryCommitLogOffset(buf, 0), size: entrySize(buf, 0), tagsCode: entryTagsCode(buf, 0) };
  }

  /** Drops every entry whose record ends beyond `commitLogEnd` (entries are in commit-log order). */
  truncateBeyond(commitLogEnd: number): void {
    let low = this.firstFileIndex * this.entriesPerFile;
    let high = this.maxOffsetValue; // first offset known to be cut, or the end
    // Binary search for the first entry ending beyond commitLogEnd; fillers never end beyond.
    while (low < high) {
      const mid = Math.floor((low + high) / 2);
      const e = this.rawEntry(mid);
      const beyond = e !== undefined && e.size !== BLANK_ENTRY_SIZE && e.commitLogOffset + e.size > commitLogEnd;
      if (beyond) high = mid;
      else low = mid + 1;
    }
    if (low < this.maxOffsetValue) this.truncateFrom(low);
  }

  /** Removes entries at queueOffset and after. */
  truncateFrom(queueOffset: number): void {
    const firstOffset = this.firstFileIndex * this.entriesPerFile;
    while (this.files.length > 0) {
      const lastIndex = this.firstFileIndex + this.files.length - 1;
      const lastStart = lastIndex * this.entriesPerFile;
      if (queueOffset > lastStart || (queueOffset === lastStart && this.files.length === 1)) break;
      const f = this.files.pop()!;
      f.close();
      removeFile(f.path);
    }
    const last = this.files[this.files.length - 1];
    if (last) {
      const lastStart = (this.firstFileIndex + this.files.length - 1) * this.entriesPerFile;
      last.discardFrom((queueOffset - lastStart) * CQ_ENTRY_BYTES);
    }
    this.maxOffsetValue = Math.max(queueOffset, firstOffset);
    this.minOffsetValue = Math.min(this.minOffsetValue, this.maxOffsetValue);
    this.maxPhysicalEndValue = this.lastPhysicalEnd();
    this.dirty = true;
  }

  /**
   * Retention: deletes files whose every entry references the commit log below `commitLogMinOffset`
   * (never the file being written) and moves minOffset to the first entry still backed by data.
   */
  deleteBefore(commitLogMinOffset: number): number {
    let deleted = 0;
    while (this.files.length > 1) {
      const lastEntry = this.rawEntry((this.firstFileIndex + 1) * this.entriesPerFile - 1);
      if (!lastEntry || lastEntry.commitLogOffset + lastEntry.size > commitLogMinOffset) break;
      const f = this.files.shift()!;
      this.firstFileIndex++;
      f.close();
      removeFile(f.path);
      deleted++;
    }
    let min = Math.max(this.minOffsetValue, this.firstFileIndex * this.entriesPerFile);
    while (min < this.maxOffsetValue) {
      const e = this.rawEntry(min)!;
      if (e.size !== BLANK_ENTRY_SIZE && e.commitLogOffset >= commitLogMinOffset) break;
      min++;
    }
    this.minOffsetValue = min;
    return deleted;
  }

  /** Flushes every file; files with nothing unflushed cost next to nothing. */
  async flush(): Promise<void> {
    this.dirty = false;
    await Promise.all(this.files.map((f) => f.flush()));
  }

  flushSync(): void {
    this.dirty = false;
    for (const f of this.files) f.flushSync();
  }

  close(): void {
    for (const f of this.files) f.close();
    this.files.length = 0;
  }

  /** Deletes every file of the queue (topic deletion). */
  destroy(): void {
    this.close();
    fs.rmSync(this.dir, { recursive: true, force: true });
    this.maxOffsetValue = this.minOffsetValue = this.maxPhysicalEndValue = 0;
  }

  private writeAt(queueOffset: number, commitLogOffset: number, size: number, tagsCode: number): boolean {
    const file = this.files[Math.floor(queueOffset / this.entriesPerFile) - this.firstFileIndex];
    if (!file) return false;
    const entry = this.pending;
    entry.commitLogOffset = commitLogOffset;
    entry.size = size;
    entry.tagsCode = tagsCode;
    file.writeWith((queueOffset % this.entriesPerFile) * CQ_ENTRY_BYTES, CQ_ENTRY_BYTES, this.fillEntry);
    this.maxOffsetValue = queueOffset + 1;
    this.dirty = true;
    return true;
  }

  private locate(queueOffset: number): { file: MappedFile; position: number } | undefined {
    const index = Math.floor(queueOffset / this.entriesPerFile) - this.firstFileIndex;
    const file = this.files[index];
    if (!file) return undefined;
    return { file, position: (queueOffset % this.entriesPerFile) * CQ_ENTRY_BYTES };
  }

  private rawEntry(queueOffset: number): CqEntry | undefined {
    const at = this.locate(queueOffset);
    if (!at) return undefined;
    const buf = at.file.read(at.position, CQ_ENTRY_BYTES);
    return { commitLogOffset: entryCommitLogOffset(buf, 0), size: entrySize(buf, 0), tagsCode: entryTagsCode(buf, 0) };
  }

  /** Finds the end of written entries: the last files may be partly or wholly empty after a crash. */
  private findEnd(): void {
    while (this.files.length > 0) {
      const lastIndex = this.files.length - 1;
      const file = this.files[lastIndex]!;
      const buf = file.read(0, this.fileBytes);
      let count = 0;
      while (count < this.entriesPerFile && !isEmptySlot(buf, count * CQ_ENTRY_BYTES)) count++;
      if (count > 0 || lastIndex === 0) {
        this.maxOffsetValue = (this.firstFileIndex + lastIndex) * this.entriesPerFile + count;
        if (count < this.entriesPerFile) file.discardFrom(count * CQ_ENTRY_BYTES);
        break;
      }
      // An empty trailing file (allocated, never written): drop it.
      this.files.pop();
      file.close();
      removeFile(file.path);
    }
    if (this.files.length === 0) this.maxOffsetValue = 0;
    this.maxPhysicalEndValue = this.lastPhysicalEnd();
  }

  private firstWrittenOffset(): number {
    let offset = this.firstFileIndex * this.entriesPerFile;
    while (offset < this.maxOffsetValue && this.rawEntry(offset)!.size === BLANK_ENTRY_SIZE) offset++;
    return this.files.length === 0 ? 0 : offset;
  }

  private lastPhysicalEnd(): number {
    for (let q = this.maxOffsetValue - 1; q >= this.firstFileIndex * this.entriesPerFile; q--) {
      const e = this.rawEntry(q);
      if (!e) break;
      if (e.size !== BLANK_ENTRY_SIZE) return e.commitLogOffset + e.size;
    }
    return 0;
  }
}
