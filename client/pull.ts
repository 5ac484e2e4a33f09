/**
 * PULL_MESSAGE (FACTS 4.3-4.5): building the request and reading the answer. The body is the stored
 * records back to back (the commit-log format), read lazily by pulled-message.ts; the client re-checks
 * tags (tag codes are hashes and can collide) and inflates compressed bodies.
 *
 * Status mapping, as the Java client: 0 FOUND, 19 NO_NEW_MSG (long poll expired), 20 NO_MATCHED_MSG
 * (a scanned range held nothing for this filter; pull again at once), 21 OFFSET_ILLEGAL (jump to
 * nextBeginOffset). Other codes reject with a BrokerError.
 */
import { inflateSync } from 'node:zlib';
import type { DecodedMessage } from '../message';
import { SysFlag, checkRecord, formatHostAddress } from '../message';
import { PullMessageRequestHeader, PullMessageResponseHeader, PullSysFlag, RequestCode, ResponseCode, makeRequest } from '../protocol';
import type { RemotingClient } from '../remoting';
import { BrokerError, ClientError, ClientErrorCode } from './errors';
import { invoke } from './rpc';
import { decodePullBody } from './pulled-message';
import type { TagFilter } from './tags';
import { SUBSCRIBE_ALL } from './tags';
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
  const filter = params.filter;
  const decoded = decodePullBody(response.body, {
    after: params.offset - 1,
    before: nextBeginOffset,
    queue: params.queue,
    matches: filter.expression === SUBSCRIBE_ALL ? undefined : (tag) => filter.matches(tag),
    checkCrc: params.checkBodyCrc === true,
  });
  const messages: ReceivedMessage[] = decoded.messages;
  if (decoded.damagedAt < 0) return { ...base, messages };
  const why = describeDamage(response.body, decoded.damagedAt, params.checkBodyCrc === true);
  return { ...base, messages, corruption: new ClientError(ClientErrorCode.CORRUPT_MESSAGE, `${what}: record at byte ${decoded.damagedAt} of the pull body is damaged: ${why}`) };
}

/** Slow path, only for damaged bodies: what is wrong with the record at `offset`. */
function describeDamage(body: Buffer, offset: number, checkBodyCrc: boolean): string {
  const check = checkRecord(body, offset, body.length - offset, { checkBodyCrc, requireRecordCrc: false });
  switch (check.kind) {
    case 'invalid':
      return check.reason;
    case 'incomplete':
      return `truncated (needs ${check.needBytes} bytes)`;
    case 'blank':
      return 'unexpected end-of-segment marker';
    case 'record':
      return 'its length fields do not add up';
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
