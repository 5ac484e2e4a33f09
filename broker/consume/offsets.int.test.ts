import * as fs from 'node:fs';
import * as path from 'node:path';
import { Registry } from 'prom-client';
import { silentLogger } from '../../ops';
import { RequestCode, ResponseCode, makeRequest, parseLenientJson } from '../../protocol';
import type { RemotingClient } from '../../remoting';
import { systemClock } from '../../stdx';
import { cleanupTempDirs, tempDir } from '../../testing/temp';
import { MessageStore, defaultIoMode } from '../store';
import { ConsumeService } from './service';
import type { BrokerUnderTest, StartOptions } from './test-harness';
import { MapTopics, call, newClient, putMany, startBroker, until } from './test-harness';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
afterAll(cleanupTempDirs);

async function broker(options: StartOptions = {}): Promise<BrokerUnderTest> {
  const b = await startBroker(options);
  cleanups.push(() => b.close());
  if (b.topics.get('TopicTest') === undefined) b.topics.add('TopicTest', 4);
  return b;
}

function update(group: string, queueId: number, offset: number) {
  return makeRequest(RequestCode.UPDATE_CONSUMER_OFFSET, { extFields: { consumerGroup: group, topic: 'TopicTest', queueId: String(queueId), commitOffset: String(offset) } });
}

async function query(client: RemotingClient, addr: string, group: string, queueId: number, setZeroIfNotFound?: boolean): Promise<[number, number | undefined]> {
  const extFields: Record<string, string> = { consumerGroup: group, topic: 'TopicTest', queueId: String(queueId) };
  if (setZeroIfNotFound !== undefined) extFields.setZeroIfNotFound = String(setZeroIfNotFound);
  const response = await call(client, addr, makeRequest(RequestCode.QUERY_CONSUMER_OFFSET, { extFields }));
  return [response.code, response.extFields?.offset === undefined ? undefined : Number(response.extFields.offset)];
}

describe('consumer offsets', () => {
  test('UPDATE then QUERY returns the committed offset; offsets past the end are accepted as upstream does', async () => {
    const b = await broker();
    await putMany(b.store, 3);
    const client = newClient(cleanups);
    expect((await call(client, b.addr, update('G1', 0, 2))).code).toBe(ResponseCode.SUCCESS);
    expect(await query(client, b.addr, 'G1', 0)).toEqual([ResponseCode.SUCCESS, 2]);
    await call(client, b.addr, update('G1', 1, 1000));
    expect(await query(client, b.addr, 'G1', 1)).toEqual([ResponseCode.SUCCESS, 1000]);
  });

  test('a group without an offset reads 0 while the queue starts at 0 in memory, QUERY_NOT_FOUND when asked not to default', async () => {
    const b = await broker();
    await putMany(b.store, 3);
    const client = newClient(cleanups);
    expect(await query(client, b.addr, 'Fresh', 0)).toEqual([ResponseCode.SUCCESS, 0]);
    expect(await query(client, b.addr, 'Fresh', 3)).toEqual([ResponseCode.SUCCESS, 0]);
    expect((await query(client, b.addr, 'Fresh', 0, false))[0]).toBe(ResponseCode.QUERY_NOT_FOUND);
    // ali-ons commits -1 for queues that never moved: stored, but read as "none".
    await call(client, b.addr, update('Fresh', 0, -1));
    expect((await query(client, b.addr, 'Fresh', 0, false))[0]).toBe(ResponseCode.QUERY_NOT_FOUND);
    expect(b.service.consumerOffset('Fresh', 'TopicTest', 0)).toBeUndefined();
  });

  test('malformed offset requests get clear errors', async () => {
    const b = await broker();
    const client = newClient(cleanups);
    const response = await call(client, b.addr, makeRequest(RequestCode.QUERY_CONSUMER_OFFSET, { extFields: { consumerGroup: 'G1', topic: 'TopicTest' } }));
    expect([response.code, response.remark]).toEqual([ResponseCode.SYSTEM_ERROR, 'QueryConsumerOffsetRequestHeader: missing required field queueId']);
  });

  test('offsets persist across close and open in RocketMQ shape, and are flushed periodically without a close', async () => {
    const b1 = await startBroker({ options: { offsetFlushIntervalMs: 30 } });
    cleanups.push(() => b1.close());
    b1.topics.add('TopicTest', 4);
    const client = newClient(cleanups);
    await call(client, b1.addr, update('G1', 0, 42));
    await call(client, b1.addr, update('G1', 3, 7));
    const file = path.join(b1.storeDir, 'config', 'consumerOffsets.json');
    await until(() => fs.existsSync(file) && fs.readFileSync(file, 'utf8').includes('42'), 'the periodic flush');
    const content = JSON.parse(fs.readFileSync(file, 'utf8')) as { offsetTable: Record<string, Record<string, number>> };
    expect(content.offsetTable['TopicTest@G1']).toEqual({ 0: 42, 3: 7 });
    await call(client, b1.addr, update('G1', 0, 43));
    await b1.close();
    const b2 = await broker({ storeDir: b1.storeDir, topics: b1.topics });
    expect(b2.service.consumerOffset('G1', 'TopicTest', 0)).toBe(43);
    expect(await query(client, b2.addr, 'G1', 3)).toEqual([ResponseCode.SUCCESS, 7]);
    const all = await call(client, b2.addr, makeRequest(RequestCode.GET_ALL_CONSUMER_OFFSET));
    expect(JSON.parse(all.body!.toString())).toEqual({ offsetTable: { 'TopicTest@G1': { 0: 43, 3: 7 } } });
  });

  test('open refuses an unreadable offsets file without a good backup, and falls back to a good backup', async () => {
    const dir = tempDir('rocket-consume-state-');
    const configDir = path.join(dir, 'config');
    fs.mkdirSync(configDir, { recursive: true });
    fs.writeFileSync(path.join(configDir, 'consumerOffsets.json'), '{"offsetTable": {"TopicTest@G1": {"0": ');
    const store = new MessageStore({ storeDir: dir, ioMode: defaultIoMode(), commitLogSegmentBytes: 1024 * 1024, maxMessageSizeBytes: 64 * 1024, pretouchSegments: false });
    expect((await store.open()).ok).toBe(true);
    cleanups.push(() => store.close());
    const make = () =>
      new ConsumeService({ store, topics: new MapTopics(), configDir, brokerName: 'b', brokerId: 0, clock: systemClock, logger: silentLogger, registry: new Registry() });
    const refused = await make().open();
    expect(refused.ok).toBe(false);
    expect(!refused.ok && refused.error).toMatch(/consumer offsets.*not JSON/);
    fs.writeFileSync(path.join(configDir, 'consumerOffsets.json.bak'), JSON.stringify({ offsetTable: { 'TopicTest@G1': { 0: 9 } } }));
    const service = make();
    expect((await service.open()).ok).toBe(true);
    cleanups.push(() => service.close());
    expect(service.consumerOffset('G1', 'TopicTest', 0)).toBe(9);
  });
});

describe('consume stats and lag', () => {
  test('GET_CONSUME_STATS reports max offset, committed offset and last consumed time per queue; the lag gauge sums it', async () => {
    const b = await broker();
    await putMany(b.store, 10, { queueId: 0 });
    await putMany(b.store, 5, { queueId: 1 });
    const client = newClient(cleanups);
    await call(client, b.addr, update('G1', 0, 4));
    const response = await call(client, b.addr, makeRequest(RequestCode.GET_CONSUME_STATS, { extFields: { consumerGroup: 'G1', topic: 'TopicTest' } }));
    expect(response.code).toBe(ResponseCode.SUCCESS);
    // Upstream's fastjson form: MessageQueue objects as map keys.
    expect(response.body!.toString()).toMatch(/^\{"consumeTps":0,"offsetTable":\{\{"brokerName":"broker-a","queueId":0,"topic":"TopicTest"\}:\{"brokerOffset":10,/);
    const parsed = parseLenientJson(response.body!.toString());
    if (!parsed.ok) throw new Error(parsed.error);
    const table = (parsed.value as { offsetTable: Record<string, { brokerOffset: number; consumerOffset: number; lastTimestamp: number }> }).offsetTable;
    const q = (queueId: number) => table[JSON.stringify({ brokerName: 'broker-a', queueId, topic: 'TopicTest' })]!;
    expect([q(0).brokerOffset, q(0).consumerOffset]).toEqual([10, 4]);
    expect(q(0).lastTimestamp).toBeGreaterThan(0);
    expect([q(1).brokerOffset, q(1).consumerOffset, q(1).lastTimestamp]).toEqual([5, 0, 0]);
    expect(Object.keys(table).length).toBe(4);
    // Without a topic: every topic the group has offsets for.
    const all = await call(client, b.addr, makeRequest(RequestCode.GET_CONSUME_STATS, { extFields: { consumerGroup: 'G1' } }));
    expect(all.body!.toString()).toContain('"queueId":3,"topic":"TopicTest"');
    expect(await b.registry.metrics()).toContain('rocketmq_consumer_lag_messages{topic="TopicTest",consumer_group="G1"} 6');
  });
});

describe('subscription groups', () => {
  test('create, list, delete (with its offsets), persisted across restarts', async () => {
    const b1 = await startBroker();
    cleanups.push(() => b1.close());
    const client = newClient(cleanups);
    const config = Buffer.from(JSON.stringify({ groupName: 'Orders', consumeBroadcastEnable: false, retryMaxTimes: 3 }));
    expect((await call(client, b1.addr, makeRequest(RequestCode.UPDATE_AND_CREATE_SUBSCRIPTIONGROUP, { body: config }))).code).toBe(ResponseCode.SUCCESS);
    const bad = await call(client, b1.addr, makeRequest(RequestCode.UPDATE_AND_CREATE_SUBSCRIPTIONGROUP, { body: Buffer.from('{"retryMaxTimes":"x"}') }));
    expect(bad.code).toBe(ResponseCode.SYSTEM_ERROR);
    await b1.close();

    const b2 = await broker({ storeDir: b1.storeDir, options: { autoCreateSubscriptionGroup: false } });
    const list = await call(client, b2.addr, makeRequest(RequestCode.GET_ALL_SUBSCRIPTIONGROUP_CONFIG));
    const table = (JSON.parse(list.body!.toString()) as { subscriptionGroupTable: Record<string, { consumeBroadcastEnable: boolean; retryMaxTimes: number; consumeEnable: boolean }> }).subscriptionGroupTable;
    expect(table.Orders).toMatchObject({ consumeBroadcastEnable: false, retryMaxTimes: 3, consumeEnable: true });
    await call(client, b2.addr, update('Orders', 0, 5));
    const del = makeRequest(RequestCode.DELETE_SUBSCRIPTIONGROUP, { extFields: { groupName: 'Orders', cleanOffset: 'true' } });
    expect((await call(client, b2.addr, del)).code).toBe(ResponseCode.SUCCESS);
    expect(b2.service.consumerOffset('Orders', 'TopicTest', 0)).toBeUndefined();
    const after = await call(client, b2.addr, makeRequest(RequestCode.GET_ALL_SUBSCRIPTIONGROUP_CONFIG));
    expect(JSON.parse(after.body!.toString()).subscriptionGroupTable).toEqual({});
  });
});
