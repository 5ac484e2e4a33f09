/**
 * The consumer's hot path: reading a PULL_MESSAGE body (stored records back to back, FACTS 1.1) into
 * ReceivedMessages at the cost of a few integer reads per record.
 *
 * A pulled message keeps a reference to the response body and where its record lies in it. The
 * body is a view (no copy); the numbers are read up front; everything that needs a string or an
 * allocation (properties, tags, keys, message ids, host addresses) is decoded on first access and
 * cached. Most handlers look at the body and maybe one property, so most of that is never built.
 *
 * Only the record structure (lengths adding up to TOTALSIZE) is checked here: like RocketMQ's
 * clients, CRCs are not re-computed unless asked (`checkCrc`, which verifies the body CRC and the
 * record CRC item when the broker stored one). Anything that does not add up stops the walk; the
 * caller then re-checks from there to say what is wrong.
 */
import { inflateSync } from 'node:zlib';
import type { HostAddress } from '../message';
import { MessageMagic, SysFlag, checkRecord, decodeProperties, encodeOffsetMsgId, formatHostAddress } from '../message';
import type { MessageQueue, ReceivedMessage } from './types';

/** Read once: re-exported bindings are getters, too slow for once per record. */
const MAGIC_V1 = MessageMagic.V1;
const MAGIC_V2 = MessageMagic.V2;
const COMPRESSED = SysFlag.COMPRESSED;
const COMPRESSION_TYPE_MASK = SysFlag.COMPRESSION_TYPE_MASK;
const BORNHOST_V6 = SysFlag.BORNHOST_V6;
const STOREHOST_V6 = SysFlag.STOREHOST_V6;

/** Record positions (FACTS 1.1): fixed up to the born host. */
const POS_MAGIC = 4;
const POS_QUEUE_ID = 12;
const POS_FLAG = 16;
const POS_QUEUE_OFFSET = 20;
const POS_PHYSICAL_OFFSET = 28;
const POS_SYS_FLAG = 36;
const POS_BORN_TIMESTAMP = 40;
const POS_BORN_HOST = 48;
/** Fixed bytes of a record besides hosts, body, topic and properties (as message/'s length formula). */
const FIXED_BYTES = 4 + 4 + 4 + 4 + 4 + 8 + 8 + 4 + 8 + 8 + 4 + 8 + 4 + 2;
const MIN_RECORD_BYTES = FIXED_BYTES + 2 * 8 + 1;
const TWO_POW_32 = 0x1_0000_0000;
const EMPTY_KEYS: readonly string[] = Object.freeze([]);

function int64At(buf: Buffer, pos: number): number {
  // Offsets and timestamps stay far below 2^53: the high word times 2^32 plus the unsigned low word is exact.
  return int32At(buf, pos) * TWO_POW_32 + (int32At(buf, pos + 4) >>> 0);
}

function hostAt(buf: Buffer, pos: number, v6: boolean): HostAddress {
  const bytes = v6 ? 16 : 4;
  return { address: Buffer.from(buf.subarray(pos, pos + bytes)), port: buf.readInt32BE(pos + bytes) };
}

function hostTextAt(buf: Buffer, pos: number, v6: boolean): string {
  if (v6) return formatHostAddress(hostAt(buf, pos, true));
  return `${buf[pos]}.${buf[pos + 1]}.${buf[pos + 2]}.${buf[pos + 3]}:${buf.readInt32BE(pos + 4)}`;
}

/** Big-endian int32 by hand: Buffer's readers check bounds the record walk has already checked. */
function int32At(buf: Buffer, pos: number): number {
  return (buf[pos]! << 24) | (buf[pos + 1]! << 16) | (buf[pos + 2]! << 8) | buf[pos + 3]!;
}

/** Signed big-endian int16 by hand, as `readInt16BE`. */
function int16At(buf: Buffer, pos: number): number {
  return (((buf[pos]! << 8) | buf[pos + 1]!) << 16) >> 16;
}

/** Signed int8 by hand, as `readInt8`. */
function int8At(buf: Buffer, pos: number): number {
  return (buf[pos]! << 24) >> 24;
}

/**
 * A message read from a pull body. Only the body view, the queue offset and the flags are set up
 * front; everything else is a getter on the prototype reading the record (numbers) or decoding it
 * once (strings).
 */
export class PulledMessage implements ReceivedMessage {
  readonly body: Buffer;
  private props: Record<string, string> | undefined = undefined;
  private offsetId: string | undefined = undefined;

  constructor(
    readonly topic: string,
    readonly queue: MessageQueue,
    readonly queueOffset: number,
    readonly sysFlag: number,
    /** The pull body and where this record starts in it, for the lazily decoded fields. */
    private readonly buf: Buffer,
    private readonly start: number,
    /** Position of the store host; the born host is at `start + POS_BORN_HOST`. */
    private readonly storeHostPos: number,
    private readonly propsStart: number,
    private readonly propsEnd: number,
    body: Buffer,
  ) {
    this.body = (sysFlag & COMPRESSED) === 0 ? body : inflated(body, sysFlag);
  }

  get flag(): number {
    return int32At(this.buf, this.start + POS_FLAG);
  }

  get commitLogOffset(): number {
    return int64At(this.buf, this.start + POS_PHYSICAL_OFFSET);
  }

  get bornTimestamp(): number {
    return int64At(this.buf, this.start + POS_BORN_TIMESTAMP);
  }

  get storeTimestamp(): number {
    return int64At(this.buf, this.storeHostPos - 8);
  }

  get reconsumeTimes(): number {
    return int32At(this.buf, this.storeHostPos + ((this.sysFlag & STOREHOST_V6) === 0 ? 8 : 20));
  }

  /** Every stored property, system ones (UNIQ_KEY, TAGS, ...) included. */
  get properties(): Readonly<Record<string, string>> {
    if (this.props !== undefined) return this.props;
    const props: Record<string, string> = {};
    if (this.propsEnd > this.propsStart) {
      // Properties are short: decoding the text once and splitting it beats byte-wise scanning.
      for (const [key, value] of decodeProperties(this.buf.toString('utf8', this.propsStart, this.propsEnd))) props[key] = value;
    }
    this.props = props;
    return props;
  }

  get tags(): string | undefined {
    return this.properties.TAGS;
  }

  get keys(): readonly string[] {
    const keys = this.properties.KEYS;
    return keys === undefined ? EMPTY_KEYS : keys.split(' ').filter((k) => k !== '');
  }

  get msgId(): string {
    return this.properties.UNIQ_KEY ?? this.offsetMsgId;
  }

  get offsetMsgId(): string {
    if (this.offsetId === undefined) {
      this.offsetId = encodeOffsetMsgId(hostAt(this.buf, this.storeHostPos, (this.sysFlag & STOREHOST_V6) !== 0), this.commitLogOffset);
    }
    return this.offsetId;
  }

  get bornHost(): string {
    return hostTextAt(this.buf, this.start + POS_BORN_HOST, (this.sysFlag & BORNHOST_V6) !== 0);
  }

  get storeHost(): string {
    return hostTextAt(this.buf, this.storeHostPos, (this.sysFlag & STOREHOST_V6) !== 0);
  }

  /** A plain snapshot (for logging / JSON): every field decoded. */
  toJSON(): Record<string, unknown> {
    return {
      topic: this.topic,
      body: this.body,
      tags: this.tags,
      keys: this.keys,
      properties: this.properties,
      msgId: this.msgId,
      offsetMsgId: this.offsetMsgId,
      queue: this.queue,
      queueOffset: this.queueOffset,
      commitLogOffset: this.commitLogOffset,
      bornTimestamp: this.bornTimestamp,
      storeTimestamp: this.storeTimestamp,
      bornHost: this.bornHost,
      storeHost: this.storeHost,
      reconsumeTimes: this.reconsumeTimes,
      flag: this.flag,
      sysFlag: this.sysFlag,
    };
  }
}

function inflated(body: Buffer, sysFlag: number): Buffer {
  // 4.x writes zlib with no type bits; 5.x marks zlib as type 3 (LZ4 1 / ZSTD 2 are not supported here).
  const type = (sysFlag & COMPRESSION_TYPE_MASK) >> 8;
  return type === 0 || type === 3 ? inflateSync(body) : body;
}

export interface PullBodyFilter {
  /** Offsets below or at this were not asked for (a misbehaving broker must not confuse offset tracking). */
  readonly after: number;
  /** Offsets at or beyond this are not part of the answer. */
  readonly before: number;
  readonly queue: MessageQueue;
  /** Undefined = every tag passes (no property decoding needed). */
  readonly matches: ((tag: string | undefined) => boolean) | undefined;
  readonly checkCrc: boolean;
}

export interface DecodedPullBody {
  readonly messages: PulledMessage[];
  /** Byte position of the first record that did not check out, or -1. */
  readonly damagedAt: number;
}

/**
 * Where the parts of one record lie, filled by `read` for the record being walked. One per pull body,
 * reused for every record: the walk checks the lengths and the message is built from the same
 * positions, without reading any length twice or allocating per record.
 */
class RecordLayout {
  size = 0;
  sysFlag = 0;
  /** Absolute positions in the pull body. */
  storeHostPos = 0;
  bodyStart = 0;
  bodyLen = 0;
  topicStart = 0;
  topicLen = 0;
  propsStart = 0;
  propsLen = 0;

  /** Whether the record at `offset` has length fields that add up to its TOTALSIZE within `available`. */
  read(buf: Buffer, offset: number, available: number): boolean {
    if (available < MIN_RECORD_BYTES) return false;
    const size = int32At(buf, offset);
    const magic = int32At(buf, offset + POS_MAGIC);
    if (size < MIN_RECORD_BYTES || size > available || (magic !== MAGIC_V1 && magic !== MAGIC_V2)) return false;
    const sysFlag = int32At(buf, offset + POS_SYS_FLAG);
    const storeHostPos = offset + POS_BORN_HOST + ((sysFlag & BORNHOST_V6) === 0 ? 8 : 20) + 8;
    const bodyLenPos = storeHostPos + ((sysFlag & STOREHOST_V6) === 0 ? 8 : 20) + 4 + 8;
    const recordEnd = offset + size;
    if (bodyLenPos + 4 > recordEnd) return false;
    const bodyLen = int32At(buf, bodyLenPos);
    const topicLenPos = bodyLenPos + 4 + bodyLen;
    const v2 = magic === MAGIC_V2;
    if (bodyLen < 0 || topicLenPos + (v2 ? 2 : 1) > recordEnd) return false;
    const topicLen = v2 ? int16At(buf, topicLenPos) : int8At(buf, topicLenPos);
    const topicStart = topicLenPos + (v2 ? 2 : 1);
    const propsLenPos = topicStart + topicLen;
    if (topicLen <= 0 || propsLenPos + 2 > recordEnd) return false;
    const propsLen = int16At(buf, propsLenPos);
    if (propsLen < 0 || propsLenPos + 2 + propsLen !== recordEnd) return false;
    this.size = size;
    this.sysFlag = sysFlag;
    this.storeHostPos = storeHostPos;
    this.bodyStart = bodyLenPos + 4;
    this.bodyLen = bodyLen;
    this.topicStart = topicStart;
    this.topicLen = topicLen;
    this.propsStart = propsLenPos + 2;
    this.propsLen = propsLen;
    return true;
  }
}

/**
 * Walks the records of a pull body into messages of `filter.queue` that pass the tag filter, in
 * ascending queue offset. Stops at the first record whose lengths do not add up (or whose CRC fails
 * with `checkCrc`) and reports where.
 */
export function decodePullBody(buf: Buffer, filter: PullBodyFilter): DecodedPullBody {
  const messages: PulledMessage[] = [];
  const queue = filter.queue;
  const queueId = queue.queueId;
  const expectedTopic = Buffer.from(queue.topic, 'utf8');
  const layout = new RecordLayout();
  // Body views are made from the backing store directly: `subarray` re-reads three typed-array getters per call.
  const store = buf.buffer;
  const storeOffset = buf.byteOffset;
  let last = filter.after;
  let offset = 0;
  const end = buf.length;
  while (offset < end) {
    if (!layout.read(buf, offset, end - offset) || (filter.checkCrc && !crcHolds(buf, offset, layout.size))) return { messages, damagedAt: offset };
    const queueOffset = int64At(buf, offset + POS_QUEUE_OFFSET);
    if (queueOffset > last && queueOffset < filter.before && int32At(buf, offset + POS_QUEUE_ID) === queueId) {
      last = queueOffset;
      const body = Buffer.from(store, storeOffset + layout.bodyStart, layout.bodyLen);
      const message = messageAt(buf, offset, queueOffset, queue, expectedTopic, layout, body);
      if (filter.matches === undefined || filter.matches(message.tags)) messages.push(message);
    }
    offset += layout.size;
  }
  return { messages, damagedAt: -1 };
}

function crcHolds(buf: Buffer, offset: number, size: number): boolean {
  return checkRecord(buf, offset, size, { checkBodyCrc: true, requireRecordCrc: false }).kind === 'record';
}

/** The message of the record `layout` has just read. */
function messageAt(buf: Buffer, offset: number, queueOffset: number, queue: MessageQueue, expectedTopic: Buffer, layout: RecordLayout, body: Buffer): PulledMessage {
  const { topicStart, topicLen, propsStart } = layout;
  // Nearly always the queue's own topic: compare bytes instead of decoding a string per record.
  const ownTopic = sameBytes(buf, topicStart, topicLen, expectedTopic);
  const topic = ownTopic ? queue.topic : buf.toString('utf8', topicStart, topicStart + topicLen);
  const owner = ownTopic ? queue : { ...queue, topic };
  return new PulledMessage(topic, owner, queueOffset, layout.sysFlag, buf, offset, layout.storeHostPos, propsStart, propsStart + layout.propsLen, body);
}

/** Whether `buf[pos, pos + length)` holds `expected`; four bytes per step (topics are some 10-100 bytes). */
function sameBytes(buf: Buffer, pos: number, length: number, expected: Buffer): boolean {
  if (length !== expected.length) return false;
  let i = 0;
  for (; i + 4 <= length; i += 4) if (int32At(buf, pos + i) !== int32At(expected, i)) return false;
  for (; i < length; i++) if (buf[pos + i] !== expected[i]) return false;
  return true;
}
