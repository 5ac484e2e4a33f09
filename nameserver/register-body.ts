/**
 * The REGISTER_BROKER body (FACTS 5.1) in both forms a Java broker sends: JSON (`compressed=false`,
 * the default) and the compressed form (`compressedRegister=true`): a zlib stream of
 *   int32 len + DataVersion JSON | int32 topicCount | per topic: int32 len + TopicConfig text
 *   | int32 len + filter server list JSON | (5.x) int32 count + per entry int32 len + mapping JSON
 * where the TopicConfig text is `name readQueueNums writeQueueNums perm filterType [attributesJson]`
 * separated by single spaces (topicSysFlag and order are not carried; they read as 0 and false).
 * Integers are big-endian. Static-topic mappings (5.x) are skipped: we do not serve static topics.
 */
import { crc32, inflateSync } from 'node:zlib';
import type { DataVersion } from '../protocol';
import { parseDataVersion, parseRegisterBrokerBody } from '../protocol';
import type { Result } from '../stdx';
import { err, ok } from '../stdx';
import type { TopicQueueConfig } from './route-table';

export interface DecodedRegisterBody {
  readonly topicConfigs: TopicQueueConfig[];
  readonly dataVersion: DataVersion;
  readonly filterServerList: string[];
}

/** A compressed body may not inflate beyond this (a zip bomb is a malformed request). */
export const MAX_INFLATED_REGISTER_BODY_BYTES = 64 * 1024 * 1024;

/** `UtilAll.crc32`: CRC32 of the body masked to 31 bits; an absent body counts as 0. */
export function registerBodyCrc32(body: Buffer | undefined): number {
  return body === undefined || body.length === 0 ? 0 : crc32(body) & 0x7fffffff;
}

/** A broker without a body registers no topics (RocketMQ resets the dataVersion to zero then). */
export function decodeRegisterBody(body: Buffer | undefined, compressed: boolean): Result<DecodedRegisterBody, string> {
  if (body === undefined || body.length === 0) {
    return ok({ topicConfigs: [], dataVersion: { counter: 0, stateVersion: 0, timestamp: 0 }, filterServerList: [] });
  }
  return compressed ? decodeCompressed(body) : decodeJson(body);
}

function decodeJson(body: Buffer): Result<DecodedRegisterBody, string> {
  const parsed = parseRegisterBrokerBody(body);
  if (!parsed.ok) return parsed;
  const wrapper = parsed.value.topicConfigSerializeWrapper;
  return ok({
    topicConfigs: Object.values(wrapper.topicConfigTable),
    dataVersion: wrapper.dataVersion,
    filterServerList: parsed.value.filterServerList,
  });
}

class Reader {
  private offset = 0;
  constructor(private readonly bytes: Buffer) {}

  get remaining(): number {
    return this.bytes.length - this.offset;
  }

  int32(what: string): Result<number, string> {
    if (this.remaining < 4) return err(`compressed register body ends inside ${what}`);
    const value = this.bytes.readInt32BE(this.offset);
    this.offset += 4;
    return ok(value);
  }

  /** int32 length + that many UTF-8 bytes. */
  text(what: string): Result<string, string> {
    const length = this.int32(`the length of ${what}`);
    if (!length.ok) return length;
    if (length.value < 0 || length.value > this.remaining) return err(`compressed register body: ${what} length ${length.value} is out of range`);
    const text = this.bytes.toString('utf8', this.offset, this.offset + length.value);
    this.offset += length.value;
    return ok(text);
  }
}

function inflate(body: Buffer): Result<Buffer, string> {
  try {
    return ok(inflateSync(body, { maxOutputLength: MAX_INFLATED_REGISTER_BODY_BYTES }));
  } catch (e) {
    return err(`compressed register body does not inflate: ${(e as Error).message}`);
  }
}

function decodeCompressed(body: Buffer): Result<DecodedRegisterBody, string> {
  const inflated = inflate(body);
  if (!inflated.ok) return inflated;
  const reader = new Reader(inflated.value);
  const versionText = reader.text('the data version');
  if (!versionText.ok) return versionText;
  const dataVersion = parseDataVersion(Buffer.from(versionText.value, 'utf8'));
  if (!dataVersion.ok) return dataVersion;
  const count = reader.int32('the topic count');
  if (!count.ok) return count;
  // Each topic takes at least its 4-byte length: a larger count cannot be honest.
  if (count.value < 0 || count.value > reader.remaining / 4) return err(`compressed register body: topic count ${count.value} is out of range`);
  const topicConfigs: TopicQueueConfig[] = [];
  for (let i = 0; i < count.value; i++) {
    const text = reader.text(`topic config ${i}`);
    if (!text.ok) return text;
    const config = parseTopicConfigText(text.value);
    if (!config.ok) return err(`compressed register body: topic config ${i}: ${config.error}`);
    topicConfigs.push(config.value);
  }
  const filterText = reader.text('the filter server list');
  if (!filterText.ok) return filterText;
  const filterServerList = parseStringArray(filterText.value);
  if (!filterServerList.ok) return filterServerList;
  return ok({ topicConfigs, dataVersion: dataVersion.value, filterServerList: filterServerList.value });
}

const FILTER_TYPES = new Set(['SINGLE_TAG', 'MULTI_TAG']);

/** `TopicConfig.decode`: space-separated name, read and write queue counts, perm, filter type. */
export function parseTopicConfigText(text: string): Result<TopicQueueConfig, string> {
  const parts = text.split(' ');
  if (parts.length < 5) return err(`${JSON.stringify(text)} has fewer than 5 fields`);
  const [topicName, read, write, perm, filterType] = parts as [string, string, string, string, string];
  const numbers = [read, write, perm].map((s) => (/^-?\d{1,10}$/.test(s) ? Number(s) : NaN));
  if (topicName.length === 0 || numbers.some((n) => !Number.isSafeInteger(n)) || !FILTER_TYPES.has(filterType)) {
    return err(`${JSON.stringify(text)} is not "name readQueueNums writeQueueNums perm filterType"`);
  }
  const [readQueueNums, writeQueueNums, permValue] = numbers as [number, number, number];
  return ok({ topicName, readQueueNums, writeQueueNums, perm: permValue, topicSysFlag: 0 });
}

function parseStringArray(text: string): Result<string[], string> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return err('compressed register body: the filter server list is not JSON');
  }
  if (value === null) return ok([]);
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) return err('compressed register body: the filter server list is not an array of strings');
  return ok(value as string[]);
}
