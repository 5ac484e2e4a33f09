/**
 * The SDK against the real name server and brokers (testing/cluster.ts): two broker groups in one
 * cluster, topics created through the AdminClient.
 */
import * as path from 'node:path';
import type { LocalCluster } from '../testing/cluster';
import { startLocalCluster } from '../testing/cluster';
import { cleanupTempDirs, tempDir } from '../testing/temp';
import { AdminClient, Producer, PullConsumer, PushConsumer, hashSelector } from './index';
import type { PushConsumerOptions, ReceivedMessage, SendResult } from './index';

let cluster: LocalCluster;
let admin: AdminClient;
let producer: Producer;
const consumers: (PushConsumer | PullConsumer)[] = [];

beforeAll(async () => {
  cluster = await startLocalCluster({ brokers: 2 });
  admin = new AdminClient({ namesrvAddr: cluster.namesrvAddr });
  await admin.start();
  producer = new Producer({ namesrvAddr: cluster.namesrvAddr, groupName: 'int-producer' });
  await producer.start();
});

afterEach(async () => {
  await Promise.all(consumers.splice(0).map((c) => c.shutdown()));
});

afterAll(async () => {
  await producer.shutdown();
  await admin.close();
  await cluster.close();
  cleanupTempDirs();
});

async function topic(name: string, queues = 4): Promise<string> {
  await admin.createTopic(name, { readQueueNums: queues, writeQueueNums: queues });
  await waitFor(async () => (await admin.describeTopic(name).catch(() => undefined))?.brokers.length === 2);
  return name;
}

function push(options: Partial<PushConsumerOptions> & { groupName: string }): PushConsumer {
  const c = new PushConsumer({ namesrvAddr: cluster.namesrvAddr, consumeFromWhere: 'first', persistOffsetIntervalMs: 200, rebalanceIntervalMs: 600_000, ...options });
  consumers.push(c);
  return c;
}

async function produce(topicName: string, count: number, tags: (i: number) => string = () => 'a', prefix = 'm'): Promise<SendResult[]> {
  return Promise.all(Array.from({ length: count }, (_, i) => producer.send({ topic: topicName, body: `${prefix}${i}`, tags: tags(i), keys: `key-${prefix}${i}` })));
}

function bodies(messages: readonly ReceivedMessage[]): string[] {
  return messages.map((m) => m.body.toString()).sort();
}

describe('against the real broker and name server', () => {
  test('admin creates, describes and lists a topic on every master of the cluster', async () => {
    const name = await topic('IntAdminTopic', 3);
    const description = await admin.describeTopic(name);
    expect(description.queues.map((q) => `${q.queue.brokerName}/${q.queue.queueId}`)).toEqual(['broker-a/0', 'broker-a/1', 'broker-a/2', 'broker-b/0', 'broker-b/1', 'broker-b/2']);
    expect(await admin.listTopics()).toContain(name);
    const info = await admin.clusterInfo();
    expect(Object.keys(info.brokers).sort()).toEqual(['broker-a', 'broker-b']);
    expect(Object.values(info.clusters).flat().sort()).toEqual(['broker-a', 'broker-b']);
  });

  test('1,000 produced messages reach a push consumer exactly once, filtered by tag', async () => {
    const name = await topic('IntPushTopic');
    const c = push({ groupName: 'int-push' });
    const got: ReceivedMessage[] = [];
    c.subscribe(name, 'a', (m) => {
      got.push(m);
    });
    await c.start();
    const results = await produce(name, 1000, (i) => (i % 2 === 0 ? 'a' : 'b'));
    expect(new Set(results.map((r) => r.msgId)).size).toBe(1000);
    const wanted = Array.from({ length: 500 }, (_, i) => `m${i * 2}`).sort();
    await waitFor(() => got.length >= 500);
    await settle();
    expect(bodies(got)).toEqual(wanted);
    const sent = new Map(results.map((r, i) => [`m${i}`, r]));
    for (const m of got.slice(0, 20)) {
      const r = sent.get(m.body.toString())!;
      expect(m.msgId).toBe(r.msgId);
      expect(m.offsetMsgId).toBe(r.offsetMsgId);
      expect(m.queueOffset).toBe(r.queueOffset);
    }
  });

  test('two members of a group split the queues and together consume everything once', async () => {
    const name = await topic('IntSplitTopic');
    const a = push({ groupName: 'int-split' });
    const b = push({ groupName: 'int-split' });
    const gotA: ReceivedMessage[] = [];
    const gotB: ReceivedMessage[] = [];
    a.subscribe(name, '*', (m) => void gotA.push(m));
    b.subscribe(name, '*', (m) => void gotB.push(m));
    await a.start();
    await b.start();
    await waitFor(() => a.assignedQueues(name).length === 4 && b.assignedQueues(name).length === 4);
    const keys = new Set([...a.assignedQueues(name), ...b.assignedQueues(name)].map((q) => `${q.brokerName}/${q.queueId}`));
    expect(keys.size).toBe(8);
    await produce(name, 400);
    await waitFor(() => gotA.length + gotB.length >= 400);
    await settle();
    expect(bodies([...gotA, ...gotB])).toEqual(Array.from({ length: 400 }, (_, i) => `m${i}`).sort());
    expect(gotA.length).toBeGreaterThan(0);
    expect(gotB.length).toBeGreaterThan(0);
  });

  test('a restarted consumer resumes from the committed offset', async () => {
    const name = await topic('IntResumeTopic');
    const first = push({ groupName: 'int-resume' });
    const got1: ReceivedMessage[] = [];
    first.subscribe(name, '*', (m) => void got1.push(m));
    await first.start();
    await produce(name, 100, () => 'a', 'old');
    await waitFor(() => got1.length >= 100);
    await first.shutdown();
    await produce(name, 50, () => 'a', 'new');
    const second = push({ groupName: 'int-resume' });
    const got2: ReceivedMessage[] = [];
    second.subscribe(name, '*', (m) => void got2.push(m));
    await second.start();
    await waitFor(() => got2.length >= 50);
    await settle();
    expect(bodies(got2)).toEqual(Array.from({ length: 50 }, (_, i) => `new${i}`).sort());
    const progress = await admin.consumerProgress('int-resume', name);
    await waitFor(async () => (await admin.consumerProgress('int-resume', name)).totalLag === 0);
    expect(progress.queues).toHaveLength(8);
  });

  test('ordered sends by key and an orderly consumer keep each key in order', async () => {
    const name = await topic('IntOrderlyTopic');
    const c = push({ groupName: 'int-orderly', orderly: true, consumeConcurrency: 4 });
    const seen = new Map<string, number[]>();
    c.subscribe(name, '*', async (m) => {
      const [key, seq] = m.body.toString().split(':');
      await new Promise((resolve) => setImmediate(resolve));
      const list = seen.get(key!) ?? [];
      list.push(Number(seq));
      seen.set(key!, list);
    });
    await c.start();
    // Ten keys, twenty messages each, sent concurrently: per key, sends go out in call order.
    const keys = Array.from({ length: 10 }, (_, k) => `order-${k}`);
    await Promise.all(keys.flatMap((key) => Array.from({ length: 20 }, (_, seq) => producer.send({ topic: name, body: `${key}:${seq}` }, { selector: hashSelector(key) }))));
    await waitFor(() => [...seen.values()].reduce((n, l) => n + l.length, 0) >= 200);
    for (const key of keys) expect(seen.get(key)).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });

  test('broadcasting consumers each receive every message', async () => {
    const name = await topic('IntBroadcastTopic');
    const dir = tempDir('rocket-client-int-');
    const a = push({ groupName: 'int-broadcast', messageModel: 'broadcasting', offsetStorePath: path.join(dir, 'a.json') });
    const b = push({ groupName: 'int-broadcast', messageModel: 'broadcasting', offsetStorePath: path.join(dir, 'b.json') });
    const gotA: ReceivedMessage[] = [];
    const gotB: ReceivedMessage[] = [];
    a.subscribe(name, '*', (m) => void gotA.push(m));
    b.subscribe(name, '*', (m) => void gotB.push(m));
    await a.start();
    await b.start();
    await produce(name, 120);
    await waitFor(() => gotA.length >= 120 && gotB.length >= 120);
    await settle();
    const all = Array.from({ length: 120 }, (_, i) => `m${i}`).sort();
    expect(bodies(gotA)).toEqual(all);
    expect(bodies(gotB)).toEqual(all);
  });

  test('a pull consumer stream reads what was produced and commits it', async () => {
    const name = await topic('IntPullTopic', 2);
    await produce(name, 60);
    const c = new PullConsumer({ namesrvAddr: cluster.namesrvAddr, groupName: 'int-pull', brokerSuspendMaxTimeMs: 2000 });
    consumers.push(c);
    await c.start();
    const seen: string[] = [];
    for await (const m of c.messages({ topic: name, from: 'first' })) {
      seen.push(m.body.toString());
      if (seen.length === 60) break;
    }
    expect(seen.sort()).toEqual(Array.from({ length: 60 }, (_, i) => `m${i}`).sort());
    const queues = await c.fetchQueues(name);
    const committed = await Promise.all(queues.map((q) => c.committedOffset(q)));
    expect(committed.reduce<number>((sum, o) => sum + (o ?? 0), 0)).toBe(59);
    const pulled = await c.pull(queues[0]!, 0, 100);
    expect(pulled.messages.length).toBe(pulled.maxOffset);
  });

  test('admin looks messages up by offset id, key and unique key, and reports broker and group state', async () => {
    const name = await topic('IntLookupTopic');
    const [sent] = await produce(name, 1, () => 'a', 'lookup');
    const viewed = await admin.viewMessage(sent!.offsetMsgId);
    expect(viewed.body.toString()).toBe('lookup0');
    expect(viewed.msgId).toBe(sent!.msgId);
    // The index is written by the dispatcher, a moment after the send is acknowledged.
    await waitFor(async () => (await admin.queryMessageByKey(name, 'key-lookup0')).length > 0);
    const byKey = await admin.queryMessageByKey(name, 'key-lookup0');
    expect(byKey.map((m) => m.body.toString())).toEqual(['lookup0']);
    const byId = await admin.queryMessageByUniqKey(name, sent!.msgId);
    expect(byId.map((m) => m.body.toString())).toEqual(['lookup0']);
    const runtime = await admin.brokerRuntimeInfo(cluster.brokers[0]!.addr);
    expect(runtime.brokerVersionDesc).toBeDefined();
    const c = push({ groupName: 'int-lookup' });
    c.subscribe(name, 'a || b', () => undefined);
    await c.start();
    const connections = await admin.examineConsumerConnections('int-lookup');
    expect(connections.connections.map((x) => x.clientId)).toContain(c.identity.clientId);
    expect(connections.subscriptions[name]).toBe('a || b');
    await admin.deleteTopic('IntAdminTopic');
    expect(await admin.listTopics()).not.toContain('IntAdminTopic');
  });

  test('sends keep succeeding across a broker restart: failures go to the other broker and the route is refreshed', async () => {
    const name = await topic('IntRestartTopic');
    await produce(name, 20);
    const restarted = await cluster.restartBroker(0);
    const results = await produce(name, 100, () => 'a', 'after');
    expect(results.every((r) => r.sendStatus === 'SEND_OK')).toBe(true);
    // Once the name server has the new address, broker-a takes sends again.
    await waitFor(async () => (await producer.send({ topic: name, body: 'probe' }, { queue: { topic: name, brokerName: restarted.brokerName, queueId: 0 } }).catch(() => undefined)) !== undefined);
  });
});

async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setTimeout(resolve, 20));
}
