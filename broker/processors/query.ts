/**
 * Message lookups for tools: QUERY_MESSAGE (12) by key or unique key within a time range, through the
 * index; VIEW_MESSAGE_BY_ID (33) by commit-log offset (clients decode the offset message id and send
 * the offset; an `msgId` ext field is accepted too). Bodies are the stored records back to back, the
 * same format as a pull body.
 */
import type { RemotingCommand } from '../../protocol';
import { QueryMessageRequestHeader, ResponseCode, ViewMessageRequestHeader } from '../../protocol';
import { decodeOffsetMsgId } from '../../message';
import type { ProcessorContext } from './context';
import { invalidHeader, parseHeader, respond, success } from './responses';

/** RocketMQ's defaultQueryMaxNum: also the limit of a unique-key query. */
const DEFAULT_QUERY_MAX_NUM = 32;
/** A bound on one query's records whatever the request asks. */
const MAX_QUERY_NUM = 1000;
/** Java's MixAll.UNIQUE_MSG_QUERY_FLAG ext field. */
const UNIQUE_KEY_QUERY_FLAG = '_UNIQUE_KEY_QUERY';

export class QueryProcessor {
  constructor(private readonly ctx: ProcessorContext) {}

  readonly queryMessage = (request: RemotingCommand): RemotingCommand => {
    const parsed = parseHeader(QueryMessageRequestHeader, request);
    if (!parsed.ok) return parsed.error;
    const h = parsed.value;
    const unique = request.extFields?.[UNIQUE_KEY_QUERY_FLAG] === 'true';
    const maxNum = unique ? DEFAULT_QUERY_MAX_NUM : Math.max(1, Math.min(h.maxNum, MAX_QUERY_NUM));
    const found = this.ctx.store.queryMessages(h.topic, h.key, maxNum, h.beginTimestamp, h.endTimestamp);
    const header = {
      indexLastUpdateTimestamp: String(this.ctx.clock.nowMs()),
      indexLastUpdatePhyoffset: String(this.ctx.store.dispatchedOffset),
    };
    if (found.records.length === 0) return respond(request, ResponseCode.QUERY_NOT_FOUND, 'can not find message, maybe time range not correct', header);
    return success(request, header, Buffer.concat(found.records as Buffer[]));
  };

  readonly viewMessageById = (request: RemotingCommand): RemotingCommand => {
    const offset = this.offsetOf(request);
    if (typeof offset === 'string') return invalidHeader(request, offset);
    const record = this.ctx.store.lookupMessage(offset);
    if (!record.ok) return respond(request, ResponseCode.SYSTEM_ERROR, `can not find message by the offset ${offset}: ${record.error}`);
    // A copy: the response is written later, and a view could outlive its mapped segment.
    return success(request, undefined, Buffer.from(record.value));
  };

  private offsetOf(request: RemotingCommand): number | string {
    const msgId = request.extFields?.msgId;
    if (msgId !== undefined && request.extFields?.offset === undefined) {
      const decoded = decodeOffsetMsgId(msgId);
      return decoded.ok ? decoded.value.commitLogOffset : `ViewMessageRequestHeader: field msgId ${decoded.error}`;
    }
    const h = ViewMessageRequestHeader.parse(request.extFields);
    return h.ok ? h.value.offset : h.error;
  }
}
