import * as fs from 'node:fs';
import * as path from 'node:path';
import { RequestCode } from '../protocol';
import { cleanupTempDirs, tempDir } from '../testing/temp';
import type { FakeCluster } from './fake-cluster.test-util';
import { propertiesText, startFakeCluster } from './fake-cluster.test-util';
import type { PushConsumerOptions } from './push-consumer';
import { PushConsumer } from './push-consumer';
import type { MessageQueue, ReceivedMessage } from './types';
import { queueKey } from './types';

const TOPIC = 'events';
let cluster: FakeCluster;
const consumers: PushConsumer[] = [];

function consumer(options: Partial<PushConsumerOptions> = {}): PushConsumer {
  const c = new PushConsumer({
    namesrvAddr: cluster.namesrvAddr,
    groupName: 'g1',
    consumeFromWhere: 'first',
    brokerSuspendMaxTimeMs: 1000,
    persistOffsetIntervalMs: 50,
    rebalanceIntervalMs: 600_000,
    ...options,
  });
  consumers.push(c);
  return c;
}

/** Appends `count` messages round robin over the topic's queues on every broker; returns their bodies. */
function produce(count: number, tags: (i: number) => string = () => 'a', prefix = 'm'): string[] {
  const bodies: string[] = [];
  for (let i = 0; i < count; i++) {
    const broker = cluster.brokers[i % cluster.brokers.length]!;
    const queueId = Math.floor(i / cluster.brokers.length) % 4;
    const body = `${prefix}${i}`;
    broker.append(TOPIC, queueId, Buffer.from(body), propertiesText({ TAGS: tags(i), UNIQ_KEY: `U${prefix}${i}`, KEYS: `k${i}` }));
    bodies.push(body);
  }
  return bodies;
}

function collect(c: PushConsumer, expression = '*'): ReceivedMessage[] {
  const got: ReceivedMessage[] = [];
  c.subscribe(TOPIC, expression, (m) => {
    got.push(m);
  });
  return got;
}

beforeEach(async () => {
  cluster = await startFakeCluster(2, { [TOPIC]: 4 });
});

afterEach(async () => {
  await Promise.all(consumers.splice(0).map((c) => c.shutdown()));
  await cluster.close();
  cleanupTempDirs();
});

describe('PushConsumer (clustering)', () => {
  test('receives every message once, filtered by tag, with its properties', async () => {
    const c = consumer();
    const got = collect(c, 'a || c');
    await c.start();
    const all = produce(300, (i) => ['a', 'b', 'c'][i % 3]!);
    const wanted = all.filter((_, i) => i % 3 !== 1);
    await waitFor(() => got.length >= wanted.length);
    await settle();
    expect(got.map((m) => m.body.toString()).sort()).toEqual([...wanted].sort());
    expect(got.every((m) => m.tags === 'a' || m.tags === 'c')).toBe(true);
    const sample = got.find((m) => m.body.toString() === 'm0')!;
    expect(sample.msgId).toBe('Um0');
    expect(sample.keys).toEqual(['k0']);
    expect(sample.offsetMsgId).toMatch(/^[0-9A-F]{32}$/);
    expect(c.assignedQueues(TOPIC)).toHaveLength(8);
  });

  test('heartbeats carry the subscription with tag hash codes', async () => {
    const c = consumer();
    collect(c, 'TagA || TagB');
    await c.start();
    const heartbeat = cluster.brokers[0]!.requests.find((r) => r.code === RequestCode.HEART_BEAT)!;
    const data = JSON.parse(heartbeat.body!.toString()) as { consumerDataSet: { groupName: string; subscriptionDataSet: { tagsSet: string[]; codeSet: number[] }[] }[] };
    const sub = data.consumerDataSet[0]!.subscriptionDataSet[0]!;
    expect(data.consumerDataSet[0]!.groupName).toBe('g1');
    expect(sub.tagsSet).toEqual(['TagA', 'TagB']);
    // Java "TagA".hashCode() = ((84*31 + 97)*31 + 103)*31 + 65.
    expect(sub.codeSet).toEqual([2_598_919, 2_598_920]);
  });

  test('two members of one group split the queues and together get every message once', async () => {
    const a = consumer();
    const b = consumer();
    const gotA = collect(a);
    const gotB = collect(b);
    await a.start();
    await b.start();
    await waitFor(() => a.assignedQueues(TOPIC).length === 4 && b.assignedQueues(TOPIC).length === 4);
    const owned = [...a.assignedQueues(TOPIC), ...b.assignedQueues(TOPIC)].map(queueKey);
    expect(new Set(owned).size).toBe(8);
    const all = produce(200);
    await waitFor(() => gotA.length + gotB.length >= 200);
    await settle();
    const bodies = [...gotA, ...gotB].map((m) => m.body.toString());
    expect(bodies.sort()).toEqual([...all].sort());
    expect(gotA.length).toBeGreaterThan(0);
    expect(gotB.length).toBeGreaterThan(0);
  });

  test('NOTIFY_CONSUMER_IDS_CHANGED from the broker triggers a rebalance', async () => {
    const a = consumer();
    collect(a);
    await a.start();
    expect(a.assignedQueues(TOPIC)).toHaveLength(8);
    // A second member registers directly on the brokers; they notify `a`, whose timer is 10 minutes away.
    const b = consumer();
    collect(b);
    await b.start();
    await waitFor(() => a.assignedQueues(TOPIC).length === 4);
    expect(cluster.brokers[0]!.count(RequestCode.GET_CONSUMER_LIST_BY_GROUP)).toBeGreaterThan(1);
  });

  test('commits only the lowest unacknowledged offset while a handler is slow', async () => {
    const c = consumer();
    let release: () => void = () => undefined;
    const blocked = new Promise<void>((resolve) => (release = resolve));
    const done = new Set<number>();
    c.subscribe(TOPIC, '*', async (m) => {
      if (m.queueOffset === 0) await blocked;
      done.add(m.queueOffset);
    });
    await c.start();
    const queue: MessageQueue = { topic: TOPIC, brokerName: 'broker-a', queueId: 0 };
    const broker = cluster.brokers[0]!;
    for (let i = 0; i < 10; i++) broker.append(TOPIC, 0, Buffer.from(`x${i}`), propertiesText({ TAGS: 'a' }));
    await waitFor(() => done.size === 9);
    expect(c.committableOffset(queue)).toBe(0);
    const key = `${TOPIC}@g1@0`;
    await waitFor(() => broker.offsets.has(key));
    expect(broker.offsets.get(key)).toBe(0);
    release();
    await waitFor(() => broker.offsets.get(key) === 10);
    expect(c.committableOffset(queue)).toBe(10);
  });

  test('an acknowledgement that comes after the last pull still reaches the broker through the periodic persist', async () => {
    // Acknowledgements only move the tracker; the periodic persist must bring the store up to date first.
    const c = consumer({ brokerSuspendMaxTimeMs: 30_000 });
    let release: () => void = () => undefined;
    const blocked = new Promise<void>((resolve) => (release = resolve));
    const done = new Set<number>();
    c.subscribe(TOPIC, '*', async (m) => {
      if (m.queueOffset === 0) await blocked;
      done.add(m.queueOffset);
    });
    await c.start();
    const broker = cluster.brokers[0]!;
    for (let i = 0; i < 5; i++) broker.append(TOPIC, 0, Buffer.from(`x${i}`), propertiesText({ TAGS: 'a' }));
    await waitFor(() => done.size === 4);
    const updates = (): string[] =>
      broker.requests.filter((r) => r.code === RequestCode.UPDATE_CONSUMER_OFFSET && r.extFields?.queueId === '0').map((r) => r.extFields?.commitOffset ?? '');
    expect(updates()).not.toContain('5');
    release();
    await waitFor(() => updates().includes('5'));
    expect(c.committableOffset({ topic: TOPIC, brokerName: 'broker-a', queueId: 0 })).toBe(5);
  });

  test('pulls carry the committable offset of their queue once it is past 0', async () => {
    const c = consumer();
    const done = new Set<number>();
    c.subscribe(TOPIC, '*', (m) => {
      if (m.queue.brokerName === 'broker-a' && m.queue.queueId === 0) done.add(m.queueOffset);
    });
    await c.start();
    const broker = cluster.brokers[0]!;
    for (let i = 0; i < 7; i++) broker.append(TOPIC, 0, Buffer.from(`x${i}`), propertiesText({ TAGS: 'a' }));
    await waitFor(() => done.size === 7);
    const commits = (): string[] =>
      broker.requests.filter((r) => r.code === RequestCode.PULL_MESSAGE && r.extFields?.queueId === '0').map((r) => r.extFields?.commitOffset ?? '');
    await waitFor(() => commits().includes('7'));
    // Never beyond what was handled, and 0 (nothing to commit) before the first message.
    expect(commits().every((offset) => Number(offset) <= 7)).toBe(true);
    expect(commits()[0]).toBe('0');
  });

  test('a restarted group member resumes from the committed offset', async () => {
    const first = consumer();
    const got1 = collect(first);
    await first.start();
    produce(40, () => 'a', 'old');
    await waitFor(() => got1.length === 40);
    await first.shutdown();
    expect(cluster.brokers[0]!.count(RequestCode.UNREGISTER_CLIENT)).toBe(1);
    const fresh = produce(20, () => 'a', 'new');
    const second = consumer();
    const got2 = collect(second);
    await second.start();
    await waitFor(() => got2.length >= 20);
    await settle();
    expect(got2.map((m) => m.body.toString()).sort()).toEqual([...fresh].sort());
  });

  test('a failing handler is retried locally, then the queue moves on', async () => {
    const c = consumer({ consumeRetryDelayMs: 10, maxReconsumeTimes: 2 });
    const attempts = new Map<string, number>();
    const errors: boolean[] = [];
    c.on('consumeError', (_error, _message, willRetry) => errors.push(willRetry));
    c.subscribe(TOPIC, '*', (m, context) => {
      attempts.set(m.body.toString(), context.attempt);
      if (m.body.toString() === 'flaky' && context.attempt < 2) throw new Error('try again');
      if (m.body.toString() === 'poison') throw new Error('never works');
    });
    await c.start();
    const broker = cluster.brokers[0]!;
    broker.append(TOPIC, 1, Buffer.from('flaky'), propertiesText({ TAGS: 'a' }));
    broker.append(TOPIC, 1, Buffer.from('poison'), propertiesText({ TAGS: 'a' }));
    broker.append(TOPIC, 1, Buffer.from('fine'), propertiesText({ TAGS: 'a' }));
    await waitFor(() => c.committableOffset({ topic: TOPIC, brokerName: 'broker-a', queueId: 1 }) === 3);
    expect(attempts.get('flaky')).toBe(2);
    expect(attempts.get('poison')).toBe(3);
    expect(errors).toEqual([true, true, true, false]);
  });

  test('a consumer started before its topic exists starts consuming once the topic is routed', async () => {
    cluster.namesrv.routes.delete(TOPIC);
    const c = consumer({ rebalanceIntervalMs: 50 });
    const got = collect(c);
    const warnings: string[] = [];
    c.on('warning', (e) => warnings.push(e.code));
    await c.start();
    expect(warnings).toContain('ROCKET_TOPIC_NOT_FOUND');
    cluster.namesrv.setRoute(TOPIC, cluster.brokers, 4);
    await waitFor(() => c.assignedQueues(TOPIC).length === 8);
    produce(10);
    await waitFor(() => got.length === 10);
  });

  test('subscribing again with another expression while running switches the filter', async () => {
    const c = consumer();
    const got: string[] = [];
    c.subscribe(TOPIC, 'a', (m) => void got.push(`a:${m.body.toString()}`));
    await c.start();
    produce(4, (i) => (i % 2 === 0 ? 'a' : 'b'), 'first');
    await waitFor(() => got.length === 2);
    c.subscribe(TOPIC, 'b', (m) => void got.push(`b:${m.body.toString()}`));
    await waitFor(() => c.assignedQueues(TOPIC).length === 8 && cluster.brokers[0]!.subscriptions.get(`g1@${TOPIC}`) === 'b');
    produce(4, (i) => (i % 2 === 0 ? 'a' : 'b'), 'second');
    await waitFor(() => got.filter((x) => x.startsWith('b:second')).length === 2);
    await settle();
    expect(got.filter((x) => x.includes('second')).sort()).toEqual(['b:second1', 'b:second3']);
  });

  test('a stored offset beyond the queue end is moved to where the broker says', async () => {
    const broker = cluster.brokers[0]!;
    broker.offsets.set(`${TOPIC}@g1@2`, 500);
    const c = consumer();
    const got = collect(c);
    const warnings: string[] = [];
    c.on('warning', (e) => warnings.push(e.message));
    await c.start();
    await waitFor(() => warnings.some((w) => w.includes('out of range')));
    broker.append(TOPIC, 2, Buffer.from('after'), propertiesText({ TAGS: 'a' }));
    await waitFor(() => got.some((m) => m.body.toString() === 'after'));
  });
});

describe('PushConsumer (orderly)', () => {
  /** Records deliveries and how many handlers of one queue ran at once. */
  function orderlyHandler(log: Map<string, number[]>, overlap: { max: number }, fail?: (m: ReceivedMessage, attempt: number) => boolean) {
    const running = new Map<string, number>();
    return async (m: ReceivedMessage, context: { attempt: number }): Promise<void> => {
      const key = queueKey(m.queue);
      running.set(key, (running.get(key) ?? 0) + 1);
      overlap.max = Math.max(overlap.max, running.get(key)!);
      await new Promise((resolve) => setTimeout(resolve, 1));
      running.set(key, running.get(key)! - 1);
      if (fail?.(m, context.attempt) === true) throw new Error('not yet');
      const list = log.get(key) ?? [];
      list.push(m.queueOffset);
      log.set(key, list);
    };
  }

  test('handles each queue one message at a time, in queue order, holding the broker locks', async () => {
    const c = consumer({ orderly: true, consumeRetryDelayMs: 5 });
    const log = new Map<string, number[]>();
    const overlap = { max: 0 };
    // The third message of broker-a queue 0 fails twice: nothing after it may run before it succeeds.
    c.subscribe(TOPIC, '*', orderlyHandler(log, overlap, (m, attempt) => m.queue.brokerName === 'broker-a' && m.queue.queueId === 0 && m.queueOffset === 2 && attempt < 3));
    await c.start();
    expect([...cluster.brokers[0]!.locks.values()].every((holder) => holder === c.identity.clientId)).toBe(true);
    expect(cluster.brokers[0]!.locks.size).toBe(4);
    produce(160);
    await waitFor(() => [...log.values()].reduce((n, l) => n + l.length, 0) === 160);
    expect(overlap.max).toBe(1);
    for (const offsets of log.values()) expect(offsets).toEqual([...offsets].sort((a, b) => a - b));
    expect(log.get(`${TOPIC}@broker-a@0`)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    await c.shutdown();
    expect(cluster.brokers[0]!.locks.size).toBe(0);
  });

  test('a queue locked by another member is not consumed until that member lets go', async () => {
    const broker = cluster.brokers[0]!;
    broker.locks.set(`g1@${TOPIC}@1`, 'someone-else');
    const c = consumer({ orderly: true });
    const log = new Map<string, number[]>();
    c.subscribe(TOPIC, '*', orderlyHandler(log, { max: 0 }));
    await c.start();
    expect(c.assignedQueues(TOPIC).map(queueKey)).not.toContain(`${TOPIC}@broker-a@1`);
    broker.append(TOPIC, 1, Buffer.from('held'), propertiesText({ TAGS: 'a' }));
    broker.locks.delete(`g1@${TOPIC}@1`);
    await waitFor(() => log.get(`${TOPIC}@broker-a@1`)?.length === 1);
  });
});

describe('PushConsumer (broadcasting)', () => {
  test('every member gets every message and keeps its progress in its own file', async () => {
    const dir = tempDir('rocket-client-');
    const fileA = path.join(dir, 'a', 'offsets.json');
    const a = consumer({ messageModel: 'broadcasting', offsetStorePath: fileA });
    const b = consumer({ messageModel: 'broadcasting', offsetStorePath: path.join(dir, 'b.json') });
    const gotA = collect(a);
    const gotB = collect(b);
    await a.start();
    await b.start();
    const all = produce(50);
    await waitFor(() => gotA.length === 50 && gotB.length === 50);
    expect(gotA.map((m) => m.body.toString()).sort()).toEqual([...all].sort());
    expect(gotB.map((m) => m.body.toString()).sort()).toEqual([...all].sort());
    await a.shutdown();
    const saved = JSON.parse(fs.readFileSync(fileA, 'utf8')) as { offsets: Record<string, number> };
    expect(Object.values(saved.offsets).reduce((x, y) => x + y, 0)).toBe(50);
    // Broadcasting never commits to the broker.
    expect(cluster.brokers[0]!.offsets.size).toBe(0);
    const fresh = produce(10, () => 'a', 'late');
    const again = consumer({ messageModel: 'broadcasting', offsetStorePath: fileA });
    const gotAgain = collect(again);
    await again.start();
    await waitFor(() => gotAgain.length >= 10);
    await settle();
    expect(gotAgain.map((m) => m.body.toString()).sort()).toEqual([...fresh].sort());
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Lets in-flight deliveries land, so "exactly once" checks would see a duplicate. */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setTimeout(resolve, 10));
}
