/**
 * Requests brokers send to a name server: REGISTER_BROKER (103) every 30 s, UNREGISTER_BROKER (104)
 * on shutdown, QUERY_DATA_VERSION (322) before a registration that may be skipped, and 5.x
 * BROKER_HEARTBEAT (904). See FACTS 5.1-5.2.
 */
import type { RemotingCommand } from '../protocol';
import {
  BrokerHeartbeatRequestHeader,
  QueryDataVersionRequestHeader,
  QueryDataVersionResponseHeader,
  RegisterBrokerRequestHeader,
  RegisterBrokerResponseHeader,
  ResponseCode,
  UnregisterBrokerRequestHeader,
  encodeDataVersion,
  encodeKVTable,
  parseDataVersion,
} from '../protocol';
import type { RemotingConnection } from '../remoting';
import { ORDER_TOPIC_CONFIG_NAMESPACE } from './kv-config';
import type { NameserverContext } from './processor-kit';
import { failure, readHeader, success } from './processor-kit';
import { decodeRegisterBody, registerBodyCrc32 } from './register-body';

/** Ext field a 5.x broker adds with its availability zone. */
const ZONE_NAME_FIELD = '__ZONE_NAME';

export function registerBroker(ctx: NameserverContext, request: RemotingCommand, connection: RemotingConnection): RemotingCommand {
  const header = readHeader(RegisterBrokerRequestHeader, request);
  if (!header.ok) return header.error;
  const h = header.value;
  if (h.bodyCrc32 !== undefined && h.bodyCrc32 !== 0) {
    const actual = registerBodyCrc32(request.body);
    if (actual !== h.bodyCrc32) {
      ctx.logger.warn('register broker: body crc32 mismatch', { brokerAddr: h.brokerAddr, expected: h.bodyCrc32, actual });
      return failure(request, ResponseCode.SYSTEM_ERROR, 'crc32 not match');
    }
  }
  const body = decodeRegisterBody(request.body, h.compressed === true);
  if (!body.ok) return failure(request, ResponseCode.SYSTEM_ERROR, `RegisterBrokerBody: ${body.error}`);
  const zoneName = request.extFields?.[ZONE_NAME_FIELD];
  const outcome = ctx.routes.register({
    clusterName: h.clusterName,
    brokerAddr: h.brokerAddr,
    brokerName: h.brokerName,
    brokerId: h.brokerId,
    haServerAddr: h.haServerAddr,
    topicConfigs: body.value.topicConfigs,
    dataVersion: body.value.dataVersion,
    filterServerList: body.value.filterServerList,
    ...(h.heartbeatTimeoutMillis !== undefined ? { heartbeatTimeoutMs: h.heartbeatTimeoutMillis } : {}),
    ...(h.enableActingMaster !== undefined ? { enableActingMaster: h.enableActingMaster } : {}),
    ...(zoneName !== undefined ? { zoneName } : {}),
    channelId: connection.id,
  });
  const identity = { clusterName: h.clusterName, brokerName: h.brokerName, brokerId: h.brokerId, brokerAddr: h.brokerAddr };
  if (outcome.kind === 'stale') {
    // Answered with success like RocketMQ 5 does; the broker is simply not in the route.
    ctx.logger.warn('register broker ignored: another address holds this broker id with a newer state version', { ...identity, currentAddr: outcome.currentAddr });
    return success(request, { extFields: {} });
  }
  if (outcome.firstRegistration) ctx.logger.info('broker registered', { ...identity, topics: body.value.topicConfigs.length });
  const extFields = RegisterBrokerResponseHeader.format({
    ...(outcome.haServerAddr !== undefined ? { haServerAddr: outcome.haServerAddr } : {}),
    ...(outcome.masterAddr !== undefined ? { masterAddr: outcome.masterAddr } : {}),
  });
  const orderTopics = ctx.kv.list(ORDER_TOPIC_CONFIG_NAMESPACE);
  return success(request, { extFields, ...(orderTopics !== undefined ? { body: encodeKVTable({ table: orderTopics }) } : {}) });
}

export function unregisterBroker(ctx: NameserverContext, request: RemotingCommand): RemotingCommand {
  const header = readHeader(UnregisterBrokerRequestHeader, request);
  if (!header.ok) return header.error;
  const removed = ctx.routes.unregister(header.value);
  ctx.logger.info('broker unregistered', { ...header.value, brokerNameRemoved: removed?.brokerNameRemoved ?? false });
  return success(request);
}

export function queryDataVersion(ctx: NameserverContext, request: RemotingCommand): RemotingCommand {
  const header = readHeader(QueryDataVersionRequestHeader, request);
  if (!header.ok) return header.error;
  const dataVersion = parseDataVersion(request.body);
  if (!dataVersion.ok) return failure(request, ResponseCode.SYSTEM_ERROR, dataVersion.error);
  const { brokerAddr } = header.value;
  const changed = ctx.routes.isTopicConfigChanged(brokerAddr, dataVersion.value);
  // An unchanged broker skips its registration, so this query is its keep-alive.
  if (!changed) ctx.routes.touch(brokerAddr);
  const known = ctx.routes.dataVersionOf(brokerAddr);
  return success(request, {
    extFields: QueryDataVersionResponseHeader.format({ changed }),
    ...(known !== undefined ? { body: encodeDataVersion(known) } : {}),
  });
}

export function brokerHeartbeat(ctx: NameserverContext, request: RemotingCommand): RemotingCommand {
  const header = readHeader(BrokerHeartbeatRequestHeader, request);
  if (!header.ok) return header.error;
  ctx.routes.touch(header.value.brokerAddr);
  return success(request);
}
