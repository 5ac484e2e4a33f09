/**
 * Cluster administration (what `mqadmin` does): topics, cluster layout, consumer progress, message
 * lookups, broker status. Every method returns plain objects.
 *
 * ```ts
 * const admin = new AdminClient({ namesrvAddr: '127.0.0.1:9876' });
 * await admin.start();
 * await admin.createTopic('orders', { readQueueNums: 8, writeQueueNums: 8 });
 * const progress = await admin.consumerProgress('billing');
 * await admin.close();
 * ```
 */
import type { ClusterInfo } from '../protocol';
import {
  CreateTopicRequestHeader,
  DeleteTopicFromNamesrvRequestHeader,
  DeleteTopicRequestHeader,
  MASTER_ID,
  QueryMessageRequestHeader,
  RequestCode,
  ResponseCode,
  ViewMessageRequestHeader,
  makeRequest,
  parseClusterInfo,
  parseKVTable,
  parseTopicList,
} from '../protocol';
import { decodeOffsetMsgId, decodeRecords, formatHostAddress } from '../message';
import { RemotingClient } from '../remoting';
import type { ConsumerConnections, QueueStats } from './admin-bodies';
import { parseConsumeStats, parseConsumerConnection, parseTopicStats } from './admin-bodies';
import { maxOffsetOf, minOffsetOf } from './consumer-api';
import { ClientError, ClientErrorCode, invalidArgument } from './errors';
import { toReceivedMessage } from './pull';
import { RouteCache, buildTopicRoute, parseNamesrvAddrs, pullTarget } from './route';
import { invoke, invokeExpect, request } from './rpc';
import type { MessageQueue, ReceivedMessage } from './types';
import { compareQueues } from './types';

export type { ConsumerConnectionInfo, ConsumerConnections, QueueStats } from './admin-bodies';

export interface AdminClientOptions {
  readonly namesrvAddr: string | readonly string[];
  readonly requestTimeoutMs?: number;
}

export type TopicMessageType = 'NORMAL' | 'FIFO' | 'DELAY' | 'TRANSACTION' | 'MIXED';

export interface TopicOptions {
  /** The cluster whose masters get the topic; may be left out when there is one cluster. */
  readonly clusterName?: string;
  /** Only these broker groups (default: every broker group of the cluster). */
  readonly brokerNames?: readonly string[];
  readonly readQueueNums?: number;
  readonly writeQueueNums?: number;
  /** PermName bits: 6 = read + write (default), 4 = read only, 2 = write only. */
  readonly perm?: number;
  /** RocketMQ 5 `message.type` attribute; brokers that predate it ignore it. */
  readonly messageType?: TopicMessageType;
  readonly order?: boolean;
}

export interface BrokerInfo {
  readonly cluster: string;
  readonly brokerName: string;
  /** brokerId -> address; 0 is the master. */
  readonly addrs: Readonly<Record<number, string>>;
}

export interface ClusterView {
  /** cluster name -> broker names. */
  readonly clusters: Record<string, string[]>;
  readonly brokers: Record<string, BrokerInfo>;
}

export interface TopicDescription {
  readonly topic: string;
  readonly brokers: BrokerInfo[];
  readonly queues: QueueStats[];
  readonly perm: Record<string, number>;
}

export interface QueueProgress {
  readonly queue: MessageQueue;
  readonly brokerOffset: number;
  readonly consumerOffset: number;
  /** brokerOffset - consumerOffset, never negative. */
  readonly lag: number;
  readonly lastTimestamp: number;
}

export interface ConsumerProgress {
  readonly group: string;
  readonly queues: QueueProgress[];
  readonly totalLag: number;
  readonly consumeTps: number;
}

export interface QueryOptions {
  /** Store-time window, ms since the epoch; default everything. */
  readonly begin?: number;
  readonly end?: number;
  readonly maxNum?: number;
}

export class AdminClient {
  private readonly remoting = new RemotingClient();
  private readonly routes: RouteCache;
  private readonly namesrvAddrs: string[];
  private readonly timeoutMs: number;
  private state: 'new' | 'running' | 'closed' = 'new';

  constructor(options: AdminClientOptions) {
    this.namesrvAddrs = parseNamesrvAddrs(options.namesrvAddr);
    if (this.namesrvAddrs.length === 0) throw invalidArgument('namesrvAddr is required');
    this.timeoutMs = options.requestTimeoutMs ?? 5000;
    this.routes = new RouteCache(this.remoting, { namesrvAddrs: this.namesrvAddrs, timeoutMs: this.timeoutMs, refreshIntervalMs: 30_000 });
  }

  async start(): Promise<void> {
    if (this.state !== 'new') throw invalidArgument(`admin client cannot start: it is ${this.state}`);
    this.state = 'running';
  }

  async close(): Promise<void> {
    this.state = 'closed';
    await this.remoting.close();
  }

  /** Brokers and clusters as the name server knows them (GET_BROKER_CLUSTER_INFO). */
  async clusterInfo(): Promise<ClusterView> {
    const info = await this.rawClusterInfo();
    const brokers: Record<string, BrokerInfo> = {};
    for (const [name, b] of Object.entries(info.brokerAddrTable)) brokers[name] = { cluster: b.cluster, brokerName: b.brokerName, addrs: { ...b.brokerAddrs } };
    const clusters: Record<string, string[]> = {};
    for (const [name, list] of Object.entries(info.clusterAddrTable)) clusters[name] = [...list].sort();
    return { clusters, brokers };
  }

  /** Creates or updates a topic on every master of the cluster (UPDATE_AND_CREATE_TOPIC). */
  async createTopic(topic: string, options: TopicOptions = {}): Promise<void> {
    this.checkRunning();
    const readQueueNums = options.readQueueNums ?? 8;
    const writeQueueNums = options.writeQueueNums ?? 8;
    if (!Number.isSafeInteger(readQueueNums) || readQueueNums <= 0 || !Number.isSafeInteger(writeQueueNums) || writeQueueNums <= 0) {
      throw invalidArgument('readQueueNums and writeQueueNums must be positive integers');
    }
    const extFields = CreateTopicRequestHeader.format({
      topic,
      defaultTopic: 'TBW102',
      readQueueNums,
      writeQueueNums,
      perm: options.perm ?? 6,
      topicFilterType: 'SINGLE_TAG',
      topicSysFlag: 0,
      order: options.order ?? false,
      ...(options.messageType === undefined ? {} : { attributes: `+message.type=${options.messageType}` }),
    });
    const masters = await this.mastersOf(options.clusterName, options.brokerNames);
    await Promise.all(masters.map(({ addr, brokerName }) => invokeExpect(this.remoting, addr, makeRequest(RequestCode.UPDATE_AND_CREATE_TOPIC, { extFields }), this.timeoutMs, `create topic ${topic} on ${brokerName}`)));
  }

  /** Same as `createTopic`: RocketMQ has one call for both. */
  updateTopic(topic: string, options: TopicOptions = {}): Promise<void> {
    return this.createTopic(topic, options);
  }

  /** Deletes a topic from every master of the cluster, then from every name server. */
  async deleteTopic(topic: string, options: { clusterName?: string } = {}): Promise<void> {
    this.checkRunning();
    const masters = await this.mastersOf(options.clusterName, undefined);
    const clusterName = options.clusterName ?? (await this.soleClusterName());
    await Promise.all(
      masters.map(({ addr, brokerName }) =>
        invokeExpect(this.remoting, addr, makeRequest(RequestCode.DELETE_TOPIC_IN_BROKER, { extFields: DeleteTopicRequestHeader.format({ topic }) }), this.timeoutMs, `delete topic ${topic} on ${brokerName}`),
      ),
    );
    const namesrvRequest = makeRequest(RequestCode.DELETE_TOPIC_IN_NAMESRV, { extFields: DeleteTopicFromNamesrvRequestHeader.format({ topic, clusterName }) });
    await Promise.all(this.namesrvAddrs.map((addr) => invokeExpect(this.remoting, addr, namesrvRequest, this.timeoutMs, `delete topic ${topic} on name server`)));
  }

  /** Every topic the name server knows (GET_ALL_TOPIC_LIST_FROM_NAMESERVER), sorted. */
  async listTopics(): Promise<string[]> {
    this.checkRunning();
    const { response, addr } = await this.routes.invokeNamesrv(makeRequest(RequestCode.GET_ALL_TOPIC_LIST_FROM_NAMESERVER), 'topic list');
    if (response.code !== ResponseCode.SUCCESS) throw new ClientError(ClientErrorCode.BROKER_ERROR, `topic list from ${addr}: code ${response.code} ${response.remark ?? ''}`);
    const list = parseTopicList(response.body);
    if (!list.ok) throw new ClientError(ClientErrorCode.BAD_RESPONSE, `topic list from ${addr}: ${list.error}`);
    return [...list.value.topicList].sort();
  }

  /** The topic's route and the min/max offset of each queue. */
  async describeTopic(topic: string): Promise<TopicDescription> {
    this.checkRunning();
    const data = await this.routes.fetchRouteData(topic);
    if (data === undefined) throw new ClientError(ClientErrorCode.TOPIC_NOT_FOUND, `topic ${topic} has no route`);
    const route = buildTopicRoute(topic, data);
    const perm: Record<string, number> = {};
    for (const qd of data.queueDatas) perm[qd.brokerName] = qd.perm;
    const perBroker = await Promise.all(
      data.queueDatas.map(async (qd) => {
        const target = pullTarget(route.brokers, qd.brokerName, MASTER_ID);
        if (target === undefined) return [];
        return this.queueStats(target.addr, topic, qd.brokerName, Math.max(qd.readQueueNums, qd.writeQueueNums));
      }),
    );
    const brokers = data.brokerDatas.map((b) => ({ cluster: b.cluster, brokerName: b.brokerName, addrs: { ...b.brokerAddrs } }));
    return { topic, brokers, perm, queues: perBroker.flat().sort((a, b) => compareQueues(a.queue, b.queue)) };
  }

  /** Per-queue progress and lag of a consumer group, from every master (GET_CONSUME_STATS). */
  async consumerProgress(group: string, topic?: string): Promise<ConsumerProgress> {
    this.checkRunning();
    const masters = await this.mastersOf(undefined, undefined, true);
    const queues: QueueProgress[] = [];
    let consumeTps = 0;
    await Promise.all(
      masters.map(async ({ addr, brokerName }) => {
        const req = request(RequestCode.GET_CONSUME_STATS, { consumerGroup: group, topic });
        const response = await invoke(this.remoting, addr, req, this.timeoutMs, `consume stats of ${group} on ${brokerName}`);
        if (response.code !== ResponseCode.SUCCESS) return; // a broker that never saw the group
        const stats = parseConsumeStats(response.body);
        if (!stats.ok) throw new ClientError(ClientErrorCode.BAD_RESPONSE, `consume stats from ${brokerName}: ${stats.error}`);
        consumeTps += stats.value.consumeTps;
        for (const q of stats.value.queues) {
          if (topic !== undefined && q.queue.topic !== topic) continue;
          queues.push({ ...q, lag: Math.max(0, q.brokerOffset - q.consumerOffset) });
        }
      }),
    );
    queues.sort((a, b) => compareQueues(a.queue, b.queue));
    return { group, queues, totalLag: queues.reduce((sum, q) => sum + q.lag, 0), consumeTps };
  }

  /** The message stored under an offset message id (VIEW_MESSAGE_BY_ID at the broker the id names). */
  async viewMessage(offsetMsgId: string): Promise<ReceivedMessage> {
    this.checkRunning();
    const id = decodeOffsetMsgId(offsetMsgId);
    if (!id.ok) throw invalidArgument(id.error);
    const addr = formatHostAddress(id.value.host);
    const req = makeRequest(RequestCode.VIEW_MESSAGE_BY_ID, { extFields: ViewMessageRequestHeader.format({ offset: id.value.commitLogOffset }) });
    const response = await invokeExpect(this.remoting, addr, req, this.timeoutMs, `view message ${offsetMsgId}`);
    const [message] = this.decode(response.body, await this.brokerNameOf(addr), `message ${offsetMsgId}`);
    if (message === undefined) throw new ClientError(ClientErrorCode.BAD_RESPONSE, `broker ${addr} returned no record for ${offsetMsgId}`);
    return message;
  }

  /** Messages of `topic` carrying `key` in KEYS, from every broker of the topic (QUERY_MESSAGE). */
  async queryMessageByKey(topic: string, key: string, options: QueryOptions = {}): Promise<ReceivedMessage[]> {
    const found = await this.query(topic, key, false, options);
    return found.filter((m) => m.keys.includes(key));
  }

  /** Messages of `topic` whose producer-made id (UNIQ_KEY) is `msgId` (normally one). */
  async queryMessageByUniqKey(topic: string, msgId: string, options: QueryOptions = {}): Promise<ReceivedMessage[]> {
    const found = await this.query(topic, msgId, true, options);
    return found.filter((m) => m.properties.UNIQ_KEY === msgId);
  }

  /** The broker's runtime statistics (GET_BROKER_RUNTIME_INFO), as the KV table it returns. */
  async brokerRuntimeInfo(brokerAddr: string): Promise<Record<string, string>> {
    this.checkRunning();
    const response = await invokeExpect(this.remoting, brokerAddr, makeRequest(RequestCode.GET_BROKER_RUNTIME_INFO), this.timeoutMs, 'broker runtime info');
    const table = parseKVTable(response.body);
    if (!table.ok) throw new ClientError(ClientErrorCode.BAD_RESPONSE, `runtime info from ${brokerAddr}: ${table.error}`);
    return table.value.table;
  }

  /** The group's online members and subscriptions, as a broker sees them (GET_CONSUMER_CONNECTION_LIST). */
  async examineConsumerConnections(group: string): Promise<ConsumerConnections> {
    this.checkRunning();
    const masters = await this.mastersOf(undefined, undefined, true);
    let lastError: ClientError | undefined;
    for (const { addr } of masters) {
      const response = await invoke(this.remoting, addr, request(RequestCode.GET_CONSUMER_CONNECTION_LIST, { consumerGroup: group }), this.timeoutMs, `connections of ${group}`);
      if (response.code !== ResponseCode.SUCCESS) {
        lastError = new ClientError(ClientErrorCode.BROKER_ERROR, `connections of ${group} on ${addr}: code ${response.code} ${response.remark ?? ''}`);
        continue;
      }
      const parsed = parseConsumerConnection(response.body);
      if (!parsed.ok) throw new ClientError(ClientErrorCode.BAD_RESPONSE, `connections of ${group} from ${addr}: ${parsed.error}`);
      if (parsed.value.connections.length > 0) return parsed.value;
    }
    throw lastError ?? new ClientError(ClientErrorCode.BROKER_ERROR, `consumer group ${group} is not online`);
  }

  private async query(topic: string, key: string, unique: boolean, options: QueryOptions): Promise<ReceivedMessage[]> {
    this.checkRunning();
    const data = await this.routes.fetchRouteData(topic);
    if (data === undefined) throw new ClientError(ClientErrorCode.TOPIC_NOT_FOUND, `topic ${topic} has no route`);
    const route = buildTopicRoute(topic, data);
    const extFields = QueryMessageRequestHeader.format({
      topic,
      key,
      maxNum: options.maxNum ?? 32,
      beginTimestamp: options.begin ?? 0,
      endTimestamp: options.end ?? Number.MAX_SAFE_INTEGER,
    });
    if (unique) extFields._UNIQUE_KEY_QUERY = 'true';
    const results = await Promise.all(
      [...route.brokers.keys()].map(async (brokerName) => {
        const target = pullTarget(route.brokers, brokerName, MASTER_ID);
        if (target === undefined) return [];
        const response = await invokeExpect(this.remoting, target.addr, makeRequest(RequestCode.QUERY_MESSAGE, { extFields }), this.timeoutMs, `query ${topic} by ${key}`, [ResponseCode.SUCCESS, ResponseCode.QUERY_NOT_FOUND]);
        return response.code === ResponseCode.SUCCESS ? this.decode(response.body, brokerName, `query of ${topic} by ${key}`) : [];
      }),
    );
    return results.flat().filter((m) => m.topic === topic).sort((a, b) => a.storeTimestamp - b.storeTimestamp || a.commitLogOffset - b.commitLogOffset);
  }

  private decode(body: Buffer | undefined, brokerName: string, what: string): ReceivedMessage[] {
    if (body === undefined || body.length === 0) return [];
    try {
      return decodeRecords(body).map((record) => toReceivedMessage(record, { topic: record.topic, brokerName, queueId: record.queueId }));
    } catch (error) {
      throw new ClientError(ClientErrorCode.CORRUPT_MESSAGE, `${what}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  private async queueStats(addr: string, topic: string, brokerName: string, queueNums: number): Promise<QueueStats[]> {
    const response = await invoke(this.remoting, addr, request(RequestCode.GET_TOPIC_STATS_INFO, { topic }), this.timeoutMs, `stats of ${topic} on ${brokerName}`);
    if (response.code === ResponseCode.SUCCESS) {
      const stats = parseTopicStats(response.body);
      if (stats.ok) return stats.value;
    }
    // Brokers without GET_TOPIC_STATS_INFO: ask each queue's bounds.
    return Promise.all(
      Array.from({ length: queueNums }, async (_, queueId) => {
        const queue = { topic, brokerName, queueId };
        const [minOffset, maxOffset] = await Promise.all([minOffsetOf(this.remoting, addr, queue, this.timeoutMs), maxOffsetOf(this.remoting, addr, queue, this.timeoutMs)]);
        return { queue, minOffset, maxOffset, lastUpdateTimestamp: 0 };
      }),
    );
  }

  private async rawClusterInfo(): Promise<ClusterInfo> {
    this.checkRunning();
    const { response, addr } = await this.routes.invokeNamesrv(makeRequest(RequestCode.GET_BROKER_CLUSTER_INFO), 'cluster info');
    if (response.code !== ResponseCode.SUCCESS) throw new ClientError(ClientErrorCode.BROKER_ERROR, `cluster info from ${addr}: code ${response.code} ${response.remark ?? ''}`);
    const info = parseClusterInfo(response.body);
    if (!info.ok) throw new ClientError(ClientErrorCode.BAD_RESPONSE, `cluster info from ${addr}: ${info.error}`);
    return info.value;
  }

  private async soleClusterName(): Promise<string> {
    const names = Object.keys((await this.rawClusterInfo()).clusterAddrTable);
    if (names.length !== 1) throw invalidArgument(`there are ${names.length} clusters (${names.join(', ')}); name one with clusterName`);
    return names[0]!;
  }

  /** Master addresses of a cluster's broker groups (or of every cluster when `allClusters`). */
  private async mastersOf(clusterName: string | undefined, brokerNames: readonly string[] | undefined, allClusters = false): Promise<{ brokerName: string; addr: string }[]> {
    const info = await this.rawClusterInfo();
    let names: string[];
    if (allClusters) {
      names = Object.keys(info.brokerAddrTable);
    } else {
      const clusters = Object.keys(info.clusterAddrTable);
      const cluster = clusterName ?? (clusters.length === 1 ? clusters[0] : undefined);
      if (cluster === undefined) throw invalidArgument(`there are ${clusters.length} clusters (${clusters.join(', ')}); name one with clusterName`);
      const members = info.clusterAddrTable[cluster];
      if (members === undefined) throw invalidArgument(`cluster ${cluster} is unknown to the name server`);
      names = [...members];
    }
    if (brokerNames !== undefined) names = names.filter((n) => brokerNames.includes(n));
    const out: { brokerName: string; addr: string }[] = [];
    for (const name of names.sort()) {
      const addr = info.brokerAddrTable[name]?.brokerAddrs[MASTER_ID];
      if (addr !== undefined) out.push({ brokerName: name, addr });
    }
    if (out.length === 0) throw new ClientError(ClientErrorCode.NO_AVAILABLE_QUEUE, 'no master broker to send the request to');
    return out;
  }

  private async brokerNameOf(addr: string): Promise<string> {
    try {
      const info = await this.rawClusterInfo();
      for (const [name, broker] of Object.entries(info.brokerAddrTable)) if (Object.values(broker.brokerAddrs).includes(addr)) return name;
    } catch {
      // The name is informational; the message is still worth returning.
    }
    return '';
  }

  private checkRunning(): void {
    if (this.state === 'running') return;
    throw new ClientError(this.state === 'closed' ? ClientErrorCode.SHUT_DOWN : ClientErrorCode.NOT_STARTED, `admin client is ${this.state === 'closed' ? 'closed' : 'not started'}`);
  }
}
