import type { RemotingCommand } from '../../protocol';
import { RequestCode, ResponseCode, encodeHeartbeatData, makeRequest, parseConsumerListBody, parseLenientJson } from '../../protocol';
import type { RemotingClient } from '../../remoting';
import { cleanupTempDirs } from '../../testing/temp';
import type { BrokerUnderTest } from './test-harness';
import { call, heartbeatRequest, newClient, startBroker, until } from './test-harness';

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

/** A consumer process: its own connection, recording the NOTIFY_CONSUMER_IDS_CHANGED it receives. */
function member(): { client: RemotingClient; notified: string[] } {
  const client = newClient(cleanups);
  const notified: string[] = [];
  client.register(RequestCode.NOTIFY_CONSUMER_IDS_CHANGED, (request: RemotingCommand) => {
    notified.push(request.extFields?.consumerGroup ?? '?');
    return null;
  });
  return { client, notified };
}

async function consumerIds(client: RemotingClient, addr: string, group: string): Promise<string[] | number> {
  const response = await call(client, addr, makeRequest(RequestCode.GET_CONSUMER_LIST_BY_GROUP, { extFields: { consumerGroup: group } }));
  if (response.code !== ResponseCode.SUCCESS) return response.code;
  const body = parseConsumerListBody(response.body);
  if (!body.ok) throw new Error(body.error);
  return body.value.consumerIdList;
}

describe('consumer groups', () => {
  test('a heartbeat creates the %RETRY% topic with one queue and the subscription group', async () => {
    const b = await broker();
    const a = member();
    const response = await call(a.client, b.addr, heartbeatRequest('10.0.0.1@a', 'G1', [{ topic: 'TopicTest' }]));
    expect(response.code).toBe(ResponseCode.SUCCESS);
    expect(b.topics.created).toEqual(['%RETRY%G1']);
    expect(b.topics.get('%RETRY%G1')?.readQueueNums).toBe(1);
    expect(b.topics.get('%RETRY%G1')?.perm).toBe(6);
    const groups = await call(a.client, b.addr, makeRequest(RequestCode.GET_ALL_SUBSCRIPTIONGROUP_CONFIG));
    const parsed = parseLenientJson(groups.body!.toString()) as { ok: true; value: { subscriptionGroupTable: Record<string, { retryQueueNums: number }> } };
    expect(parsed.value.subscriptionGroupTable.G1?.retryQueueNums).toBe(1);
  });

  test('with auto-creation off a heartbeat of an unknown group registers the client but creates nothing', async () => {
    const b = await broker({ options: { autoCreateSubscriptionGroup: false } });
    const a = member();
    expect((await call(a.client, b.addr, heartbeatRequest('10.0.0.1@a', 'G1', [{ topic: 'TopicTest' }]))).code).toBe(ResponseCode.SUCCESS);
    expect(b.topics.created).toEqual([]);
    expect(await consumerIds(a.client, b.addr, 'G1')).toEqual(['10.0.0.1@a']);
  });

  test('producer heartbeats are accepted; a malformed heartbeat gets a clear error', async () => {
    const b = await broker();
    const a = member();
    const producer = makeRequest(RequestCode.HEART_BEAT, { body: encodeHeartbeatData({ clientID: 'p@1', producerDataSet: [{ groupName: 'PG' }], consumerDataSet: [] }) });
    expect((await call(a.client, b.addr, producer)).code).toBe(ResponseCode.SUCCESS);
    const bad = await call(a.client, b.addr, makeRequest(RequestCode.HEART_BEAT, { body: Buffer.from('{"clientID":') }));
    expect(bad.code).toBe(ResponseCode.SYSTEM_ERROR);
    expect(bad.remark).toMatch(/HeartbeatData/);
  });

  test('members are told when someone joins, unregisters or disconnects; the consumer list follows', async () => {
    const b = await broker();
    const a = member();
    const c = member();
    const d = member();
    await call(a.client, b.addr, heartbeatRequest('10.0.0.1@a', 'G1', [{ topic: 'TopicTest' }]));
    expect(await consumerIds(a.client, b.addr, 'G1')).toEqual(['10.0.0.1@a']);

    await call(c.client, b.addr, heartbeatRequest('10.0.0.3@c', 'G1', [{ topic: 'TopicTest' }]));
    await until(() => a.notified.length === 2, 'a to hear that c joined');
    expect(await consumerIds(a.client, b.addr, 'G1')).toEqual(['10.0.0.1@a', '10.0.0.3@c']);
    // A second heartbeat of a known member changes nothing and tells nobody.
    await call(c.client, b.addr, heartbeatRequest('10.0.0.3@c', 'G1', [{ topic: 'TopicTest' }]));

    await call(d.client, b.addr, heartbeatRequest('10.0.0.2@d', 'G1', [{ topic: 'TopicTest' }]));
    await until(() => a.notified.length === 3 && c.notified.length === 2, 'a and c to hear that d joined');
    expect(await consumerIds(a.client, b.addr, 'G1')).toEqual(['10.0.0.1@a', '10.0.0.2@d', '10.0.0.3@c']);

    const unregister = makeRequest(RequestCode.UNREGISTER_CLIENT, { extFields: { clientID: '10.0.0.2@d', consumerGroup: 'G1' } });
    expect((await call(d.client, b.addr, unregister)).code).toBe(ResponseCode.SUCCESS);
    await until(() => a.notified.length === 4 && c.notified.length === 3, 'a and c to hear that d left');
    expect(await consumerIds(a.client, b.addr, 'G1')).toEqual(['10.0.0.1@a', '10.0.0.3@c']);

    await c.client.close();
    await until(() => a.notified.length === 5, 'a to hear that c disconnected');
    expect(await consumerIds(a.client, b.addr, 'G1')).toEqual(['10.0.0.1@a']);
    expect(a.notified.every((g) => g === 'G1')).toBe(true);
    expect(d.notified.length).toBe(1);
  });

  test('a group whose last member leaves is gone: the consumer list answers an error', async () => {
    const b = await broker();
    const a = member();
    await call(a.client, b.addr, heartbeatRequest('10.0.0.1@a', 'G1', [{ topic: 'TopicTest' }]));
    await call(a.client, b.addr, makeRequest(RequestCode.UNREGISTER_CLIENT, { extFields: { clientID: '10.0.0.1@a', consumerGroup: 'G1' } }));
    expect(await consumerIds(a.client, b.addr, 'G1')).toBe(ResponseCode.SYSTEM_ERROR);
  });

  test('a connection silent for longer than consumerChannelExpiryMs is closed and leaves its group', async () => {
    const b = await broker({ options: { consumerChannelExpiryMs: 200 } });
    const a = member();
    const closed: string[] = [];
    a.client.on('close', (_addr, _connection, reason) => closed.push(reason));
    await call(a.client, b.addr, heartbeatRequest('10.0.0.1@a', 'G1', [{ topic: 'TopicTest' }]));
    await until(() => closed.length === 1, 'the broker to close the silent connection');
    const observer = newClient(cleanups);
    expect(await consumerIds(observer, b.addr, 'G1')).toBe(ResponseCode.SYSTEM_ERROR);
  });

  test('GET_CONSUMER_CONNECTION_LIST lists members with their subscriptions; unknown groups are not online', async () => {
    const b = await broker();
    const a = member();
    await call(a.client, b.addr, heartbeatRequest('10.0.0.1@a', 'G1', [{ topic: 'TopicTest', tags: ['TagA'] }]));
    const response = await call(a.client, b.addr, makeRequest(RequestCode.GET_CONSUMER_CONNECTION_LIST, { extFields: { consumerGroup: 'G1' } }));
    expect(response.code).toBe(ResponseCode.SUCCESS);
    const body = JSON.parse(response.body!.toString()) as {
      connectionSet: { clientId: string; clientAddr: string; language: string }[];
      subscriptionTable: Record<string, { subString: string }>;
      messageModel: string;
    };
    expect(body.connectionSet.map((c) => [c.clientId, c.language])).toEqual([['10.0.0.1@a', 'JAVA']]);
    expect(body.connectionSet[0]!.clientAddr).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(body.subscriptionTable.TopicTest?.subString).toBe('TagA');
    expect(body.messageModel).toBe('CLUSTERING');
    const unknown = await call(a.client, b.addr, makeRequest(RequestCode.GET_CONSUMER_CONNECTION_LIST, { extFields: { consumerGroup: 'Nope' } }));
    expect(unknown.code).toBe(ResponseCode.CONSUMER_NOT_ONLINE);
  });

  test('the connections gauge counts live members per group', async () => {
    const b = await broker();
    const a = member();
    const c = member();
    await call(a.client, b.addr, heartbeatRequest('10.0.0.1@a', 'G1', [{ topic: 'TopicTest' }]));
    await call(c.client, b.addr, heartbeatRequest('10.0.0.3@c', 'G1', [{ topic: 'TopicTest' }]));
    expect(await b.registry.metrics()).toContain('rocketmq_consumer_connections{consumer_group="G1"} 2');
  });
});

describe('ordered consumption locks', () => {
  const mq = (queueId: number) => ({ topic: 'TopicTest', brokerName: 'broker-a', queueId });
  const lockBody = (clientId: string, queueIds: number[]) =>
    Buffer.from(JSON.stringify({ consumerGroup: 'G1', clientId, onlyThisBroker: false, mqSet: queueIds.map(mq) }));

  async function lock(client: RemotingClient, addr: string, clientId: string, queueIds: number[]): Promise<number[]> {
    const response = await call(client, addr, makeRequest(RequestCode.LOCK_BATCH_MQ, { body: lockBody(clientId, queueIds) }));
    expect(response.code).toBe(ResponseCode.SUCCESS);
    const body = JSON.parse(response.body!.toString()) as { lockOKMQSet: { queueId: number }[] };
    return body.lockOKMQSet.map((q) => q.queueId).sort();
  }

  test('a queue is locked by one client at a time; unlocking frees it for another', async () => {
    const b = await broker();
    const client = newClient(cleanups);
    expect(await lock(client, b.addr, 'A', [0, 1])).toEqual([0, 1]);
    expect(await lock(client, b.addr, 'B', [1, 2])).toEqual([2]);
    expect(await lock(client, b.addr, 'A', [0, 1])).toEqual([0, 1]);
    const unlock = await call(client, b.addr, makeRequest(RequestCode.UNLOCK_BATCH_MQ, { body: lockBody('A', [1]) }));
    expect(unlock.code).toBe(ResponseCode.SUCCESS);
    expect(await lock(client, b.addr, 'B', [1, 2])).toEqual([1, 2]);
    const bad = await call(client, b.addr, makeRequest(RequestCode.LOCK_BATCH_MQ, { body: Buffer.from('[]') }));
    expect(bad.code).toBe(ResponseCode.SYSTEM_ERROR);
  });
});

test('CONSUMER_SEND_MSG_BACK is refused clearly until retry topics exist', async () => {
  const b = await broker();
  const client = newClient(cleanups);
  const response = await call(client, b.addr, makeRequest(RequestCode.CONSUMER_SEND_MSG_BACK, { extFields: { offset: '0', group: 'G1', delayLevel: '0' } }));
  expect(response.code).toBe(ResponseCode.REQUEST_CODE_NOT_SUPPORTED);
  expect(response.remark).toMatch(/%RETRY%/);
});
