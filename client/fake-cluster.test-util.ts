/**
 * Test doubles for the client's unit tests: a name server and an in-memory broker built on the real
 * RemotingServer over loopback. The broker stores real message records (so pull bodies decode like a
 * real broker's), long-polls, keeps consumer offsets and group membership and sends
 * NOTIFY_CONSUMER_IDS_CHANGED; tests can log, hold or replace the answer to any request through
 * `intercept`. Not part of the SDK (never exported from client/index.ts).
 */
import type { ClusterInfo, RemotingCommand, TopicRouteData } from '../protocol';
import {
  PullMessageRequestHeader,
  PullSysFlag,
  RequestCode,
  ResponseCode,
  encodeClusterInfo,
  encodeConsumerListBody,
  encodeLockBatchResponseBody,
  encodeTopicList,
  encodeTopicRouteData,
  makeRequest,
  makeResponse,
  parseHeartbeatData,
  parseLockBatchRequestBody,
  parseSendMessageRequest,
} from '../protocol';
import type { RemotingConnection } from '../remoting';
import { RemotingServer } from '../remoting';
import {
  decodeBatchBody,
  decodeProperties,
  encodeOffsetMsgId,
  encodeRecord,
  encodedRecordLength,
  parseHostAddress,
} from '../message';

export interface StoredMessage {
  readonly record: Buffer;
  readonly tags: string | undefined;
  readonly storeTimestamp: number;
}

/** Returning a command answers with it; null answers nothing; undefined lets the broker handle it. */
export type Intercept = (request: RemotingCommand, connection: RemotingConnection) => Promise<RemotingCommand | null | undefined> | RemotingCommand | null | undefined;

const STORE_HOST_IP = '127.0.0.1';

export class FakeBroker {
  readonly server = new RemotingServer({ idleTimeoutMs: 0 });
  readonly requests: RemotingCommand[] = [];
  readonly queues = new Map<string, StoredMessage[]>();
  readonly offsets = new Map<string, number>();
  /** group -> clientId -> connection. */
  readonly members = new Map<string, Map<string, RemotingConnection>>();
  readonly subscriptions = new Map<string, string>();
  /** `group@topic@queueId` -> clientId holding the lock. */
  readonly locks = new Map<string, string>();
  intercept: Intercept | undefined;
  addr = '';
  private commitLogOffset = 0;
  private waiters = new Map<string, (() => void)[]>();

  constructor(readonly brokerName: string, readonly cluster = 'FakeCluster') {
    for (const code of Object.values(RequestCode)) {
      this.server.register(code, (request, connection) => this.handle(request, connection));
    }
  }

  async start(): Promise<this> {
    const listening = await this.server.start(0, '127.0.0.1');
    if (!listening.ok) throw listening.error;
    this.addr = `127.0.0.1:${listening.value.port}`;
    this.server.on('close', (connection) => this.dropConnection(connection));
    return this;
  }

  async close(): Promise<void> {
    for (const list of this.waiters.values()) for (const wake of list) wake();
    this.waiters.clear();
    await this.server.close();
  }

  count(code: number): number {
    return this.requests.filter((r) => r.code === code).length;
  }

  queue(topic: string, queueId: number): StoredMessage[] {
    const key = `${topic}@${queueId}`;
    let list = this.queues.get(key);
    if (list === undefined) {
      list = [];
      this.queues.set(key, list);
    }
    return list;
  }

  /** Stores a message as if a producer had sent it; returns its queue offset. */
  append(topic: string, queueId: number, body: Buffer, properties: string): number {
    const list = this.queue(topic, queueId);
    const queueOffset = list.length;
    const storeHost = parseHostAddress(this.addr.replace('127.0.0.1', STORE_HOST_IP));
    if (!storeHost.ok) throw new Error(storeHost.error);
    const fields = {
      queueId,
      flag: 0,
      queueOffset,
      commitLogOffset: this.commitLogOffset,
      sysFlag: 0,
      bornTimestamp: Date.now(),
      bornHost: storeHost.value,
      storeTimestamp: Date.now(),
      storeHost: storeHost.value,
      reconsumeTimes: 0,
      preparedTransactionOffset: 0,
      body,
      topic: Buffer.from(topic),
      properties: Buffer.from(properties),
    };
    const record = Buffer.alloc(encodedRecordLength(fields, { recordCrc: false }));
    encodeRecord(record, 0, fields, { recordCrc: false });
    this.commitLogOffset += record.length;
    list.push({ record, tags: decodeProperties(properties).get('TAGS'), storeTimestamp: fields.storeTimestamp });
    const key = `${topic}@${queueId}`;
    const waiting = this.waiters.get(key);
    if (waiting !== undefined) {
      this.waiters.delete(key);
      for (const wake of waiting) wake();
    }
    return queueOffset;
  }

  /** Sends NOTIFY_CONSUMER_IDS_CHANGED to every member of `group`. */
  notify(group: string): void {
    for (const connection of this.members.get(group)?.values() ?? []) {
      connection.invokeOneway(makeRequest(RequestCode.NOTIFY_CONSUMER_IDS_CHANGED, { extFields: { consumerGroup: group } }));
    }
  }

  private async handle(request: RemotingCommand, connection: RemotingConnection): Promise<RemotingCommand | null> {
    this.requests.push(request);
    if (this.intercept !== undefined) {
      const answer = await this.intercept(request, connection);
      if (answer !== undefined) return answer;
    }
    switch (request.code) {
      case RequestCode.SEND_MESSAGE_V2:
      case RequestCode.SEND_BATCH_MESSAGE:
        return this.send(request);
      case RequestCode.PULL_MESSAGE:
        return this.pull(request);
      case RequestCode.HEART_BEAT:
        return this.heartbeat(request, connection);
      case RequestCode.UNREGISTER_CLIENT:
        return this.unregister(request);
      case RequestCode.GET_CONSUMER_LIST_BY_GROUP: {
        const ids = [...(this.members.get(request.extFields?.consumerGroup ?? '')?.keys() ?? [])];
        return makeResponse(request, ResponseCode.SUCCESS, undefined, { body: encodeConsumerListBody({ consumerIdList: ids }) });
      }
      case RequestCode.QUERY_CONSUMER_OFFSET: {
        const f = request.extFields ?? {};
        const offset = this.offsets.get(`${f.topic}@${f.consumerGroup}@${f.queueId}`);
        if (offset === undefined) return makeResponse(request, ResponseCode.QUERY_NOT_FOUND, 'no offset');
        return makeResponse(request, ResponseCode.SUCCESS, undefined, { extFields: { offset: String(offset) } });
      }
      case RequestCode.UPDATE_CONSUMER_OFFSET: {
        const f = request.extFields ?? {};
        this.offsets.set(`${f.topic}@${f.consumerGroup}@${f.queueId}`, Number(f.commitOffset));
        return makeResponse(request, ResponseCode.SUCCESS);
      }
      case RequestCode.GET_MAX_OFFSET: {
        const f = request.extFields ?? {};
        return makeResponse(request, ResponseCode.SUCCESS, undefined, { extFields: { offset: String(this.queue(f.topic ?? '', Number(f.queueId)).length) } });
      }
      case RequestCode.LOCK_BATCH_MQ:
      case RequestCode.UNLOCK_BATCH_MQ:
        return this.lockOrUnlock(request);
      case RequestCode.GET_MIN_OFFSET:
        return makeResponse(request, ResponseCode.SUCCESS, undefined, { extFields: { offset: '0' } });
      case RequestCode.SEARCH_OFFSET_BY_TIMESTAMP: {
        const f = request.extFields ?? {};
        const list = this.queue(f.topic ?? '', Number(f.queueId));
        const index = list.findIndex((m) => m.storeTimestamp >= Number(f.timestamp));
        return makeResponse(request, ResponseCode.SUCCESS, undefined, { extFields: { offset: String(index < 0 ? list.length : index) } });
      }
      default:
        return makeResponse(request, ResponseCode.REQUEST_CODE_NOT_SUPPORTED, `fake broker does not do ${request.code}`);
    }
  }

  private send(request: RemotingCommand): RemotingCommand {
    const header = parseSendMessageRequest(request.code, request.extFields);
    if (!header.ok) return makeResponse(request, ResponseCode.MESSAGE_ILLEGAL, header.error);
    const { topic, queueId } = header.value;
    const items: { body: Buffer; properties: string }[] = [];
    if (request.code === RequestCode.SEND_BATCH_MESSAGE) {
      const decoded = decodeBatchBody(request.body ?? Buffer.alloc(0));
      if (!decoded.ok) return makeResponse(request, ResponseCode.MESSAGE_ILLEGAL, decoded.error);
      for (const item of decoded.value) items.push({ body: Buffer.from(item.body), properties: item.properties.toString('utf8') });
    } else {
      items.push({ body: Buffer.from(request.body ?? Buffer.alloc(0)), properties: header.value.properties ?? '' });
    }
    const ids: string[] = [];
    let first = -1;
    for (const item of items) {
      const offsetBefore = this.commitLogOffset;
      const queueOffset = this.append(topic, queueId, item.body, item.properties);
      if (first < 0) first = queueOffset;
      const host = parseHostAddress(this.addr);
      ids.push(host.ok ? encodeOffsetMsgId(host.value, offsetBefore) : '');
    }
    return makeResponse(request, ResponseCode.SUCCESS, undefined, {
      extFields: { msgId: ids.join(','), queueId: String(queueId), queueOffset: String(first), MSG_REGION: 'DefaultRegion', TRACE_ON: 'true' },
    });
  }

  private async pull(request: RemotingCommand): Promise<RemotingCommand> {
    const parsed = PullMessageRequestHeader.parse(request.extFields);
    if (!parsed.ok) return makeResponse(request, ResponseCode.INVALID_PARAMETER, parsed.error);
    const h = parsed.value;
    if ((h.sysFlag & PullSysFlag.COMMIT_OFFSET) !== 0 && h.commitOffset >= 0) {
      this.offsets.set(`${h.topic}@${h.consumerGroup}@${h.queueId}`, h.commitOffset);
    }
    const subscription = (h.sysFlag & PullSysFlag.SUBSCRIPTION) !== 0 ? (h.subscription ?? '*') : (this.subscriptions.get(`${h.consumerGroup}@${h.topic}`) ?? '*');
    let answer = this.read(request, h.topic, h.queueId, h.queueOffset, h.maxMsgNums, subscription);
    if (answer.code === ResponseCode.PULL_NOT_FOUND && (h.sysFlag & PullSysFlag.SUSPEND) !== 0) {
      await this.waitForMessages(`${h.topic}@${h.queueId}`, h.suspendTimeoutMillis);
      answer = this.read(request, h.topic, h.queueId, h.queueOffset, h.maxMsgNums, subscription);
    }
    return answer;
  }

  private read(request: RemotingCommand, topic: string, queueId: number, offset: number, maxNums: number, subscription: string): RemotingCommand {
    const list = this.queue(topic, queueId);
    const max = list.length;
    const ext = (next: number): Record<string, string> => ({ suggestWhichBrokerId: '0', nextBeginOffset: String(next), minOffset: '0', maxOffset: String(max) });
    if (offset > max) return makeResponse(request, ResponseCode.PULL_OFFSET_MOVED, 'OFFSET_OVERFLOW_BADLY', { extFields: ext(max) });
    if (offset === max) return makeResponse(request, ResponseCode.PULL_NOT_FOUND, 'OFFSET_OVERFLOW_ONE', { extFields: ext(offset) });
    const tags = subscription.trim() === '*' || subscription.trim() === '' ? undefined : new Set(subscription.split('||').map((t) => t.trim()));
    const records: Buffer[] = [];
    let next = offset;
    while (next < max && records.length < maxNums) {
      const message = list[next]!;
      next++;
      if (tags === undefined || (message.tags !== undefined && tags.has(message.tags))) records.push(message.record);
    }
    if (records.length === 0) return makeResponse(request, ResponseCode.PULL_RETRY_IMMEDIATELY, 'NO_MATCHED_MESSAGE', { extFields: ext(next) });
    return makeResponse(request, ResponseCode.SUCCESS, 'FOUND', { extFields: ext(next), body: Buffer.concat(records) });
  }

  private waitForMessages(key: string, timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, timeoutMs);
      const list = this.waiters.get(key) ?? [];
      list.push(done);
      this.waiters.set(key, list);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
    });
  }

  private heartbeat(request: RemotingCommand, connection: RemotingConnection): RemotingCommand {
    const data = parseHeartbeatData(request.body);
    if (!data.ok) return makeResponse(request, ResponseCode.SYSTEM_ERROR, data.error);
    for (const consumer of data.value.consumerDataSet) {
      let members = this.members.get(consumer.groupName);
      if (members === undefined) {
        members = new Map();
        this.members.set(consumer.groupName, members);
      }
      const isNew = !members.has(data.value.clientID);
      members.set(data.value.clientID, connection);
      for (const sub of consumer.subscriptionDataSet) this.subscriptions.set(`${consumer.groupName}@${sub.topic}`, sub.subString);
      if (isNew) this.notify(consumer.groupName);
    }
    return makeResponse(request, ResponseCode.SUCCESS);
  }

  private unregister(request: RemotingCommand): RemotingCommand {
    const f = request.extFields ?? {};
    const group = f.consumerGroup;
    if (group !== undefined && this.members.get(group)?.delete(f.clientID ?? '') === true) this.notify(group);
    return makeResponse(request, ResponseCode.SUCCESS);
  }

  private lockOrUnlock(request: RemotingCommand): RemotingCommand {
    const body = parseLockBatchRequestBody(request.body);
    if (!body.ok) return makeResponse(request, ResponseCode.SYSTEM_ERROR, body.error);
    const { consumerGroup, clientId, mqSet } = body.value;
    const granted = [];
    for (const mq of mqSet) {
      const key = `${consumerGroup}@${mq.topic}@${mq.queueId}`;
      const holder = this.locks.get(key);
      if (request.code === RequestCode.UNLOCK_BATCH_MQ) {
        if (holder === clientId) this.locks.delete(key);
      } else if (holder === undefined || holder === clientId) {
        this.locks.set(key, clientId);
        granted.push(mq);
      }
    }
    return makeResponse(request, ResponseCode.SUCCESS, undefined, { body: encodeLockBatchResponseBody({ lockOKMQSet: granted }) });
  }

  private dropConnection(connection: RemotingConnection): void {
    for (const [group, members] of this.members) {
      for (const [clientId, member] of members) {
        if (member === connection) {
          members.delete(clientId);
          this.notify(group);
        }
      }
    }
  }
}

export class FakeNamesrv {
  readonly server = new RemotingServer({ idleTimeoutMs: 0 });
  readonly routes = new Map<string, TopicRouteData>();
  addr = '';
  lookups = 0;

  /** Brokers for GET_BROKER_CLUSTER_INFO. */
  brokers: FakeBroker[] = [];

  constructor() {
    this.server.register(RequestCode.GET_BROKER_CLUSTER_INFO, (request) => {
      const info: ClusterInfo = { brokerAddrTable: {}, clusterAddrTable: {} };
      for (const b of this.brokers) {
        info.brokerAddrTable[b.brokerName] = { cluster: b.cluster, brokerName: b.brokerName, brokerAddrs: { 0: b.addr } };
        (info.clusterAddrTable[b.cluster] ??= []).push(b.brokerName);
      }
      return makeResponse(request, ResponseCode.SUCCESS, undefined, { body: encodeClusterInfo(info) });
    });
    this.server.register(RequestCode.GET_ALL_TOPIC_LIST_FROM_NAMESERVER, (request) =>
      makeResponse(request, ResponseCode.SUCCESS, undefined, { body: encodeTopicList({ topicList: [...this.routes.keys()] }) }),
    );
    this.server.register(RequestCode.GET_ROUTEINFO_BY_TOPIC, (request) => {
      this.lookups++;
      const route = this.routes.get(request.extFields?.topic ?? '');
      if (route === undefined) return makeResponse(request, ResponseCode.TOPIC_NOT_EXIST, 'no route');
      return makeResponse(request, ResponseCode.SUCCESS, undefined, { body: encodeTopicRouteData(route) });
    });
  }

  async start(): Promise<this> {
    const listening = await this.server.start(0, '127.0.0.1');
    if (!listening.ok) throw listening.error;
    this.addr = `127.0.0.1:${listening.value.port}`;
    return this;
  }

  /** Routes `topic` to `brokers` with `queueNums` read and write queues each (perm RW). */
  setRoute(topic: string, brokers: readonly FakeBroker[], queueNums = 4, perm = 6): void {
    this.routes.set(topic, {
      queueDatas: brokers.map((b) => ({ brokerName: b.brokerName, readQueueNums: queueNums, writeQueueNums: queueNums, perm, topicSysFlag: 0 })),
      brokerDatas: brokers.map((b) => ({ cluster: b.cluster, brokerName: b.brokerName, brokerAddrs: { 0: b.addr } })),
      filterServerTable: {},
    });
  }

  async close(): Promise<void> {
    await this.server.close();
  }
}

export interface FakeCluster {
  readonly namesrv: FakeNamesrv;
  readonly brokers: FakeBroker[];
  readonly namesrvAddr: string;
  close(): Promise<void>;
}

/** A name server and `brokerCount` brokers (`broker-a`, `broker-b`, ...) with `topics` routed to all of them. */
export async function startFakeCluster(brokerCount: number, topics: Record<string, number> = {}): Promise<FakeCluster> {
  const namesrv = await new FakeNamesrv().start();
  const brokers: FakeBroker[] = [];
  for (let i = 0; i < brokerCount; i++) brokers.push(await new FakeBroker(`broker-${String.fromCharCode(97 + i)}`).start());
  namesrv.brokers = brokers;
  for (const [topic, queueNums] of Object.entries(topics)) namesrv.setRoute(topic, brokers, queueNums);
  return {
    namesrv,
    brokers,
    namesrvAddr: namesrv.addr,
    close: async () => {
      await Promise.all(brokers.map((b) => b.close()));
      await namesrv.close();
    },
  };
}

/** Properties text as a producer would write it. */
export function propertiesText(props: Record<string, string>): string {
  return Object.entries(props).map(([k, v]) => `${k}\u0001${v}\u0002`).join('');
}
