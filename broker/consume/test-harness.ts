/**
 * For this folder's tests only: a real store in a temp dir, a real RemotingServer on loopback with
 * the ConsumeService registered, and a tiny Map-backed TopicRegistry standing in for broker-core's.
 */
import { Registry } from 'prom-client';
import { silentLogger } from '../../ops';
import type { RemotingCommand, TopicConfig } from '../../protocol';
import { PERM_READ, PERM_WRITE, PullSysFlag, RequestCode, encodeHeartbeatData, makeRequest } from '../../protocol';
import { RemotingClient, RemotingServer } from '../../remoting';
import { systemClock } from '../../stdx';
import { sampleMessage } from '../../testing/store';
import type { SampleOptions } from '../../testing/store';
import { tempDir } from '../../testing/temp';
import { MessageStore, defaultIoMode } from '../store';
import type { AppendedRecord, StoreConfig } from '../store';
import { ConsumeService } from './service';
import type { TopicRegistry } from './service';
import type { ConsumeOptions } from './options';
import { javaStringHashCode } from '../../message';

export class MapTopics implements TopicRegistry {
  readonly map = new Map<string, TopicConfig>();
  readonly created: string[] = [];

  add(topic: string, queues = 4, perm = PERM_READ | PERM_WRITE): TopicConfig {
    const config: TopicConfig = { topicName: topic, readQueueNums: queues, writeQueueNums: queues, perm, topicFilterType: 'SINGLE_TAG', topicSysFlag: 0, order: false, attributes: {} };
    this.map.set(topic, config);
    return config;
  }

  get(topic: string): TopicConfig | undefined {
    return this.map.get(topic);
  }

  ensureTopic(topic: string, init: { readQueueNums: number; writeQueueNums: number; perm: number; topicSysFlag?: number }): TopicConfig {
    const found = this.map.get(topic);
    if (found !== undefined) return found;
    this.created.push(topic);
    const config = this.add(topic, init.readQueueNums, init.perm);
    return { ...config, writeQueueNums: init.writeQueueNums, topicSysFlag: init.topicSysFlag ?? 0 };
  }
}

const SMALL_STORE: Partial<StoreConfig> = {
  commitLogSegmentBytes: 4 * 1024 * 1024,
  maxMessageSizeBytes: 64 * 1024,
  consumeQueueEntriesPerFile: 1000,
  indexMaxHashSlots: 1024,
  indexMaxCount: 4096,
  pretouchSegments: false,
  flushIntervalMs: 50,
  flushConsumeQueueIntervalMs: 50,
};

export interface BrokerUnderTest {
  readonly store: MessageStore;
  readonly service: ConsumeService;
  readonly server: RemotingServer;
  readonly topics: MapTopics;
  readonly registry: Registry;
  readonly addr: string;
  readonly storeDir: string;
  close(): Promise<void>;
}

export interface StartOptions {
  readonly options?: Partial<ConsumeOptions>;
  readonly brokerId?: number;
  /** Reuse a store dir (to test persistence across restarts). */
  readonly storeDir?: string;
  readonly topics?: MapTopics;
}

export async function startBroker(o: StartOptions = {}): Promise<BrokerUnderTest> {
  const storeDir = o.storeDir ?? tempDir('rocket-consume-');
  const topics = o.topics ?? new MapTopics();
  // The store reports dispatches to the service built after it, as broker-core wires them.
  const wiring: { service?: ConsumeService } = {};
  const store = new MessageStore({ storeDir, ioMode: defaultIoMode(), ...SMALL_STORE }, { onDispatched: (offset) => wiring.service?.onDispatched(offset) });
  const opened = await store.open();
  if (!opened.ok) throw new Error(opened.error.message);
  const registry = new Registry();
  const service = new ConsumeService({
    store,
    topics,
    configDir: `${storeDir}/config`,
    brokerName: 'broker-a',
    brokerId: o.brokerId ?? 0,
    clock: systemClock,
    logger: silentLogger,
    registry,
    options: o.options,
  });
  wiring.service = service;
  const loaded = await service.open();
  if (!loaded.ok) throw new Error(loaded.error);
  const server = new RemotingServer({ idleTimeoutMs: 0 });
  service.register(server);
  const started = await server.start(0, '127.0.0.1');
  if (!started.ok) throw started.error;
  return {
    store,
    service,
    server,
    topics,
    registry,
    addr: `127.0.0.1:${started.value.port}`,
    storeDir,
    async close() {
      await service.close();
      await server.close();
      await store.close();
    },
  };
}

export async function put(store: MessageStore, seq: number, o: SampleOptions = {}): Promise<AppendedRecord> {
  const result = await store.putMessage(sampleMessage(seq, o));
  if (!('records' in result)) throw new Error(`put failed: ${result.status} ${result.reason}`);
  return result.records[0]!;
}

export async function putMany(store: MessageStore, count: number, o: SampleOptions = {}): Promise<AppendedRecord[]> {
  const records: AppendedRecord[] = [];
  for (let i = 0; i < count; i++) records.push(await put(store, i, o));
  await store.waitDispatched();
  return records;
}

export interface PullFields {
  group?: string;
  topic?: string;
  queueId?: number;
  queueOffset?: number;
  maxMsgNums?: number;
  sysFlag?: number;
  commitOffset?: number;
  suspendTimeoutMillis?: number;
  subscription?: string;
  subVersion?: number;
}

/** A PULL_MESSAGE request as ali-ons builds it (subscription in the pull, suspend set) unless overridden. */
export function pullRequest(f: PullFields = {}): RemotingCommand {
  const extFields: Record<string, string> = {
    consumerGroup: f.group ?? 'G1',
    topic: f.topic ?? 'TopicTest',
    queueId: String(f.queueId ?? 0),
    queueOffset: String(f.queueOffset ?? 0),
    maxMsgNums: String(f.maxMsgNums ?? 32),
    sysFlag: String(f.sysFlag ?? PullSysFlag.SUBSCRIPTION),
    commitOffset: String(f.commitOffset ?? 0),
    suspendTimeoutMillis: String(f.suspendTimeoutMillis ?? 15_000),
    subVersion: String(f.subVersion ?? 0),
  };
  if (f.subscription !== undefined) extFields.subscription = f.subscription;
  else extFields.subscription = '*';
  return makeRequest(RequestCode.PULL_MESSAGE, { extFields });
}

export function heartbeatRequest(clientID: string, group: string, subscriptions: { topic: string; tags?: string[] }[], model = 'CLUSTERING'): RemotingCommand {
  const body = encodeHeartbeatData({
    clientID,
    producerDataSet: [],
    consumerDataSet: [
      {
        groupName: group,
        consumeType: 'CONSUME_PASSIVELY',
        messageModel: model,
        consumeFromWhere: 'CONSUME_FROM_LAST_OFFSET',
        unitMode: false,
        subscriptionDataSet: subscriptions.map((s) => ({
          topic: s.topic,
          subString: s.tags === undefined ? '*' : s.tags.join(' || '),
          classFilterMode: false,
          tagsSet: s.tags ?? [],
          codeSet: (s.tags ?? []).map(javaStringHashCode),
          subVersion: 1,
          expressionType: 'TAG',
        })),
      },
    ],
  });
  return makeRequest(RequestCode.HEART_BEAT, { body });
}

export async function call(client: RemotingClient, addr: string, request: RemotingCommand, timeoutMs = 10_000): Promise<RemotingCommand> {
  const reply = await client.invoke(addr, request, timeoutMs);
  if (!reply.ok) throw reply.error;
  return reply.value;
}

export function newClient(cleanups: (() => Promise<void> | void)[]): RemotingClient {
  const client = new RemotingClient();
  cleanups.push(() => client.close());
  return client;
}

/** Polls `condition` until true or the bound passes (no fixed sleeps in tests). */
export async function until(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
