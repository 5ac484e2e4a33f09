/**
 * The broker calls consumers make besides pulling (FACTS 6.1, 6.2): heartbeat, group membership,
 * consumer offsets, queue offsets, unregister. Each resolves with a plain value or rejects with a
 * ClientError.
 */
import type { BrokerData, ConsumerData, SubscriptionData } from '../protocol';
import {
  GetMaxOffsetRequestHeader,
  MASTER_ID,
  GetMinOffsetRequestHeader,
  OffsetResponseHeader,
  QueryConsumerOffsetRequestHeader,
  RequestCode,
  ResponseCode,
  SearchOffsetRequestHeader,
  UpdateConsumerOffsetRequestHeader,
  encodeHeartbeatData,
  encodeLockBatchRequestBody,
  makeRequest,
  parseConsumerListBody,
  parseLockBatchResponseBody,
} from '../protocol';
import type { RemotingClient } from '../remoting';
import { ClientError, ClientErrorCode, fromRemotingError } from './errors';
import { invokeExpect, request } from './rpc';
import type { TagFilter } from './tags';
import type { MessageQueue } from './types';

export const ConsumeFromWhere = {
  last: 'CONSUME_FROM_LAST_OFFSET',
  first: 'CONSUME_FROM_FIRST_OFFSET',
  timestamp: 'CONSUME_FROM_TIMESTAMP',
} as const;
export type ConsumeFrom = keyof typeof ConsumeFromWhere;

export interface Subscription {
  readonly topic: string;
  readonly filter: TagFilter;
  /** When the subscription was made (ms); sent as subVersion. */
  readonly version: number;
}

export function subscriptionData(sub: Subscription): SubscriptionData {
  return {
    topic: sub.topic,
    subString: sub.filter.expression,
    classFilterMode: false,
    tagsSet: [...sub.filter.tags],
    codeSet: [...sub.filter.codes],
    subVersion: sub.version,
    expressionType: 'TAG',
  };
}

export interface HeartbeatParams {
  readonly clientId: string;
  readonly group: string;
  readonly consumeType: 'CONSUME_PASSIVELY' | 'CONSUME_ACTIVELY';
  readonly messageModel: 'CLUSTERING' | 'BROADCASTING';
  readonly consumeFrom: ConsumeFrom;
  readonly subscriptions: readonly Subscription[];
}

export async function sendHeartbeat(remoting: RemotingClient, addr: string, params: HeartbeatParams, timeoutMs: number): Promise<void> {
  const consumer: ConsumerData = {
    groupName: params.group,
    consumeType: params.consumeType,
    messageModel: params.messageModel,
    consumeFromWhere: ConsumeFromWhere[params.consumeFrom],
    subscriptionDataSet: params.subscriptions.map(subscriptionData),
    unitMode: false,
  };
  const body = encodeHeartbeatData({ clientID: params.clientId, producerDataSet: [], consumerDataSet: [consumer] });
  await invokeExpect(remoting, addr, makeRequest(RequestCode.HEART_BEAT, { body }), timeoutMs, `heartbeat of ${params.group}`);
}

export async function unregisterConsumer(remoting: RemotingClient, addr: string, clientId: string, group: string, timeoutMs: number): Promise<void> {
  await invokeExpect(remoting, addr, request(RequestCode.UNREGISTER_CLIENT, { clientID: clientId, consumerGroup: group }), timeoutMs, `unregister from ${group}`);
}

/** Client ids of the group's live members, as the broker knows them. */
export async function consumerIdsOf(remoting: RemotingClient, addr: string, group: string, timeoutMs: number): Promise<string[]> {
  const response = await invokeExpect(remoting, addr, request(RequestCode.GET_CONSUMER_LIST_BY_GROUP, { consumerGroup: group }), timeoutMs, `members of ${group}`);
  const body = parseConsumerListBody(response.body);
  if (!body.ok) throw new ClientError(ClientErrorCode.BAD_RESPONSE, `members of ${group} from ${addr}: ${body.error}`);
  return body.value.consumerIdList;
}

/** The group's members from the first broker (by name) that answers. */
export async function consumerIdsFromAny(remoting: RemotingClient, brokers: ReadonlyMap<string, BrokerData>, group: string, timeoutMs: number): Promise<string[]> {
  let lastError: unknown = new ClientError(ClientErrorCode.NO_AVAILABLE_QUEUE, `no broker to ask for the members of ${group}`);
  for (const name of [...brokers.keys()].sort()) {
    const addr = brokers.get(name)!.brokerAddrs[MASTER_ID] ?? Object.values(brokers.get(name)!.brokerAddrs)[0];
    if (addr === undefined) continue;
    try {
      return await consumerIdsOf(remoting, addr, group, timeoutMs);
    } catch (error) {
      lastError = error;
    }
  }
  throw lastError;
}

function offsetOf(response: { extFields?: Record<string, string> }, what: string): number {
  const header = OffsetResponseHeader.parse(response.extFields);
  if (!header.ok) throw new ClientError(ClientErrorCode.BAD_RESPONSE, `${what}: ${header.error}`);
  return header.value.offset;
}

/** The group's committed offset of a queue, or undefined when the broker has none (or a negative one). */
export async function queryConsumerOffset(remoting: RemotingClient, addr: string, group: string, queue: MessageQueue, timeoutMs: number): Promise<number | undefined> {
  const what = `consumer offset of ${group} on ${queue.topic}/${queue.brokerName}/${queue.queueId}`;
  const req = makeRequest(RequestCode.QUERY_CONSUMER_OFFSET, {
    extFields: QueryConsumerOffsetRequestHeader.format({ consumerGroup: group, topic: queue.topic, queueId: queue.queueId }),
  });
  const response = await invokeExpect(remoting, addr, req, timeoutMs, what, [ResponseCode.SUCCESS, ResponseCode.QUERY_NOT_FOUND]);
  if (response.code === ResponseCode.QUERY_NOT_FOUND) return undefined;
  const offset = offsetOf(response, what);
  return offset >= 0 ? offset : undefined;
}

function updateOffsetRequest(group: string, queue: MessageQueue, offset: number, oneway: boolean): ReturnType<typeof makeRequest> {
  return makeRequest(RequestCode.UPDATE_CONSUMER_OFFSET, {
    oneway,
    extFields: UpdateConsumerOffsetRequestHeader.format({ consumerGroup: group, topic: queue.topic, queueId: queue.queueId, commitOffset: offset }),
  });
}

export async function updateConsumerOffset(remoting: RemotingClient, addr: string, group: string, queue: MessageQueue, offset: number, timeoutMs: number): Promise<void> {
  await invokeExpect(remoting, addr, updateOffsetRequest(group, queue, offset, false), timeoutMs, `commit offset ${offset} of ${queue.topic}/${queue.brokerName}/${queue.queueId}`);
}

export async function updateConsumerOffsetOneway(remoting: RemotingClient, addr: string, group: string, queue: MessageQueue, offset: number, timeoutMs: number): Promise<void> {
  const result = await remoting.invokeOneway(addr, updateOffsetRequest(group, queue, offset, true), timeoutMs);
  if (!result.ok) throw fromRemotingError(result.error, `commit offset of ${queue.topic}/${queue.brokerName}/${queue.queueId}`);
}

export async function maxOffsetOf(remoting: RemotingClient, addr: string, queue: MessageQueue, timeoutMs: number): Promise<number> {
  const what = `max offset of ${queue.topic}/${queue.brokerName}/${queue.queueId}`;
  const req = makeRequest(RequestCode.GET_MAX_OFFSET, { extFields: GetMaxOffsetRequestHeader.format({ topic: queue.topic, queueId: queue.queueId }) });
  return offsetOf(await invokeExpect(remoting, addr, req, timeoutMs, what), what);
}

export async function minOffsetOf(remoting: RemotingClient, addr: string, queue: MessageQueue, timeoutMs: number): Promise<number> {
  const what = `min offset of ${queue.topic}/${queue.brokerName}/${queue.queueId}`;
  const req = makeRequest(RequestCode.GET_MIN_OFFSET, { extFields: GetMinOffsetRequestHeader.format({ topic: queue.topic, queueId: queue.queueId }) });
  return offsetOf(await invokeExpect(remoting, addr, req, timeoutMs, what), what);
}

/** The first queue offset whose message was stored at or after `timestamp`. */
export async function searchOffset(remoting: RemotingClient, addr: string, queue: MessageQueue, timestamp: number, timeoutMs: number): Promise<number> {
  const what = `offset at ${timestamp} of ${queue.topic}/${queue.brokerName}/${queue.queueId}`;
  const req = makeRequest(RequestCode.SEARCH_OFFSET_BY_TIMESTAMP, {
    extFields: SearchOffsetRequestHeader.format({ topic: queue.topic, queueId: queue.queueId, timestamp }),
  });
  return offsetOf(await invokeExpect(remoting, addr, req, timeoutMs, what), what);
}

/** LOCK_BATCH_MQ (FACTS 6.6): tries to lock `queues` for this client; returns the ones it now holds. */
export async function lockQueues(remoting: RemotingClient, addr: string, group: string, clientId: string, queues: readonly MessageQueue[], timeoutMs: number): Promise<MessageQueue[]> {
  const body = encodeLockBatchRequestBody({ consumerGroup: group, clientId, onlyThisBroker: false, mqSet: queues.map((q) => ({ topic: q.topic, brokerName: q.brokerName, queueId: q.queueId })) });
  const response = await invokeExpect(remoting, addr, makeRequest(RequestCode.LOCK_BATCH_MQ, { body }), timeoutMs, `lock ${queues.length} queues of ${group}`);
  const parsed = parseLockBatchResponseBody(response.body);
  if (!parsed.ok) throw new ClientError(ClientErrorCode.BAD_RESPONSE, `lock answer from ${addr}: ${parsed.error}`);
  return parsed.value.lockOKMQSet;
}

/** UNLOCK_BATCH_MQ: gives the locks back so the next owner need not wait for them to lapse. */
export async function unlockQueues(remoting: RemotingClient, addr: string, group: string, clientId: string, queues: readonly MessageQueue[], timeoutMs: number): Promise<void> {
  const body = encodeLockBatchRequestBody({ consumerGroup: group, clientId, onlyThisBroker: false, mqSet: queues.map((q) => ({ topic: q.topic, brokerName: q.brokerName, queueId: q.queueId })) });
  await invokeExpect(remoting, addr, makeRequest(RequestCode.UNLOCK_BATCH_MQ, { body }), timeoutMs, `unlock ${queues.length} queues of ${group}`);
}
