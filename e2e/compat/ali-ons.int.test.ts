/**
 * ali-ons 3.12 (a pure JavaScript RocketMQ 4.x remoting client, CLIENTS.md section 2), unchanged,
 * against our name server and two brokers running in this process (`startLocalCluster`, auto-create
 * off). ali-ons runs in child processes (`ali-ons-driver.js`): it keeps process-wide state and its
 * inner producer never closes, and a consumer that must "crash" is a process to SIGKILL.
 *
 * Waits are bounded polls on conditions. "Exactly once" is checked after a fence: one more message
 * per queue, delivered in queue order, so once the fences are in every earlier message is too, and
 * any duplicate or extra delivery would already be there to see.
 */
import { AdminClient } from '../../client';
import { RequestCode } from '../../protocol';
import type { LocalCluster } from '../../testing/cluster';
import { startLocalCluster } from '../../testing/cluster';
import { cleanupTempDirs } from '../../testing/temp';
import { AliOnsProcess } from './ali-ons-process';
import type { DeliveredMessage, OutgoingMessage } from './ali-ons-process';
import type { SentOk } from './compat-kit';
import { allOk, decodeOffsetMsgId, hasAll, ids, logsOf, queueKey, sampleMessages, sendFence, shardingIndex, until } from './compat-kit';

const QUEUES_PER_BROKER = 4;
const ALL_QUEUES = ['broker-a', 'broker-b'].flatMap((b) => Array.from({ length: QUEUES_PER_BROKER }, (_, q) => `${b}/${q}`));
const FROM_FIRST = { consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET' } as const;

let cluster: LocalCluster;
let admin: AdminClient;
let producer: AliOnsProcess;
const processes: AliOnsProcess[] = [];

async function spawn(label: string): Promise<AliOnsProcess> {
  const p = await AliOnsProcess.start(label, cluster.namesrvAddr);
  processes.push(p);
  return p;
}

/** Creates the topic through UPDATE_AND_CREATE_TOPIC and waits until the name server routes it. */
async function createTopic(topic: string, brokerNames: readonly string[] = ['broker-a', 'broker-b']): Promise<void> {
  await admin.createTopic(topic, { readQueueNums: QUEUES_PER_BROKER, writeQueueNums: QUEUES_PER_BROKER, brokerNames });
  await until(async () => {
    try {
      return (await admin.describeTopic(topic)).brokers.length === brokerNames.length;
    } catch {
      return false;
    }
  }, `the name server to route ${topic}`);
}

function send(messages: readonly OutgoingMessage[]): Promise<SentOk[]> {
  return producer.send('producer', messages).then(allOk);
}

function brokerOf(brokerName: string) {
  const b = cluster.brokers.find((x) => x.brokerName === brokerName);
  if (b === undefined) throw new Error(`no broker ${brokerName}`);
  return b;
}

/** The group's committed offset on the broker, 0 when none was committed (or -1 was). */
function committed(group: string, topic: string, queue: string): number {
  const [brokerName, queueId] = queue.split('/') as [string, string];
  return brokerOf(brokerName).broker.consume!.consumerOffset(group, topic, Number(queueId)) ?? 0;
}

function maxOffset(topic: string, queue: string): number {
  const [brokerName, queueId] = queue.split('/') as [string, string];
  return brokerOf(brokerName).broker.store!.getMaxQueueOffset(topic, Number(queueId));
}

function allCommitted(group: string, topic: string): boolean {
  return ALL_QUEUES.every((q) => committed(group, topic, q) === maxOffset(topic, q));
}

/** rocketmq_messages_out_total of (topic, group), summed over the brokers: messages pulls carried. */
async function messagesOut(topic: string, group: string): Promise<number> {
  let total = 0;
  for (const b of cluster.brokers) {
    const metric = b.broker.metrics.registry.getSingleMetric('rocketmq_messages_out_total');
    if (metric === undefined) throw new Error('no rocketmq_messages_out_total');
    for (const v of (await metric.get()).values) if (v.labels.topic === topic && v.labels.consumer_group === group) total += v.value;
  }
  return total;
}

function diagnose(): string {
  return logsOf(processes);
}

/** Delivered fields equal what was sent and what the send result said, msgId included. */
function expectIntact(delivered: readonly DeliveredMessage[], sent: readonly OutgoingMessage[], results: readonly SentOk[]): void {
  const byId = new Map(results.map((r, i) => [r.msgId, { result: r, message: sent[i]! }]));
  for (const m of delivered) {
    const origin = byId.get(m.msgId);
    if (origin === undefined) continue;
    const { result, message } = origin;
    expect([m.topic, m.tags, m.keys, m.brokerName, m.queueId, m.queueOffset, m.reconsumeTimes]).toEqual([
      message.topic,
      message.tags,
      message.keys?.join(' '),
      result.brokerName,
      result.queueId,
      result.queueOffset,
      0,
    ]);
    expect(m.body.equals(message.body)).toBe(true);
    expect(m.storeHost).toBe(brokerOf(m.brokerName).addr);
  }
}

/** Each queue's messages were handed over in queue-offset order. */
function expectQueueOrder(delivered: readonly DeliveredMessage[]): void {
  for (const q of new Set(delivered.map(queueKey))) {
    const offsets = delivered.filter((m) => queueKey(m) === q).map((m) => m.queueOffset);
    expect(offsets).toEqual([...offsets].sort((a, b) => a - b));
  }
}

beforeAll(async () => {
  cluster = await startLocalCluster({ brokers: 2, autoCreateTopicEnable: false });
  admin = new AdminClient({ namesrvAddr: cluster.namesrvAddr });
  await admin.start();
  producer = await spawn('producer');
  await producer.startProducer('producer', { producerGroup: 'PID_compat', instanceName: 'compat-producer' });
}, 30_000);

// Consumers of one test must not hold pulls or queues in the next; the producer stays.
afterEach(async () => {
  const consumers = processes.splice(1);
  await Promise.all(consumers.map((p) => p.kill()));
});

afterAll(async () => {
  await Promise.all(processes.map((p) => p.kill()));
  await admin?.close();
  await cluster?.close();
  cleanupTempDirs();
});

describe('ali-ons 3.12 against RocketCluster', () => {
  it('sends messages with tags and keys; each result is SEND_OK with the offset message id the consumer computes', async () => {
    const topic = 'TopicCompatSend';
    await createTopic(topic);
    const messages = sampleMessages(topic, 24, 'send');
    const results = await send(messages);

    expect(results.every((r) => r.sendStatus === 'SEND_OK')).toBe(true);
    expect(new Set(results.map(queueKey))).toEqual(new Set(ALL_QUEUES));
    for (const r of results) {
      expect(r.msgId).toMatch(/^[0-9A-F]{32}$/);
      // The id names the broker that stored the message: its address and port.
      expect(decodeOffsetMsgId(r.msgId).addr).toBe(brokerOf(r.brokerName).addr);
    }
    // Queue offsets count up from 0 per queue in send order.
    for (const q of ALL_QUEUES) expect(results.filter((r) => queueKey(r) === q).map((r) => r.queueOffset)).toEqual([0, 1, 2]);

    const proc = await spawn('consumer-all');
    // With Aliyun credentials every request also carries AccessKey, OnsChannel and Signature, which
    // the servers must ignore.
    const credentials = { accessKeyId: 'compat-id', accessKeySecret: 'compat-secret' };
    await proc.startConsumer('all', { topic, expression: '*', options: { ...FROM_FIRST, ...credentials, consumerGroup: 'GID_compat_all', instanceName: 'compat-all' } });
    const fence = await sendFence(producer, 'producer', topic, ALL_QUEUES.length);
    await until(() => hasAll(proc.delivered, fence), 'every message and fence', diagnose);

    expect(ids(proc.delivered)).toEqual(ids([...results, ...fence]));
    const delivered = proc.delivered.filter((m) => !m.keys?.startsWith('fence'));
    for (const m of delivered) expect(decodeOffsetMsgId(m.msgId).commitLogOffset).toBe(m.commitLogOffset);
    expectIntact(delivered, messages, results);
    expectQueueOrder(proc.delivered);
    expect(proc.errors).toEqual([]);
  }, 30_000);

  it("delivers to a 'TagA || TagB' subscriber exactly the matching messages, once each, intact", async () => {
    const topic = 'TopicCompatTags';
    await createTopic(topic);
    const messages = sampleMessages(topic, 24, 'tags');
    const results = await send(messages);
    const proc = await spawn('consumer-tags');
    await proc.startConsumer('tags', { topic, expression: 'TagA || TagB', options: { ...FROM_FIRST, consumerGroup: 'GID_compat_tags', instanceName: 'compat-tags' } });
    // Sent while the consumer's pulls are held: long polling hands them over.
    const more = sampleMessages(topic, 6, 'tags-late');
    const moreResults = await send(more);
    const fence = await sendFence(producer, 'producer', topic, ALL_QUEUES.length, 'TagB');
    await until(() => hasAll(proc.delivered, fence), 'the fence of every queue', diagnose);

    const matching = [...results, ...moreResults].filter((_, i) => [...messages, ...more][i]!.tags !== 'TagC');
    expect(matching).toHaveLength(20);
    expect(ids(proc.delivered)).toEqual(ids([...matching, ...fence]));
    expect(proc.delivered.filter((m) => m.tags === 'TagC')).toEqual([]);
    // The broker filtered: pulls carried the matching messages only (ali-ons would drop TagC itself).
    expect(await messagesOut(topic, 'GID_compat_tags')).toBe(matching.length + fence.length);
    expectIntact(proc.delivered, [...messages, ...more], [...results, ...moreResults]);
    expectQueueOrder(proc.delivered);
    expect(proc.errors).toEqual([]);
  }, 30_000);

  it('splits the queues among the consumers of a group and hands them over when one closes or is killed', async () => {
    const topic = 'TopicCompatShare';
    const group = 'GID_compat_share';
    await createTopic(topic);
    const member = (name: string) => ({ topic, expression: '*', options: { ...FROM_FIRST, consumerGroup: group, instanceName: `compat-${name}` } });
    // C's process starts now; its consumer joins later.
    const [a, b, c] = await Promise.all([spawn('consumer-A'), spawn('consumer-B'), spawn('consumer-C')]);
    await Promise.all([a.startConsumer('A', member('A')), b.startConsumer('B', member('B'))]);
    const sent: SentOk[] = [];
    const sendBatch = async (prefix: string) => {
      const batch = await send(sampleMessages(topic, 16, prefix));
      sent.push(...batch);
      return batch;
    };
    /** Rebalance done: the members' queues are disjoint and together cover the topic. */
    const balanced = async (members: [AliOnsProcess, string][]) => {
      const shares = await Promise.all(members.map(([p, name]) => p.queues(name, topic)));
      const union = shares.flat().sort();
      return shares.every((s) => s.length === ALL_QUEUES.length / members.length) && union.join() === ALL_QUEUES.join();
    };
    const allDelivered = () => [a, b, c].flatMap((p) => p.delivered);
    // NOTIFY_CONSUMER_IDS_CHANGED for the group reaching A. ali-ons ignores it and rebalances on its timer.
    const notices = () => a.serverRequests.filter((r) => r.code === RequestCode.NOTIFY_CONSUMER_IDS_CHANGED && r.extFields.consumerGroup === group).length;

    // Two members: four queues each, then every message of the batch exactly once, some to each.
    await until(() => balanced([[a, 'A'], [b, 'B']]), 'A and B to split the 8 queues', diagnose);
    const [aQueues, bQueues] = await Promise.all([a.queues('A', topic), b.queues('B', topic)]);
    const batch1 = await sendBatch('share-1');
    await until(() => hasAll(allDelivered(), batch1), 'batch 1 to be delivered', diagnose);
    expect(ids(allDelivered())).toEqual(ids(batch1));
    expect(a.delivered.length).toBeGreaterThan(0);
    expect(b.delivered.length).toBeGreaterThan(0);
    expect(a.delivered.every((m) => aQueues.includes(queueKey(m)))).toBe(true);
    expect(b.delivered.every((m) => bQueues.includes(queueKey(m)))).toBe(true);

    // B closes (commits, UNREGISTER_CLIENT); batch 2 goes out at once and reaches A through B's queues.
    let seen = notices();
    await b.closeConsumer('B');
    const batch2 = await sendBatch('share-2');
    await until(() => hasAll(a.delivered, batch2), 'A to take over B\'s queues and receive batch 2', diagnose);
    expect(await a.queues('A', topic)).toEqual(ALL_QUEUES);
    await until(() => notices() > seen, 'the broker to notify A that B left', diagnose);

    // C joins, gets half; once every offset is committed, C is killed and A takes its queues back.
    await c.startConsumer('C', member('C'));
    await until(() => balanced([[a, 'A'], [c, 'C']]), 'A and C to split the 8 queues', diagnose);
    const batch3 = await sendBatch('share-3');
    await until(() => hasAll(allDelivered(), batch3), 'batch 3 to be delivered', diagnose);
    expect(c.delivered.length).toBeGreaterThan(0);
    await until(() => allCommitted(group, topic), 'every offset of the group to be committed', diagnose);
    seen = notices();
    await c.kill();
    const batch4 = await sendBatch('share-4');
    await until(() => hasAll(a.delivered, batch4), 'A to take over the killed C\'s queues and receive batch 4', diagnose);
    expect(await a.queues('A', topic)).toEqual(ALL_QUEUES);
    await until(() => notices() > seen, 'the broker to notify A that C is gone', diagnose);

    const fence = await sendFence(producer, 'producer', topic, ALL_QUEUES.length);
    await until(() => hasAll(a.delivered, fence), 'the fence', diagnose);
    expect(ids(allDelivered())).toEqual(ids([...sent, ...fence]));
    expect(allDelivered().filter((m) => m.afterClose)).toEqual([]);
    expect([...a.errors, ...b.errors]).toEqual([]);
  }, 40_000);

  it('resumes a restarted group from its committed offsets: only what the closed consumer had not finished comes again', async () => {
    const topic = 'TopicCompatResume';
    const group = 'GID_compat_resume';
    await createTopic(topic);
    const options = (name: string) => ({ ...FROM_FIRST, consumerGroup: group, instanceName: `compat-${name}` });
    // R1 holds pulls at the broker for the default 15 s, longer than this test needs.
    const first = await spawn('consumer-R1');
    await first.startConsumer('R1', { topic, expression: '*', options: { ...options('R1'), brokerSuspendMaxTimeMillis: 15_000, consumerTimeoutMillisWhenSuspend: 20_000 }, limit: 8 });
    const batch0 = await send(sampleMessages(topic, 8, 'resume-0'));
    await until(() => hasAll(first.done, batch0), 'R1 to finish batch 0 (one message per queue)', diagnose);

    // Batch 1 arrives while R1's handler waits: R1 pulls all of it, and its next pulls, held at the
    // broker, carry commit offset 1 (all R1 has finished per queue).
    const batch1 = await send(sampleMessages(topic, 24, 'resume-1'));
    const pulledAll = async () => (await first.pullState('R1', topic)).every((q) => q.nextOffset === maxOffset(topic, q.queue));
    // Per broker: four queues of the topic and one of %RETRY%<group>.
    const heldAgain = () => cluster.brokers.every((b) => b.broker.consume!.heldPullCount === QUEUES_PER_BROKER + 1);
    const held = () => `held pulls per broker: ${cluster.brokers.map((b) => b.broker.consume!.heldPullCount).join(', ')}\n${diagnose()}`;
    await until(async () => (await pulledAll()) && heldAgain(), 'R1 to pull batch 1 and hold its next pulls', held);

    // R1 finishes 10 messages of batch 1, then closes, committing what it finished.
    await first.setLimit('R1', 18);
    await until(() => first.done.length === 18 && first.delivered.length === 19, 'R1 to finish 10 more and wait on the next', diagnose);
    await first.closeConsumer('R1');
    const doneIds = new Set(first.done.map((m) => m.msgId));
    const expectedCommit = (q: string) => {
      const open = batch1.filter((m) => queueKey(m) === q && !doneIds.has(m.msgId)).map((m) => m.queueOffset);
      return open.length > 0 ? Math.min(...open) : maxOffset(topic, q);
    };
    const commitsAsExpected = () => ALL_QUEUES.map((q) => `${q}: committed ${committed(group, topic, q)}, expected ${expectedCommit(q)}`).join('\n');
    await until(() => ALL_QUEUES.every((q) => committed(group, topic, q) === expectedCommit(q)), 'the offsets R1 committed on close', commitsAsExpected);
    expect(ALL_QUEUES.some((q) => expectedCommit(q) > 1)).toBe(true);

    // New messages while the group is down. R1's process is still connected, and its held pulls
    // (commit offset 1) wake now: a broker that commits a pull's offset on arrival only keeps R1's
    // close-time offsets; one that re-applies it here moves them back and R2 gets messages again.
    const batch2 = await send(sampleMessages(topic, 16, 'resume-2'));
    await until(() => cluster.brokers.every((b) => b.broker.consume!.heldPullCount <= 1), "R1's held pulls to be answered", held);
    const second = await spawn('consumer-R2');
    await second.startConsumer('R2', { topic, expression: '*', options: options('R2') });
    const fence = await sendFence(producer, 'producer', topic, ALL_QUEUES.length);
    await until(() => hasAll(second.delivered, fence), 'R2 to reach the fence', diagnose);

    // Exactly: batch 1 minus what R1 finished (the message it was handed last included), batch 2, the fence.
    const unfinished = batch1.filter((m) => !doneIds.has(m.msgId));
    expect(unfinished).toHaveLength(14);
    expect(ids(second.delivered)).toEqual(ids([...unfinished, ...batch2, ...fence]));
    expect(first.delivered.filter((m) => m.afterClose)).toEqual([]);
    await until(() => allCommitted(group, topic), 'R2 to commit every queue to its end', diagnose);
    expect([...first.errors, ...second.errors]).toEqual([]);
  }, 40_000);

  it('rejects a send to a topic that does not exist with code 17 (auto-create off); the servers keep serving', async () => {
    const missing = 'TopicCompatMissing';
    const [outcome] = await producer.send('producer', [{ topic: missing, tags: 'TagA', body: Buffer.from('lost') }]);
    expect(outcome).toEqual({ ok: false, name: 'MQClientException', code: 17, message: expect.stringContaining(missing) });
    expect(cluster.brokers.every((b) => b.broker.topics!.get(missing) === undefined)).toBe(true);

    // The same producer, and a consumer, carry on against the same servers.
    const topic = 'TopicCompatAfterMissing';
    await createTopic(topic);
    const results = await send(sampleMessages(topic, 8, 'after'));
    const proc = await spawn('consumer-after');
    await proc.startConsumer('after', { topic, expression: '*', options: { ...FROM_FIRST, consumerGroup: 'GID_compat_after', instanceName: 'compat-after' } });
    await until(() => hasAll(proc.delivered, results), 'the messages sent after the failure', diagnose);
    expect(ids(proc.delivered)).toEqual(ids(results));
    // The producer keeps asking the name server for the missing topic's route; nothing else fails.
    expect(producer.errors.filter((e) => e.error.code !== 17)).toEqual([]);
  }, 30_000);

  it('delivers every message to each broadcasting consumer of a group', async () => {
    const topic = 'TopicCompatBroadcast';
    await createTopic(topic);
    const proc = await spawn('consumer-broadcast');
    const options = (name: string) => ({ ...FROM_FIRST, isBroadcast: true, consumerGroup: 'GID_compat_broadcast', instanceName: `compat-${name}` });
    await proc.startConsumer('X', { topic, expression: '*', options: options('X') });
    await proc.startConsumer('Y', { topic, expression: '*', options: options('Y') });
    const results = await send(sampleMessages(topic, 16, 'broadcast'));
    const fence = await sendFence(producer, 'producer', topic, ALL_QUEUES.length);
    await until(() => hasAll(proc.deliveredTo('X'), fence) && hasAll(proc.deliveredTo('Y'), fence), 'both consumers to reach the fence', diagnose);
    expect(ids(proc.deliveredTo('X'))).toEqual(ids([...results, ...fence]));
    expect(ids(proc.deliveredTo('Y'))).toEqual(ids([...results, ...fence]));
    expect(proc.errors).toEqual([]);
  }, 30_000);

  it('puts the messages of one sharding key into one queue in send order, and a consumer gets them in that order', async () => {
    const topic = 'TopicCompatOrdered';
    await createTopic(topic, ['broker-a']);
    // ali-ons maps a key to queue md5(key) % 4, but treats queue 0 as "no key" (`queueIds[i] || ''`),
    // so the keys are picked from the ones that map elsewhere, and to different queues.
    const candidates = Array.from({ length: 50 }, (_, i) => `order-${i}`).filter((k) => shardingIndex(k, QUEUES_PER_BROKER) !== 0);
    const keys = [candidates[0]!, candidates.find((k) => shardingIndex(k, QUEUES_PER_BROKER) !== shardingIndex(candidates[0]!, QUEUES_PER_BROKER))!];
    const messages = Array.from({ length: 30 }, (_, i) => {
      const key = keys[i % 2]!;
      return { topic, tags: 'TagA', keys: [key], body: Buffer.from(`${key}:${i}`), shardingKey: key };
    });
    const results = await send(messages);
    for (const key of keys) {
      const mine = results.filter((_, i) => messages[i]!.shardingKey === key);
      expect(new Set(mine.map(queueKey))).toEqual(new Set([`broker-a/${shardingIndex(key, QUEUES_PER_BROKER)}`]));
      expect(mine.map((r) => r.queueOffset)).toEqual(Array.from({ length: 15 }, (_, i) => i));
    }

    const proc = await spawn('consumer-ordered');
    await proc.startConsumer('ordered', { topic, expression: '*', options: { ...FROM_FIRST, consumerGroup: 'GID_compat_ordered', instanceName: 'compat-ordered' } });
    await until(() => hasAll(proc.delivered, results), 'the ordered messages', diagnose);
    expect(ids(proc.delivered)).toEqual(ids(results));
    for (const key of keys) {
      const bodies = proc.delivered.filter((m) => m.keys === key).map((m) => m.body.toString());
      expect(bodies).toEqual(messages.filter((m) => m.shardingKey === key).map((m) => m.body.toString()));
    }
    expect(proc.errors).toEqual([]);
  }, 30_000);
});
