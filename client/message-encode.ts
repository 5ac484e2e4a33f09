/**
 * Turning a user's `Message` into what goes on the wire: validation, the properties text
 * (UNIQ_KEY, WAIT, TAGS, KEYS, DELAY and user properties, FACTS 1.8), the SEND_MESSAGE_V2 header
 * (FACTS 4.1) and the SEND_BATCH_MESSAGE body (FACTS 1.9).
 *
 * This runs once per message on the send path, so it builds strings directly instead of going through
 * maps, measures the properties once, and writes a whole batch into one buffer.
 */
import { deflateSync } from 'node:zlib';
import type { UniqIdGenerator } from '../message';
import { MAX_PROPERTIES_BYTES, PropertyKey, SysFlag, isNotAllowedSendTopic, validateTopicName } from '../message';

/** Read once: re-exported bindings are getters, too slow for once per message. */
const MAX_PROPS_BYTES = MAX_PROPERTIES_BYTES;
const COMPRESSED = SysFlag.COMPRESSED;
import type { RemotingCommand } from '../protocol';
import { RequestCode, makeRequest } from '../protocol';
import { ClientError, ClientErrorCode, invalidArgument } from './errors';
import type { Message, MessageQueue } from './types';

const NV = '\u0001';
const SEP = '\u0002';
/** The UNIQ_KEY and WAIT items around the id, built once (every message carries them). */
const UNIQ_KEY_ITEM_START = 'UNIQ_KEY' + NV;
const UNIQ_KEY_ITEM_END_AND_WAIT = SEP + 'WAIT' + NV + 'true' + SEP;
/** Properties a user may not set: RocketMQ's own keys (Java `MessageConst.STRING_HASH_SET`). */
const RESERVED = new Set<string>(Object.values(PropertyKey));
/** The highest delay level of a default broker configuration. */
export const MAX_DELAY_LEVEL = 18;
/** Bytes of a batch item besides body and properties: TOTALSIZE MAGIC BODYCRC FLAG BODYLEN PROPSLEN. */
const BATCH_ITEM_FIXED_BYTES = 4 + 4 + 4 + 4 + 4 + 2;

export interface PreparedMessage {
  readonly topic: string;
  /** As sent: compressed when `sysFlag` says so. */
  readonly body: Buffer;
  readonly properties: string;
  /** UTF-8 length of `properties`. */
  readonly propertiesBytes: number;
  readonly flag: number;
  readonly sysFlag: number;
  readonly uniqKey: string;
  readonly delayLevel: number;
  readonly tags: string | undefined;
}

export interface PrepareOptions {
  readonly maxMessageSizeBytes: number;
  /** Bodies longer than this are zlib-compressed; undefined = never. */
  readonly compressBodyOverBytes: number | undefined;
  readonly uniqIds: UniqIdGenerator;
}

function toBuffer(body: Message['body']): Buffer {
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  if (Buffer.isBuffer(body)) return body;
  if (body instanceof Uint8Array) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  throw invalidArgument('message body must be a Buffer, Uint8Array or string');
}

/** Whether `text` holds 0x01 or 0x02, which would corrupt the properties encoding. */
export function hasSeparator(text: string): boolean {
  return text.includes(NV) || text.includes(SEP);
}

function checkText(what: string, value: string): void {
  if (hasSeparator(value)) throw invalidArgument(`${what} contains a property separator (\\u0001 or \\u0002)`);
}

function keysText(keys: Message['keys']): string | undefined {
  if (keys === undefined) return undefined;
  const list = typeof keys === 'string' ? [keys] : keys;
  const parts: string[] = [];
  for (const key of list) {
    if (typeof key !== 'string') throw invalidArgument('message keys must be strings');
    checkText('a message key', key);
    if (key.includes(' ')) throw invalidArgument(`message key ${JSON.stringify(key)} contains a space (keys are space-separated)`);
    if (key !== '') parts.push(key);
  }
  return parts.length === 0 ? undefined : parts.join(' ');
}

function userPropertiesText(properties: Message['properties']): string {
  if (properties === undefined) return '';
  let out = '';
  for (const name of Object.keys(properties)) {
    const value = properties[name];
    if (typeof value !== 'string') throw invalidArgument(`property ${name} must be a string`);
    if (name === '' || RESERVED.has(name)) throw invalidArgument(`property name ${JSON.stringify(name)} is reserved or empty`);
    checkText(`property name ${JSON.stringify(name)}`, name);
    checkText(`the value of property ${name}`, value);
    // RocketMQ drops empty values when decoding; leaving them out keeps what is sent equal to what is read.
    if (value !== '') out += name + NV + value + SEP;
  }
  return out;
}

/** Topics already found valid; a bound keeps a stream of distinct topic names from growing it forever. */
const validTopics = new Set<string>();
const VALID_TOPICS_CACHED = 1024;

function checkTopic(topic: string): void {
  if (validTopics.has(topic)) return;
  const valid = validateTopicName(topic);
  if (!valid.ok) throw invalidArgument(valid.error);
  if (isNotAllowedSendTopic(topic)) throw invalidArgument(`topic ${topic} is a system topic that does not accept messages`);
  if (validTopics.size >= VALID_TOPICS_CACHED) validTopics.clear();
  validTopics.add(topic);
}

/** Validates and encodes one message; throws a ClientError describing the first problem. */
export function prepareMessage(message: Message, options: PrepareOptions): PreparedMessage {
  if (message === null || typeof message !== 'object') throw invalidArgument('message must be an object');
  const topic = message.topic;
  if (typeof topic !== 'string') throw invalidArgument('message topic must be a string');
  checkTopic(topic);
  let body = toBuffer(message.body);
  if (body.length === 0) throw invalidArgument('message body is empty');
  if (body.length > options.maxMessageSizeBytes) {
    throw new ClientError(ClientErrorCode.MESSAGE_TOO_LARGE, `message body of ${body.length} bytes exceeds maxMessageSizeBytes ${options.maxMessageSizeBytes}`);
  }
  const flag = message.flag ?? 0;
  if (!Number.isInteger(flag) || flag < -0x8000_0000 || flag > 0x7fff_ffff) throw invalidArgument(`message flag ${flag} is not a 32-bit integer`);
  const delayLevel = message.delayLevel ?? 0;
  if (!Number.isInteger(delayLevel) || delayLevel < 0 || delayLevel > MAX_DELAY_LEVEL) {
    throw invalidArgument(`delayLevel must be an integer from 1 to ${MAX_DELAY_LEVEL}, got ${delayLevel}`);
  }
  const tags = message.tags === undefined || message.tags === '' ? undefined : message.tags;
  if (tags !== undefined) {
    if (typeof tags !== 'string') throw invalidArgument('message tags must be a string');
    checkText('the message tag', tags);
  }
  const uniqKey = options.uniqIds.next();
  let properties: string;
  let propertiesBytes: number;
  if (tags === undefined && message.keys === undefined && message.properties === undefined && delayLevel === 0) {
    // The common bare message: the text is ASCII (hex id), so its length is its byte count.
    properties = UNIQ_KEY_ITEM_START + uniqKey + UNIQ_KEY_ITEM_END_AND_WAIT;
    propertiesBytes = properties.length;
  } else {
    const keys = keysText(message.keys);
    properties = userPropertiesText(message.properties);
    if (tags !== undefined) properties += 'TAGS' + NV + tags + SEP;
    if (keys !== undefined) properties += 'KEYS' + NV + keys + SEP;
    if (delayLevel > 0) properties += 'DELAY' + NV + delayLevel + SEP;
    properties += UNIQ_KEY_ITEM_START + uniqKey + UNIQ_KEY_ITEM_END_AND_WAIT;
    propertiesBytes = Buffer.byteLength(properties, 'utf8');
  }
  if (propertiesBytes > MAX_PROPS_BYTES) {
    throw new ClientError(ClientErrorCode.MESSAGE_TOO_LARGE, `message properties of ${propertiesBytes} bytes exceed ${MAX_PROPS_BYTES}`);
  }
  let sysFlag = 0;
  if (options.compressBodyOverBytes !== undefined && body.length > options.compressBodyOverBytes) {
    body = deflateSync(body);
    sysFlag |= COMPRESSED;
  }
  return { topic, body, properties, propertiesBytes, flag, sysFlag, uniqKey, delayLevel, tags };
}

/** Whether a message may travel inside a SEND_BATCH_MESSAGE: brokers reject delayed or compressed ones there. */
export function isBatchable(message: PreparedMessage): boolean {
  return message.delayLevel === 0 && message.sysFlag === 0;
}

/** Bytes the message takes inside a batch body. */
export function batchItemBytes(message: PreparedMessage): number {
  return BATCH_ITEM_FIXED_BYTES + message.body.length + message.propertiesBytes;
}

/** The SEND_BATCH_MESSAGE body: items back to back, MAGIC and BODYCRC left 0 as Java writes them. */
export function encodeBatch(messages: readonly PreparedMessage[], pool?: BufferPool): Buffer {
  let total = 0;
  for (const m of messages) total += batchItemBytes(m);
  const out = pool === undefined ? Buffer.allocUnsafe(total) : pool.take(total);
  let pos = 0;
  for (const m of messages) {
    const bodyLength = m.body.length;
    const propertiesBytes = m.propertiesBytes;
    int32At(out, BATCH_ITEM_FIXED_BYTES + bodyLength + propertiesBytes, pos);
    // MAGIC and BODYCRC: 0 (allocUnsafe leaves garbage).
    for (let i = pos + 4; i < pos + 12; i++) out[i] = 0;
    int32At(out, m.flag, pos + 12);
    int32At(out, bodyLength, pos + 16);
    m.body.copy(out, pos + 20);
    pos += 20 + bodyLength;
    out[pos] = propertiesBytes >>> 8;
    out[pos + 1] = propertiesBytes;
    // ASCII text (the usual case) is written byte for byte, which is cheaper than UTF-8 encoding.
    out.write(m.properties, pos + 2, propertiesBytes, propertiesBytes === m.properties.length ? 'latin1' : 'utf8');
    pos += 2 + propertiesBytes;
  }
  return out;
}

/** Big-endian int32 by hand: cheaper than writeInt32BE's checks, once per field per message. */
function int32At(out: Buffer, value: number, pos: number): void {
  out[pos] = value >>> 24;
  out[pos + 1] = value >>> 16;
  out[pos + 2] = value >>> 8;
  out[pos + 3] = value;
}

/**
 * Reusable batch-body memory. A batch body of hundreds of KiB is referenced by the socket write, not
 * copied, so a fresh one per frame means fresh pages to fault in and external memory that drives the
 * GC; a body whose frame was answered has been fully written and can carry the next batch.
 */
export class BufferPool {
  private readonly free: Buffer[] = [];

  constructor(
    /** Smallest block allocated; a body larger than it gets a block of its own size. */
    private readonly blockBytes: number,
    /** Blocks kept for reuse at most. */
    private readonly maxFree: number,
  ) {}

  /** A view of `bytes` bytes, over a recycled block when one is big enough. */
  take(bytes: number): Buffer {
    for (let i = this.free.length - 1; i >= 0; i--) {
      const block = this.free[i]!;
      if (block.length >= bytes) {
        this.free[i] = this.free[this.free.length - 1]!;
        this.free.pop();
        return block.subarray(0, bytes);
      }
    }
    return Buffer.allocUnsafeSlow(Math.max(bytes, this.blockBytes)).subarray(0, bytes);
  }

  /** Hands back a view from `take` whose bytes nothing will read again. */
  give(view: Buffer): void {
    if (this.free.length >= this.maxFree) return;
    this.free.push(Buffer.from(view.buffer, view.byteOffset, view.buffer.byteLength - view.byteOffset));
  }
}

export interface SendHeaderContext {
  readonly producerGroup: string;
  readonly bornTimestamp: number;
}

/** SEND_MESSAGE_V2 (310) for one message, or oneway when asked. */
export function singleSendRequest(message: PreparedMessage, queue: MessageQueue, context: SendHeaderContext, oneway = false): RemotingCommand {
  return makeRequest(RequestCode.SEND_MESSAGE_V2, {
    oneway,
    body: message.body,
    extFields: {
      a: context.producerGroup,
      b: queue.topic,
      c: 'TBW102',
      d: '4',
      e: String(queue.queueId),
      f: String(message.sysFlag),
      g: String(context.bornTimestamp),
      h: String(message.flag),
      i: message.properties,
      j: '0',
      k: 'false',
      m: 'false',
    },
  });
}

/**
 * SEND_BATCH_MESSAGE (320). No batch-level properties (`i`): 4.9.x brokers append them to every
 * message of the batch, which would give all of them the same UNIQ_KEY; each item carries its own.
 */
export function batchSendRequest(messages: readonly PreparedMessage[], queue: MessageQueue, context: SendHeaderContext, pool?: BufferPool): RemotingCommand {
  return makeRequest(RequestCode.SEND_BATCH_MESSAGE, {
    body: encodeBatch(messages, pool),
    extFields: {
      a: context.producerGroup,
      b: queue.topic,
      c: 'TBW102',
      d: '4',
      e: String(queue.queueId),
      f: '0',
      g: String(context.bornTimestamp),
      h: '0',
      j: '0',
      k: 'false',
      m: 'true',
    },
  });
}
