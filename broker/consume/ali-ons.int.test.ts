/**
 * ali-ons 3.12 (a pure JS 4.x remoting client, CLIENTS.md section 2) consuming from this service
 * unchanged: heartbeat, consumer list, offset query, long-polling pulls with the subscription and
 * commit offset inside, offset updates, unregister. The name server's one call ali-ons makes here
 * (GET_ROUTEINFO_BY_TOPIC) is answered by a stand-in registered on the same server; messages are put
 * straight into the store (sending belongs to broker-core).
 */
import { encodeTopicRouteData, makeResponse, RequestCode, ResponseCode } from '../../protocol';
import type { RemotingCommand } from '../../protocol';
import { cleanupTempDirs } from '../../testing/temp';
import type { BrokerUnderTest } from './test-harness';
import { put, startBroker, until } from './test-harness';

interface AliMessage {
  tags: string;
  body: Buffer;
  queueOffset: number;
  queueId: number;
}
interface AliConsumer {
  ready(): Promise<void>;
  subscribe(topic: string, expression: string, handler: (msg: AliMessage) => Promise<void>): void;
  close(): Promise<void>;
  on(event: 'error', listener: (error: Error) => void): void;
}
interface AliProducerClass {
  getDefaultProducer(options?: object): Promise<{ close(): Promise<void> }>;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const ons = require('ali-ons') as { Consumer: new (options: object) => AliConsumer; Producer: AliProducerClass };

const silent = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined };

afterAll(cleanupTempDirs);

function answerRoutes(b: BrokerUnderTest): void {
  b.server.register(RequestCode.GET_ROUTEINFO_BY_TOPIC, (request: RemotingCommand) => {
    const topic = request.extFields?.topic ?? '';
    const config = b.topics.get(topic);
    if (config === undefined) return makeResponse(request, ResponseCode.TOPIC_NOT_EXIST, `No topic route info in name server for the topic: ${topic}`);
    const body = encodeTopicRouteData({
      queueDatas: [{ brokerName: 'broker-a', readQueueNums: config.readQueueNums, writeQueueNums: config.writeQueueNums, perm: config.perm, topicSysFlag: 0 }],
      brokerDatas: [{ cluster: 'c', brokerName: 'broker-a', brokerAddrs: { 0: b.addr } }],
      filterServerTable: {},
    });
    return makeResponse(request, ResponseCode.SUCCESS, undefined, { body });
  });
}

test('an ali-ons push consumer receives every subscribed message in order and commits its offsets', async () => {
  const b = await startBroker({ options: { offsetFlushIntervalMs: 100 } });
  b.topics.add('TopicTest', 2);
  // The retry topic exists before ali-ons asks its route (a real broker registers it on heartbeat).
  b.topics.add('%RETRY%GID_alions', 1);
  answerRoutes(b);
  for (let i = 0; i < 20; i++) await put(b.store, i, { queueId: i % 2, tags: i % 4 === 3 ? 'TagB' : 'TagA' });
  await b.store.waitDispatched();

  const consumer = new ons.Consumer({
    httpclient: { request: () => undefined },
    nameSrv: b.addr,
    consumerGroup: 'GID_alions',
    consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
    // Short periods so the client's background loops end soon after close (they sleep between runs).
    persistConsumerOffsetInterval: 200,
    rebalanceInterval: 500,
    heartbeatBrokerInterval: 500,
    pollNameServerInteval: 500,
    // Held pulls time out after 1 s: the last message of queue 1 is filtered out, and ali-ons commits
    // the offset past it only when a pull comes back empty (PULL_NOT_FOUND from the held pull).
    brokerSuspendMaxTimeMillis: 1000,
    consumerTimeoutMillisWhenSuspend: 5000,
    logger: silent,
  });
  const errors: Error[] = [];
  consumer.on('error', (e) => errors.push(e));
  const received: AliMessage[] = [];
  consumer.subscribe('TopicTest', 'TagA', async (msg) => {
    received.push(msg);
  });
  try {
    await consumer.ready();
    await until(() => received.length === 15, 'ali-ons to receive the 15 TagA messages', 30_000);
    // One more, delivered through a held pull.
    await put(b.store, 20, { queueId: 0, tags: 'TagA' });
    await until(() => received.length === 16, 'the message put while the consumer waits', 30_000);
    for (const queueId of [0, 1]) {
      const offsets = received.filter((m) => m.queueId === queueId).map((m) => m.queueOffset);
      expect(offsets).toEqual([...offsets].sort((x, y) => x - y));
    }
    expect(received.every((m) => m.tags === 'TagA')).toBe(true);
    expect(received.map((m) => Buffer.from(m.body).toString('latin1').split('#')[1]).map(Number).sort((x, y) => x - y)).toEqual(
      [0, 1, 2, 4, 5, 6, 8, 9, 10, 12, 13, 14, 16, 17, 18, 20],
    );
    // Offsets reach the broker through the pull's commit flag and UPDATE_CONSUMER_OFFSET.
    await until(() => b.service.consumerOffset('GID_alions', 'TopicTest', 0) === 11 && b.service.consumerOffset('GID_alions', 'TopicTest', 1) === 10, 'committed offsets', 30_000);
  } finally {
    await consumer.close();
    await (await ons.Producer.getDefaultProducer()).close();
    await b.close();
  }
  expect(b.topics.created).toEqual([]);
  expect(errors.filter((e) => !/closed/i.test(e.message))).toEqual([]);
}, 60_000);
