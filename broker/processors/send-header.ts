/**
 * Reading the send request header on the hot path. SEND_MESSAGE (10) uses the long field names,
 * SEND_MESSAGE_V2 (310) and SEND_BATCH_MESSAGE (320) one letter per field (FACTS 4.1). This reader
 * takes the fields straight from `extFields` into one object, with the same rules and error texts as
 * the protocol's header codec (which builds an intermediate V2 object and converts it).
 */
import { RequestCode } from '../../protocol';

export interface SendHeader {
  readonly producerGroup: string;
  readonly topic: string;
  readonly defaultTopic: string;
  readonly defaultTopicQueueNums: number;
  readonly queueId: number;
  readonly sysFlag: number;
  readonly bornTimestamp: number;
  readonly flag: number;
  readonly properties: string;
  readonly reconsumeTimes: number;
  readonly unitMode: boolean;
  readonly maxReconsumeTimes: number | undefined;
  readonly batch: boolean;
}

type FieldName = 'producerGroup' | 'topic' | 'defaultTopic' | 'defaultTopicQueueNums' | 'queueId' | 'sysFlag' | 'bornTimestamp' | 'flag' | 'properties' | 'reconsumeTimes' | 'unitMode' | 'maxReconsumeTimes' | 'batch';

const V1_KEYS: Readonly<Record<FieldName, string>> = {
  producerGroup: 'producerGroup',
  topic: 'topic',
  defaultTopic: 'defaultTopic',
  defaultTopicQueueNums: 'defaultTopicQueueNums',
  queueId: 'queueId',
  sysFlag: 'sysFlag',
  bornTimestamp: 'bornTimestamp',
  flag: 'flag',
  properties: 'properties',
  reconsumeTimes: 'reconsumeTimes',
  unitMode: 'unitMode',
  maxReconsumeTimes: 'maxReconsumeTimes',
  batch: 'batch',
};

const V2_KEYS: Readonly<Record<FieldName, string>> = {
  producerGroup: 'a',
  topic: 'b',
  defaultTopic: 'c',
  defaultTopicQueueNums: 'd',
  queueId: 'e',
  sysFlag: 'f',
  bornTimestamp: 'g',
  flag: 'h',
  properties: 'i',
  reconsumeTimes: 'j',
  unitMode: 'k',
  maxReconsumeTimes: 'l',
  batch: 'm',
};

const INT32_MIN = -0x8000_0000;
const INT32_MAX = 0x7fff_ffff;

/** Decimal with an optional sign, like Java's Integer/Long.parseLong; NaN otherwise. */
function strictInteger(raw: string): number {
  const len = raw.length;
  if (len === 0 || len > 20) return NaN;
  let i = raw.charCodeAt(0) === 45 /* - */ || raw.charCodeAt(0) === 43 /* + */ ? 1 : 0;
  if (i === len) return NaN;
  for (; i < len; i++) {
    const c = raw.charCodeAt(i);
    if (c < 48 || c > 57) return NaN;
  }
  return Number(raw);
}

class HeaderReader {
  problem: string | undefined;

  constructor(
    private readonly ext: Readonly<Record<string, string>>,
    private readonly keys: Readonly<Record<FieldName, string>>,
    private readonly headerName: string,
  ) {}

  private raw(field: FieldName, required: boolean): string | undefined {
    const key = this.keys[field];
    const value = Object.prototype.hasOwnProperty.call(this.ext, key) ? this.ext[key] : undefined;
    if (value === undefined && required && this.problem === undefined) this.problem = `${this.headerName}: missing required field ${this.label(field)}`;
    return value;
  }

  private label(field: FieldName): string {
    const key = this.keys[field];
    return key === field ? field : `${key} (${field})`;
  }

  private bad(field: FieldName, what: string, raw: string): void {
    this.problem ??= `${this.headerName}: field ${this.label(field)} ${what}: ${JSON.stringify(raw)}`;
  }

  string(field: FieldName, required: boolean): string {
    return this.raw(field, required) ?? '';
  }

  int(field: FieldName, required: boolean, fallback: number): number {
    const raw = this.raw(field, required);
    if (raw === undefined) return fallback;
    const n = strictInteger(raw);
    if (!(n >= INT32_MIN && n <= INT32_MAX)) {
      this.bad(field, 'is not a 32-bit integer', raw);
      return fallback;
    }
    return n;
  }

  long(field: FieldName, required: boolean, fallback: number): number {
    const raw = this.raw(field, required);
    if (raw === undefined) return fallback;
    const n = strictInteger(raw);
    if (!Number.isSafeInteger(n)) {
      this.bad(field, 'is not an integer within +-2^53', raw);
      return fallback;
    }
    return n;
  }

  optionalInt(field: FieldName): number | undefined {
    return this.raw(field, false) === undefined ? undefined : this.int(field, false, 0);
  }

  bool(field: FieldName): boolean {
    const raw = this.raw(field, false);
    if (raw === undefined) return false;
    const lower = raw.toLowerCase();
    if (lower !== 'true' && lower !== 'false') this.bad(field, 'is not true or false', raw);
    return lower === 'true';
  }
}

/** The send header of a send request, or the text of the first problem (naming the field). */
export function readSendHeader(code: number, extFields: Readonly<Record<string, string>> | undefined): SendHeader | string {
  const v2 = code !== RequestCode.SEND_MESSAGE;
  const r = new HeaderReader(extFields ?? {}, v2 ? V2_KEYS : V1_KEYS, v2 ? 'SendMessageRequestHeaderV2' : 'SendMessageRequestHeader');
  const header: SendHeader = {
    producerGroup: r.string('producerGroup', true),
    topic: r.string('topic', true),
    defaultTopic: r.string('defaultTopic', true),
    defaultTopicQueueNums: r.int('defaultTopicQueueNums', true, 0),
    queueId: r.int('queueId', true, 0),
    sysFlag: r.int('sysFlag', true, 0),
    bornTimestamp: r.long('bornTimestamp', true, 0),
    flag: r.int('flag', true, 0),
    properties: r.string('properties', false),
    reconsumeTimes: r.int('reconsumeTimes', false, 0),
    unitMode: r.bool('unitMode'),
    maxReconsumeTimes: r.optionalInt('maxReconsumeTimes'),
    batch: r.bool('batch'),
  };
  return r.problem ?? header;
}
