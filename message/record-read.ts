/**
 * Reading records: the narrow per-record view the dispatcher needs (allocation-light, no property
 * map) and the full decode clients and admin tools use.
 */
import { javaHashOfUtf8 } from './java-hash';
import { readHost } from './host';
import type { HostAddress } from './host';
import { readInt64BE } from './int64';
import { encodeOffsetMsgId } from './message-id';
import { decodePropertiesFromBytes } from './properties';
import { checkRecord } from './record-check';
import type { RecordCheck } from './record-check';
import * as record from './record';

// Read once at load, not through the import for every record (see record-check.ts).
const { MessageMagic, RecordPos, SysFlag, bodyLengthPos, storeTimestampPos } = record;

const NAME_VALUE_BYTE = 0x01;
const PROPERTY_BYTE = 0x02;
const KEY_TAGS = Buffer.from('TAGS', 'latin1');
const KEY_KEYS = Buffer.from('KEYS', 'latin1');
const KEY_DELAY = Buffer.from('DELAY', 'latin1');
const KEY_UNIQ = Buffer.from('UNIQ_KEY', 'latin1');
/** Delay levels are small; more digits than this means a malformed value. */
const MAX_DELAY_DIGITS = 9;

export interface DispatchInfo {
  readonly size: number;
  readonly topic: string;
  readonly queueId: number;
  readonly queueOffset: number;
  readonly commitLogOffset: number;
  readonly sysFlag: number;
  readonly storeTimestamp: number;
  /** Java hash of the TAGS property (int32), 0 without tags. */
  readonly tagsCode: number;
  readonly keys: string | undefined;
  readonly uniqKey: string | undefined;
  /**
   * The DELAY property as a number, 0 when absent or not a plain decimal. For SCHEDULE_TOPIC_XXXX
   * records RocketMQ uses the delivery time as the tag code; the store computes it from this.
   */
  readonly delayLevel: number;
}

// --- topic string cache: direct-mapped, bounded, keyed by the topic bytes themselves ---

const TOPIC_CACHE_SLOTS = 256;
const topicCacheBytes: (Buffer | undefined)[] = new Array<Buffer | undefined>(TOPIC_CACHE_SLOTS).fill(undefined);
const topicCacheText: string[] = new Array<string>(TOPIC_CACHE_SLOTS).fill('');

function sameBytes(buf: Buffer, start: number, end: number, cached: Buffer): boolean {
  if (cached.length !== end - start) return false;
  for (let i = 0; i < cached.length; i++) if (buf[start + i] !== cached[i]) return false;
  return true;
}

function topicOf(buf: Buffer, start: number, end: number): string {
  let hash = 0x811c9dc5;
  for (let i = start; i < end; i++) hash = Math.imul(hash ^ buf[i]!, 0x01000193);
  const slot = (hash >>> 0) % TOPIC_CACHE_SLOTS;
  const cached = topicCacheBytes[slot];
  if (cached !== undefined && sameBytes(buf, start, end, cached)) return topicCacheText[slot]!;
  const text = buf.toString('utf8', start, end);
  topicCacheBytes[slot] = Buffer.from(buf.subarray(start, end));
  topicCacheText[slot] = text;
  return text;
}

function nameIs(buf: Buffer, start: number, end: number, key: Buffer): boolean {
  return sameBytes(buf, start, end, key);
}

function parseDelayLevel(buf: Buffer, start: number, end: number): number {
  if (end - start > MAX_DELAY_DIGITS) return 0;
  let value = 0;
  for (let i = start; i < end; i++) {
    const digit = buf[i]! - 0x30;
    if (digit < 0 || digit > 9) return 0;
    value = value * 10 + digit;
  }
  return value;
}

/**
 * The dispatch view of a record that `checkRecord` accepted at `offset`. Property values are
 * found by scanning the bytes with the same rules as `decodeProperties` (a later duplicate wins).
 */
export function readDispatchInfo(buf: Buffer, offset: number): DispatchInfo {
  const size = buf.readInt32BE(offset);
  const magic = buf.readInt32BE(offset + RecordPos.MAGIC);
  const sysFlag = buf.readInt32BE(offset + RecordPos.SYS_FLAG);
  const bodyLenAt = offset + bodyLengthPos(sysFlag);
  let pos = bodyLenAt + 4 + buf.readInt32BE(bodyLenAt);
  let topicLen: number;
  if (magic === MessageMagic.V2) {
    topicLen = buf.readInt16BE(pos);
    pos += 2;
  } else {
    topicLen = buf.readInt8(pos);
    pos += 1;
  }
  const topic = topicOf(buf, pos, pos + topicLen);
  pos += topicLen;
  const propsEnd = pos + 2 + buf.readInt16BE(pos);
  const props = scanScratch;
  scanDispatchProperties(buf, pos + 2, propsEnd, props);
  return {
    size,
    topic,
    queueId: buf.readInt32BE(offset + RecordPos.QUEUE_ID),
    queueOffset: readInt64BE(buf, offset + RecordPos.QUEUE_OFFSET),
    commitLogOffset: readInt64BE(buf, offset + RecordPos.PHYSICAL_OFFSET),
    sysFlag,
    storeTimestamp: readInt64BE(buf, offset + storeTimestampPos(sysFlag)),
    tagsCode: props.tagsCode,
    keys: props.keys,
    uniqKey: props.uniqKey,
    delayLevel: props.delayLevel,
  };
}

/** What dispatch reads from a record's properties. */
export interface DispatchPropertyValues {
  /** Java hash of TAGS (int32), 0 without tags. */
  tagsCode: number;
  keys: string | undefined;
  uniqKey: string | undefined;
  /** DELAY as a number (see DispatchInfo.delayLevel). */
  delayLevel: number;
}

const scanScratch: DispatchPropertyValues = { tagsCode: 0, keys: undefined, uniqKey: undefined, delayLevel: 0 };

/**
 * Reads TAGS, KEYS, UNIQ_KEY and DELAY from the encoded properties `buf[start, end)` into `into`,
 * with the rules of `decodeProperties` (items split on 0x02, the name up to the first 0x01,
 * non-empty name and value, a later duplicate wins). Used on stored records and, by the store, on
 * the property bytes a batch item brings, which are stored as they are.
 */
export function scanDispatchProperties(buf: Buffer, start: number, end: number, into: DispatchPropertyValues): void {
  let index = start;
  let tagsStart = -1, tagsEnd = -1, keysStart = -1, keysEnd = -1, uniqStart = -1, uniqEnd = -1, delayStart = -1, delayEnd = -1;
  while (index < end) {
    // One pass over the item: its end (0x02) and its first 0x01.
    let sep = -1;
    let itemEnd = index;
    for (; itemEnd < end; itemEnd++) {
      const b = buf[itemEnd]!;
      if (b === PROPERTY_BYTE) break;
      if (b === NAME_VALUE_BYTE && sep < 0) sep = itemEnd;
    }
    if (sep > index && sep < itemEnd - 1) {
      const valueStart = sep + 1;
      const nameLength = sep - index;
      // Lengths first: most names are none of the four, and a length differs at once.
      if (nameLength === 4) {
        if (nameIs(buf, index, sep, KEY_TAGS)) {
          tagsStart = valueStart;
          tagsEnd = itemEnd;
        } else if (nameIs(buf, index, sep, KEY_KEYS)) {
          keysStart = valueStart;
          keysEnd = itemEnd;
        }
      } else if (nameLength === 8) {
        if (nameIs(buf, index, sep, KEY_UNIQ)) {
          uniqStart = valueStart;
          uniqEnd = itemEnd;
        }
      } else if (nameLength === 5 && nameIs(buf, index, sep, KEY_DELAY)) {
        delayStart = valueStart;
        delayEnd = itemEnd;
      }
    }
    index = itemEnd + 1;
  }
  into.tagsCode = tagsStart < 0 ? 0 : javaHashOfUtf8(buf, tagsStart, tagsEnd);
  into.keys = keysStart < 0 ? undefined : buf.toString('utf8', keysStart, keysEnd);
  into.uniqKey = uniqStart < 0 ? undefined : buf.toString('utf8', uniqStart, uniqEnd);
  into.delayLevel = delayStart < 0 ? 0 : parseDelayLevel(buf, delayStart, delayEnd);
}

export interface DecodedMessage {
  readonly storeSize: number;
  readonly magic: number;
  readonly bodyCrc: number;
  readonly queueId: number;
  readonly flag: number;
  readonly queueOffset: number;
  readonly commitLogOffset: number;
  readonly sysFlag: number;
  readonly bornTimestamp: number;
  readonly bornHost: HostAddress;
  readonly storeTimestamp: number;
  readonly storeHost: HostAddress;
  readonly reconsumeTimes: number;
  readonly preparedTransactionOffset: number;
  /** A view into the source buffer (zero-copy), as stored: still compressed when sysFlag says so. */
  readonly body: Buffer;
  readonly topic: string;
  /** All stored properties, including the broker's `__CRC32#` item when present. */
  readonly properties: Map<string, string>;
  /** The offset message id (store host + commit-log offset). */
  readonly msgId: string;
}

function describeCheck(check: RecordCheck): string {
  switch (check.kind) {
    case 'incomplete':
      return `truncated: the record needs ${check.needBytes} bytes`;
    case 'invalid':
      return check.reason;
    case 'blank':
      return 'an end-of-segment marker, not a message';
    case 'record':
      return 'a record';
  }
}

/** Decodes a record known to be structurally valid (checked by the callers below). */
function decodeChecked(buf: Buffer, offset: number): DecodedMessage {
  const magic = buf.readInt32BE(offset + RecordPos.MAGIC);
  const sysFlag = buf.readInt32BE(offset + RecordPos.SYS_FLAG);
  const bornHostBytes = (sysFlag & SysFlag.BORNHOST_V6) === 0 ? 4 : 16;
  const storeHostBytes = (sysFlag & SysFlag.STOREHOST_V6) === 0 ? 4 : 16;
  const bornHost = readHost(buf, offset + RecordPos.BORN_HOST, bornHostBytes);
  let pos = offset + RecordPos.BORN_HOST + bornHostBytes + 4;
  const storeTimestamp = readInt64BE(buf, pos);
  const storeHost = readHost(buf, pos + 8, storeHostBytes);
  pos += 8 + storeHostBytes + 4;
  const reconsumeTimes = buf.readInt32BE(pos);
  const preparedTransactionOffset = readInt64BE(buf, pos + 4);
  pos += 12;
  const bodyLen = buf.readInt32BE(pos);
  const body = buf.subarray(pos + 4, pos + 4 + bodyLen);
  pos += 4 + bodyLen;
  const topicLen = magic === MessageMagic.V2 ? buf.readInt16BE(pos) : buf.readInt8(pos);
  pos += magic === MessageMagic.V2 ? 2 : 1;
  const topic = buf.toString('utf8', pos, pos + topicLen);
  pos += topicLen;
  const propsLen = buf.readInt16BE(pos);
  const commitLogOffset = readInt64BE(buf, offset + RecordPos.PHYSICAL_OFFSET);
  return {
    storeSize: buf.readInt32BE(offset),
    magic,
    bodyCrc: buf.readInt32BE(offset + RecordPos.BODY_CRC),
    queueId: buf.readInt32BE(offset + RecordPos.QUEUE_ID),
    flag: buf.readInt32BE(offset + RecordPos.FLAG),
    queueOffset: readInt64BE(buf, offset + RecordPos.QUEUE_OFFSET),
    commitLogOffset,
    sysFlag,
    bornTimestamp: readInt64BE(buf, offset + RecordPos.BORN_TIMESTAMP),
    bornHost,
    storeTimestamp,
    storeHost,
    reconsumeTimes,
    preparedTransactionOffset,
    body,
    topic,
    properties: decodePropertiesFromBytes(buf, pos + 2, pos + 2 + propsLen),
    msgId: encodeOffsetMsgId(storeHost, commitLogOffset),
  };
}

/**
 * Fully decodes the record at `offset` (clients, admin, tests). The record is validated first
 * (structure, and the record CRC when present); anything else throws an Error saying why.
 */
export function decodeRecord(buf: Buffer, offset: number): DecodedMessage {
  const check = checkRecord(buf, offset, buf.length - offset, { checkBodyCrc: false, requireRecordCrc: false });
  if (check.kind !== 'record') throw new Error(`no message record at offset ${offset}: ${describeCheck(check)}`);
  return decodeChecked(buf, offset);
}

export interface DecodeRecordsOptions {
  /** Verify each body CRC as well (off by default, as in RocketMQ's client decode). */
  readonly checkBodyCrc?: boolean;
}

/**
 * Decodes a pull-response body: records back to back up to the end of `buf`. Throws an Error
 * naming the offset and the problem at the first thing that is not an intact record.
 */
export function decodeRecords(buf: Buffer, options: DecodeRecordsOptions = {}): DecodedMessage[] {
  const out: DecodedMessage[] = [];
  const checkOptions = { checkBodyCrc: options.checkBodyCrc ?? false, requireRecordCrc: false };
  let offset = 0;
  while (offset < buf.length) {
    const check = checkRecord(buf, offset, buf.length - offset, checkOptions);
    if (check.kind !== 'record') throw new Error(`bad message record at offset ${offset} of ${buf.length}: ${describeCheck(check)}`);
    out.push(decodeChecked(buf, offset));
    offset += check.size;
  }
  return out;
}
