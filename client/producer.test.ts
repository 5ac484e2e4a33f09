import { decodeBatchBody, decodeRecords } from '../message';
import type { RemotingCommand } from '../protocol';
import { RequestCode, ResponseCode, makeResponse } from '../protocol';
import { BrokerError, ClientError, ClientErrorCode } from './errors';
import type { FakeCluster } from './fake-cluster.test-util';
import { startFakeCluster } from './fake-cluster.test-util';
import { Producer, hashSelector } from './producer';
import type { MessageQueue } from './types';

const TOPIC = 'orders';
let cluster: FakeCluster;
const producers: Producer[] = [];

async function producer(options: Partial<ConstructorParameters<typeof Producer>[0]> = {}): Promise<Producer> {
  const p = new Producer({ namesrvAddr: cluster.namesrvAddr, groupName: 'pg', ...options });
  producers.push(p);
  await p.start();
  return p;
}

function sends(): RemotingCommand[] {
  return cluster.brokers.flatMap((b) => b.requests.filter((r) => r.code === RequestCode.SEND_MESSAGE_V2 || r.code === RequestCode.SEND_BATCH_MESSAGE));
}

function storedBodies(brokerIndex: number, queueId: number): string[] {
  const list = cluster.brokers[brokerIndex]!.queue(TOPIC, queueId);
  if (list.length === 0) return [];
  return decodeRecords(Buffer.concat(list.map((m) => m.record))).map((m) => m.body.toString());
}

/** Holds the answers to sends until `release` is called, so concurrent sends pile up behind the first. */
function holdSends(brokerIndex: number): { release: () => void; held: () => number } {
  let open: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => (open = resolve));
  let held = 0;
  cluster.brokers[brokerIndex]!.intercept = async (request) => {
    if (request.code !== RequestCode.SEND_MESSAGE_V2 && request.code !== RequestCode.SEND_BATCH_MESSAGE) return undefined;
    held++;
    await gate;
    return undefined;
  };
  return { release: () => open(), held: () => held };
}

beforeEach(async () => {
  cluster = await startFakeCluster(2, { [TOPIC]: 4 });
});

afterEach(async () => {
  await Promise.all(producers.splice(0).map((p) => p.shutdown()));
  await cluster.close();
});

describe('Producer.send', () => {
  test('a lone send leaves at once as one SEND_MESSAGE_V2 carrying UNIQ_KEY, WAIT, TAGS and KEYS', async () => {
    const p = await producer();
    const result = await p.send({ topic: TOPIC, body: 'hello', tags: 'created', keys: ['k1', 'k2'], properties: { region: 'eu' } });
    expect(result.sendStatus).toBe('SEND_OK');
    expect(result.queueOffset).toBe(0);
    expect(result.msgId).toMatch(/^[0-9A-F]{32}$/);
    expect(result.offsetMsgId).toMatch(/^[0-9A-F]{32}$/);
    const frames = sends();
    expect(frames.map((f) => f.code)).toEqual([RequestCode.SEND_MESSAGE_V2]);
    const props = frames[0]!.extFields!.i!;
    expect(props).toContain(`UNIQ_KEY\u0001${result.msgId}\u0002`);
    expect(props).toContain('WAIT\u0001true\u0002');
    expect(props).toContain('TAGS\u0001created\u0002');
    expect(props).toContain('KEYS\u0001k1 k2\u0002');
    expect(props).toContain('region\u0001eu\u0002');
    const broker = cluster.brokers.find((b) => b.brokerName === result.messageQueue.brokerName)!;
    expect(broker.queue(TOPIC, result.messageQueue.queueId)).toHaveLength(1);
  });

  test('concurrent sends to one queue are coalesced into batch frames and each promise gets its own offset', async () => {
    const p = await producer();
    const queue: MessageQueue = { topic: TOPIC, brokerName: 'broker-a', queueId: 2 };
    const n = 600;
    const results = await Promise.all(Array.from({ length: n }, (_, i) => p.send({ topic: TOPIC, body: `m${i}` }, { queue })));
    const frames = sends();
    expect(frames.length).toBeLessThan(n / 10);
    expect(frames.some((f) => f.code === RequestCode.SEND_BATCH_MESSAGE)).toBe(true);
    expect(results.map((r) => r.queueOffset)).toEqual(Array.from({ length: n }, (_, i) => i));
    expect(new Set(results.map((r) => r.msgId)).size).toBe(n);
    expect(new Set(results.map((r) => r.offsetMsgId)).size).toBe(n);
    expect(storedBodies(0, 2)).toEqual(Array.from({ length: n }, (_, i) => `m${i}`));
    // The stored records keep each message's own unique key.
    const stored = decodeRecords(Buffer.concat(cluster.brokers[0]!.queue(TOPIC, 2).map((m) => m.record)));
    expect(stored.map((m) => m.properties.get('UNIQ_KEY'))).toEqual(results.map((r) => r.msgId));
  });

  test('sends that arrive while a request is in flight leave together when it is answered', async () => {
    const p = await producer();
    const queue: MessageQueue = { topic: TOPIC, brokerName: 'broker-a', queueId: 0 };
    const gate = holdSends(0);
    const first = p.send({ topic: TOPIC, body: 'first' }, { queue });
    await waitFor(() => gate.held() === 1);
    const rest = Array.from({ length: 50 }, (_, i) => p.send({ topic: TOPIC, body: `r${i}` }, { queue }));
    // Nothing else leaves while the first is unanswered.
    await new Promise((resolve) => setImmediate(resolve));
    expect(gate.held()).toBe(1);
    gate.release();
    await Promise.all([first, ...rest]);
    const frames = cluster.brokers[0]!.requests.filter((r) => r.code === RequestCode.SEND_MESSAGE_V2 || r.code === RequestCode.SEND_BATCH_MESSAGE);
    expect(frames.map((f) => f.code)).toEqual([RequestCode.SEND_MESSAGE_V2, RequestCode.SEND_BATCH_MESSAGE]);
    expect((await rest[49]!).queueOffset).toBe(50);
  });

  test('batches respect maxMessages and maxBytes', async () => {
    const p = await producer({ batching: { maxMessages: 50, maxBytes: 20_000 } });
    const queue: MessageQueue = { topic: TOPIC, brokerName: 'broker-a', queueId: 1 };
    const body = Buffer.alloc(1000, 1);
    const results = await Promise.all(Array.from({ length: 300 }, () => p.send({ topic: TOPIC, body }, { queue })));
    expect(results.map((r) => r.queueOffset)).toEqual(Array.from({ length: 300 }, (_, i) => i));
    for (const frame of sends().filter((f) => f.code === RequestCode.SEND_BATCH_MESSAGE)) {
      const items = decodeBatchBody(frame.body!);
      if (!items.ok) throw new Error(items.error);
      expect(items.value.length).toBeLessThanOrEqual(50);
      expect(frame.body!.length).toBeLessThanOrEqual(20_000);
    }
  });

  test('with lingerMs an idle queue waits to collect sends made shortly after', async () => {
    const p = await producer({ batching: { lingerMs: 300 } });
    const queue: MessageQueue = { topic: TOPIC, brokerName: 'broker-a', queueId: 3 };
    const first = p.send({ topic: TOPIC, body: 'one' }, { queue });
    await new Promise((resolve) => setImmediate(resolve));
    const second = p.send({ topic: TOPIC, body: 'two' }, { queue });
    await Promise.all([first, second]);
    expect(sends().map((f) => f.code)).toEqual([RequestCode.SEND_BATCH_MESSAGE]);
  });

  test('with batching off every message is its own request', async () => {
    const p = await producer({ batching: false });
    await Promise.all(Array.from({ length: 20 }, (_, i) => p.send({ topic: TOPIC, body: `m${i}` })));
    expect(sends()).toHaveLength(20);
    expect(sends().every((f) => f.code === RequestCode.SEND_MESSAGE_V2)).toBe(true);
  });

  test('a batch answered with an error rejects every promise of the batch with the typed error', async () => {
    const p = await producer();
    const queue: MessageQueue = { topic: TOPIC, brokerName: 'broker-a', queueId: 0 };
    const gate = holdSends(0);
    const first = p.send({ topic: TOPIC, body: 'first' }, { queue });
    await waitFor(() => gate.held() === 1);
    const rest = Array.from({ length: 10 }, (_, i) => p.send({ topic: TOPIC, body: `r${i}` }, { queue }));
    cluster.brokers[0]!.intercept = (request) =>
      request.code === RequestCode.SEND_BATCH_MESSAGE ? makeResponse(request, ResponseCode.MESSAGE_ILLEGAL, 'rejected batch') : undefined;
    gate.release();
    await expect(first).resolves.toMatchObject({ queueOffset: 0 });
    const outcomes = await Promise.allSettled(rest);
    for (const outcome of outcomes) {
      expect(outcome.status).toBe('rejected');
      const reason = (outcome as PromiseRejectedResult).reason as BrokerError;
      expect(reason).toBeInstanceOf(BrokerError);
      expect(reason.code).toBe(ClientErrorCode.BROKER_ERROR);
      expect(reason.responseCode).toBe(ResponseCode.MESSAGE_ILLEGAL);
    }
  });

  test('a send failing with SYSTEM_BUSY is retried on the other broker', async () => {
    const p = await producer();
    cluster.brokers[0]!.intercept = (request) =>
      request.code === RequestCode.SEND_MESSAGE_V2 || request.code === RequestCode.SEND_BATCH_MESSAGE ? makeResponse(request, ResponseCode.SYSTEM_BUSY, '[PC_SYNCHRONIZED]') : undefined;
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => p.send({ topic: TOPIC, body: `m${i}` })));
    expect(results.every((r) => r.messageQueue.brokerName === 'broker-b')).toBe(true);
    expect(cluster.brokers[0]!.count(RequestCode.SEND_MESSAGE_V2) + cluster.brokers[0]!.count(RequestCode.SEND_BATCH_MESSAGE)).toBeGreaterThan(0);
    const storedOnB = [0, 1, 2, 3].flatMap((q) => cluster.brokers[1]!.queue(TOPIC, q)).length;
    expect(storedOnB).toBe(8);
  });

  test('a failure refreshes the route', async () => {
    const p = await producer();
    await p.send({ topic: TOPIC, body: 'warm' });
    const before = cluster.namesrv.lookups;
    cluster.brokers[0]!.intercept = (request) => (request.code === RequestCode.SEND_MESSAGE_V2 ? makeResponse(request, ResponseCode.SYSTEM_BUSY, 'busy') : undefined);
    await p.send({ topic: TOPIC, body: 'x' }, { queue: { topic: TOPIC, brokerName: 'broker-a', queueId: 0 } }).catch(() => undefined);
    await waitFor(() => cluster.namesrv.lookups > before);
  });

  test('when every broker fails, the send rejects after 1 + retryTimesWhenSendFailed attempts', async () => {
    const p = await producer({ retryTimesWhenSendFailed: 2 });
    for (const broker of cluster.brokers) {
      broker.intercept = (request) => (request.code === RequestCode.SEND_MESSAGE_V2 ? makeResponse(request, ResponseCode.SYSTEM_BUSY, 'busy') : undefined);
    }
    const error = (await p.send({ topic: TOPIC, body: 'x' }).catch((e: unknown) => e)) as BrokerError;
    expect(error).toBeInstanceOf(BrokerError);
    expect(error.responseCode).toBe(ResponseCode.SYSTEM_BUSY);
    expect(cluster.brokers[0]!.count(RequestCode.SEND_MESSAGE_V2) + cluster.brokers[1]!.count(RequestCode.SEND_MESSAGE_V2)).toBe(3);
  });

  test('a selector keeps a key on one queue and is not moved to another broker on failure', async () => {
    const p = await producer();
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => p.send({ topic: TOPIC, body: `o${i}` }, { selector: hashSelector('order-42') })));
    expect(new Set(results.map((r) => `${r.messageQueue.brokerName}/${r.messageQueue.queueId}`)).size).toBe(1);
    expect(results.map((r) => r.queueOffset)).toEqual(Array.from({ length: 10 }, (_, i) => i));
    const chosen = results[0]!.messageQueue;
    const broker = cluster.brokers.find((b) => b.brokerName === chosen.brokerName)!;
    broker.intercept = (request) => makeResponse(request, ResponseCode.SYSTEM_BUSY, 'busy');
    await expect(p.send({ topic: TOPIC, body: 'x' }, { selector: hashSelector('order-42') })).rejects.toMatchObject({ responseCode: ResponseCode.SYSTEM_BUSY });
  });

  test('no answer within sendTimeoutMs rejects with ROCKET_TIMEOUT', async () => {
    const p = await producer({ sendTimeoutMs: 200 });
    for (const broker of cluster.brokers) broker.intercept = () => new Promise<null>(() => undefined);
    await expect(p.send({ topic: TOPIC, body: 'x' })).rejects.toMatchObject({ code: ClientErrorCode.TIMEOUT });
  });

  test('invalid messages are rejected before anything is sent', async () => {
    const p = await producer({ maxMessageSizeBytes: 10 });
    await expect(p.send({ topic: TOPIC, body: '' })).rejects.toMatchObject({ code: ClientErrorCode.INVALID_ARGUMENT });
    await expect(p.send({ topic: TOPIC, body: 'x'.repeat(11) })).rejects.toMatchObject({ code: ClientErrorCode.MESSAGE_TOO_LARGE });
    await expect(p.send({ topic: 'bad topic', body: 'x' })).rejects.toMatchObject({ code: ClientErrorCode.INVALID_ARGUMENT });
    await expect(p.send({ topic: TOPIC, body: 'x', properties: { UNIQ_KEY: 'mine' } })).rejects.toMatchObject({ code: ClientErrorCode.INVALID_ARGUMENT });
    await expect(p.send({ topic: TOPIC, body: 'x', delayLevel: 19 })).rejects.toMatchObject({ code: ClientErrorCode.INVALID_ARGUMENT });
    expect(sends()).toHaveLength(0);
  });

  test('a topic without route and without the TBW102 template is TOPIC_NOT_FOUND', async () => {
    const p = await producer();
    await expect(p.send({ topic: 'nowhere', body: 'x' })).rejects.toMatchObject({ code: ClientErrorCode.TOPIC_NOT_FOUND });
  });

  test('an unknown topic is sent through the TBW102 template route', async () => {
    cluster.namesrv.setRoute('TBW102', [cluster.brokers[0]!], 8, 7);
    const p = await producer();
    const result = await p.send({ topic: 'fresh', body: 'x' });
    expect(result.messageQueue.brokerName).toBe('broker-a');
    expect(result.messageQueue.queueId).toBeLessThan(4);
  });

  test('delayed messages carry DELAY and are never batched', async () => {
    const p = await producer();
    const queue: MessageQueue = { topic: TOPIC, brokerName: 'broker-a', queueId: 0 };
    await Promise.all(Array.from({ length: 5 }, () => p.send({ topic: TOPIC, body: 'd', delayLevel: 3 }, { queue })));
    expect(sends().every((f) => f.code === RequestCode.SEND_MESSAGE_V2 && f.extFields!.i!.includes('DELAY\u00013\u0002'))).toBe(true);
  });

  test('after shutdown, sends reject with ROCKET_SHUT_DOWN', async () => {
    const p = await producer();
    await p.shutdown();
    await expect(p.send({ topic: TOPIC, body: 'x' })).rejects.toBeInstanceOf(ClientError);
    await expect(p.send({ topic: TOPIC, body: 'x' })).rejects.toMatchObject({ code: ClientErrorCode.SHUT_DOWN });
  });
});

test('a bad heartbeatIntervalMs is refused by the constructor, before start() sets any timer', () => {
  expect(() => new Producer({ namesrvAddr: '127.0.0.1:9876', heartbeatIntervalMs: 0 })).toThrow(expect.objectContaining({ code: ClientErrorCode.INVALID_ARGUMENT }));
});

describe('Producer.sendBatch and sendOneway', () => {
  test('sendBatch is one SEND_BATCH_MESSAGE with consecutive offsets', async () => {
    const p = await producer();
    const results = await p.sendBatch([0, 1, 2].map((i) => ({ topic: TOPIC, body: `b${i}`, tags: 't' })));
    expect(sends().map((f) => f.code)).toEqual([RequestCode.SEND_BATCH_MESSAGE]);
    expect(results.map((r) => r.queueOffset)).toEqual([0, 1, 2]);
    expect(new Set(results.map((r) => `${r.messageQueue.brokerName}/${r.messageQueue.queueId}`)).size).toBe(1);
  });

  test('sendBatch refuses mixed topics', async () => {
    const p = await producer();
    await expect(p.sendBatch([{ topic: TOPIC, body: 'a' }, { topic: 'other', body: 'b' }])).rejects.toMatchObject({ code: ClientErrorCode.INVALID_ARGUMENT });
  });

  test('sendOneway reaches the broker', async () => {
    const p = await producer();
    await p.sendOneway({ topic: TOPIC, body: 'fire' });
    await waitFor(() => sends().length === 1);
    expect(sends()[0]!.flag & 2).toBe(2);
  });
});

describe('name server list', () => {
  test('a dead name server is skipped', async () => {
    const p = await producer({ namesrvAddr: `127.0.0.1:1;${cluster.namesrvAddr}` });
    await expect(p.send({ topic: TOPIC, body: 'x' })).resolves.toMatchObject({ sendStatus: 'SEND_OK' });
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
