/**
 * RocketMQ message properties: the `name 0x01 value 0x02` text stored in every record and sent in
 * send requests (FACTS 1.8). The key strings are RocketMQ's own (`MessageConst`), so Java clients
 * and tools see the same names.
 */
import { assert } from '../stdx';

export const NAME_VALUE_SEPARATOR = '\u0001';
export const PROPERTY_SEPARATOR = '\u0002';
/** Separates several user keys inside the KEYS property. */
export const KEY_SEPARATOR = ' ';
/** Properties whose names start with this are never persisted by the broker. */
export const TRANSIENT_PROPERTY_PREFIX = '__RMQ.TRANSIENT.';

const NAME_VALUE_BYTE = 0x01;
const PROPERTY_BYTE = 0x02;

/** Standard property names. The delay level is stored under `DELAY` (Java: PROPERTY_DELAY_TIME_LEVEL). */
export const PropertyKey = {
  KEYS: 'KEYS',
  TAGS: 'TAGS',
  WAIT: 'WAIT',
  DELAY: 'DELAY',
  RETRY_TOPIC: 'RETRY_TOPIC',
  REAL_TOPIC: 'REAL_TOPIC',
  REAL_QID: 'REAL_QID',
  TRAN_MSG: 'TRAN_MSG',
  PGROUP: 'PGROUP',
  MIN_OFFSET: 'MIN_OFFSET',
  MAX_OFFSET: 'MAX_OFFSET',
  BUYER_ID: 'BUYER_ID',
  ORIGIN_MESSAGE_ID: 'ORIGIN_MESSAGE_ID',
  TRANSFER_FLAG: 'TRANSFER_FLAG',
  CORRECTION_FLAG: 'CORRECTION_FLAG',
  MQ2_FLAG: 'MQ2_FLAG',
  RECONSUME_TIME: 'RECONSUME_TIME',
  MSG_REGION: 'MSG_REGION',
  TRACE_ON: 'TRACE_ON',
  UNIQ_KEY: 'UNIQ_KEY',
  EXTEND_UNIQ_INFO: 'EXTEND_UNIQ_INFO',
  MAX_RECONSUME_TIMES: 'MAX_RECONSUME_TIMES',
  CONSUME_START_TIME: 'CONSUME_START_TIME',
  INNER_NUM: 'INNER_NUM',
  INNER_BASE: 'INNER_BASE',
  DUP_INFO: 'DUP_INFO',
  CHECK_IMMUNITY_TIME_IN_SECONDS: 'CHECK_IMMUNITY_TIME_IN_SECONDS',
  TRAN_PREPARED_QUEUE_OFFSET: 'TRAN_PREPARED_QUEUE_OFFSET',
  TRANSACTION_ID: '__transactionId__',
  TRANSACTION_CHECK_TIMES: 'TRANSACTION_CHECK_TIMES',
  INSTANCE_ID: 'INSTANCE_ID',
  CORRELATION_ID: 'CORRELATION_ID',
  REPLY_TO_CLIENT: 'REPLY_TO_CLIENT',
  TTL: 'TTL',
  ARRIVE_TIME: 'ARRIVE_TIME',
  PUSH_REPLY_TIME: 'PUSH_REPLY_TIME',
  CLUSTER: 'CLUSTER',
  MSG_TYPE: 'MSG_TYPE',
  POP_CK: 'POP_CK',
  POP_CK_OFFSET: 'POP_CK_OFFSET',
  FIRST_POP_TIME: '1ST_POP_TIME',
  SHARDING_KEY: '__SHARDINGKEY',
  FORWARD_QUEUE_ID: 'PROPERTY_FORWARD_QUEUE_ID',
  REDIRECT: 'REDIRECT',
  INNER_MULTI_DISPATCH: 'INNER_MULTI_DISPATCH',
  INNER_MULTI_QUEUE_OFFSET: 'INNER_MULTI_QUEUE_OFFSET',
  TRACE_CONTEXT: 'TRACE_CONTEXT',
  TIMER_DELAY_SEC: 'TIMER_DELAY_SEC',
  TIMER_DELAY_MS: 'TIMER_DELAY_MS',
  TIMER_DELIVER_MS: 'TIMER_DELIVER_MS',
  TIMER_ENQUEUE_MS: 'TIMER_ENQUEUE_MS',
  TIMER_DEQUEUE_MS: 'TIMER_DEQUEUE_MS',
  TIMER_ROLL_TIMES: 'TIMER_ROLL_TIMES',
  TIMER_OUT_MS: 'TIMER_OUT_MS',
  TIMER_DEL_UNIQKEY: 'TIMER_DEL_UNIQKEY',
  TIMER_DELAY_LEVEL: 'TIMER_DELAY_LEVEL',
  BORN_HOST: '__BORNHOST',
  BORN_TIMESTAMP: 'BORN_TIMESTAMP',
  DLQ_ORIGIN_TOPIC: 'DLQ_ORIGIN_TOPIC',
  DLQ_ORIGIN_MESSAGE_ID: 'DLQ_ORIGIN_MESSAGE_ID',
  /** Reserved by the broker for the record CRC item (see record.ts); never set by producers. */
  CRC32: '__CRC32#',
} as const;
export type PropertyKey = (typeof PropertyKey)[keyof typeof PropertyKey];

export type PropertiesInput = ReadonlyMap<string, string> | Readonly<Record<string, string>>;

function isMap(props: PropertiesInput): props is ReadonlyMap<string, string> {
  return props instanceof Map;
}

function appendItem(out: string, name: string, value: string): string {
  assert(name.length > 0, 'property name must not be empty');
  assert(!name.includes(NAME_VALUE_SEPARATOR) && !name.includes(PROPERTY_SEPARATOR), `property name ${JSON.stringify(name)} contains a separator`);
  assert(!value.includes(PROPERTY_SEPARATOR), `value of property ${name} contains the property separator 0x02`);
  return out + name + NAME_VALUE_SEPARATOR + value + PROPERTY_SEPARATOR;
}

/**
 * Encodes properties in iteration order, every item terminated by 0x02 (so a non-empty result
 * always ends with 0x02). Like RocketMQ, an empty value is written but does not survive decoding.
 */
export function encodeProperties(props: PropertiesInput): string {
  let out = '';
  if (isMap(props)) {
    for (const [name, value] of props) out = appendItem(out, name, value);
  } else {
    for (const name of Object.keys(props)) out = appendItem(out, name, props[name]!);
  }
  return out;
}

/**
 * Decodes with RocketMQ's lenient rules: items are split on 0x02; the name runs to the first 0x01
 * searched from the item start; an item is kept only when that 0x01 lies inside it with a
 * non-empty name before it and a non-empty value after it (so items under 3 chars are dropped).
 * Anything else is silently skipped; a later duplicate name wins.
 */
export function decodeProperties(text: string): Map<string, string> {
  const map = new Map<string, string>();
  const len = text.length;
  let index = 0;
  while (index < len) {
    let itemEnd = text.indexOf(PROPERTY_SEPARATOR, index);
    if (itemEnd < 0) itemEnd = len;
    if (itemEnd - index >= 3) {
      const sep = text.indexOf(NAME_VALUE_SEPARATOR, index);
      if (sep > index && sep < itemEnd - 1) map.set(text.substring(index, sep), text.substring(sep + 1, itemEnd));
    }
    index = itemEnd + 1;
  }
  return map;
}

/** `decodeProperties` over UTF-8 bytes `[start, end)` of `buf`, without decoding the whole text first. */
export function decodePropertiesFromBytes(buf: Uint8Array, start: number, end: number): Map<string, string> {
  assert(start >= 0 && start <= end && end <= buf.length, `property range [${start}, ${end}) outside ${buf.length} bytes`);
  const bytes = Buffer.isBuffer(buf) ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  const map = new Map<string, string>();
  let index = start;
  while (index < end) {
    let itemEnd = index;
    while (itemEnd < end && bytes[itemEnd] !== PROPERTY_BYTE) itemEnd++;
    let sep = index;
    while (sep < itemEnd && bytes[sep] !== NAME_VALUE_BYTE) sep++;
    // Non-empty name and value imply the item holds at least 3 chars, as the text rule requires.
    if (sep > index && sep < itemEnd - 1) map.set(bytes.toString('utf8', index, sep), bytes.toString('utf8', sep + 1, itemEnd));
    index = itemEnd + 1;
  }
  return map;
}
