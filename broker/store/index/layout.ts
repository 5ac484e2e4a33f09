import { DataViewCache, assert } from '../../../stdx';
import { javaStringHashCode } from '../../../message';

/**
 * Byte layout of one index file (docs/formats-index.md), RocketMQ's IndexFile:
 *
 *   header (40) | hash slots (slotCount x 4) | entries (entryCount x 20)
 *
 * All integers are big-endian. Entry number 0 is never written, so 0 can mean "no entry" both in a
 * slot and in an entry's prevIndex; the header's indexCount is the next entry number to write and
 * starts at 1.
 */
export const HEADER_BYTES = 40;
export const SLOT_BYTES = 4;
export const ENTRY_BYTES = 20;

/** Header field positions. */
const BEGIN_TIMESTAMP_AT = 0;
const END_TIMESTAMP_AT = 8;
const BEGIN_PHY_OFFSET_AT = 16;
const END_PHY_OFFSET_AT = 24;
/** Number of slots in use (not the configured slot count): RocketMQ counts a slot when it first fills. */
const HASH_SLOT_COUNT_AT = 32;
const INDEX_COUNT_AT = 36;

/** Entry field positions, relative to the entry. */
const ENTRY_KEY_HASH_AT = 0;
const ENTRY_PHY_OFFSET_AT = 4;
const ENTRY_TIME_DIFF_AT = 12;
const ENTRY_PREV_INDEX_AT = 16;

export const INT32_MAX = 0x7fff_ffff;
/** Entry numbers and counts are Java ints. */
export const MAX_INDEX_COUNT_LIMIT = INT32_MAX;
export const MAX_HASH_SLOTS_LIMIT = INT32_MAX;
/** Largest index file we agree to allocate (RocketMQ's default file is ~420 MB). */
export const MAX_INDEX_FILE_BYTES = 4 * 1024 * 1024 * 1024;

const TWO_POW_32 = 0x1_0000_0000;

export interface IndexGeometry {
  readonly slotCount: number;
  /** Size of the entry area in entries; entry numbers 1 .. entryCount - 1 are usable. */
  readonly entryCount: number;
}

export interface IndexHeader {
  beginTimestamp: number;
  endTimestamp: number;
  beginPhyOffset: number;
  endPhyOffset: number;
  /** Slots that hold a chain. */
  hashSlotCount: number;
  /** Next entry number to write; 1 when the file holds nothing. */
  indexCount: number;
}

export function fileSizeBytes(geometry: IndexGeometry): number {
  return HEADER_BYTES + geometry.slotCount * SLOT_BYTES + geometry.entryCount * ENTRY_BYTES;
}

export function assertGeometry(geometry: IndexGeometry): void {
  const { slotCount, entryCount } = geometry;
  assert(Number.isInteger(slotCount) && slotCount >= 1 && slotCount <= MAX_HASH_SLOTS_LIMIT, `maxHashSlots must be an integer in [1, ${MAX_HASH_SLOTS_LIMIT}], got ${slotCount}`);
  // Entry 0 is never used, so a file needs room for at least two to hold anything.
  assert(Number.isInteger(entryCount) && entryCount >= 2 && entryCount <= MAX_INDEX_COUNT_LIMIT, `maxIndexCount must be an integer in [2, ${MAX_INDEX_COUNT_LIMIT}], got ${entryCount}`);
  assert(fileSizeBytes(geometry) <= MAX_INDEX_FILE_BYTES, `an index file of ${fileSizeBytes(geometry)} bytes exceeds ${MAX_INDEX_FILE_BYTES}`);
}

export function slotPosition(slot: number): number {
  return HEADER_BYTES + slot * SLOT_BYTES;
}

export function entryPosition(geometry: IndexGeometry, entryNumber: number): number {
  return HEADER_BYTES + geometry.slotCount * SLOT_BYTES + entryNumber * ENTRY_BYTES;
}

/** The index key RocketMQ hashes: the topic scopes every key. */
export function indexKey(topic: string, key: string): string {
  return `${topic}#${key}`;
}

/** abs(String.hashCode) as RocketMQ computes it; Java's abs(MIN_VALUE) stays negative, which maps to 0. */
export function indexKeyHash(key: string): number {
  return absJavaHash(javaStringHashCode(key));
}

function absJavaHash(hash: number): number {
  return hash === -0x8000_0000 ? 0 : Math.abs(hash);
}

/**
 * Java hash of `${topic}#`, from which `indexKeyHashAfter` continues: String.hashCode is a left
 * fold over the characters, so the index key hash needs no concatenated string per key.
 */
export function indexKeyPrefixHash(topic: string): number {
  return (Math.imul(javaStringHashCode(topic), 31) + 0x23) | 0; // '#'
}

/** `indexKeyHash(indexKey(topic, key))` given `indexKeyPrefixHash(topic)`. */
export function indexKeyHashAfter(prefixHash: number, key: string): number {
  let h = prefixHash;
  for (let i = 0; i < key.length; i++) h = (Math.imul(h, 31) + key.charCodeAt(i)) | 0;
  return absJavaHash(h);
}

/** Whole seconds from the file's first entry, clamped to a Java int as RocketMQ does. */
export function timeDiffSeconds(beginTimestamp: number, storeTimestamp: number): number {
  const seconds = Math.floor((storeTimestamp - beginTimestamp) / 1000);
  return Math.min(Math.max(seconds, 0), INT32_MAX);
}

export function emptyHeader(): IndexHeader {
  return { beginTimestamp: 0, endTimestamp: 0, beginPhyOffset: 0, endPhyOffset: 0, hashSlotCount: 0, indexCount: 1 };
}

export function encodeHeader(header: IndexHeader, target: Buffer, offset: number): void {
  const view = views.of(target);
  if (offset < 0 || offset + HEADER_BYTES > target.length) assert(false, `index header does not fit at ${offset}`);
  setLong(view, offset + BEGIN_TIMESTAMP_AT, header.beginTimestamp);
  setLong(view, offset + END_TIMESTAMP_AT, header.endTimestamp);
  setLong(view, offset + BEGIN_PHY_OFFSET_AT, header.beginPhyOffset);
  setLong(view, offset + END_PHY_OFFSET_AT, header.endPhyOffset);
  view.setInt32(offset + HASH_SLOT_COUNT_AT, header.hashSlotCount);
  view.setInt32(offset + INDEX_COUNT_AT, header.indexCount);
}

/** Decodes and validates a header; a string says what is wrong with it. */
export function decodeHeader(buf: Buffer, geometry: IndexGeometry): IndexHeader | string {
  if (buf.length < HEADER_BYTES) return `header is ${buf.length} bytes, expected ${HEADER_BYTES}`;
  const header: IndexHeader = {
    beginTimestamp: readLong(buf, BEGIN_TIMESTAMP_AT),
    endTimestamp: readLong(buf, END_TIMESTAMP_AT),
    beginPhyOffset: readLong(buf, BEGIN_PHY_OFFSET_AT),
    endPhyOffset: readLong(buf, END_PHY_OFFSET_AT),
    hashSlotCount: buf.readInt32BE(HASH_SLOT_COUNT_AT),
    indexCount: buf.readInt32BE(INDEX_COUNT_AT),
  };
  const problem = headerProblem(header, geometry);
  return problem ?? header;
}

function headerProblem(h: IndexHeader, geometry: IndexGeometry): string | undefined {
  if (h.indexCount < 1 || h.indexCount > geometry.entryCount) return `indexCount ${h.indexCount} outside [1, ${geometry.entryCount}]`;
  const entries = h.indexCount - 1;
  if (h.hashSlotCount < 0 || h.hashSlotCount > Math.min(entries, geometry.slotCount)) {
    return `hashSlotCount ${h.hashSlotCount} outside [0, ${Math.min(entries, geometry.slotCount)}] for ${entries} entries`;
  }
  for (const field of ['beginTimestamp', 'endTimestamp', 'beginPhyOffset', 'endPhyOffset'] as const) {
    if (Number.isNaN(h[field])) return `${field} is negative or beyond 2^53`;
  }
  if (entries === 0) return undefined;
  if (h.endPhyOffset < h.beginPhyOffset) return `endPhyOffset ${h.endPhyOffset} is below beginPhyOffset ${h.beginPhyOffset}`;
  if (h.endTimestamp < h.beginTimestamp) return `endTimestamp ${h.endTimestamp} is below beginTimestamp ${h.beginTimestamp}`;
  return undefined;
}

export interface IndexEntry {
  readonly keyHash: number;
  readonly commitLogOffset: number;
  readonly timeDiffSeconds: number;
  readonly prevIndex: number;
}

export function encodeEntry(entry: IndexEntry, target: Buffer, offset: number): void {
  const view = views.of(target);
  if (offset < 0 || offset + ENTRY_BYTES > target.length) assert(false, `index entry does not fit at ${offset}`);
  // DataView stores wrap where Buffer's writers threw: out-of-range fields stay bugs.
  if ((entry.keyHash | 0) !== entry.keyHash || (entry.timeDiffSeconds | 0) !== entry.timeDiffSeconds || (entry.prevIndex | 0) !== entry.prevIndex) {
    assert(false, `index entry fields must be int32: ${entry.keyHash}, ${entry.timeDiffSeconds}, ${entry.prevIndex}`);
  }
  view.setInt32(offset + ENTRY_KEY_HASH_AT, entry.keyHash);
  setLong(view, offset + ENTRY_PHY_OFFSET_AT, entry.commitLogOffset);
  view.setInt32(offset + ENTRY_TIME_DIFF_AT, entry.timeDiffSeconds);
  view.setInt32(offset + ENTRY_PREV_INDEX_AT, entry.prevIndex);
}

// An index put writes a header and an entry per key into one mapping: its DataView is kept.
const views = new DataViewCache();

function setLong(view: DataView, offset: number, value: number): void {
  if (!(Number.isSafeInteger(value) && value >= 0)) assert(false, `cannot store ${value} as an index long`);
  const high = Math.floor(value / TWO_POW_32);
  view.setUint32(offset, high);
  view.setUint32(offset + 4, value - high * TWO_POW_32);
}

/** Raw decode: fields are signed as Java stores them; an unrepresentable offset decodes as NaN. */
export function decodeEntry(buf: Buffer, offset: number): IndexEntry {
  return {
    keyHash: buf.readInt32BE(offset + ENTRY_KEY_HASH_AT),
    commitLogOffset: readLong(buf, offset + ENTRY_PHY_OFFSET_AT),
    timeDiffSeconds: buf.readInt32BE(offset + ENTRY_TIME_DIFF_AT),
    prevIndex: buf.readInt32BE(offset + ENTRY_PREV_INDEX_AT),
  };
}

/** Writes a non-negative safe integer as a big-endian Java long without going through BigInt. */
export function writeLong(target: Buffer, offset: number, value: number): void {
  if (!(Number.isSafeInteger(value) && value >= 0)) assert(false, `cannot store ${value} as an index long`);
  target.writeUInt32BE(Math.floor(value / TWO_POW_32), offset);
  target.writeUInt32BE(value % TWO_POW_32, offset + 4);
}

/** Reads a big-endian Java long; NaN when it is negative or beyond Number.MAX_SAFE_INTEGER. */
export function readLong(buf: Buffer, offset: number): number {
  const high = buf.readUInt32BE(offset);
  if (high >= 0x20_0000) return Number.NaN;
  return high * TWO_POW_32 + buf.readUInt32BE(offset + 4);
}
