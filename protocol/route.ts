/**
 * Route data served by the name server (FACTS 5.3-5.5) and the JSON shapes Java and ali-ons clients
 * parse: TopicRouteData (GET_ROUTEINFO_BY_TOPIC body), ClusterInfo, TopicList and KVTable.
 *
 * Encoders write keys in alphabetical order like fastjson and leave out absent optional fields (fastjson
 * omits nulls). `brokerAddrs` is keyed by brokerId: the standard style quotes the keys
 * (`{"0":"host:port"}`), which Java >= 4.9.4 asks for, older Java fastjson accepts, and ali-ons reads as
 * `brokerAddrs["0"]`; the fastjson style writes them bare (`{0:"host:port"}`) as a pre-4.9.4 Java name
 * server would. Decoders accept both.
 */
import type { Result } from '../stdx';
import { assert } from '../stdx';
import type { JsonObject } from './json-shape';
import type { JsonValue } from './lenient-json';
import {
  asObject,
  jsonBuffer,
  parseJsonBody,
  readArray,
  readBoolean,
  readInteger,
  readMap,
  readOptionalString,
  readString,
  shapeFail,
  stringItem,
} from './json-shape';

/** `PermName` bits. A normal topic is READ|WRITE (6); TBW102 is INHERIT|READ|WRITE (7). */
export const PERM_PRIORITY = 0x8;
export const PERM_READ = 0x4;
export const PERM_WRITE = 0x2;
export const PERM_INHERIT = 0x1;
export const Perm = { PRIORITY: PERM_PRIORITY, READ: PERM_READ, WRITE: PERM_WRITE, INHERIT: PERM_INHERIT } as const;

export function isReadable(perm: number): boolean {
  return (perm & PERM_READ) === PERM_READ;
}

export function isWritable(perm: number): boolean {
  return (perm & PERM_WRITE) === PERM_WRITE;
}

export function isInherited(perm: number): boolean {
  return (perm & PERM_INHERIT) === PERM_INHERIT;
}

/** Broker id of a master (`MixAll.MASTER_ID`); slaves are 1 and up. */
export const MASTER_ID = 0;

export interface QueueData {
  brokerName: string;
  readQueueNums: number;
  writeQueueNums: number;
  perm: number;
  topicSysFlag: number;
}

export interface BrokerData {
  cluster: string;
  brokerName: string;
  /** brokerId -> `host:port`; 0 is the master. */
  brokerAddrs: Record<number, string>;
  enableActingMaster?: boolean;
  zoneName?: string;
}

export interface TopicRouteData {
  /** `brokerName:queueNums;...` for ordered topics, when the name server has order messages enabled. */
  orderTopicConf?: string;
  queueDatas: QueueData[];
  brokerDatas: BrokerData[];
  /** brokerAddr -> filter server addresses (legacy; normally empty). */
  filterServerTable: Record<string, string[]>;
}

export interface ClusterInfo {
  brokerAddrTable: Record<string, BrokerData>;
  clusterAddrTable: Record<string, string[]>;
}

export interface TopicList {
  topicList: string[];
  brokerAddr?: string;
}

export interface KVTable {
  table: Record<string, string>;
}

export const RouteJsonStyle = { STANDARD: 'standard', FASTJSON: 'fastjson' } as const;
export type RouteJsonStyle = (typeof RouteJsonStyle)[keyof typeof RouteJsonStyle];

// ------------------------------------------------------------------------------------------ encoders

function brokerAddrsJson(addrs: Record<number, string>, style: RouteJsonStyle): string {
  const ids = Object.keys(addrs).map(Number).sort((a, b) => a - b);
  const entries = ids.map((id) => {
    assert(Number.isSafeInteger(id), `brokerAddrs key ${id} is not an integer broker id`);
    const key = style === RouteJsonStyle.FASTJSON ? String(id) : JSON.stringify(String(id));
    return `${key}:${JSON.stringify(addrs[id])}`;
  });
  return `{${entries.join(',')}}`;
}

function brokerDataJson(broker: BrokerData, style: RouteJsonStyle): string {
  const parts = [
    `"brokerAddrs":${brokerAddrsJson(broker.brokerAddrs, style)}`,
    `"brokerName":${JSON.stringify(broker.brokerName)}`,
    `"cluster":${JSON.stringify(broker.cluster)}`,
    `"enableActingMaster":${broker.enableActingMaster === true}`,
  ];
  if (broker.zoneName !== undefined) parts.push(`"zoneName":${JSON.stringify(broker.zoneName)}`);
  return `{${parts.join(',')}}`;
}

function queueDataJson(queue: QueueData): string {
  return JSON.stringify({
    brokerName: queue.brokerName,
    perm: queue.perm,
    readQueueNums: queue.readQueueNums,
    topicSysFlag: queue.topicSysFlag,
    writeQueueNums: queue.writeQueueNums,
  });
}

export function encodeTopicRouteData(route: TopicRouteData, style: RouteJsonStyle = RouteJsonStyle.STANDARD): Buffer {
  const parts = [
    `"brokerDatas":[${route.brokerDatas.map((b) => brokerDataJson(b, style)).join(',')}]`,
    `"filterServerTable":${JSON.stringify(route.filterServerTable)}`,
  ];
  if (route.orderTopicConf !== undefined) parts.push(`"orderTopicConf":${JSON.stringify(route.orderTopicConf)}`);
  parts.push(`"queueDatas":[${route.queueDatas.map(queueDataJson).join(',')}]`);
  return Buffer.from(`{${parts.join(',')}}`, 'utf8');
}

export function encodeClusterInfo(info: ClusterInfo, style: RouteJsonStyle = RouteJsonStyle.STANDARD): Buffer {
  const brokers = Object.keys(info.brokerAddrTable)
    .sort()
    .map((name) => `${JSON.stringify(name)}:${brokerDataJson(info.brokerAddrTable[name] as BrokerData, style)}`);
  return Buffer.from(
    `{"brokerAddrTable":{${brokers.join(',')}},"clusterAddrTable":${JSON.stringify(info.clusterAddrTable)}}`,
    'utf8',
  );
}

export function encodeTopicList(list: TopicList): Buffer {
  return jsonBuffer(list.brokerAddr === undefined ? { topicList: list.topicList } : { brokerAddr: list.brokerAddr, topicList: list.topicList });
}

export function encodeKVTable(kv: KVTable): Buffer {
  return jsonBuffer({ table: kv.table });
}

// ------------------------------------------------------------------------------------------ decoders

function readQueueData(value: JsonValue, path: string): QueueData {
  const o = asObject(value, path);
  return {
    brokerName: readString(o, 'brokerName', path),
    readQueueNums: readInteger(o, 'readQueueNums', path),
    writeQueueNums: readInteger(o, 'writeQueueNums', path),
    perm: readInteger(o, 'perm', path),
    topicSysFlag: readInteger(o, 'topicSysFlag', path, 0),
  };
}

function readBrokerAddrs(o: JsonObject, path: string): Record<number, string> {
  const byKey = readMap(o, 'brokerAddrs', path, stringItem);
  const out: Record<number, string> = {};
  for (const [key, addr] of Object.entries(byKey)) {
    const id = Number(key);
    if (!/^-?\d+$/.test(key) || !Number.isSafeInteger(id)) shapeFail(`${path}.brokerAddrs`, `key ${JSON.stringify(key)} is not a broker id`);
    out[id] = addr;
  }
  return out;
}

function readBrokerData(value: JsonValue, path: string): BrokerData {
  const o = asObject(value, path);
  const broker: BrokerData = {
    cluster: readString(o, 'cluster', path, ''),
    brokerName: readString(o, 'brokerName', path),
    brokerAddrs: readBrokerAddrs(o, path),
    enableActingMaster: readBoolean(o, 'enableActingMaster', path, false),
  };
  const zoneName = readOptionalString(o, 'zoneName', path);
  if (zoneName !== undefined) broker.zoneName = zoneName;
  return broker;
}

function readStringList(value: JsonValue, path: string): string[] {
  if (!Array.isArray(value)) return shapeFail(path, 'is not an array');
  return value.map((v, i) => stringItem(v, `${path}[${i}]`));
}

export function parseTopicRouteData(body: Buffer | undefined): Result<TopicRouteData, string> {
  return parseJsonBody(body, 'TopicRouteData', (root, path) => {
    const o = asObject(root, path);
    const route: TopicRouteData = {
      queueDatas: readArray(o, 'queueDatas', path, readQueueData),
      brokerDatas: readArray(o, 'brokerDatas', path, readBrokerData),
      filterServerTable: readMap(o, 'filterServerTable', path, readStringList),
    };
    const orderTopicConf = readOptionalString(o, 'orderTopicConf', path);
    if (orderTopicConf !== undefined) route.orderTopicConf = orderTopicConf;
    return route;
  });
}

export function parseClusterInfo(body: Buffer | undefined): Result<ClusterInfo, string> {
  return parseJsonBody(body, 'ClusterInfo', (root, path) => {
    const o = asObject(root, path);
    return {
      brokerAddrTable: readMap(o, 'brokerAddrTable', path, readBrokerData),
      clusterAddrTable: readMap(o, 'clusterAddrTable', path, readStringList),
    };
  });
}

export function parseTopicList(body: Buffer | undefined): Result<TopicList, string> {
  return parseJsonBody(body, 'TopicList', (root, path) => {
    const o = asObject(root, path);
    const list: TopicList = { topicList: readArray(o, 'topicList', path, stringItem) };
    const brokerAddr = readOptionalString(o, 'brokerAddr', path);
    if (brokerAddr !== undefined) list.brokerAddr = brokerAddr;
    return list;
  });
}

export function parseKVTable(body: Buffer | undefined): Result<KVTable, string> {
  return parseJsonBody(body, 'KVTable', (root, path) => ({ table: readMap(asObject(root, path), 'table', path, stringItem) }));
}
