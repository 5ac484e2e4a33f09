import { decodeRecords } from '../../message';
import { PullSysFlag, RequestCode, ResponseCode, makeRequest } from '../../protocol';
import { cleanupTempDirs } from '../../testing/temp';
import type { BrokerUnderTest } from './test-harness';
import { call, heartbeatRequest, newClient, pullRequest, put, putMany, startBroker, until } from './test-harness';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
afterAll(cleanupTempDirs);

async function broker(options: Parameters<typeof startBroker>[0] = {}): Promise<BrokerUnderTest> {
  const b = await startBroker(options);
  cleanups.push(() => b.close());
  b.topics.add('TopicTest', 4);
  return b;
}

function ext(response: { extFields?: Record<string, string> }, field: string): number {
  return Number(response.extFields?.[field]);
}

const SUSPEND = PullSysFlag.SUBSCRIPTION | PullSysFlag.SUSPEND;

describe('PULL_MESSAGE', () => {
  test('FOUND carries the stored records byte for byte, with next/min/max offsets', async () => {
    const b = await broker();
    await putMany(b.store, 10, { bodyBytes: 100 });
    const client = newClient(cleanups);
    const response = await call(client, b.addr, pullRequest({ maxMsgNums: 32 }));
    expect(response.code).toBe(ResponseCode.SUCCESS);
    expect(response.remark).toBe('FOUND');
    expect([ext(response, 'nextBeginOffset'), ext(response, 'minOffset'), ext(response, 'maxOffset'), ext(response, 'suggestWhichBrokerId')]).toEqual([10, 0, 10, 0]);
    const stored = b.store.getMessages({ topic: 'TopicTest', queueId: 0, queueOffset: 0, maxCount: 32 });
    const expected = Buffer.concat(stored.records);
    stored.release();
    expect(response.body !== undefined && response.body.equals(expected)).toBe(true);
    const decoded = decodeRecords(response.body!);
    expect(decoded.map((m) => m.queueOffset)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(Buffer.from(decoded[3]!.body).subarray(0, 3).toString()).toBe('#3#');
  });

  test('returns at most maxMsgNums messages and continues from nextBeginOffset', async () => {
    const b = await broker();
    await putMany(b.store, 10);
    const client = newClient(cleanups);
    const first = await call(client, b.addr, pullRequest({ maxMsgNums: 4 }));
    expect(decodeRecords(first.body!).length).toBe(4);
    expect(ext(first, 'nextBeginOffset')).toBe(4);
    const second = await call(client, b.addr, pullRequest({ maxMsgNums: 100, queueOffset: 4 }));
    expect(decodeRecords(second.body!).map((m) => m.queueOffset)).toEqual([4, 5, 6, 7, 8, 9]);
  });

  test('filters by tag hash: only subscribed tags come back, and a pull where nothing matches asks to retry further on', async () => {
    const b = await broker();
    for (let i = 0; i < 6; i++) await put(b.store, i, { tags: i % 2 === 0 ? 'TagA' : 'TagB' });
    await put(b.store, 6, {});
    await b.store.waitDispatched();
    const client = newClient(cleanups);
    const tagA = await call(client, b.addr, pullRequest({ subscription: 'TagA' }));
    expect(decodeRecords(tagA.body!).map((m) => m.queueOffset)).toEqual([0, 2, 4]);
    expect(ext(tagA, 'nextBeginOffset')).toBe(7);
    const both = await call(client, b.addr, pullRequest({ subscription: 'TagA || TagB' }));
    expect(decodeRecords(both.body!).length).toBe(6);
    const none = await call(client, b.addr, pullRequest({ subscription: 'TagC', sysFlag: SUSPEND }));
    expect(none.code).toBe(ResponseCode.PULL_RETRY_IMMEDIATELY);
    expect(ext(none, 'nextBeginOffset')).toBe(7);
  });

  test('offset rules follow upstream: empty queue, offset at max, beyond max', async () => {
    const b = await broker();
    const client = newClient(cleanups);
    const emptyAtZero = await call(client, b.addr, pullRequest({ queueId: 1 }));
    expect([emptyAtZero.code, ext(emptyAtZero, 'nextBeginOffset')]).toEqual([ResponseCode.PULL_NOT_FOUND, 0]);
    const emptyAtFive = await call(client, b.addr, pullRequest({ queueId: 1, queueOffset: 5 }));
    expect([emptyAtFive.code, ext(emptyAtFive, 'nextBeginOffset')]).toEqual([ResponseCode.PULL_OFFSET_MOVED, 0]);

    await putMany(b.store, 3);
    const atMax = await call(client, b.addr, pullRequest({ queueOffset: 3 }));
    expect([atMax.code, ext(atMax, 'nextBeginOffset'), ext(atMax, 'maxOffset')]).toEqual([ResponseCode.PULL_NOT_FOUND, 3, 3]);
    // Beyond the end of a queue that still starts at 0: upstream sends the client back to 0.
    const beyond = await call(client, b.addr, pullRequest({ queueOffset: 100 }));
    expect([beyond.code, ext(beyond, 'nextBeginOffset')]).toEqual([ResponseCode.PULL_OFFSET_MOVED, 0]);
    expect(beyond.body).toBeUndefined();
  });

  test('a slave never moves a client offset: it answers PULL_RETRY_IMMEDIATELY at the requested offset', async () => {
    const b = await broker({ brokerId: 1 });
    await putMany(b.store, 3);
    const client = newClient(cleanups);
    const beyond = await call(client, b.addr, pullRequest({ queueOffset: 100 }));
    expect([beyond.code, ext(beyond, 'nextBeginOffset'), ext(beyond, 'suggestWhichBrokerId')]).toEqual([ResponseCode.PULL_RETRY_IMMEDIATELY, 100, 0]);
    const found = await call(client, b.addr, pullRequest({}));
    expect(found.code).toBe(ResponseCode.SUCCESS);
  });

  test('setRole: a slave promoted to master answers a miss as the master (offset moved), and back as a slave', async () => {
    const b = await broker({ brokerId: 1 });
    await putMany(b.store, 3);
    const client = newClient(cleanups);
    b.service.setRole(true);
    const asMaster = await call(client, b.addr, pullRequest({ queueOffset: 100 }));
    expect([asMaster.code, ext(asMaster, 'nextBeginOffset')]).toEqual([ResponseCode.PULL_OFFSET_MOVED, 0]);
    b.service.setRole(false);
    const asSlave = await call(client, b.addr, pullRequest({ queueOffset: 100 }));
    expect([asSlave.code, ext(asSlave, 'nextBeginOffset')]).toEqual([ResponseCode.PULL_RETRY_IMMEDIATELY, 100]);
  });

  test('long polling: a held pull is answered by the next message, long before its deadline', async () => {
    const b = await broker();
    await putMany(b.store, 2);
    const client = newClient(cleanups);
    const events: string[] = [];
    const pending = call(client, b.addr, pullRequest({ queueOffset: 2, sysFlag: SUSPEND, suspendTimeoutMillis: 120_000 }), 130_000).then((r) => {
      events.push('answered');
      return r;
    });
    await until(() => b.service.heldPullCount === 1, 'the pull to be held');
    expect(events).toEqual([]);
    await put(b.store, 2);
    events.push('put');
    const response = await pending;
    expect(events).toEqual(['put', 'answered']);
    expect(response.code).toBe(ResponseCode.SUCCESS);
    expect(decodeRecords(response.body!).map((m) => m.queueOffset)).toEqual([2]);
    expect(ext(response, 'nextBeginOffset')).toBe(3);
    expect(b.service.heldPullCount).toBe(0);
  });

  test('long polling: a held pull whose queue receives only unsubscribed tags keeps waiting, then gets the matching one', async () => {
    const b = await broker();
    const client = newClient(cleanups);
    const pending = call(client, b.addr, pullRequest({ subscription: 'TagA', sysFlag: SUSPEND, suspendTimeoutMillis: 120_000 }), 130_000);
    await until(() => b.service.heldPullCount === 1, 'the pull to be held');
    await put(b.store, 0, { tags: 'TagB' });
    await b.store.waitDispatched();
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
    expect(b.service.heldPullCount).toBe(1);
    await put(b.store, 1, { tags: 'TagA' });
    const response = await pending;
    expect(response.code).toBe(ResponseCode.SUCCESS);
    expect(decodeRecords(response.body!).map((m) => m.queueOffset)).toEqual([1]);
    expect(ext(response, 'nextBeginOffset')).toBe(2);
  });

  test('long polling: a held pull times out with PULL_NOT_FOUND at its offset', async () => {
    const b = await broker();
    await putMany(b.store, 1);
    const client = newClient(cleanups);
    const response = await call(client, b.addr, pullRequest({ queueOffset: 1, sysFlag: SUSPEND, suspendTimeoutMillis: 150 }));
    expect([response.code, ext(response, 'nextBeginOffset')]).toEqual([ResponseCode.PULL_NOT_FOUND, 1]);
    expect(b.service.heldPullCount).toBe(0);
  });

  test('without the SUSPEND flag nothing is held; with long polling off a suspendable pull waits shortPollingTimeMs', async () => {
    const b = await broker({ options: { longPollingEnabled: false, shortPollingTimeMs: 100 } });
    const client = newClient(cleanups);
    const immediate = await call(client, b.addr, pullRequest({ sysFlag: PullSysFlag.SUBSCRIPTION }));
    expect(immediate.code).toBe(ResponseCode.PULL_NOT_FOUND);
    // Asked to be held for 2 minutes, held only for the short polling time.
    const short = await call(client, b.addr, pullRequest({ sysFlag: SUSPEND, suspendTimeoutMillis: 120_000 }), 30_000);
    expect(short.code).toBe(ResponseCode.PULL_NOT_FOUND);
  });

  test('held pulls of a connection that closes are dropped, and the broker keeps serving', async () => {
    const b = await broker();
    const client = newClient(cleanups);
    const pending = client.invoke(b.addr, pullRequest({ sysFlag: SUSPEND, suspendTimeoutMillis: 120_000 }), 130_000);
    await until(() => b.service.heldPullCount === 1, 'the pull to be held');
    await client.close();
    const outcome = await pending;
    expect(outcome.ok).toBe(false);
    await until(() => b.service.heldPullCount === 0, 'the held pull to be dropped');
    await put(b.store, 0);
    await b.store.waitDispatched();
    const other = newClient(cleanups);
    const response = await call(other, b.addr, pullRequest({}));
    expect(response.code).toBe(ResponseCode.SUCCESS);
  });

  test('the commit offset in a pull is stored with the COMMIT_OFFSET flag only, and only on arrival', async () => {
    const b = await broker();
    await putMany(b.store, 5);
    const client = newClient(cleanups);
    await call(client, b.addr, pullRequest({ commitOffset: 3 }));
    expect(b.service.consumerOffset('G1', 'TopicTest', 0)).toBeUndefined();
    await call(client, b.addr, pullRequest({ commitOffset: 3, sysFlag: PullSysFlag.SUBSCRIPTION | PullSysFlag.COMMIT_OFFSET }));
    expect(b.service.consumerOffset('G1', 'TopicTest', 0)).toBe(3);

    // A held pull carrying commit 4; meanwhile the client commits 5; waking the pull must not go back to 4.
    const pending = call(client, b.addr, pullRequest({ queueOffset: 5, commitOffset: 4, sysFlag: SUSPEND | PullSysFlag.COMMIT_OFFSET, suspendTimeoutMillis: 120_000 }), 130_000);
    await until(() => b.service.heldPullCount === 1, 'the pull to be held');
    expect(b.service.consumerOffset('G1', 'TopicTest', 0)).toBe(4);
    const update = makeRequest(RequestCode.UPDATE_CONSUMER_OFFSET, { extFields: { consumerGroup: 'G1', topic: 'TopicTest', queueId: '0', commitOffset: '5' } });
    expect((await call(client, b.addr, update)).code).toBe(ResponseCode.SUCCESS);
    await put(b.store, 5);
    expect((await pending).code).toBe(ResponseCode.SUCCESS);
    expect(b.service.consumerOffset('G1', 'TopicTest', 0)).toBe(5);
  });

  test('without the SUBSCRIPTION flag the heartbeat subscription filters; a newer subVersion than registered is refused', async () => {
    const b = await broker();
    await put(b.store, 0, { tags: 'TagA' });
    await put(b.store, 1, { tags: 'TagB' });
    await b.store.waitDispatched();
    const client = newClient(cleanups);
    const missing = await call(client, b.addr, pullRequest({ sysFlag: 0 }));
    expect(missing.code).toBe(ResponseCode.SUBSCRIPTION_NOT_EXIST);
    expect((await call(client, b.addr, heartbeatRequest('10.0.0.1@1', 'G1', [{ topic: 'TopicTest', tags: ['TagB'] }]))).code).toBe(ResponseCode.SUCCESS);
    const filtered = await call(client, b.addr, pullRequest({ sysFlag: 0, subVersion: 1 }));
    expect(decodeRecords(filtered.body!).map((m) => m.queueOffset)).toEqual([1]);
    const stale = await call(client, b.addr, pullRequest({ sysFlag: 0, subVersion: 2 }));
    expect(stale.code).toBe(ResponseCode.SUBSCRIPTION_NOT_LATEST);
  });

  test('malformed or invalid requests get clear errors', async () => {
    const b = await broker();
    b.topics.add('WriteOnly', 1, 2);
    const client = newClient(cleanups);
    const noGroup = pullRequest({});
    delete noGroup.extFields!.consumerGroup;
    const r1 = await call(client, b.addr, noGroup);
    expect([r1.code, r1.remark]).toEqual([ResponseCode.SYSTEM_ERROR, 'PullMessageRequestHeader: missing required field consumerGroup']);
    const badOffset = pullRequest({});
    badOffset.extFields!.queueOffset = 'abc';
    const r2 = await call(client, b.addr, badOffset);
    expect(r2.code).toBe(ResponseCode.SYSTEM_ERROR);
    expect(r2.remark).toMatch(/queueOffset/);
    const r3 = await call(client, b.addr, pullRequest({ topic: 'Nope' }));
    expect(r3.code).toBe(ResponseCode.TOPIC_NOT_EXIST);
    const r4 = await call(client, b.addr, pullRequest({ queueId: 9 }));
    expect(r4.code).toBe(ResponseCode.SYSTEM_ERROR);
    expect(r4.remark).toMatch(/queueId\[9\] is illegal/);
    const r5 = await call(client, b.addr, pullRequest({ topic: 'WriteOnly' }));
    expect(r5.code).toBe(ResponseCode.NO_PERMISSION);
    const sql = pullRequest({ subscription: 'a > 1' });
    sql.extFields!.expressionType = 'SQL92';
    const r6 = await call(client, b.addr, sql);
    expect(r6.code).toBe(ResponseCode.SUBSCRIPTION_PARSE_FAILED);
    expect(r6.remark).toMatch(/SQL92/);
  });

  test('with auto-creation off an unknown group cannot pull', async () => {
    const b = await broker({ options: { autoCreateSubscriptionGroup: false } });
    const client = newClient(cleanups);
    const response = await call(client, b.addr, pullRequest({ group: 'Unknown' }));
    expect(response.code).toBe(ResponseCode.SUBSCRIPTION_GROUP_NOT_EXIST);
  });

  test('delivered messages and bytes are counted per topic and group', async () => {
    const b = await broker();
    await putMany(b.store, 7);
    const client = newClient(cleanups);
    const response = await call(client, b.addr, pullRequest({}));
    const text = await b.registry.metrics();
    expect(text).toContain('rocketmq_messages_out_total{topic="TopicTest",consumer_group="G1"} 7');
    expect(text).toContain(`rocketmq_throughput_out_total{topic="TopicTest",consumer_group="G1"} ${response.body!.length}`);
  });

  test('close answers held pulls instead of leaving them hanging', async () => {
    const b = await broker();
    const client = newClient(cleanups);
    const pending = call(client, b.addr, pullRequest({ sysFlag: SUSPEND, suspendTimeoutMillis: 120_000 }), 130_000);
    await until(() => b.service.heldPullCount === 1, 'the pull to be held');
    await b.service.close();
    expect((await pending).code).toBe(ResponseCode.PULL_NOT_FOUND);
  });
});
