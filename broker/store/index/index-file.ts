import * as path from 'node:path';
import { assert } from '../../../stdx';
import type { MappedFile } from '../io/mapped-file';
import {
  decodeEntry,
  decodeHeader,
  encodeEntry,
  encodeHeader,
  ENTRY_BYTES,
  entryPosition,
  HEADER_BYTES,
  SLOT_BYTES,
  slotPosition,
  timeDiffSeconds,
} from './layout';
import type { IndexEntry, IndexGeometry, IndexHeader } from './layout';

/** A key already reduced to what the file stores. */
export interface HashedKey {
  readonly keyHash: number;
  readonly slot: number;
}

/** What a chain walk collects and how far it may go. */
export interface SelectRequest {
  readonly keyHash: number;
  readonly slot: number;
  readonly beginMs: number;
  readonly endMs: number;
  /** Offsets still wanted; the walk stops once `into` grew by this many. */
  readonly maxCount: number;
}

export interface SelectOutcome {
  readonly found: number;
  /** True when the chain broke a structural rule (a forward or out-of-range link) and the walk stopped there. */
  readonly corrupt: boolean;
}

/**
 * One index file: a fixed-size hash table whose slots head chains of 20-byte entries, newest first.
 * Owns the in-memory copy of the header; the on-disk header is rewritten after every record so a
 * reopened file sees what was written. Not safe to use after `close()` (the MappedFile throws).
 */
export class IndexFile {
  private dirty = false;
  /** The entry and slot value being written; the fills below (bound once) read them. */
  private readonly entry: { -readonly [K in keyof IndexEntry]: IndexEntry[K] } = { keyHash: 0, commitLogOffset: 0, timeDiffSeconds: 0, prevIndex: 0 };
  private slotValue = 0;
  private readonly fillEntry = (target: Buffer, offset: number): void => encodeEntry(this.entry, target, offset);
  private readonly fillSlot = (target: Buffer, offset: number): void => void target.writeInt32BE(this.slotValue, offset);
  private readonly fillHeader = (target: Buffer, offset: number): void => encodeHeader(this.header, target, offset);

  private constructor(
    readonly name: string,
    private readonly file: MappedFile,
    private readonly geometry: IndexGeometry,
    private readonly header: IndexHeader,
  ) {}

  /** Wraps a freshly created, zero-filled file and writes its empty header. */
  static create(file: MappedFile, geometry: IndexGeometry, header: IndexHeader): IndexFile {
    const created = new IndexFile(path.basename(file.path), file, geometry, { ...header });
    created.writeHeader();
    return created;
  }

  /** Wraps an existing file; a string explains why its header cannot be trusted. */
  static load(file: MappedFile, geometry: IndexGeometry): IndexFile | string {
    const header = decodeHeader(file.read(0, HEADER_BYTES), geometry);
    if (typeof header === 'string') return header;
    return new IndexFile(path.basename(file.path), file, geometry, header);
  }

  get path(): string {
    return this.file.path;
  }

  get isEmpty(): boolean {
    return this.header.indexCount <= 1;
  }

  /** Entry numbers still free. */
  get room(): number {
    return this.geometry.entryCount - this.header.indexCount;
  }

  get entries(): number {
    return this.header.indexCount - 1;
  }

  get beginTimestamp(): number {
    return this.header.beginTimestamp;
  }

  get endTimestamp(): number {
    return this.header.endTimestamp;
  }

  get beginPhyOffset(): number {
    return this.header.beginPhyOffset;
  }

  get endPhyOffset(): number {
    return this.header.endPhyOffset;
  }

  get usedSlots(): number {
    return this.header.hashSlotCount;
  }

  /** True when [beginMs, endMs] overlaps the time span of the file's entries. */
  overlaps(beginMs: number, endMs: number): boolean {
    return !this.isEmpty && this.header.beginTimestamp <= endMs && this.header.endTimestamp >= beginMs;
  }

  /**
   * Appends one entry per key for the record at `commitLogOffset`, then rewrites the header once.
   * The caller has checked that `keys.length <= room`.
   */
  putRecord(keys: readonly HashedKey[], commitLogOffset: number, storeTimestamp: number): void {
    if (!(keys.length >= 1 && keys.length <= this.room)) assert(false, `index file ${this.name} cannot take ${keys.length} keys (room ${this.room})`);
    const h = this.header;
    if (this.isEmpty) {
      h.beginTimestamp = storeTimestamp;
      h.beginPhyOffset = commitLogOffset;
    }
    if (commitLogOffset < h.endPhyOffset) assert(false, `index entries must grow: ${commitLogOffset} after ${h.endPhyOffset}`);
    const timeDiff = timeDiffSeconds(h.beginTimestamp, storeTimestamp);
    for (const key of keys) this.putKey(key, commitLogOffset, timeDiff);
    h.endPhyOffset = commitLogOffset;
    // A clock step backwards must not shrink the span: queries pick files by it.
    h.endTimestamp = Math.max(h.endTimestamp, storeTimestamp);
    this.writeHeader();
  }

  private putKey(key: HashedKey, commitLogOffset: number, timeDiff: number): void {
    const h = this.header;
    const entryNumber = h.indexCount;
    const slotAt = slotPosition(key.slot);
    const head = this.file.read(slotAt, SLOT_BYTES).readInt32BE(0);
    // A slot pointing at or past the entry being written is stale (a torn write): start a new chain.
    const validHead = head >= 1 && head < entryNumber;
    const prevIndex = validHead ? head : 0;
    const entry = this.entry;
    entry.keyHash = key.keyHash;
    entry.commitLogOffset = commitLogOffset;
    entry.timeDiffSeconds = timeDiff;
    entry.prevIndex = prevIndex;
    this.file.writeWith(entryPosition(this.geometry, entryNumber), ENTRY_BYTES, this.fillEntry);
    this.slotValue = entryNumber;
    this.file.writeWith(slotAt, SLOT_BYTES, this.fillSlot);
    if (!validHead) h.hashSlotCount = Math.min(h.hashSlotCount + 1, this.geometry.slotCount);
    h.indexCount = entryNumber + 1;
    this.dirty = true;
  }

  /**
   * Walks the chain of `request.slot`, pushing into `into` the commit-log offsets of entries with
   * the same key hash whose time (beginTimestamp + timeDiff seconds) lies in [beginMs, endMs].
   * Every link must point to a smaller entry number, so the walk ends after at most `entries` steps
   * even on a corrupted file.
   */
  select(request: SelectRequest, into: number[]): SelectOutcome {
    const indexCount = this.header.indexCount;
    let entryNumber = this.file.read(slotPosition(request.slot), SLOT_BYTES).readInt32BE(0);
    if (entryNumber === 0) return { found: 0, corrupt: false };
    if (entryNumber < 0 || entryNumber >= indexCount) return { found: 0, corrupt: true };
    let found = 0;
    for (let steps = 0; steps < indexCount && found < request.maxCount; steps++) {
      const entry = decodeEntry(this.file.read(entryPosition(this.geometry, entryNumber), ENTRY_BYTES), 0);
      if (entry.keyHash === request.keyHash && entry.timeDiffSeconds >= 0 && !Number.isNaN(entry.commitLogOffset)) {
        const entryMs = this.header.beginTimestamp + entry.timeDiffSeconds * 1000;
        if (entryMs >= request.beginMs && entryMs <= request.endMs) {
          into.push(entry.commitLogOffset);
          found++;
        }
      }
      const prev = entry.prevIndex;
      if (prev === 0) return { found, corrupt: false };
      if (prev < 0 || prev >= entryNumber) return { found, corrupt: true };
      entryNumber = prev;
    }
    return { found, corrupt: false };
  }

  flush(): Promise<void> {
    if (!this.dirty) return Promise.resolve();
    this.dirty = false;
    return this.file.flush().catch((e: unknown) => {
      this.dirty = true;
      throw e;
    });
  }

  flushSync(): void {
    if (!this.dirty) return;
    this.file.flushSync();
    this.dirty = false;
  }

  close(): void {
    this.file.close();
  }

  private writeHeader(): void {
    this.file.writeWith(0, HEADER_BYTES, this.fillHeader);
    this.dirty = true;
  }
}
