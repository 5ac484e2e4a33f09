/**
 * The commit-log record (FACTS 1.1): constants, the length formula and the encoder. The same bytes
 * are the pull-response body, so the store, the protocol and the client SDK all share this file.
 * Validation lives in record-check.ts, decoding in record-read.ts.
 *
 * Layout (big-endian; born/store hosts are 8 bytes for IPv4, 20 for IPv6):
 *   TOTALSIZE 4 | MAGIC 4 | BODYCRC 4 | QUEUEID 4 | FLAG 4 | QUEUEOFFSET 8 | PHYSICALOFFSET 8 |
 *   SYSFLAG 4 | BORNTIMESTAMP 8 | BORNHOST 8/20 | STORETIMESTAMP 8 | STOREHOST 8/20 |
 *   RECONSUMETIMES 4 | PREPAREDTXOFFSET 8 | BODYLEN 4 + BODY | TOPICLEN 1 (v1) or 2 (v2) + TOPIC |
 *   PROPSLEN 2 + PROPERTIES
 *
 * Record CRC item — facts checked in apache/rocketmq at 8fc57f1468 (5.3.3+): `CommitLog`,
 * `MessageExtEncoder`, `MessageDecoder.createCrc32`, `UtilAll.crc32`.
 * - With `enabledAppendPropCRC` the encoder reserves `CRC32_RESERVED_LEN` = 20 bytes at the very
 *   end of the properties section (the properties length short includes them): `__CRC32#`, 0x01,
 *   10 ASCII digits, 0x02. When the properties are non-empty and do not already end with 0x02, a
 *   0x02 is inserted before the item so it parses as its own property.
 * - The CRC covers the whole record from TOTALSIZE up to (excluding) those 20 bytes, computed after
 *   QUEUEOFFSET, PHYSICALOFFSET and STORETIMESTAMP are filled in; it is `java.util.zip.CRC32`
 *   masked with 0x7FFFFFFF (the same masking as the body CRC), so it is never negative.
 * - Digits are written least-significant first, padded with '0' to 10 digits.
 * - On recovery with `forceVerifyPropCRC` the broker finds the item through the parsed property
 *   map, reads the digits in reverse, and rejects the record when the item is missing or the CRC
 *   differs (in that mode it skips the body CRC). Clients never check it.
 */
import { DataViewCache, assert } from '../stdx';
import { zlibCrc32 } from './crc';
import type { Crc32 } from './crc';
import type { HostAddress } from './host';

export const MessageMagic = {
  /** 0xDAA320A7: 1-byte topic length. */
  V1: -626843481,
  /** 0xDAA320AB: 2-byte topic length; only for topics over 127 bytes, unreadable by 4.x clients. */
  V2: -626843477,
  /** 0xCBD43194: end-of-segment filler. */
  BLANK: -875286124,
} as const;
export type MessageMagic = (typeof MessageMagic)[keyof typeof MessageMagic];

export const SysFlag = {
  COMPRESSED: 0x1,
  MULTI_TAGS: 0x2,
  TRANSACTION_NOT_TYPE: 0x0,
  TRANSACTION_PREPARED: 0x4,
  TRANSACTION_COMMIT: 0x8,
  TRANSACTION_ROLLBACK: 0xc,
  TRANSACTION_MASK: 0xc,
  BORNHOST_V6: 0x10,
  STOREHOST_V6: 0x20,
  NEED_UNWRAP: 0x40,
  INNER_BATCH: 0x80,
  COMPRESSION_TYPE_MASK: 0x700,
} as const;

/** An end-of-segment marker is TOTALSIZE (the bytes left in the segment) + BLANK magic. */
export const BLANK_MARKER_BYTES = 8;
/** Size of the reserved record-CRC property item: `__CRC32#` 0x01 10 digits 0x02. */
export const RECORD_CRC_BYTES = 20;
/** The properties length is a signed short. */
export const MAX_PROPERTIES_BYTES = 32767;
/** Topic lengths: v1 stores a signed byte, v2 a signed short. */
export const MAX_V1_TOPIC_BYTES = 127;
export const MAX_V2_TOPIC_BYTES = 32767;

/** Fixed field positions, valid for every record (they precede the first host). */
export const RecordPos = {
  TOTAL_SIZE: 0,
  MAGIC: 4,
  BODY_CRC: 8,
  QUEUE_ID: 12,
  FLAG: 16,
  QUEUE_OFFSET: 20,
  PHYSICAL_OFFSET: 28,
  SYS_FLAG: 36,
  BORN_TIMESTAMP: 40,
  BORN_HOST: 48,
} as const;

const IPV4_HOST_BYTES = 8;
const IPV6_HOST_BYTES = 20;
/** Everything except the two hosts, body, topic (with its length field) and properties. */
const FIXED_BYTES = 4 + 4 + 4 + 4 + 4 + 8 + 8 + 4 + 8 + 8 + 4 + 8 + 4 + 2;
/** The smallest possible record: v1, IPv4 hosts, everything empty (91 bytes). */
export const MIN_RECORD_BYTES = FIXED_BYTES + 2 * IPV4_HOST_BYTES + 1;

const RECORD_CRC_KEY = Buffer.from('__CRC32#', 'latin1');
const NAME_VALUE_BYTE = 0x01;
const PROPERTY_BYTE = 0x02;
const ASCII_ZERO = 0x30;

export function bornHostBytesOf(sysFlag: number): number {
  return (sysFlag & SysFlag.BORNHOST_V6) === 0 ? IPV4_HOST_BYTES : IPV6_HOST_BYTES;
}

export function storeHostBytesOf(sysFlag: number): number {
  return (sysFlag & SysFlag.STOREHOST_V6) === 0 ? IPV4_HOST_BYTES : IPV6_HOST_BYTES;
}

/** Position of BODYLEN; every variable-length field follows it. */
export function bodyLengthPos(sysFlag: number): number {
  return RecordPos.BORN_HOST + bornHostBytesOf(sysFlag) + 8 + storeHostBytesOf(sysFlag) + 4 + 8;
}

/** Position of STORETIMESTAMP (after the born host). */
export function storeTimestampPos(sysFlag: number): number {
  return RecordPos.BORN_HOST + bornHostBytesOf(sysFlag);
}

/**
 * RocketMQ's length formula (`calMsgLength`): the TOTALSIZE of a record with these field sizes.
 * `propertiesBytes` is the whole stored properties section, record-CRC item included.
 */
export function recordLength(sysFlag: number, bodyBytes: number, topicBytes: number, propertiesBytes: number, magic: number): number {
  const topicLengthBytes = magic === MessageMagic.V2 ? 2 : 1;
  return FIXED_BYTES + bornHostBytesOf(sysFlag) + storeHostBytesOf(sysFlag) + bodyBytes + topicLengthBytes + topicBytes + propertiesBytes;
}

/** v1 for topics up to 127 bytes (what 4.x clients can read), v2 beyond. */
export function magicForTopic(topicBytes: Uint8Array): typeof MessageMagic.V1 | typeof MessageMagic.V2 {
  return topicBytes.length <= MAX_V1_TOPIC_BYTES ? MessageMagic.V1 : MessageMagic.V2;
}

/**
 * The stored properties section for `properties` (without a record-CRC item): with `recordCrc`
 * it grows by the 20-byte item plus one 0x02 when the text does not already end with one.
 * Check it against MAX_PROPERTIES_BYTES before encoding (PROPERTIES_SIZE_EXCEEDED). For text,
 * `utf8Bytes` may pass its UTF-8 length when the caller already knows it.
 */
export function storedPropertiesLength(properties: Uint8Array | string, recordCrc: boolean, utf8Bytes?: number): number {
  const bytes = typeof properties === 'string' ? (utf8Bytes ?? Buffer.byteLength(properties, 'utf8')) : properties.length;
  if (!recordCrc) return bytes;
  return bytes + (endsWithoutSeparator(properties) ? 1 : 0) + RECORD_CRC_BYTES;
}

/** Non-empty properties whose last byte is not 0x02 (the record-CRC item then needs one first). */
function endsWithoutSeparator(properties: Uint8Array | string): boolean {
  if (typeof properties === 'string') return properties.length > 0 && properties.charCodeAt(properties.length - 1) !== PROPERTY_BYTE;
  return properties.length > 0 && properties[properties.length - 1] !== PROPERTY_BYTE;
}

export interface RecordFields {
  readonly queueId: number;
  readonly flag: number;
  readonly queueOffset: number;
  readonly commitLogOffset: number;
  /** The v6 host bits are recomputed from the host addresses by the encoder. */
  readonly sysFlag: number;
  readonly bornTimestamp: number;
  readonly bornHost: HostAddress;
  readonly storeTimestamp: number;
  readonly storeHost: HostAddress;
  readonly reconsumeTimes: number;
  readonly preparedTransactionOffset: number;
  readonly body: Uint8Array;
  /** UTF-8 bytes. */
  readonly topic: Buffer;
  /**
   * The encoded properties, without the record-CRC item (strip `__CRC32#` first): UTF-8 bytes, or
   * the text itself, which is then written straight into the target (no intermediate Buffer).
   */
  readonly properties: Buffer | string;
  /**
   * `Buffer.byteLength(properties)` when `properties` is text and the caller has measured it
   * already (sizing the append), so the encoder need not measure it again. Must be exact.
   */
  readonly propertiesBytes?: number;
}

export interface EncodeOptions {
  /** Append RocketMQ 5's record-CRC property item (`enabledAppendPropCRC`). */
  readonly recordCrc: boolean;
  /** The CRC-32 to use for the body and record CRCs; zlib's by default. */
  readonly crc32?: Crc32;
}

/** `sysFlag` with the v6 bits set exactly from the host address lengths. */
export function effectiveSysFlag(f: Pick<RecordFields, 'sysFlag' | 'bornHost' | 'storeHost'>): number {
  const v6Bits = (f.bornHost.address.length === 16 ? SysFlag.BORNHOST_V6 : 0) | (f.storeHost.address.length === 16 ? SysFlag.STOREHOST_V6 : 0);
  return (f.sysFlag & ~(SysFlag.BORNHOST_V6 | SysFlag.STOREHOST_V6)) | v6Bits;
}

/** The exact number of bytes `encodeRecord` will write for `f`. */
export function encodedRecordLength(f: RecordFields, options: EncodeOptions): number {
  const properties = storedPropertiesLength(f.properties, options.recordCrc, f.propertiesBytes);
  return recordLength(effectiveSysFlag(f), f.body.length, f.topic.length, properties, magicForTopic(f.topic));
}

// Hot path: assertion messages are built only on failure (`if (!c) assert(false, ...)`).
function assertFields(f: RecordFields): void {
  if (f.bornHost.address.length !== 4 && f.bornHost.address.length !== 16) assert(false, 'born host must be 4 or 16 bytes');
  if (f.storeHost.address.length !== 4 && f.storeHost.address.length !== 16) assert(false, 'store host must be 4 or 16 bytes');
  if (f.topic.length === 0 || f.topic.length > MAX_V2_TOPIC_BYTES) assert(false, `topic of ${f.topic.length} bytes`);
  if (!Number.isSafeInteger(f.commitLogOffset) || f.commitLogOffset < 0) assert(false, `invalid commitLogOffset ${f.commitLogOffset}`);
  if (!Number.isSafeInteger(f.queueOffset) || f.queueOffset < 0) assert(false, `invalid queueOffset ${f.queueOffset}`);
  // DataView stores wrap silently where Buffer's writers threw: out-of-range values stay bugs.
  if ((f.queueId | 0) !== f.queueId || (f.flag | 0) !== f.flag || (f.reconsumeTimes | 0) !== f.reconsumeTimes) {
    assert(false, `queueId ${f.queueId}, flag ${f.flag} and reconsumeTimes ${f.reconsumeTimes} must be int32`);
  }
  if (!Number.isSafeInteger(f.bornTimestamp) || !Number.isSafeInteger(f.storeTimestamp) || !Number.isSafeInteger(f.preparedTransactionOffset)) {
    assert(false, `timestamps and preparedTransactionOffset must be safe integers`);
  }
  if ((f.bornHost.port | 0) !== f.bornHost.port || (f.storeHost.port | 0) !== f.storeHost.port) assert(false, 'host ports must be int32');
}

// Appends write into one mapping for a long time: its DataView is kept (see DataViewCache).
const views = new DataViewCache();

const TWO_POW_32 = 0x1_0000_0000;

function setInt64(view: DataView, pos: number, value: number): void {
  const high = Math.floor(value / TWO_POW_32);
  view.setInt32(pos, high);
  view.setUint32(pos + 4, value - high * TWO_POW_32);
}

/** Address bytes, then the port as int32; returns the position after them. */
function putHost(target: Buffer, view: DataView, pos: number, host: HostAddress): number {
  const address = host.address;
  // A loop beats TypedArray.set for 4 or 16 bytes.
  for (let i = 0; i < address.length; i++) target[pos + i] = address[i]!;
  view.setInt32(pos + address.length, host.port);
  return pos + address.length + 4;
}

/** Writes the 20-byte record-CRC item at `pos`: key, 0x01, digits least significant first, 0x02. */
function writeRecordCrcItem(target: Buffer, pos: number, crc: number): void {
  // Byte loops: Buffer#copy costs more than it moves for 8 bytes. `crc` is a non-negative int32.
  let p = pos;
  for (let i = 0; i < RECORD_CRC_KEY.length; i++) target[p++] = RECORD_CRC_KEY[i]!;
  target[p++] = NAME_VALUE_BYTE;
  let rest = crc;
  for (let i = 0; i < 10; i++) {
    const next = (rest / 10) | 0;
    target[p++] = ASCII_ZERO + (rest - next * 10);
    rest = next;
  }
  target[p] = PROPERTY_BYTE;
}

/**
 * Writes the whole record for `f` at `target[offset]` and returns its length. The body CRC is
 * computed here; the magic follows the topic length; the v6 sysFlag bits follow the hosts. The
 * caller must have room for `encodedRecordLength(f, options)` bytes.
 */
export function encodeRecord(target: Buffer, offset: number, f: RecordFields, options: EncodeOptions): number {
  assertFields(f);
  const crc32 = options.crc32 ?? zlibCrc32;
  const sysFlag = effectiveSysFlag(f);
  const magic = magicForTopic(f.topic);
  const properties = f.properties;
  const isText = typeof properties === 'string';
  const rawPropertiesBytes = isText ? (f.propertiesBytes ?? Buffer.byteLength(properties, 'utf8')) : properties.length;
  const propertiesBytes = storedPropertiesLength(properties, options.recordCrc, rawPropertiesBytes);
  if (propertiesBytes > MAX_PROPERTIES_BYTES) assert(false, `properties of ${propertiesBytes} bytes exceed ${MAX_PROPERTIES_BYTES}`);
  const body = f.body;
  const total = recordLength(sysFlag, body.length, f.topic.length, propertiesBytes, magic);
  if (offset < 0 || offset + total > target.length) assert(false, `record of ${total} bytes does not fit at ${offset} in ${target.length}`);

  const view = views.of(target);
  view.setInt32(offset, total);
  view.setInt32(offset + RecordPos.MAGIC, magic);
  view.setInt32(offset + RecordPos.QUEUE_ID, f.queueId);
  view.setInt32(offset + RecordPos.FLAG, f.flag);
  setInt64(view, offset + RecordPos.QUEUE_OFFSET, f.queueOffset);
  setInt64(view, offset + RecordPos.PHYSICAL_OFFSET, f.commitLogOffset);
  view.setInt32(offset + RecordPos.SYS_FLAG, sysFlag);
  setInt64(view, offset + RecordPos.BORN_TIMESTAMP, f.bornTimestamp);
  let pos = putHost(target, view, offset + RecordPos.BORN_HOST, f.bornHost);
  setInt64(view, pos, f.storeTimestamp);
  pos = putHost(target, view, pos + 8, f.storeHost);
  view.setInt32(pos, f.reconsumeTimes);
  setInt64(view, pos + 4, f.preparedTransactionOffset);
  pos += 12;
  view.setInt32(pos, body.length);
  target.set(body, pos + 4);
  // Over the source (the same bytes, just read by the copy): a whole buffer needs no view made of it.
  view.setInt32(offset + RecordPos.BODY_CRC, crc32(body, 0, body.length) & 0x7fffffff);
  pos += 4 + body.length;
  if (magic === MessageMagic.V2) {
    view.setInt16(pos, f.topic.length);
    pos += 2;
  } else {
    target[pos++] = f.topic.length;
  }
  const topic = f.topic;
  if (topic.length <= 64) {
    for (let i = 0; i < topic.length; i++) target[pos + i] = topic[i]!;
    pos += topic.length;
  } else {
    pos += topic.copy(target, pos);
  }
  view.setInt16(pos, propertiesBytes);
  pos += 2;
  const written = isText ? target.write(properties, pos, rawPropertiesBytes, 'utf8') : properties.copy(target, pos);
  if (written !== rawPropertiesBytes) assert(false, `wrote ${written} property bytes, expected ${rawPropertiesBytes}`);
  pos += written;
  if (options.recordCrc) {
    if (propertiesBytes > rawPropertiesBytes + RECORD_CRC_BYTES) target[pos++] = PROPERTY_BYTE;
    const crc = crc32(target, offset, pos - offset) & 0x7fffffff;
    writeRecordCrcItem(target, pos, crc);
    pos += RECORD_CRC_BYTES;
  }
  if (pos - offset !== total) assert(false, `encoded ${pos - offset} bytes, expected ${total}`);
  return total;
}

/** Writes the 8-byte end-of-segment marker declaring `remainingBytes` (the rest of the segment). */
export function writeBlankMarker(target: Buffer, offset: number, remainingBytes: number): void {
  if (!Number.isInteger(remainingBytes) || remainingBytes < BLANK_MARKER_BYTES) assert(false, `blank marker must cover at least ${BLANK_MARKER_BYTES} bytes, got ${remainingBytes}`);
  if (offset < 0 || offset + BLANK_MARKER_BYTES > target.length) assert(false, `blank marker does not fit at ${offset} in ${target.length}`);
  target.writeInt32BE(remainingBytes, offset);
  target.writeInt32BE(MessageMagic.BLANK, offset + RecordPos.MAGIC);
}

/** Whether the stored properties `[start, end)` end with a well-formed record-CRC item. */
export function hasRecordCrcItem(buf: Buffer, start: number, end: number): boolean {
  const itemStart = end - RECORD_CRC_BYTES;
  if (itemStart < start) return false;
  // The item must be a property of its own: at the section start or right after a 0x02.
  if (itemStart > start && buf[itemStart - 1] !== PROPERTY_BYTE) return false;
  for (let i = 0; i < RECORD_CRC_KEY.length; i++) if (buf[itemStart + i] !== RECORD_CRC_KEY[i]) return false;
  return buf[itemStart + RECORD_CRC_KEY.length] === NAME_VALUE_BYTE && buf[end - 1] === PROPERTY_BYTE;
}

/** The CRC value held by the item ending at `end`, or -1 when a digit is not 0-9. */
export function readRecordCrcItem(buf: Buffer, end: number): number {
  const digitsStart = end - 11;
  let value = 0;
  for (let i = 9; i >= 0; i--) {
    const digit = buf[digitsStart + i]! - ASCII_ZERO;
    if (digit < 0 || digit > 9) return -1;
    value = value * 10 + digit;
  }
  return value;
}
