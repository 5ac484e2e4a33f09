/**
 * PULL_MESSAGE (FACTS 4.3-4.5): building the request and reading the answer. The body is the stored
 * records back to back (the commit-log format), decoded with message/'s codec; the client re-checks
 * tags (tag codes are hashes and can collide) and inflates compressed bodies.
 *
 * Status mapping, as the Java client: 0 FOUND, 19 NO_NEW_MSG (long poll expired), 20 NO_MATCHED_MSG
 * (a scanned range held nothing for this filter; pull again at once), 21 OFFSET_ILLEGAL (jump to
 * nextBeginOffset). Other codes reject with a BrokerError.
 */
import { inflateSync } from 'node:zlib';
import type { DecodedMessage } from '../message';
import { SysFlag, checkRecord, decodeRecord, decodeRecords, formatHostAddress } from '../message';
import { PullMessageRequestHeader, PullMessageResponseHeader, PullSysFlag, RequestCode, ResponseCode, makeRequest } from '../protocol';
import type { RemotingClient } from '../remoting';
import { BrokerError, ClientError, ClientErrorCode } from './errors';
import { invoke } from './rpc';
import type { TagFilter } from './tags';
import type { MessageQueue, ReceivedMessage } from './types';

export const PullStatus = {
  FOUND: 'FOUND',
  NO_NEW_MSG: 'NO_NEW_MSG',
  NO_MATCHED_MSG: 'NO_MATCHED_MSG',
  OFFSET_ILLEGAL: 'OFFSET_ILLEGAL',
} as const;
export type PullStatus = (typeof PullStatus)[keyof typeof PullStatus];

export interface PullResult {
  readonly status: PullStatus;
  /** Messages at or after the requested offset that pass the tag filter, ascending. */
  readonly messages: ReceivedMessage[];
  /** Where the next pull of this queue starts. */
  readonly nextBeginOffset: number;
  readonly minOffset: number;
  readonly maxOffset: number;
  /** The replica the broker suggests for the next pull (0 = master). */
  readonly suggestWhichBrokerId: number;
  /** Set when records failed their checks: `messages` holds those before the damage. */
  readonly corruption?: ClientError;
}

export interface PullParams {
  readonly group: string;
  readonly queue: MessageQueue;
  readonly offset: number;
  readonly maxNums: number;
  readonly filter: TagFilter;
  /** The subscription's version (a timestamp); brokers refuse versions newer than the one registered. */
  readonly subVersion: number;
  /** Broker may hold the request this long waiting for messages; 0 = answer at once. */
  readonly suspendMs: number;
  /** Consumer offset to store on the broker with this pull (clustering, master only). */
  readonly commitOffset?: number;
  readonly checkBodyCrc?: boolean;
}

export function pullRequest(params: PullParams): ReturnType<typeof makeRequest> {
  let sysFlag = PullSysFlag.SUBSCRIPTION;
  if (params.suspendMs > 0) sysFlag |= PullSysFlag.SUSPEND;
  if (params.commitOffset !== undefined) sysFlag |= PullSysFlag.COMMIT_OFFSET;
  return makeRequest(RequestCode.PULL_MESSAGE, {
    extFields: PullMessageRequestHeader.format({
      consumerGroup: params.group,
      topic: params.queue.topic,
      queueId: params.queue.queueId,
      queueOffset: params.offset,
      maxMsgNums: params.maxNums,
      sysFlag,
      commitOffset: params.commitOffset ?? 0,
      suspendTimeoutMillis: params.suspendMs,
      subscription: params.filter.expression,
      subVersion: params.subVersion,
      expressionType: 'TAG',
    }),
  });
}

const STATUS_BY_CODE: ReadonlyMap<number, PullStatus> = new Map<number, PullStatus>([
  [ResponseCode.SUCCESS, PullStatus.FOUND],
  [ResponseCode.PULL_NOT_FOUND, PullStatus.NO_NEW_MSG],
  [ResponseCode.PULL_RETRY_IMMEDIATELY, PullStatus.NO_MATCHED_MSG],
  [ResponseCode.PULL_OFFSET_MOVED, PullStatus.OFFSET_ILLEGAL],
]);

/** One pull; `timeoutMs` must exceed `suspendMs` or long polls time out on the client first. */
export async function pullMessages(remoting: RemotingClient, addr: string, params: PullParams, timeoutMs: number): Promise<PullResult> {
  const what = `pull ${params.queue.topic}/${params.queue.brokerName}/${params.queue.queueId}@${params.offset}`;
  const response = await invoke(remoting, addr, pullRequest(params), timeoutMs, what);
  const status = STATUS_BY_CODE.get(response.code);
  if (status === undefined) throw new BrokerError(response.code, response.remark, addr, what);
  const header = PullMessageResponseHeader.parse(response.extFields);
  if (!header.ok) throw new ClientError(ClientErrorCode.BAD_RESPONSE, `${what}: ${header.error}`);
  const { nextBeginOffset, minOffset, maxOffset, suggestWhichBrokerId } = header.value;
  const base = { status, nextBeginOffset, minOffset, maxOffset, suggestWhichBrokerId };
  if (status !== PullStatus.FOUND || response.body === undefined) return { ...base, messages: [] };
  const decoded = decodeBody(response.body, params.checkBodyCrc === true);
  const messages: ReceivedMessage[] = [];
  let last = params.offset - 1;
  for (const record of decoded.records) {
    // Keep only what this pull asked for, in order; a misbehaving broker must not confuse offset tracking.
    if (record.queueOffset <= last || record.queueOffset >= nextBeginOffset || record.queueId !== params.queue.queueId) continue;
    last = record.queueOffset;
    const message = toReceivedMessage(record, params.queue);
    if (params.filter.matches(message.tags)) messages.push(message);
  }
  const corruption = decoded.error === undefined ? undefined : new ClientError(ClientErrorCode.CORRUPT_MESSAGE, `${what}: ${decoded.error}`);
  return corruption === undefined ? { ...base, messages } : { ...base, messages, corruption };
}

/** Decodes records; on damage keeps the intact prefix and says what went wrong. */
function decodeBody(body: Buffer, checkBodyCrc: boolean): { records: DecodedMessage[]; error?: string } {
  try {
    return { records: decodeRecords(body, { checkBodyCrc }) };
  } catch {
    // Slow path, only for damaged bodies: find where the damage starts.
    const records: DecodedMessage[] = [];
    let offset = 0;
    while (offset < body.length) {
      const check = checkRecord(body, offset, body.length - offset, { checkBodyCrc, requireRecordCrc: false });
      if (check.kind !== 'record') {
        const why = check.kind === 'invalid' ? check.reason : check.kind === 'incomplete' ? `truncated (needs ${check.needBytes} bytes)` : 'unexpected end-of-segment marker';
        return { records, error: `record at byte ${offset} of the pull body is damaged: ${why}` };
      }
      records.push(decodeRecord(body, offset));
      offset += check.size;
    }
    return { records };
  }
}

export function toReceivedMessage(record: DecodedMessage, queue: MessageQueue): ReceivedMessage {
  const properties: Record<string, string> = {};
  for (const [key, value] of record.properties) properties[key] = value;
  const keys = properties.KEYS;
  let body = record.body;
  if ((record.sysFlag & SysFlag.COMPRESSED) !== 0) {
    // 4.x writes zlib with no type bits; 5.x marks zlib as type 3 (LZ4 1 / ZSTD 2 are not supported here).
    const type = (record.sysFlag & SysFlag.COMPRESSION_TYPE_MASK) >> 8;
    if (type === 0 || type === 3) body = inflateSync(body);
  }
  return {
    topic: record.topic,
    body,
    tags: properties.TAGS,
    keys: keys === undefined ? [] : keys.split(' ').filter((k) => k !== ''),
    properties,
    msgId: properties.UNIQ_KEY ?? record.msgId,
    offsetMsgId: record.msgId,
    queue: queue.topic === record.topic ? queue : { ...queue, topic: record.topic },
    queueOffset: record.queueOffset,
    commitLogOffset: record.commitLogOffset,
    bornTimestamp: record.bornTimestamp,
    storeTimestamp: record.storeTimestamp,
    bornHost: formatHostAddress(record.bornHost),
    storeHost: formatHostAddress(record.storeHost),
    reconsumeTimes: record.reconsumeTimes,
    flag: record.flag,
    sysFlag: record.sysFlag,
  };
}
