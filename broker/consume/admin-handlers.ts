/**
 * Admin requests about consumption: GET_CONSUME_STATS (lag per queue), GET_CONSUMER_CONNECTION_LIST,
 * GET_ALL_CONSUMER_OFFSET, and the subscription group admin calls (create/update, delete, list).
 *
 * ConsumeStats is written as upstream's fastjson writes it, with MessageQueue objects as map keys
 * (`{"offsetTable":{{"brokerName":..,"queueId":0,"topic":..}:{...}}}`): Java admin tools read exactly
 * that, and `protocol`'s lenient parser reads it too.
 */
import { RecordPos, storeTimestampPos } from '../../message';
import type { RemotingCommand } from '../../protocol';
import { RequestCode, ResponseCode, makeResponse } from '../../protocol';
import type { RequestHandler } from '../../remoting';
import type { ConsumeContext } from './context';
import { DeleteSubscriptionGroupRequestHeader, GetConsumeStatsRequestHeader, GetConsumerConnectionListRequestHeader } from './headers';
import { parseGroupConfigBody } from './subscription-groups';

export function adminHandlers(ctx: ConsumeContext): Map<number, RequestHandler> {
  return new Map<number, RequestHandler>([
    [RequestCode.GET_CONSUME_STATS, (request) => consumeStats(ctx, request)],
    [RequestCode.GET_CONSUMER_CONNECTION_LIST, (request) => connectionList(ctx, request)],
    [RequestCode.GET_ALL_CONSUMER_OFFSET, (request) => allOffsets(ctx, request)],
    [RequestCode.GET_ALL_SUBSCRIPTIONGROUP_CONFIG, (request) => allGroups(ctx, request)],
    [RequestCode.UPDATE_AND_CREATE_SUBSCRIPTIONGROUP, (request) => updateGroup(ctx, request)],
    [RequestCode.DELETE_SUBSCRIPTIONGROUP, (request) => deleteGroup(ctx, request)],
  ]);
}

export interface OffsetWrapper {
  brokerOffset: number;
  consumerOffset: number;
  lastTimestamp: number;
}

export interface QueueConsumeStats {
  topic: string;
  queueId: number;
  offsets: OffsetWrapper;
}

/** Per queue of each topic: max offset, committed offset, store time of the last consumed message. */
export function computeConsumeStats(ctx: ConsumeContext, group: string, topicFilter: string | undefined): { queues: QueueConsumeStats[]; consumeTps: number } {
  const topics = topicFilter !== undefined && topicFilter !== '' ? [topicFilter] : ctx.offsets.topicsOfGroup(group).sort();
  const queues: QueueConsumeStats[] = [];
  let consumeTps = 0;
  const info = ctx.consumers.group(group);
  for (const topic of topics) {
    const config = ctx.topics.get(topic);
    if (config === undefined) continue;
    // Upstream skips topics an online group does not subscribe to (offsets left from old subscriptions).
    if (info !== undefined && info.subscriptions.size > 0 && !info.subscriptions.has(topic)) continue;
    for (let queueId = 0; queueId < config.readQueueNums; queueId++) {
      const brokerOffset = Math.max(0, ctx.store.getMaxQueueOffset(topic, queueId));
      const consumerOffset = Math.max(0, ctx.offsets.query(group, topic, queueId) ?? 0);
      const lastTimestamp = consumerOffset > 0 ? storeTimeAt(ctx, topic, queueId, consumerOffset - 1) : 0;
      queues.push({ topic, queueId, offsets: { brokerOffset, consumerOffset, lastTimestamp } });
    }
    consumeTps += ctx.consumeTps(topic, group);
  }
  return { queues, consumeTps };
}

function storeTimeAt(ctx: ConsumeContext, topic: string, queueId: number, queueOffset: number): number {
  const result = ctx.store.getMessages({ topic, queueId, queueOffset, maxCount: 1 });
  try {
    const record = result.records[0];
    if (record === undefined || result.queueOffsets[0] !== queueOffset) return 0;
    return Number(record.readBigInt64BE(storeTimestampPos(record.readInt32BE(RecordPos.SYS_FLAG))));
  } finally {
    result.release();
  }
}

export function encodeConsumeStats(brokerName: string, stats: { queues: QueueConsumeStats[]; consumeTps: number }): Buffer {
  const entries = stats.queues.map(({ topic, queueId, offsets }) => {
    const key = JSON.stringify({ brokerName, queueId, topic });
    const value = JSON.stringify({ brokerOffset: offsets.brokerOffset, consumerOffset: offsets.consumerOffset, lastTimestamp: offsets.lastTimestamp });
    return `${key}:${value}`;
  });
  return Buffer.from(`{"consumeTps":${Number.isFinite(stats.consumeTps) ? stats.consumeTps : 0},"offsetTable":{${entries.join(',')}}}`, 'utf8');
}

function consumeStats(ctx: ConsumeContext, request: RemotingCommand): RemotingCommand {
  const header = GetConsumeStatsRequestHeader.parse(request.extFields);
  if (!header.ok) return makeResponse(request, ResponseCode.SYSTEM_ERROR, header.error);
  const stats = computeConsumeStats(ctx, header.value.consumerGroup, header.value.topic);
  return makeResponse(request, ResponseCode.SUCCESS, undefined, { body: encodeConsumeStats(ctx.brokerName, stats) });
}

function connectionList(ctx: ConsumeContext, request: RemotingCommand): RemotingCommand {
  const header = GetConsumerConnectionListRequestHeader.parse(request.extFields);
  if (!header.ok) return makeResponse(request, ResponseCode.SYSTEM_ERROR, header.error);
  const group = header.value.consumerGroup;
  const info = ctx.consumers.group(group);
  if (info === undefined) return makeResponse(request, ResponseCode.CONSUMER_NOT_ONLINE, `the consumer group[${group}] not online`);
  const connectionSet = [...info.channels.values()]
    .map((c) => ({ clientAddr: c.connection.remoteAddress, clientId: c.clientId, language: c.language, version: c.version }))
    .sort((a, b) => (a.clientId < b.clientId ? -1 : a.clientId > b.clientId ? 1 : 0));
  const subscriptionTable: Record<string, unknown> = {};
  for (const [topic, sub] of info.subscriptions) subscriptionTable[topic] = sub.data;
  const body = {
    connectionSet,
    consumeFromWhere: info.consumeFromWhere,
    consumeType: info.consumeType,
    messageModel: info.messageModel,
    subscriptionTable,
  };
  return makeResponse(request, ResponseCode.SUCCESS, undefined, { body: Buffer.from(JSON.stringify(body), 'utf8') });
}

function allOffsets(ctx: ConsumeContext, request: RemotingCommand): RemotingCommand {
  const body = JSON.stringify({ offsetTable: ctx.offsets.toJson() });
  return makeResponse(request, ResponseCode.SUCCESS, undefined, { body: Buffer.from(body, 'utf8') });
}

function allGroups(ctx: ConsumeContext, request: RemotingCommand): RemotingCommand {
  return makeResponse(request, ResponseCode.SUCCESS, undefined, { body: Buffer.from(JSON.stringify(ctx.groups.toJson()), 'utf8') });
}

async function updateGroup(ctx: ConsumeContext, request: RemotingCommand): Promise<RemotingCommand> {
  const config = parseGroupConfigBody(request.body);
  if (!config.ok) return makeResponse(request, ResponseCode.SYSTEM_ERROR, config.error);
  ctx.groups.put(config.value);
  ctx.logger.info('subscription group created or updated', { group: config.value.groupName });
  await ctx.persistGroups();
  return makeResponse(request, ResponseCode.SUCCESS);
}

async function deleteGroup(ctx: ConsumeContext, request: RemotingCommand): Promise<RemotingCommand> {
  const header = DeleteSubscriptionGroupRequestHeader.parse(request.extFields);
  if (!header.ok) return makeResponse(request, ResponseCode.SYSTEM_ERROR, header.error);
  const { groupName, cleanOffset } = header.value;
  ctx.groups.delete(groupName);
  ctx.logger.info('subscription group deleted', { group: groupName, cleanOffset: cleanOffset === true });
  await ctx.persistGroups();
  if (cleanOffset === true) {
    ctx.offsets.removeGroup(groupName);
    await ctx.persistOffsets();
  }
  return makeResponse(request, ResponseCode.SUCCESS);
}
