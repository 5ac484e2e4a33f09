/**
 * Queue offset queries: SEARCH_OFFSET_BY_TIMESTAMP (29), GET_MAX_OFFSET (30), GET_MIN_OFFSET (31),
 * GET_EARLIEST_MSG_STORETIME (32). Consumers ask these when a group has no committed offset
 * (CONSUME_FROM_LAST_OFFSET / _TIMESTAMP); unknown topics and queues answer 0 like RocketMQ.
 */
import type { RemotingCommand } from '../../protocol';
import {
  GetEarliestMsgStoretimeRequestHeader,
  GetMaxOffsetRequestHeader,
  GetMinOffsetRequestHeader,
  SearchOffsetRequestHeader,
} from '../../protocol';
import type { ProcessorContext } from './context';
import { parseHeader, success } from './responses';

export class OffsetsAdminProcessor {
  constructor(private readonly ctx: ProcessorContext) {}

  readonly getMaxOffset = (request: RemotingCommand): RemotingCommand => {
    const h = parseHeader(GetMaxOffsetRequestHeader, request);
    if (!h.ok) return h.error;
    return success(request, { offset: String(this.ctx.store.getMaxQueueOffset(h.value.topic, h.value.queueId)) });
  };

  readonly getMinOffset = (request: RemotingCommand): RemotingCommand => {
    const h = parseHeader(GetMinOffsetRequestHeader, request);
    if (!h.ok) return h.error;
    return success(request, { offset: String(this.ctx.store.getMinQueueOffset(h.value.topic, h.value.queueId)) });
  };

  readonly searchOffsetByTimestamp = (request: RemotingCommand): RemotingCommand => {
    const h = parseHeader(SearchOffsetRequestHeader, request);
    if (!h.ok) return h.error;
    return success(request, { offset: String(this.ctx.store.getOffsetByTime(h.value.topic, h.value.queueId, h.value.timestamp)) });
  };

  readonly getEarliestMsgStoretime = (request: RemotingCommand): RemotingCommand => {
    const h = parseHeader(GetEarliestMsgStoretimeRequestHeader, request);
    if (!h.ok) return h.error;
    return success(request, { timestamp: String(this.ctx.store.getEarliestMessageTime(h.value.topic, h.value.queueId)) });
  };
}
