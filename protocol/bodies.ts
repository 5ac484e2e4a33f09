/**
 * JSON request/response bodies beyond routes: HEART_BEAT (HeartbeatData), GET_CONSUMER_LIST_BY_GROUP,
 * LOCK/UNLOCK_BATCH_MQ and the uncompressed REGISTER_BROKER body (FACTS 5.1, 6.1; CLIENTS 2.4).
 * Parsers are lenient about what Java leaves at defaults and strict about types, naming the path of the
 * first bad field.
 */
import type { Result } from '../stdx';
import type { JsonValue } from './lenient-json';
import {
  asObject,
  integerItem,
  jsonBuffer,
  parseJsonBody,
  readArray,
  readBoolean,
  readInteger,
  readMap,
  readOptionalString,
  readString,
  stringItem,
} from './json-shape';

// ---------------------------------------------------------------------------------------- heartbeat

export interface SubscriptionData {
  topic: string;
  /** `*`, `TagA || TagB`, or an SQL92 expression. */
  subString: string;
  classFilterMode: boolean;
  tagsSet: string[];
  /** Java `String.hashCode()` of each tag. */
  codeSet: number[];
  subVersion: number;
  /** `TAG` or `SQL92`. */
  expressionType: string;
  filterClassSource?: string;
}

export interface ConsumerData {
  groupName: string;
  /** `CONSUME_ACTIVELY` (pull) or `CONSUME_PASSIVELY` (push). */
  consumeType: string;
  /** `CLUSTERING` or `BROADCASTING`. */
  messageModel: string;
  consumeFromWhere: string;
  subscriptionDataSet: SubscriptionData[];
  unitMode: boolean;
}

export interface ProducerData {
  groupName: string;
}

export interface HeartbeatData {
  clientID: string;
  producerDataSet: ProducerData[];
  consumerDataSet: ConsumerData[];
  /** 5.x: hash of the subscription data; with `withoutSub` the sets may be left out. */
  heartbeatFingerprint?: number;
  withoutSub?: boolean;
}

/** Groups and subscriptions per heartbeat; generous, but a bound. */
const MAX_HEARTBEAT_ITEMS = 100_000;

function readSubscription(value: JsonValue, path: string): SubscriptionData {
  const o = asObject(value, path);
  const sub: SubscriptionData = {
    topic: readString(o, 'topic', path),
    subString: readString(o, 'subString', path, '*'),
    classFilterMode: readBoolean(o, 'classFilterMode', path, false),
    tagsSet: readArray(o, 'tagsSet', path, stringItem, MAX_HEARTBEAT_ITEMS),
    codeSet: readArray(o, 'codeSet', path, integerItem, MAX_HEARTBEAT_ITEMS),
    subVersion: readInteger(o, 'subVersion', path, 0),
    expressionType: readString(o, 'expressionType', path, 'TAG'),
  };
  const filterClassSource = readOptionalString(o, 'filterClassSource', path);
  if (filterClassSource !== undefined) sub.filterClassSource = filterClassSource;
  return sub;
}

function readConsumerData(value: JsonValue, path: string): ConsumerData {
  const o = asObject(value, path);
  return {
    groupName: readString(o, 'groupName', path),
    consumeType: readString(o, 'consumeType', path, 'CONSUME_PASSIVELY'),
    messageModel: readString(o, 'messageModel', path, 'CLUSTERING'),
    consumeFromWhere: readString(o, 'consumeFromWhere', path, 'CONSUME_FROM_LAST_OFFSET'),
    subscriptionDataSet: readArray(o, 'subscriptionDataSet', path, readSubscription, MAX_HEARTBEAT_ITEMS),
    unitMode: readBoolean(o, 'unitMode', path, false),
  };
}

function readProducerData(value: JsonValue, path: string): ProducerData {
  return { groupName: readString(asObject(value, path), 'groupName', path) };
}

export function parseHeartbeatData(body: Buffer | undefined): Result<HeartbeatData, string> {
  return parseJsonBody(body, 'HeartbeatData', (root, path) => {
    const o = asObject(root, path);
    const data: HeartbeatData = {
      clientID: readString(o, 'clientID', path),
      producerDataSet: readArray(o, 'producerDataSet', path, readProducerData, MAX_HEARTBEAT_ITEMS),
      consumerDataSet: readArray(o, 'consumerDataSet', path, readConsumerData, MAX_HEARTBEAT_ITEMS),
    };
    const fingerprint = o.heartbeatFingerprint;
    if (fingerprint !== undefined && fingerprint !== null) data.heartbeatFingerprint = readInteger(o, 'heartbeatFingerprint', path);
    // Java's field is `isWithoutSub`; fastjson names the property after the getter, `withoutSub`.
    const withoutSub = o.withoutSub ?? o.isWithoutSub;
    if (typeof withoutSub === 'boolean') data.withoutSub = withoutSub;
    return data;
  });
}

export function encodeHeartbeatData(data: HeartbeatData): Buffer {
  return jsonBuffer(data);
}

// ------------------------------------------------------------------------------- consumer list, locks

export interface ConsumerListBody {
  consumerIdList: string[];
}

export function parseConsumerListBody(body: Buffer | undefined): Result<ConsumerListBody, string> {
  return parseJsonBody(body, 'GetConsumerListByGroupResponseBody', (root, path) => ({
    consumerIdList: readArray(asObject(root, path), 'consumerIdList', path, stringItem),
  }));
}

export function encodeConsumerListBody(body: ConsumerListBody): Buffer {
  return jsonBuffer({ consumerIdList: body.consumerIdList });
}

export interface MessageQueue {
  topic: string;
  brokerName: string;
  queueId: number;
}

function readMessageQueue(value: JsonValue, path: string): MessageQueue {
  const o = asObject(value, path);
  return {
    topic: readString(o, 'topic', path),
    brokerName: readString(o, 'brokerName', path),
    queueId: readInteger(o, 'queueId', path),
  };
}

/** LOCK_BATCH_MQ (41) and UNLOCK_BATCH_MQ (42) request body. */
export interface LockBatchRequestBody {
  consumerGroup: string;
  clientId: string;
  onlyThisBroker: boolean;
  mqSet: MessageQueue[];
}

export function parseLockBatchRequestBody(body: Buffer | undefined): Result<LockBatchRequestBody, string> {
  return parseJsonBody(body, 'LockBatchRequestBody', (root, path) => {
    const o = asObject(root, path);
    return {
      consumerGroup: readString(o, 'consumerGroup', path),
      clientId: readString(o, 'clientId', path),
      onlyThisBroker: readBoolean(o, 'onlyThisBroker', path, false),
      mqSet: readArray(o, 'mqSet', path, readMessageQueue),
    };
  });
}

export function encodeLockBatchRequestBody(body: LockBatchRequestBody): Buffer {
  return jsonBuffer(body);
}

export interface LockBatchResponseBody {
  lockOKMQSet: MessageQueue[];
}

export function parseLockBatchResponseBody(body: Buffer | undefined): Result<LockBatchResponseBody, string> {
  return parseJsonBody(body, 'LockBatchResponseBody', (root, path) => ({
    lockOKMQSet: readArray(asObject(root, path), 'lockOKMQSet', path, readMessageQueue),
  }));
}

export function encodeLockBatchResponseBody(body: LockBatchResponseBody): Buffer {
  return jsonBuffer({ lockOKMQSet: body.lockOKMQSet });
}

// ------------------------------------------------------------------------------------ register broker

export interface DataVersion {
  counter: number;
  stateVersion: number;
  timestamp: number;
}

export interface TopicConfig {
  topicName: string;
  readQueueNums: number;
  writeQueueNums: number;
  perm: number;
  /** `SINGLE_TAG` or `MULTI_TAG`. */
  topicFilterType: string;
  topicSysFlag: number;
  order: boolean;
  attributes: Record<string, string>;
}

/** REGISTER_BROKER (103) body in its JSON form (`compressed=false`). */
export interface RegisterBrokerBody {
  topicConfigSerializeWrapper: {
    topicConfigTable: Record<string, TopicConfig>;
    dataVersion: DataVersion;
  };
  filterServerList: string[];
}

function readDataVersion(value: JsonValue, path: string): DataVersion {
  const o = asObject(value, path);
  return {
    counter: readInteger(o, 'counter', path, 0),
    stateVersion: readInteger(o, 'stateVersion', path, 0),
    timestamp: readInteger(o, 'timestamp', path, 0),
  };
}

export function readTopicConfig(value: JsonValue, path: string, key?: string): TopicConfig {
  const o = asObject(value, path);
  return {
    topicName: readString(o, 'topicName', path, key),
    readQueueNums: readInteger(o, 'readQueueNums', path, 16),
    writeQueueNums: readInteger(o, 'writeQueueNums', path, 16),
    perm: readInteger(o, 'perm', path, 6),
    topicFilterType: readString(o, 'topicFilterType', path, 'SINGLE_TAG'),
    topicSysFlag: readInteger(o, 'topicSysFlag', path, 0),
    order: readBoolean(o, 'order', path, false),
    attributes: readMap(o, 'attributes', path, stringItem),
  };
}

export function parseRegisterBrokerBody(body: Buffer | undefined): Result<RegisterBrokerBody, string> {
  return parseJsonBody(body, 'RegisterBrokerBody', (root, path) => {
    const o = asObject(root, path);
    const wrapperPath = `${path}.topicConfigSerializeWrapper`;
    const wrapper = asObject(o.topicConfigSerializeWrapper ?? {}, wrapperPath);
    return {
      topicConfigSerializeWrapper: {
        topicConfigTable: readMap(wrapper, 'topicConfigTable', wrapperPath, readTopicConfig),
        dataVersion: readDataVersion(wrapper.dataVersion ?? {}, `${wrapperPath}.dataVersion`),
      },
      filterServerList: readArray(o, 'filterServerList', path, stringItem),
    };
  });
}

export function encodeRegisterBrokerBody(body: RegisterBrokerBody): Buffer {
  return jsonBuffer({
    filterServerList: body.filterServerList,
    topicConfigSerializeWrapper: {
      dataVersion: body.topicConfigSerializeWrapper.dataVersion,
      topicConfigTable: body.topicConfigSerializeWrapper.topicConfigTable,
    },
  });
}

export function parseDataVersion(body: Buffer | undefined): Result<DataVersion, string> {
  return parseJsonBody(body, 'DataVersion', readDataVersion);
}

export function encodeDataVersion(version: DataVersion): Buffer {
  return jsonBuffer({ counter: version.counter, stateVersion: version.stateVersion, timestamp: version.timestamp });
}
