/**
 * Record validation for recovery, dispatch and reads: is there a whole, intact record (or an
 * end-of-segment marker) at this position? Runs on every record, so it allocates nothing but its
 * result (and, with zlib's CRC, one subarray view per CRC it computes).
 */
import { assert } from '../stdx';
import { zlibCrc32 } from './crc';
import type { Crc32 } from './crc';
import * as record from './record';
import { readInt64BE } from './int64';

// Read once at load: under swc's CommonJS (jest, bench) each use of an imported name is a getter
// on record.ts's exports, which V8 stops inlining once that object goes to dictionary mode, and
// checkRecord runs for every record dispatched or recovered.
const { BLANK_MARKER_BYTES, MIN_RECORD_BYTES, MessageMagic, RECORD_CRC_BYTES, RecordPos, bodyLengthPos, hasRecordCrcItem, readRecordCrcItem, recordLength } = record;

export type RecordCheck =
  | { readonly kind: 'record'; readonly size: number }
  | { readonly kind: 'blank'; readonly size: number }
  | { readonly kind: 'incomplete'; readonly needBytes: number }
  | { readonly kind: 'invalid'; readonly reason: string };

export interface CheckOptions {
  /** Recompute the body CRC (costs a pass over the body). */
  readonly checkBodyCrc: boolean;
  /** Reject records without the record-CRC item (a present item is always verified). */
  readonly requireRecordCrc: boolean;
  /** When given, PHYSICALOFFSET must equal it (catches records copied to the wrong place). */
  readonly expectedCommitLogOffset?: number;
  /**
   * Verify a present record-CRC item (default true). Only for bytes this process encoded itself
   * moments ago (the store's dispatch of its own appends): everything read back from disk or
   * received from elsewhere keeps the check.
   */
  readonly verifyRecordCrc?: boolean;
  /** The CRC-32 implementation; zlib's by default. */
  readonly crc32?: Crc32;
}

function invalid(reason: string): RecordCheck {
  return { kind: 'invalid', reason };
}

function incomplete(needBytes: number): RecordCheck {
  return { kind: 'incomplete', needBytes };
}

function hex32(value: number): string {
  return `0x${(value >>> 0).toString(16).padStart(8, '0')}`;
}

/**
 * Checks the bytes `buf[offset, offset + available)` (the caller's window) for a record.
 *
 * - 'record' / 'blank': `size` bytes from `offset` form an intact record / an end-of-segment
 *   marker. A blank's size is the rest of its segment and is not bounded by the window: the
 *   caller checks it ends exactly at the segment end.
 * - 'incomplete': every length field inside the window agrees with TOTALSIZE, but the window
 *   stops before the record does. `needBytes` is how many bytes from `offset` the caller must
 *   supply (the whole record, or 8 while even TOTALSIZE and MAGIC are not visible). At the end
 *   of written data this is a torn write; inside a segment, read a larger window and retry.
 * - 'invalid': the bytes cannot be a record: TOTALSIZE not positive (never-written, zero-filled
 *   space looks like this) or below the 91-byte minimum, an unknown magic, length fields that
 *   disagree with TOTALSIZE, a wrong PHYSICALOFFSET, or a CRC mismatch.
 *
 * Length fields are checked against TOTALSIZE as soon as they are visible, so a corrupted
 * TOTALSIZE is reported as 'invalid' rather than sending the caller after bytes that never
 * belonged to this record.
 */
export function checkRecord(buf: Buffer, offset: number, available: number, options: CheckOptions): RecordCheck {
  if (offset < 0 || available < 0 || offset + available > buf.length) assert(false, `window [${offset}, +${available}) outside ${buf.length} bytes`);
  if (available < 4) return incomplete(BLANK_MARKER_BYTES);
  const size = buf.readInt32BE(offset);
  if (size <= 0) return invalid(`TOTALSIZE ${size} is not positive`);
  if (available < 8) return incomplete(Math.max(size, BLANK_MARKER_BYTES));
  const magic = buf.readInt32BE(offset + RecordPos.MAGIC);
  if (magic === MessageMagic.BLANK) {
    return size >= BLANK_MARKER_BYTES ? { kind: 'blank', size } : invalid(`blank marker with TOTALSIZE ${size}`);
  }
  if (magic !== MessageMagic.V1 && magic !== MessageMagic.V2) return invalid(`unknown magic ${hex32(magic)}`);
  if (size < MIN_RECORD_BYTES) return invalid(`TOTALSIZE ${size} is below the ${MIN_RECORD_BYTES}-byte minimum`);
  return checkFields(buf, offset, available, size, magic, options);
}

/** Walks the length fields of a V1/V2 record whose TOTALSIZE (`size`) is plausible. */
function checkFields(buf: Buffer, offset: number, available: number, size: number, magic: number, options: CheckOptions): RecordCheck {
  const visible = Math.min(size, available);
  if (visible < RecordPos.BORN_TIMESTAMP) return incomplete(size);
  const expected = options.expectedCommitLogOffset;
  if (expected !== undefined) {
    const physical = readInt64BE(buf, offset + RecordPos.PHYSICAL_OFFSET);
    if (physical !== expected) return invalid(`PHYSICALOFFSET ${physical} where ${expected} was expected`);
  }
  const sysFlag = buf.readInt32BE(offset + RecordPos.SYS_FLAG);
  const bodyLenPos = bodyLengthPos(sysFlag);
  if (bodyLenPos + 4 > size) return invalid(`header for sysFlag ${hex32(sysFlag)} overruns TOTALSIZE ${size}`);
  if (bodyLenPos + 4 > visible) return incomplete(size);
  const bodyLen = buf.readInt32BE(offset + bodyLenPos);
  if (bodyLen < 0) return invalid(`negative body length ${bodyLen}`);
  const topicLenPos = bodyLenPos + 4 + bodyLen;
  const topicLenBytes = magic === MessageMagic.V2 ? 2 : 1;
  if (topicLenPos + topicLenBytes > size) return invalid(`body length ${bodyLen} overruns TOTALSIZE ${size}`);
  if (topicLenPos + topicLenBytes > visible) return incomplete(size);
  const topicLen = topicLenBytes === 2 ? buf.readInt16BE(offset + topicLenPos) : buf.readInt8(offset + topicLenPos);
  if (topicLen <= 0) return invalid(`topic length ${topicLen} is not positive`);
  const propsLenPos = topicLenPos + topicLenBytes + topicLen;
  if (propsLenPos + 2 > size) return invalid(`topic length ${topicLen} overruns TOTALSIZE ${size}`);
  if (propsLenPos + 2 > visible) return incomplete(size);
  const propsLen = buf.readInt16BE(offset + propsLenPos);
  if (propsLen < 0) return invalid(`negative properties length ${propsLen}`);
  const computed = recordLength(sysFlag, bodyLen, topicLen, propsLen, magic);
  if (computed !== size) return invalid(`TOTALSIZE ${size} but the fields add up to ${computed}`);
  if (available < size) return incomplete(size);

  const crc32 = options.crc32 ?? zlibCrc32;
  if (options.checkBodyCrc) {
    const crc = crc32(buf, offset + bodyLenPos + 4, bodyLen) & 0x7fffffff;
    const stored = buf.readInt32BE(offset + RecordPos.BODY_CRC);
    if (crc !== stored) return invalid(`body CRC ${stored} but the body hashes to ${crc}`);
  }
  const end = offset + size;
  if (hasRecordCrcItem(buf, offset + propsLenPos + 2, end)) {
    if (options.verifyRecordCrc === false) return { kind: 'record', size };
    const stored = readRecordCrcItem(buf, end);
    if (stored < 0) return invalid('record CRC item holds a non-digit');
    const crc = crc32(buf, offset, size - RECORD_CRC_BYTES) & 0x7fffffff;
    if (crc !== stored) return invalid(`record CRC ${stored} but the record hashes to ${crc}`);
  } else if (options.requireRecordCrc) {
    return invalid('record CRC item missing');
  }
  return { kind: 'record', size };
}
