/**
 * Requests consumers and producers make besides pulls (FACTS 6.1, 6.2, 6.6; CLIENTS 2.3-2.4, 2.8):
 * HEART_BEAT, UNREGISTER_CLIENT, GET_CONSUMER_LIST_BY_GROUP, QUERY/UPDATE_CONSUMER_OFFSET,
 * LOCK/UNLOCK_BATCH_MQ and CONSUMER_SEND_MSG_BACK (answered with a clear "not supported" for now).
 */
import { totalmem } from 'node:os';
import { RecordPos, retryTopicOf, validateTopicName } from '../../message';
import type { RemotingCommand } from '../../protocol';
import {
  GetConsumerListByGroupRequestHeader,
  PERM_READ,
  PERM_WRITE,
  QueryConsumerOffsetRequestHeader,
  RequestCode,
  ResponseCode,
  UnregisterClientRequestHeader,
  UpdateConsumerOffsetRequestHeader,
  encodeConsumerListBody,
  encodeLockBatchResponseBody,
  makeResponse,
  parseHeartbeatData,
  parseLockBatchRequestBody,
} from '../../protocol';
import type { RemotingConnection, RequestHandler } from '../../remoting';
import type { ConsumeContext } from './context';
import { MAX_LOCK_BATCH } from './locks';

/** Share of RAM upstream treats as "still in memory" (accessMessageInMemoryMaxRatio, 40 %). */
const IN_MEMORY_RATIO = 0.4;

export function clientHandlers(ctx: ConsumeContext): Map<number, RequestHandler> {
  return new Map<number, RequestHandler>([
    [RequestCode.HEART_BEAT, (request, connection) => heartbeat(ctx, request, connection)],
    [RequestCode.UNREGISTER_CLIENT, (request, connection) => unregisterClient(ctx, request, connection)],
    [RequestCode.GET_CONSUMER_LIST_BY_GROUP, (request) => consumerList(ctx, request)],
    [RequestCode.QUERY_CONSUMER_OFFSET, (request) => queryConsumerOffset(ctx, request)],
    [RequestCode.UPDATE_CONSUMER_OFFSET, (request) => updateConsumerOffset(ctx, request)],
    [RequestCode.LOCK_BATCH_MQ, (request) => lockBatch(ctx, request)],
    [RequestCode.UNLOCK_BATCH_MQ, (request) => unlockBatch(ctx, request)],
    [RequestCode.CONSUMER_SEND_MSG_BACK, (request) => sendMessageBack(request)],
  ]);
}

function heartbeat(ctx: ConsumeContext, request: RemotingCommand, connection: RemotingConnection): RemotingCommand {
  const data = parseHeartbeatData(request.body);
  if (!data.ok) return makeResponse(request, ResponseCode.SYSTEM_ERROR, data.error);
  const who = { connection, clientId: data.value.clientID, language: request.language, version: request.version };
  for (const consumer of data.value.consumerDataSet) {
    const config = ctx.groups.findOrCreate(consumer.groupName, ctx.options.autoCreateSubscriptionGroup);
    if (config !== undefined) ensureRetryTopic(ctx, consumer.groupName, config.retryQueueNums);
    const refused = ctx.consumers.registerConsumer(consumer, who);
    if (refused !== undefined) return makeResponse(request, ResponseCode.SYSTEM_ERROR, refused);
  }
  for (const producer of data.value.producerDataSet) {
    const refused = ctx.consumers.registerProducer(producer.groupName, who);
    if (refused !== undefined) return makeResponse(request, ResponseCode.SYSTEM_ERROR, refused);
  }
  return makeResponse(request, ResponseCode.SUCCESS);
}

/** `%RETRY%<group>` must exist (and reach the name server) for retried messages to be routable. */
function ensureRetryTopic(ctx: ConsumeContext, group: string, queueNums: number): void {
  const topic = retryTopicOf(group);
  if (ctx.topics.get(topic) !== undefined) return;
  const valid = validateTopicName(topic);
  if (!valid.ok) {
    ctx.logger.warn('consumer group name makes no valid retry topic; not created', { group, reason: valid.error });
    return;
  }
  try {
    ctx.topics.ensureTopic(topic, { readQueueNums: queueNums, writeQueueNums: queueNums, perm: PERM_READ | PERM_WRITE, topicSysFlag: 0 });
  } catch (error) {
    ctx.logger.warn('cannot create retry topic', { topic, error: error instanceof Error ? error.message : String(error) });
  }
}

function unregisterClient(ctx: ConsumeContext, request: RemotingCommand, connection: RemotingConnection): RemotingCommand {
  const header = UnregisterClientRequestHeader.parse(request.extFields);
  if (!header.ok) return makeResponse(request, ResponseCode.SYSTEM_ERROR, header.error);
  const { producerGroup, consumerGroup } = header.value;
  if (producerGroup !== undefined && producerGroup !== '') ctx.consumers.unregisterProducer(producerGroup, connection);
  if (consumerGroup !== undefined && consumerGroup !== '') ctx.consumers.unregisterConsumer(consumerGroup, connection);
  return makeResponse(request, ResponseCode.SUCCESS);
}

function consumerList(ctx: ConsumeContext, request: RemotingCommand): RemotingCommand {
  const header = GetConsumerListByGroupRequestHeader.parse(request.extFields);
  if (!header.ok) return makeResponse(request, ResponseCode.SYSTEM_ERROR, header.error);
  const ids = ctx.consumers.consumerIds(header.value.consumerGroup);
  if (ids === undefined || ids.length === 0) {
    return makeResponse(request, ResponseCode.SYSTEM_ERROR, `no consumer for this group, ${header.value.consumerGroup}`);
  }
  return makeResponse(request, ResponseCode.SUCCESS, undefined, { body: encodeConsumerListBody({ consumerIdList: ids }) });
}

function queryConsumerOffset(ctx: ConsumeContext, request: RemotingCommand): RemotingCommand {
  const header = QueryConsumerOffsetRequestHeader.parse(request.extFields);
  if (!header.ok) return makeResponse(request, ResponseCode.SYSTEM_ERROR, header.error);
  const { consumerGroup, topic, queueId, setZeroIfNotFound } = header.value;
  const committed = ctx.offsets.query(consumerGroup, topic, queueId);
  // A negative commit (ali-ons sends -1 for queues that never moved) reads as "none".
  if (committed !== undefined && committed >= 0) return offsetResponse(request, committed);
  const notFound = makeResponse(request, ResponseCode.QUERY_NOT_FOUND, 'Not found, V3_0_6_SNAPSHOT maybe this group consumer boot first');
  if (setZeroIfNotFound === false) return notFound;
  // Upstream answers 0 while the queue still starts at 0 and its first message is in memory, so a
  // new group reads a young topic from the start; otherwise the client applies consumeFromWhere.
  if (ctx.store.getMinQueueOffset(topic, queueId) <= 0 && !firstMessageOnDisk(ctx, topic, queueId)) return offsetResponse(request, 0);
  return notFound;
}

function offsetResponse(request: RemotingCommand, offset: number): RemotingCommand {
  return makeResponse(request, ResponseCode.SUCCESS, undefined, { extFields: { offset: String(offset) } });
}

/** Whether the record at queue offset 0 lies further behind the log's end than the in-memory share of RAM. */
function firstMessageOnDisk(ctx: ConsumeContext, topic: string, queueId: number): boolean {
  const result = ctx.store.getMessages({ topic, queueId, queueOffset: 0, maxCount: 1 });
  try {
    const record = result.records[0];
    if (record === undefined) return false;
    const commitLogOffset = Number(record.readBigInt64BE(RecordPos.PHYSICAL_OFFSET));
    return ctx.store.commitLogMaxOffset - commitLogOffset > totalmem() * IN_MEMORY_RATIO;
  } finally {
    result.release();
  }
}

function updateConsumerOffset(ctx: ConsumeContext, request: RemotingCommand): RemotingCommand {
  const header = UpdateConsumerOffsetRequestHeader.parse(request.extFields);
  if (!header.ok) return makeResponse(request, ResponseCode.SYSTEM_ERROR, header.error);
  const { consumerGroup, topic, queueId, commitOffset } = header.value;
  // A slave takes commits too (consumers turn to it while the master is unreachable) and remembers
  // them until its master has them.
  const committed = ctx.isSlave ? ctx.offsets.commitOnReplica(consumerGroup, topic, queueId, commitOffset) : ctx.offsets.commit(consumerGroup, topic, queueId, commitOffset);
  if (!committed) {
    return makeResponse(request, ResponseCode.SYSTEM_ERROR, 'consumer offset table is full');
  }
  return makeResponse(request, ResponseCode.SUCCESS);
}

function lockBatch(ctx: ConsumeContext, request: RemotingCommand): RemotingCommand {
  const body = parseLockBatchRequestBody(request.body);
  if (!body.ok) return makeResponse(request, ResponseCode.SYSTEM_ERROR, body.error);
  const { consumerGroup, clientId, mqSet } = body.value;
  if (mqSet.length > MAX_LOCK_BATCH) return makeResponse(request, ResponseCode.SYSTEM_ERROR, `more than ${MAX_LOCK_BATCH} queues in one lock request`);
  const locked = ctx.locks.lock(consumerGroup, clientId, mqSet);
  return makeResponse(request, ResponseCode.SUCCESS, undefined, { body: encodeLockBatchResponseBody({ lockOKMQSet: locked }) });
}

function unlockBatch(ctx: ConsumeContext, request: RemotingCommand): RemotingCommand {
  const body = parseLockBatchRequestBody(request.body);
  if (!body.ok) return makeResponse(request, ResponseCode.SYSTEM_ERROR, body.error);
  ctx.locks.unlock(body.value.consumerGroup, body.value.clientId, body.value.mqSet);
  return makeResponse(request, ResponseCode.SUCCESS);
}

/**
 * Retry topics are not built yet. A clear refusal makes Java and ali-ons clients fall back to
 * sending the message to `%RETRY%<group>` themselves (CLIENTS 2.3 step 7), which works today.
 */
function sendMessageBack(request: RemotingCommand): RemotingCommand {
  return makeResponse(
    request,
    ResponseCode.REQUEST_CODE_NOT_SUPPORTED,
    'CONSUMER_SEND_MSG_BACK is not supported by this broker yet (retry and DLQ topics are on the roadmap); resend the message to %RETRY%<group> instead',
  );
}
