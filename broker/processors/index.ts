/**
 * broker/processors: the request handlers broker-core owns, one file per request group, and their
 * registration on the remoting server. Every handler is timed into rocketmq_rpc_latency. The
 * folder's only door.
 */
import type { RemotingCommand } from '../../protocol';
import { RequestCode } from '../../protocol';
import type { RemotingConnection, RemotingServer, RequestHandler } from '../../remoting';
import type { BrokerMetrics } from '../metrics';
import type { ProcessorContext } from './context';
import { OffsetsAdminProcessor } from './offsets-admin';
import { QueryProcessor } from './query';
import { RuntimeProcessor } from './runtime';
import type { RuntimeStats } from './runtime-stats';
import { SendProcessor } from './send';
import { TopicProcessor } from './topic';

export type { ProcessorDeps } from './context';
export { ProcessorContext } from './context';
export { RuntimeStats } from './runtime-stats';
export { javaProperties } from './runtime';
export type { SendHeader } from './send-header';
export { readSendHeader } from './send-header';
export { appendProperty, propertyValue, needleOf } from './message-properties';

/** The request codes registered by `registerBrokerProcessors`. */
export const BROKER_CORE_REQUEST_CODES = [
  RequestCode.SEND_MESSAGE,
  RequestCode.SEND_MESSAGE_V2,
  RequestCode.SEND_BATCH_MESSAGE,
  RequestCode.UPDATE_AND_CREATE_TOPIC,
  RequestCode.DELETE_TOPIC_IN_BROKER,
  RequestCode.GET_ALL_TOPIC_CONFIG,
  RequestCode.GET_TOPIC_CONFIG,
  RequestCode.SEARCH_OFFSET_BY_TIMESTAMP,
  RequestCode.GET_MAX_OFFSET,
  RequestCode.GET_MIN_OFFSET,
  RequestCode.GET_EARLIEST_MSG_STORETIME,
  RequestCode.QUERY_MESSAGE,
  RequestCode.VIEW_MESSAGE_BY_ID,
  RequestCode.GET_BROKER_RUNTIME_INFO,
  RequestCode.GET_BROKER_CONFIG,
  RequestCode.GET_TOPIC_STATS_INFO,
] as const;

export function registerBrokerProcessors(server: RemotingServer, ctx: ProcessorContext, stats: RuntimeStats): void {
  const send = new SendProcessor(ctx);
  const topic = new TopicProcessor(ctx);
  const offsets = new OffsetsAdminProcessor(ctx);
  const query = new QueryProcessor(ctx);
  const runtime = new RuntimeProcessor(ctx, stats);
  const handlers: Record<(typeof BROKER_CORE_REQUEST_CODES)[number], RequestHandler> = {
    [RequestCode.SEND_MESSAGE]: send.sendMessage,
    [RequestCode.SEND_MESSAGE_V2]: send.sendMessage,
    [RequestCode.SEND_BATCH_MESSAGE]: send.sendBatch,
    [RequestCode.UPDATE_AND_CREATE_TOPIC]: topic.updateAndCreateTopic,
    [RequestCode.DELETE_TOPIC_IN_BROKER]: topic.deleteTopic,
    [RequestCode.GET_ALL_TOPIC_CONFIG]: topic.getAllTopicConfig,
    [RequestCode.GET_TOPIC_CONFIG]: topic.getTopicConfig,
    [RequestCode.SEARCH_OFFSET_BY_TIMESTAMP]: offsets.searchOffsetByTimestamp,
    [RequestCode.GET_MAX_OFFSET]: offsets.getMaxOffset,
    [RequestCode.GET_MIN_OFFSET]: offsets.getMinOffset,
    [RequestCode.GET_EARLIEST_MSG_STORETIME]: offsets.getEarliestMsgStoretime,
    [RequestCode.QUERY_MESSAGE]: query.queryMessage,
    [RequestCode.VIEW_MESSAGE_BY_ID]: query.viewMessageById,
    [RequestCode.GET_BROKER_RUNTIME_INFO]: runtime.getRuntimeInfo,
    [RequestCode.GET_BROKER_CONFIG]: runtime.getBrokerConfig,
    [RequestCode.GET_TOPIC_STATS_INFO]: runtime.getTopicStatsInfo,
  };
  for (const code of BROKER_CORE_REQUEST_CODES) server.register(code, timed(ctx.metrics, handlers[code]));
}

/** Records each request's latency and response code; synchronous handlers stay synchronous. */
function timed(metrics: BrokerMetrics, handler: RequestHandler): RequestHandler {
  return (request: RemotingCommand, connection: RemotingConnection) => {
    const startMs = performance.now();
    const result = handler(request, connection);
    if (result instanceof Promise) {
      return result.then((response) => {
        if (response !== null) metrics.recordRpc(request.code, response.code, performance.now() - startMs);
        return response;
      });
    }
    if (result !== null) metrics.recordRpc(request.code, result.code, performance.now() - startMs);
    return result;
  };
}
