/**
 * Wires the name server's request handlers onto a RemotingServer. Each handler is wrapped once so
 * that every request is counted by request code and response code, and a handler bug becomes a
 * SYSTEM_ERROR answer (logged) rather than a dropped request. Codes without a handler answer
 * REQUEST_CODE_NOT_SUPPORTED, like a Java name server.
 */
import type { RemotingCommand } from '../protocol';
import { RequestCode, ResponseCode, requestCodeName } from '../protocol';
import type { RemotingConnection, RemotingServer, RequestHandler } from '../remoting';
import { notSupportedHandler } from '../remoting';
import { brokerHeartbeat, queryDataVersion, registerBroker, unregisterBroker } from './broker-processors';
import { deleteKvConfig, getKvConfig, getKvListByNamespace, putKvConfig } from './kv-processors';
import type { NameserverContext } from './processor-kit';
import { failure } from './processor-kit';
import {
  addWritePermOfBroker,
  deleteTopicInNamesrv,
  getAllTopicList,
  getBrokerClusterInfo,
  getRouteInfoByTopic,
  getTopicsByCluster,
  wipeWritePermOfBroker,
} from './route-processors';

type NameserverHandler = (
  ctx: NameserverContext,
  request: RemotingCommand,
  connection: RemotingConnection,
) => RemotingCommand | Promise<RemotingCommand>;

/** Every request code the name server answers, with its handler. */
export const NAMESERVER_HANDLERS: ReadonlyArray<readonly [number, NameserverHandler]> = [
  [RequestCode.PUT_KV_CONFIG, putKvConfig],
  [RequestCode.GET_KV_CONFIG, getKvConfig],
  [RequestCode.DELETE_KV_CONFIG, deleteKvConfig],
  [RequestCode.GET_KVLIST_BY_NAMESPACE, getKvListByNamespace],
  [RequestCode.REGISTER_BROKER, registerBroker],
  [RequestCode.UNREGISTER_BROKER, unregisterBroker],
  [RequestCode.QUERY_DATA_VERSION, queryDataVersion],
  [RequestCode.BROKER_HEARTBEAT, brokerHeartbeat],
  [RequestCode.GET_ROUTEINFO_BY_TOPIC, getRouteInfoByTopic],
  [RequestCode.GET_BROKER_CLUSTER_INFO, getBrokerClusterInfo],
  [RequestCode.GET_ALL_TOPIC_LIST_FROM_NAMESERVER, getAllTopicList],
  [RequestCode.GET_TOPICS_BY_CLUSTER, getTopicsByCluster],
  [RequestCode.WIPE_WRITE_PERM_OF_BROKER, wipeWritePermOfBroker],
  [RequestCode.ADD_WRITE_PERM_OF_BROKER, addWritePermOfBroker],
  [RequestCode.DELETE_TOPIC_IN_NAMESRV, deleteTopicInNamesrv],
];

export interface ProcessorHooks {
  /** Called once per answered request (oneway requests included; their answer is not sent). */
  onHandled?(requestCode: number, responseCode: number): void;
}

export function registerNameserverProcessors(server: RemotingServer, ctx: NameserverContext, hooks: ProcessorHooks = {}): void {
  for (const [code, handler] of NAMESERVER_HANDLERS) server.register(code, instrument(ctx, hooks, handler));
  server.setDefaultHandler((request) => {
    const response = notSupportedHandler(request);
    hooks.onHandled?.(request.code, response.code);
    return response;
  });
}

function instrument(ctx: NameserverContext, hooks: ProcessorHooks, handler: NameserverHandler): RequestHandler {
  return async (request, connection) => {
    let response: RemotingCommand;
    try {
      response = await handler(ctx, request, connection);
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      ctx.logger.error('request handler failed', { code: request.code, name: requestCodeName(request.code), error: message, stack: (e as Error).stack });
      response = failure(request, ResponseCode.SYSTEM_ERROR, `${requestCodeName(request.code)} failed: ${message}`);
    }
    hooks.onHandled?.(request.code, response.code);
    return response;
  };
}
