import { RequestCode, ResponseCode, makeResponse } from '../protocol';
import { ClientErrorCode } from './errors';
import type { FakeCluster } from './fake-cluster.test-util';
import { propertiesText, startFakeCluster } from './fake-cluster.test-util';
import { PullStatus } from './pull';
import { PullConsumer } from './pull-consumer';
import type { PullConsumerOptions } from './pull-consumer';
import type { MessageQueue, ReceivedMessage } from './types';

const TOPIC = 'ledger';
let cluster: FakeCluster;
const consumers: PullConsumer[] = [];

async function consumer(options: Partial<PullConsumerOptions> = {}): Promise<PullConsumer> {
  const c = new PullConsumer({ namesrvAddr: cluster.namesrvAddr, groupName: 'readers', brokerSuspendMaxTimeMs: 1000, ...options });
  consumers.push(c);
  await c.start();
  return c;
}

const Q0: MessageQueue = { topic: TOPIC, brokerName: 'broker-a', queueId: 0 };

function append(queue: MessageQueue, count: number, tags: (i: number) => string = () => 'a', prefix = 'm'): string[] {
  const broker = cluster.brokers.find((b) => b.brokerName === queue.brokerName)!;
  const bodies: string[] = [];
  for (let i = 0; i < count; i++) {
    broker.append(queue.topic, queue.queueId, Buffer.from(`${prefix}${i}`), propertiesText({ TAGS: tags(i) }));
    bodies.push(`${prefix}${i}`);
  }
  return bodies;
}

async function read(iterator: AsyncIterator<ReceivedMessage>, count: number): Promise<ReceivedMessage[]> {
  const out: ReceivedMessage[] = [];
  while (out.length < count) {
    const next = await iterator.next();
    if (next.done === true) break;
    out.push(next.value);
  }
  return out;
}

beforeEach(async () => {
  cluster = await startFakeCluster(2, { [TOPIC]: 2 });
});

afterEach(async () => {
  await Promise.all(consumers.splice(0).map((c) => c.shutdown()));
  await cluster.close();
});

test('interval and timeout options that are not positive integers are refused by the constructor', () => {
  for (const bad of [{ heartbeatIntervalMs: 0 }, { persistOffsetIntervalMs: -1 }, { routeRefreshIntervalMs: Number.NaN }, { requestTimeoutMs: 0 }]) {
    expect(() => new PullConsumer({ namesrvAddr: '127.0.0.1:9876', groupName: 'readers', ...bad })).toThrow(expect.objectContaining({ code: ClientErrorCode.INVALID_ARGUMENT }));
  }
});

describe('PullConsumer.pull', () => {
  test('fetchQueues lists the readable queues of every broker', async () => {
    const c = await consumer();
    const queues = await c.fetchQueues(TOPIC);
    expect(queues.map((q) => `${q.brokerName}/${q.queueId}`)).toEqual(['broker-a/0', 'broker-a/1', 'broker-b/0', 'broker-b/1']);
  });

  test('pull returns messages and where to continue; at the end it finds nothing new', async () => {
    const c = await consumer();
    append(Q0, 5, (i) => (i % 2 === 0 ? 'even' : 'odd'));
    const all = await c.pull(Q0, 0, 32);
    expect(all.status).toBe(PullStatus.FOUND);
    expect(all.messages.map((m) => m.queueOffset)).toEqual([0, 1, 2, 3, 4]);
    expect(all.nextBeginOffset).toBe(5);
    expect(all.maxOffset).toBe(5);
    const even = await c.pull(Q0, 0, 32, { tags: 'even' });
    expect(even.messages.map((m) => m.body.toString())).toEqual(['m0', 'm2', 'm4']);
    const end = await c.pull(Q0, 5, 32);
    expect(end.status).toBe(PullStatus.NO_NEW_MSG);
    const beyond = await c.pull(Q0, 50, 32);
    expect(beyond.status).toBe(PullStatus.OFFSET_ILLEGAL);
    expect(beyond.nextBeginOffset).toBe(5);
    expect(await c.maxOffset(Q0)).toBe(5);
    expect(await c.minOffset(Q0)).toBe(0);
  });

  test('a damaged record ends the pull result: the intact ones before it are returned with the error', async () => {
    append(Q0, 3);
    const broker = cluster.brokers[0]!;
    const records = broker.queue(TOPIC, 0).map((m) => Buffer.from(m.record));
    const flipped = Buffer.from(records[1]!);
    // The record ends with body "m1", topic length + "ledger", properties length + "TAGS\u0001a\u0002": flip the body.
    flipped[flipped.length - 17] ^= 0xff;
    const structural = Buffer.concat([records[0]!, records[1]!.subarray(0, 30)]);
    let body = Buffer.concat([records[0]!, flipped, records[2]!]);
    broker.intercept = (request) =>
      request.code === RequestCode.PULL_MESSAGE
        ? makeResponse(request, ResponseCode.SUCCESS, 'FOUND', { body, extFields: { suggestWhichBrokerId: '0', nextBeginOffset: '3', minOffset: '0', maxOffset: '3' } })
        : undefined;
    const withCrc = await consumer({ checkBodyCrc: true });
    const checked = await withCrc.pull(Q0, 0, 32);
    expect(checked.messages.map((m) => m.queueOffset)).toEqual([0]);
    expect(checked.corruption?.code).toBe(ClientErrorCode.CORRUPT_MESSAGE);
    body = structural;
    const plain = await consumer();
    const truncated = await plain.pull(Q0, 0, 32);
    expect(truncated.messages.map((m) => m.queueOffset)).toEqual([0]);
    expect(truncated.corruption?.message).toMatch(/damaged/);
  });

  test('commit stores the group offset on the broker', async () => {
    const c = await consumer();
    expect(await c.committedOffset(Q0)).toBeUndefined();
    await c.commit(Q0, 3);
    expect(await c.committedOffset(Q0)).toBe(3);
    expect(cluster.brokers[0]!.offsets.get(`${TOPIC}@readers@0`)).toBe(3);
  });
});

describe('PullConsumer.messages', () => {
  test('iterates every queue from the first offset and commits what was processed', async () => {
    const c = await consumer();
    const expected = [...append(Q0, 10, () => 'a', 'a'), ...append({ ...Q0, brokerName: 'broker-b', queueId: 1 }, 10, () => 'a', 'b')];
    const seen: string[] = [];
    for await (const message of c.messages({ topic: TOPIC, from: 'first' })) {
      seen.push(message.body.toString());
      if (seen.length === expected.length) break;
    }
    expect(seen.sort()).toEqual([...expected].sort());
    // Everything except the message being processed at `break` is committed.
    const a = await c.committedOffset(Q0);
    const b = await c.committedOffset({ ...Q0, brokerName: 'broker-b', queueId: 1 });
    expect((a ?? 0) + (b ?? 0)).toBe(19);
  });

  test('a stream waits for new messages with long polling', async () => {
    const c = await consumer();
    const stream = c.messages({ topic: TOPIC, from: 'last', tags: 'wanted' });
    const reading = read(stream, 3);
    await waitFor(() => cluster.brokers[0]!.requests.filter((r) => r.code === 11).length >= 2);
    append(Q0, 6, (i) => (i % 2 === 0 ? 'wanted' : 'other'));
    const got = await reading;
    expect(got.map((m) => m.body.toString())).toEqual(['m0', 'm2', 'm4']);
    await stream.close();
  });

  test('a new stream of the group resumes from the committed offsets', async () => {
    const c = await consumer();
    append(Q0, 10);
    const first = c.messages({ topic: TOPIC, from: 'first', queues: [Q0] });
    const firstFour = await read(first, 4);
    await first.close();
    expect(firstFour.map((m) => m.queueOffset)).toEqual([0, 1, 2, 3]);
    // The fourth was never followed by another next(): it is read again.
    const again = c.messages({ topic: TOPIC, queues: [Q0] });
    const rest = await read(again, 7);
    expect(rest.map((m) => m.queueOffset)).toEqual([3, 4, 5, 6, 7, 8, 9]);
    await again.close();
  });

  test('with manual acknowledgement the commit is the lowest unacknowledged offset', async () => {
    const c = await consumer();
    append(Q0, 6);
    const stream = c.messages({ topic: TOPIC, from: 'first', queues: [Q0], autoCommit: false });
    const got = await read(stream, 6);
    for (const m of got) if (m.queueOffset !== 2) stream.ack(m);
    await stream.close();
    expect(await c.committedOffset(Q0)).toBe(2);
  });

  test('seek moves a queue of an open stream', async () => {
    const c = await consumer();
    append(Q0, 5);
    const stream = c.messages({ topic: TOPIC, from: 'first', queues: [Q0] });
    expect((await read(stream, 5)).map((m) => m.queueOffset)).toEqual([0, 1, 2, 3, 4]);
    c.seek(Q0, 1);
    expect((await read(stream, 2)).map((m) => m.queueOffset)).toEqual([1, 2]);
    await stream.close();
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
