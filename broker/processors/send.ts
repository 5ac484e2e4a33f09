/**
 * SEND_MESSAGE (10), SEND_MESSAGE_V2 (310) and SEND_BATCH_MESSAGE (320): the hot path.
 *
 * Checks follow RocketMQ's send processor (FACTS 4.2): forbidden system topic -> NO_PERMISSION;
 * name too long -> MESSAGE_ILLEGAL, otherwise invalid -> INVALID_PARAMETER; unknown topic ->
 * auto-created from the request's template topic when allowed (retry topics always), else
 * TOPIC_NOT_EXIST; queueId beyond the topic's queues -> INVALID_PARAMETER, negative -> a random
 * writable queue; body above maxMessageSize -> MESSAGE_ILLEGAL. A retry-topic message that used up
 * its reconsume times goes to the group's dead-letter topic instead.
 *
 * Replication (broker/ha) gates it: a broker that is not a writable master answers
 * SERVICE_NOT_AVAILABLE ("not master") before anything is stored; under sync replication a stored
 * message is answered once enough slaves hold it, else SLAVE_NOT_AVAILABLE or FLUSH_SLAVE_TIMEOUT
 * (RocketMQ's codes for "stored on the master, not replicated").
 *
 * Cost per request: one header read straight from extFields, one topic lookup, a few substring
 * searches in the properties text; batch items are handed to the store as the codec sliced them.
 */
import type { RemotingCommand } from '../../protocol';
import { ResponseCode, isWritable, PERM_READ, PERM_WRITE } from '../../protocol';
import type { RemotingConnection } from '../../remoting';
import {
  PropertyKey,
  SysFlag,
  TOPIC_MAX_LENGTH,
  decodeBatchBody,
  dlqTopicOf,
  isDlqTopic,
  isNotAllowedSendTopic,
  isRetryTopic,
  validateTopicName,
  RETRY_TOPIC_PREFIX,
} from '../../message';
import type { TopicConfig } from '../../protocol';
import type { PutMessageResult } from '../store';
import { PutStatus } from '../store';
import { messageTypeOf } from '../metadata';
import type { ProcessorContext } from './context';
import { appendProperty, needleOf, propertyValue } from './message-properties';
import { invalidHeader, respond } from './responses';
import type { SendHeader } from './send-header';
import { readSendHeader } from './send-header';

/** RocketMQ's broker answers every send with these two ext fields (regionId, traceOn defaults). */
const MSG_REGION = 'DefaultRegion';
const TRACE_ON = 'true';
/** SubscriptionGroupConfig.retryMaxTimes, used when the request does not say. */
const DEFAULT_MAX_RECONSUME_TIMES = 16;
const RETRY_PERM = PERM_READ | PERM_WRITE;
const EMPTY_BODY = Buffer.alloc(0);

const WAIT_NEEDLE = needleOf(PropertyKey.WAIT);
const UNIQ_KEY_NEEDLE = needleOf(PropertyKey.UNIQ_KEY);
const CLUSTER_NEEDLE = needleOf(PropertyKey.CLUSTER);
const DELAY_NEEDLE = needleOf(PropertyKey.DELAY);
const TRAN_MSG_NEEDLE = needleOf(PropertyKey.TRAN_MSG);

/** Where a message goes once topic and queue are settled. */
interface Target {
  readonly topic: string;
  readonly config: TopicConfig;
  readonly queueId: number;
}

export class SendProcessor {
  constructor(private readonly ctx: ProcessorContext) {}

  /** SEND_MESSAGE and SEND_MESSAGE_V2. */
  readonly sendMessage = async (request: RemotingCommand, connection: RemotingConnection): Promise<RemotingCommand> => {
    const notMaster = this.notMaster(request);
    if (notMaster !== undefined) return notMaster;
    const header = readSendHeader(request.code, request.extFields);
    if (typeof header === 'string') return invalidHeader(request, header);
    const body = request.body ?? EMPTY_BODY;
    if (body.length > this.ctx.config.maxMessageSize) {
      return respond(request, ResponseCode.MESSAGE_ILLEGAL, `message body of ${body.length} bytes exceeds maxMessageSize ${this.ctx.config.maxMessageSize}`);
    }
    let properties = header.properties;
    if (isTransactional(header.sysFlag, properties)) {
      return respond(request, ResponseCode.NO_PERMISSION, `broker ${this.ctx.config.brokerName} does not accept transactional messages yet`);
    }
    const target = this.resolveTarget(request, header);
    if (!('queueId' in target)) return target;
    let uniqKey = propertyValue(properties, UNIQ_KEY_NEEDLE);
    if (uniqKey === undefined) {
      uniqKey = this.ctx.uniqIds.next();
      properties = appendProperty(properties, PropertyKey.UNIQ_KEY, uniqKey);
    }
    if (propertyValue(properties, CLUSTER_NEEDLE) === undefined) properties = appendProperty(properties, PropertyKey.CLUSTER, this.ctx.config.brokerClusterName);
    const result = await this.ctx.store.putMessage({
      topic: target.topic,
      queueId: target.queueId,
      flag: header.flag,
      body,
      properties,
      sysFlag: header.sysFlag,
      bornTimestamp: header.bornTimestamp,
      bornHost: this.ctx.bornHostOf(connection),
      storeHost: this.ctx.storeHost,
      reconsumeTimes: header.reconsumeTimes,
      preparedTransactionOffset: 0,
      waitStoreMsgOk: propertyValue(properties, WAIT_NEEDLE) !== 'false',
    });
    if ('reason' in result) return this.refused(request, result);
    this.ctx.storeWritable = true;
    const cells = this.ctx.metrics.topicIn(target.topic, messageTypeOf(target.config.attributes), this.ctx.topics.isSystemTopic(target.topic));
    this.ctx.metrics.recordPut(cells, 1, body.length);
    cells.size.observe(body.length);
    const record = result.records[0]!;
    const pending = this.replicatedCode(result);
    const code = typeof pending === 'number' ? pending : await pending;
    return respond(request, code, undefined, {
      msgId: this.ctx.offsetMsgId(record.commitLogOffset),
      queueId: String(target.queueId),
      queueOffset: String(record.queueOffset),
      transactionId: uniqKey,
      MSG_REGION,
      TRACE_ON,
    });
  };

  /** SEND_BATCH_MESSAGE: one topic and queue, items stored with consecutive queue offsets. */
  readonly sendBatch = async (request: RemotingCommand, connection: RemotingConnection): Promise<RemotingCommand> => {
    const notMaster = this.notMaster(request);
    if (notMaster !== undefined) return notMaster;
    const header = readSendHeader(request.code, request.extFields);
    if (typeof header === 'string') return invalidHeader(request, header);
    const body = request.body;
    if (body === undefined || body.length === 0) return respond(request, ResponseCode.MESSAGE_ILLEGAL, 'batch body is empty');
    if (body.length > this.ctx.config.maxMessageSize) {
      return respond(request, ResponseCode.MESSAGE_ILLEGAL, `batch body of ${body.length} bytes exceeds maxMessageSize ${this.ctx.config.maxMessageSize}`);
    }
    if (isRetryTopic(header.topic)) return respond(request, ResponseCode.MESSAGE_ILLEGAL, 'batches cannot be sent to retry topics');
    if (isTransactional(header.sysFlag, header.properties) || propertyValue(header.properties, DELAY_NEEDLE) !== undefined) {
      return respond(request, ResponseCode.MESSAGE_ILLEGAL, 'batches cannot hold transactional or delayed messages');
    }
    const items = decodeBatchBody(body);
    if (!items.ok) return respond(request, ResponseCode.MESSAGE_ILLEGAL, items.error);
    const target = this.resolveTarget(request, header);
    if (!('queueId' in target)) return target;
    const result = await this.ctx.store.putMessages({
      topic: target.topic,
      queueId: target.queueId,
      messages: items.value,
      sysFlag: header.sysFlag,
      bornTimestamp: header.bornTimestamp,
      bornHost: this.ctx.bornHostOf(connection),
      storeHost: this.ctx.storeHost,
      reconsumeTimes: header.reconsumeTimes,
      preparedTransactionOffset: 0,
      waitStoreMsgOk: propertyValue(header.properties, WAIT_NEEDLE) !== 'false',
    });
    if ('reason' in result) return this.refused(request, result);
    this.ctx.storeWritable = true;
    const cells = this.ctx.metrics.topicIn(target.topic, messageTypeOf(target.config.attributes), this.ctx.topics.isSystemTopic(target.topic));
    let bodyBytes = 0;
    for (const item of items.value) {
      bodyBytes += item.body.length;
      cells.size.observe(item.body.length);
    }
    this.ctx.metrics.recordPut(cells, items.value.length, bodyBytes);
    const records = result.records;
    const msgId = this.ctx.offsetMsgIds(records);
    const pending = this.replicatedCode(result);
    const code = typeof pending === 'number' ? pending : await pending;
    return respond(request, code, undefined, {
      msgId,
      queueId: String(target.queueId),
      queueOffset: String(records[0]!.queueOffset),
      MSG_REGION,
      TRACE_ON,
    });
  };

  /** SERVICE_NOT_AVAILABLE (retriable: producers try another broker) when this broker takes no writes. */
  private notMaster(request: RemotingCommand): RemotingCommand | undefined {
    const refusal = this.ctx.replication?.writeRefusal();
    return refusal === undefined ? undefined : respond(request, ResponseCode.SERVICE_NOT_AVAILABLE, `service not available now: ${refusal}`);
  }

  /** The code for a stored message: replication's verdict when it is not SUCCESS, else the flush outcome. */
  private replicatedCode(result: Extract<PutMessageResult, { records: unknown }>): number | Promise<number> {
    const flushed = statusCode(result.status);
    const gate = this.ctx.replication;
    if (gate === undefined) return flushed;
    const replicated = gate.replicated(result.endCommitLogOffset);
    if (typeof replicated === 'number') return replicated === ResponseCode.SUCCESS ? flushed : replicated;
    return replicated.then((code) => (code === ResponseCode.SUCCESS ? flushed : code));
  }

  /** Topic (auto-created if allowed), permissions and queue; or the error response. */
  private resolveTarget(request: RemotingCommand, header: SendHeader): Target | RemotingCommand {
    const topic = header.topic;
    if (isNotAllowedSendTopic(topic)) return respond(request, ResponseCode.NO_PERMISSION, `sending to system topic ${topic} is forbidden`);
    let config = this.ctx.topics.get(topic);
    if (config === undefined) {
      const named = this.checkNewTopicName(request, topic);
      if (named !== undefined) return named;
      config = this.ctx.topics.createForSend(topic, header.defaultTopic, header.defaultTopicQueueNums, header.unitMode ? 1 : 0);
      // Consumers re-send failed messages to their group's retry topic, which need not exist yet.
      if (config === undefined && isRetryTopic(topic)) config = this.ctx.topics.ensureTopic(topic, { readQueueNums: 1, writeQueueNums: 1, perm: RETRY_PERM });
      if (config === undefined) return respond(request, ResponseCode.TOPIC_NOT_EXIST, `topic[${topic}] not exist, apply first please!`);
    }
    if (!isWritable(config.perm)) return respond(request, ResponseCode.NO_PERMISSION, `the topic[${topic}] sending message is forbidden`);
    const queueCount = Math.max(config.readQueueNums, config.writeQueueNums);
    if (header.queueId >= queueCount) {
      return respond(request, ResponseCode.INVALID_PARAMETER, `queueId ${header.queueId} is illegal: topic ${topic} has ${queueCount} queues`);
    }
    if (config.writeQueueNums === 0) return respond(request, ResponseCode.NO_PERMISSION, `topic ${topic} has no write queues`);
    const queueId = header.queueId < 0 ? Math.floor(Math.random() * config.writeQueueNums) : header.queueId;
    if (isRetryTopic(topic) && !header.batch) {
      const maxReconsumeTimes = header.maxReconsumeTimes ?? DEFAULT_MAX_RECONSUME_TIMES;
      if (header.reconsumeTimes >= maxReconsumeTimes) return this.deadLetterTarget(topic);
    }
    return { topic, config, queueId };
  }

  /** A message out of retries goes to `%DLQ%<group>` (one queue, readable so tools can inspect it). */
  private deadLetterTarget(retryTopic: string): Target {
    const topic = dlqTopicOf(retryTopic.slice(RETRY_TOPIC_PREFIX.length));
    const config = this.ctx.topics.ensureTopic(topic, { readQueueNums: 1, writeQueueNums: 1, perm: RETRY_PERM });
    return { topic, config, queueId: 0 };
  }

  private checkNewTopicName(request: RemotingCommand, topic: string): RemotingCommand | undefined {
    if (topic.length > TOPIC_MAX_LENGTH && !isRetryTopic(topic) && !isDlqTopic(topic)) {
      return respond(request, ResponseCode.MESSAGE_ILLEGAL, `topic name of ${topic.length} chars exceeds ${TOPIC_MAX_LENGTH}`);
    }
    const valid = validateTopicName(topic);
    return valid.ok ? undefined : respond(request, ResponseCode.INVALID_PARAMETER, valid.error);
  }

  private refused(request: RemotingCommand, result: Extract<PutMessageResult, { reason: string }>): RemotingCommand {
    switch (result.status) {
      case PutStatus.MESSAGE_ILLEGAL:
      case PutStatus.PROPERTIES_SIZE_EXCEEDED:
        return respond(request, ResponseCode.MESSAGE_ILLEGAL, result.reason);
      case PutStatus.DISK_FULL:
        this.ctx.storeWritable = false;
        return respond(request, ResponseCode.SERVICE_NOT_AVAILABLE, `service not available now: the broker's disk is full (${result.reason})`);
      case PutStatus.SERVICE_NOT_AVAILABLE:
        return respond(request, ResponseCode.SERVICE_NOT_AVAILABLE, `service not available now: ${result.reason}`);
      case PutStatus.IO_ERROR:
        this.ctx.logger.error('store write failed', { reason: result.reason });
        return respond(request, ResponseCode.SYSTEM_ERROR, `store write failed: ${result.reason}`);
    }
  }
}

function statusCode(status: typeof PutStatus.PUT_OK | typeof PutStatus.FLUSH_DISK_TIMEOUT): number {
  return status === PutStatus.PUT_OK ? ResponseCode.SUCCESS : ResponseCode.FLUSH_DISK_TIMEOUT;
}

/** Prepared (half) messages need the transaction machinery, which does not exist yet. */
function isTransactional(sysFlag: number, properties: string): boolean {
  return (sysFlag & SysFlag.TRANSACTION_MASK) === SysFlag.TRANSACTION_PREPARED || propertyValue(properties, TRAN_MSG_NEEDLE) === 'true';
}
