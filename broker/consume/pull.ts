/**
 * PULL_MESSAGE (11), FACTS 4.3-4.5. Checks the request (header, group, topic, queue, subscription),
 * reads the queue through the store's tag filter and answers with the stored records themselves: the
 * body is the records' zero-copy views handed to the socket as they are (adjacent views merged), and
 * the store's pin on their files ends only once the socket has taken the bytes (`onSent`).
 *
 * Status to code, as upstream's PullMessageProcessor: FOUND -> SUCCESS; NO_MATCHED_MESSAGE and
 * MESSAGE_WAS_REMOVING -> PULL_RETRY_IMMEDIATELY; OFFSET_OVERFLOW_ONE and OFFSET_FOUND_NULL ->
 * PULL_NOT_FOUND (which may be held for long polling); OFFSET_TOO_SMALL and OFFSET_OVERFLOW_BADLY ->
 * PULL_OFFSET_MOVED; an empty or unknown queue -> PULL_OFFSET_MOVED unless the request asked for
 * offset 0 (then PULL_NOT_FOUND). nextBeginOffset is the store's. A slave never tells a client to move
 * its offset (it may only be behind): it answers PULL_RETRY_IMMEDIATELY at the same offset instead.
 *
 * This is the hot path: per pull a header parse, a few map lookups, one store read, one counter bump;
 * nothing per message beyond what the store does.
 */
import type { PullMessageRequestHeader, RemotingCommand } from '../../protocol';
import { PullMessageRequestHeader as PullHeader, PullSysFlag, ResponseCode, isReadable, makeResponse } from '../../protocol';
import type { RemotingConnection, SentResponse } from '../../remoting';
import type { GetMessageResult, MessageStore } from '../store';
import { GetStatus } from '../store';
import type { ConsumerManager } from './consumer-manager';
import type { ExpressionCache, PullSubscription } from './filter';
import { ExpressionType, unsupportedExpression } from './filter';
import type { PullHoldService } from './long-poll';
import type { ConsumeMetrics } from './metrics';
import type { ConsumerOffsetTable } from './offsets';
import type { ConsumeOptions } from './options';
import type { SubscriptionGroupTable } from './subscription-groups';
import type { TopicRegistry } from './service';

/** A client may ask to be held this long at most, whatever it sends. */
export const MAX_HOLD_MS = 5 * 60_000;
const MASTER_ID = '0';

export interface PullDeps {
  readonly store: MessageStore;
  readonly topics: TopicRegistry;
  readonly groups: SubscriptionGroupTable;
  readonly consumers: ConsumerManager;
  readonly offsets: ConsumerOffsetTable;
  readonly holds: PullHoldService;
  readonly expressions: ExpressionCache;
  readonly metrics: ConsumeMetrics;
  readonly options: ConsumeOptions;
  readonly isSlave: boolean;
}

type Reply = RemotingCommand | Promise<RemotingCommand | null>;

export class PullProcessor {
  constructor(private readonly deps: PullDeps) {}

  readonly handle = (request: RemotingCommand, connection: RemotingConnection): Reply => {
    const parsed = PullHeader.parse(request.extFields);
    if (!parsed.ok) return makeResponse(request, ResponseCode.SYSTEM_ERROR, parsed.error);
    const header = parsed.value;
    const subscription = this.check(request, header, connection);
    if (!('topic' in subscription)) return subscription;
    const reply = this.firstRead(request, header, subscription, connection);
    if ((header.sysFlag & PullSysFlag.COMMIT_OFFSET) !== 0 && !this.deps.isSlave) {
      // Only on arrival: a held pull re-run later must not re-apply this older commit (CLIENTS 2.8).
      this.deps.offsets.commit(header.consumerGroup, header.topic, header.queueId, header.commitOffset);
    }
    return reply;
  };

  /** The subscription to filter with, or the error response. */
  private check(request: RemotingCommand, h: PullMessageRequestHeader, connection: RemotingConnection): PullSubscription | RemotingCommand {
    const { groups, topics, options } = this.deps;
    const group = groups.findOrCreate(h.consumerGroup, options.autoCreateSubscriptionGroup);
    if (group === undefined) {
      return makeResponse(request, ResponseCode.SUBSCRIPTION_GROUP_NOT_EXIST, `subscription group [${h.consumerGroup}] does not exist`);
    }
    if (!group.consumeEnable) return makeResponse(request, ResponseCode.NO_PERMISSION, `subscription group no permission, ${h.consumerGroup}`);
    const topic = topics.get(h.topic);
    if (topic === undefined) return makeResponse(request, ResponseCode.TOPIC_NOT_EXIST, `topic[${h.topic}] not exist, apply first please!`);
    if (!isReadable(topic.perm)) return makeResponse(request, ResponseCode.NO_PERMISSION, `the topic[${h.topic}] pulling message is forbidden`);
    if (h.queueId < 0 || h.queueId >= topic.readQueueNums) {
      return makeResponse(
        request,
        ResponseCode.SYSTEM_ERROR,
        `queueId[${h.queueId}] is illegal, topic:[${h.topic}] topicConfig.readQueueNums:[${topic.readQueueNums}] consumer:[${connection.remoteAddress}]`,
      );
    }
    if ((h.sysFlag & PullSysFlag.SUBSCRIPTION) !== 0) {
      const parsed = this.deps.expressions.get(h.topic, h.subscription ?? '*', h.expressionType ?? ExpressionType.TAG);
      if (typeof parsed === 'string') return makeResponse(request, ResponseCode.SUBSCRIPTION_PARSE_FAILED, parsed);
      return parsed;
    }
    return this.registeredSubscription(request, h, group.consumeBroadcastEnable);
  }

  private registeredSubscription(request: RemotingCommand, h: PullMessageRequestHeader, broadcastEnabled: boolean): PullSubscription | RemotingCommand {
    const info = this.deps.consumers.group(h.consumerGroup);
    if (info === undefined) return makeResponse(request, ResponseCode.SUBSCRIPTION_NOT_EXIST, `the consumer's group info not exist, group: ${h.consumerGroup}`);
    if (!broadcastEnabled && info.messageModel === 'BROADCASTING') {
      return makeResponse(request, ResponseCode.NO_PERMISSION, `the consumer group[${h.consumerGroup}] can not consume by broadcast way`);
    }
    const registered = info.subscriptions.get(h.topic);
    if (registered === undefined) return makeResponse(request, ResponseCode.SUBSCRIPTION_NOT_EXIST, `the consumer's subscription not exist, topic: ${h.topic}`);
    if (registered.data.subVersion < h.subVersion) {
      return makeResponse(request, ResponseCode.SUBSCRIPTION_NOT_LATEST, `the consumer's subscription not latest, topic: ${h.topic}`);
    }
    if (typeof registered.pull === 'string') return makeResponse(request, ResponseCode.SUBSCRIPTION_PARSE_FAILED, registered.pull);
    if (registered.pull.expressionType !== ExpressionType.TAG) {
      return makeResponse(request, ResponseCode.SYSTEM_ERROR, unsupportedExpression(registered.pull.expressionType));
    }
    return registered.pull;
  }

  private firstRead(request: RemotingCommand, h: PullMessageRequestHeader, sub: PullSubscription, connection: RemotingConnection): Reply {
    const result = this.read(h, sub, h.queueOffset);
    const response = this.compose(request, h, sub, h.queueOffset, result);
    const mayHold = response.code === ResponseCode.PULL_NOT_FOUND && (h.sysFlag & PullSysFlag.SUSPEND) !== 0;
    if (!mayHold) return response;
    const { options, holds } = this.deps;
    const holdMs = Math.min(MAX_HOLD_MS, Math.max(0, options.longPollingEnabled ? h.suspendTimeoutMillis : options.shortPollingTimeMs));
    const held = holds.hold({
      topic: h.topic,
      queueId: h.queueId,
      queueOffset: h.queueOffset,
      connectionId: connection.id,
      holdMs,
      run: (queueOffset, final) => this.rerun(request, h, sub, queueOffset, final),
    });
    if (held === undefined) {
      // Closing: answer now, as if the client had not asked to wait. Full: make clients back off.
      if (holds.isClosed) return response;
      return makeResponse(request, ResponseCode.SYSTEM_BUSY, `[PULL_HOLD_FULL] ${holds.size} pulls are already held; try again later`);
    }
    return held;
  }

  /** A held pull woken by new messages or by its deadline. */
  private rerun(request: RemotingCommand, h: PullMessageRequestHeader, sub: PullSubscription, queueOffset: number, final: boolean): RemotingCommand | number {
    const result = this.read(h, sub, queueOffset);
    if (!final) {
      // Nothing new matched and the scan reached the end: keep waiting from there.
      const exhausted = result.nextQueueOffset >= result.maxQueueOffset;
      if (result.status === GetStatus.OFFSET_OVERFLOW_ONE || (result.status === GetStatus.NO_MATCHED_MESSAGE && exhausted)) {
        return result.nextQueueOffset;
      }
    }
    return this.compose(request, h, sub, queueOffset, result);
  }

  private read(h: PullMessageRequestHeader, sub: PullSubscription, queueOffset: number): GetMessageResult {
    const { options } = this.deps;
    const maxBytes = h.maxMsgBytes !== undefined && h.maxMsgBytes > 0 ? Math.min(h.maxMsgBytes, options.maxPullBytes) : options.maxPullBytes;
    return this.deps.store.getMessages({
      topic: h.topic,
      queueId: h.queueId,
      queueOffset,
      maxCount: Math.min(Math.max(1, h.maxMsgNums), options.maxPullMessages),
      maxBytes,
      filter: sub.filter,
    });
  }

  private compose(request: RemotingCommand, h: PullMessageRequestHeader, sub: PullSubscription, queueOffset: number, result: GetMessageResult): RemotingCommand {
    let code = codeOf(result.status, queueOffset);
    let nextBeginOffset = result.nextQueueOffset;
    if (this.deps.isSlave && code !== ResponseCode.SUCCESS && code !== ResponseCode.PULL_RETRY_IMMEDIATELY) {
      // A slave may only be behind its master: never move a client's offset on its word.
      nextBeginOffset = queueOffset;
      if (code === ResponseCode.PULL_OFFSET_MOVED) code = ResponseCode.PULL_RETRY_IMMEDIATELY;
    }
    const extFields = {
      suggestWhichBrokerId: MASTER_ID,
      nextBeginOffset: String(nextBeginOffset),
      minOffset: String(result.minQueueOffset),
      maxOffset: String(result.maxQueueOffset),
    };
    const response = makeResponse(request, code, result.status, { extFields });
    if (code !== ResponseCode.SUCCESS) {
      result.release();
      return response;
    }
    const counter = this.deps.metrics.pullCounter(sub.topic, h.consumerGroup);
    counter.messages += result.records.length;
    counter.bytes += result.totalBytes;
    const sent: SentResponse = Object.assign(response, { bodyParts: bodyPartsOf(result.records), onSent: result.release });
    return sent;
  }
}

function codeOf(status: GetMessageResult['status'], queueOffset: number): number {
  switch (status) {
    case GetStatus.FOUND:
      return ResponseCode.SUCCESS;
    case GetStatus.NO_MATCHED_MESSAGE:
    case GetStatus.MESSAGE_WAS_REMOVING:
      return ResponseCode.PULL_RETRY_IMMEDIATELY;
    case GetStatus.NO_MATCHED_LOGIC_QUEUE:
    case GetStatus.NO_MESSAGE_IN_QUEUE:
      return queueOffset !== 0 ? ResponseCode.PULL_OFFSET_MOVED : ResponseCode.PULL_NOT_FOUND;
    case GetStatus.OFFSET_FOUND_NULL:
    case GetStatus.OFFSET_OVERFLOW_ONE:
      return ResponseCode.PULL_NOT_FOUND;
    case GetStatus.OFFSET_TOO_SMALL:
    case GetStatus.OFFSET_OVERFLOW_BADLY:
      return ResponseCode.PULL_OFFSET_MOVED;
  }
}

/**
 * The records as body parts. Records of one queue are often adjacent in the commit log, and then
 * in the same mapping: such runs become one view, so the socket gets a few large writes, not 32 small.
 * (Concatenating instead costs more than twice the CPU: a fresh large buffer per pull, and its GC.)
 * Typed-array getters are not free, so each record costs two (`byteOffset`, `length`) unless it may
 * extend the current run.
 */
export function bodyPartsOf(records: readonly Buffer[]): Buffer[] {
  const parts: Buffer[] = [];
  if (records.length === 0) return parts;
  let first = records[0]!;
  let start = first.byteOffset;
  let end = start + first.length;
  let merged = false;
  for (let i = 1; i < records.length; i++) {
    const record = records[i]!;
    const offset = record.byteOffset;
    if (offset === end && record.buffer === first.buffer) {
      end += record.length;
      merged = true;
      continue;
    }
    parts.push(merged ? Buffer.from(first.buffer, start, end - start) : first);
    first = record;
    start = offset;
    end = offset + record.length;
    merged = false;
  }
  parts.push(merged ? Buffer.from(first.buffer, start, end - start) : first);
  return parts;
}
