/**
 * Route queries and route admin: GET_ROUTEINFO_BY_TOPIC (105), GET_BROKER_CLUSTER_INFO (106),
 * GET_ALL_TOPIC_LIST_FROM_NAMESERVER (206), GET_TOPICS_BY_CLUSTER (224),
 * WIPE/ADD_WRITE_PERM_OF_BROKER (205/327), DELETE_TOPIC_IN_NAMESRV (216).
 *
 * JSON style of route bodies: a Java name server answers clients older than V4_9_4 (and clients that
 * do not ask for `acceptStandardJsonOnly`) in fastjson's form, with bare integer keys in `brokerAddrs`
 * (`{0:"host:port"}`); newer ones get standard JSON. ali-ons says version 121 and parses with
 * Crockford's eval-based JSON2, which reads either, so it gets the form a Java server would send it.
 */
import type { RemotingCommand } from '../protocol';
import {
  AddWritePermOfBrokerResponseHeader,
  BrokerPermRequestHeader,
  DeleteTopicFromNamesrvRequestHeader,
  GetRouteInfoRequestHeader,
  GetTopicsByClusterRequestHeader,
  MQVersion,
  ResponseCode,
  RouteJsonStyle,
  WipeWritePermOfBrokerResponseHeader,
  encodeClusterInfo,
  encodeTopicList,
  encodeTopicRouteData,
} from '../protocol';
import type { RemotingConnection } from '../remoting';
import { ORDER_TOPIC_CONFIG_NAMESPACE } from './kv-config';
import type { NameserverContext } from './processor-kit';
import { failure, readHeader, success } from './processor-kit';

export function routeJsonStyleFor(version: number, acceptStandardJsonOnly = false): RouteJsonStyle {
  return acceptStandardJsonOnly || version >= MQVersion.V4_9_4 ? RouteJsonStyle.STANDARD : RouteJsonStyle.FASTJSON;
}

export function getRouteInfoByTopic(ctx: NameserverContext, request: RemotingCommand): RemotingCommand {
  const header = readHeader(GetRouteInfoRequestHeader, request);
  if (!header.ok) return header.error;
  const { topic, acceptStandardJsonOnly } = header.value;
  const route = ctx.routes.routeOf(topic);
  if (route === undefined) return failure(request, ResponseCode.TOPIC_NOT_EXIST, `No topic route info in name server for the topic: ${topic}`);
  if (ctx.orderMessageEnable) {
    const orderTopicConf = ctx.kv.get(ORDER_TOPIC_CONFIG_NAMESPACE, topic);
    if (orderTopicConf !== undefined) route.orderTopicConf = orderTopicConf;
  }
  return success(request, { body: encodeTopicRouteData(route, routeJsonStyleFor(request.version, acceptStandardJsonOnly)) });
}

export function getBrokerClusterInfo(ctx: NameserverContext, request: RemotingCommand): RemotingCommand {
  return success(request, { body: encodeClusterInfo(ctx.routes.clusterInfo(), routeJsonStyleFor(request.version)) });
}

export function getAllTopicList(ctx: NameserverContext, request: RemotingCommand): RemotingCommand {
  return success(request, { body: encodeTopicList({ topicList: ctx.routes.topicList() }) });
}

export function getTopicsByCluster(ctx: NameserverContext, request: RemotingCommand): RemotingCommand {
  const header = readHeader(GetTopicsByClusterRequestHeader, request);
  if (!header.ok) return header.error;
  return success(request, { body: encodeTopicList({ topicList: ctx.routes.topicsByCluster(header.value.cluster) }) });
}

export function wipeWritePermOfBroker(ctx: NameserverContext, request: RemotingCommand, connection: RemotingConnection): RemotingCommand {
  const header = readHeader(BrokerPermRequestHeader, request);
  if (!header.ok) return header.error;
  const wipeTopicCount = ctx.routes.wipeWritePerm(header.value.brokerName);
  ctx.logger.info('write permission wiped', { brokerName: header.value.brokerName, topics: wipeTopicCount, remoteAddress: connection.remoteAddress });
  return success(request, { extFields: WipeWritePermOfBrokerResponseHeader.format({ wipeTopicCount }) });
}

export function addWritePermOfBroker(ctx: NameserverContext, request: RemotingCommand, connection: RemotingConnection): RemotingCommand {
  const header = readHeader(BrokerPermRequestHeader, request);
  if (!header.ok) return header.error;
  const addTopicCount = ctx.routes.addWritePerm(header.value.brokerName);
  ctx.logger.info('write permission restored', { brokerName: header.value.brokerName, topics: addTopicCount, remoteAddress: connection.remoteAddress });
  return success(request, { extFields: AddWritePermOfBrokerResponseHeader.format({ addTopicCount }) });
}

export function deleteTopicInNamesrv(ctx: NameserverContext, request: RemotingCommand, connection: RemotingConnection): RemotingCommand {
  const header = readHeader(DeleteTopicFromNamesrvRequestHeader, request);
  if (!header.ok) return header.error;
  const { topic, clusterName } = header.value;
  const removed = ctx.routes.deleteTopic(topic, clusterName);
  ctx.logger.info('topic deleted from routes', { topic, clusterName, removed, remoteAddress: connection.remoteAddress });
  return success(request);
}
