import * as http from 'node:http';
import {
  CreateTopicRequestHeader,
  RequestCode,
  ResponseCode,
  UpdateConsumerOffsetRequestHeader,
  makeRequest,
  parseKVTable,
  parseLenientJson,
} from '../../protocol';
import { decodeRecords } from '../../message';
import { cleanupTempDirs } from '../../testing/temp';
import type { TestBroker } from '../test-kit';
import { sendV2Request, startTestBroker } from '../test-kit';

function createTopic(topic: string, extra: Partial<CreateTopicRequestHeader> = {}) {
  const header = CreateTopicRequestHeader.format({
    topic,
    defaultTopic: 'TBW102',
    readQueueNums: 2,
    writeQueueNums: 2,
    perm: 6,
    topicFilterType: 'SINGLE_TAG',
    order: false,
    ...extra,
  });
  return makeRequest(RequestCode.UPDATE_AND_CREATE_TOPIC, { extFields: header });
}

function httpGet(port: number, pathname: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: pathname }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on('error', reject);
  });
}

describe('admin processors', () => {
  let t: TestBroker;

  beforeAll(async () => {
    t = await startTestBroker();
  });
  afterAll(async () => {
    await t.close();
    cleanupTempDirs();
  });

  it('creates a topic with a message type attribute and lists it in GET_ALL_TOPIC_CONFIG', async () => {
    const created = await t.invoke(createTopic('TopicFifo', { attributes: '+message.type=FIFO', order: true }));
    expect(created.code).toBe(ResponseCode.SUCCESS);
    const all = await t.invoke(makeRequest(RequestCode.GET_ALL_TOPIC_CONFIG));
    const body = JSON.parse(all.body!.toString()) as { dataVersion: { counter: number }; topicConfigTable: Record<string, unknown> };
    expect(body.topicConfigTable.TopicFifo).toEqual({
      attributes: { 'message.type': 'FIFO' },
      order: true,
      perm: 6,
      readQueueNums: 2,
      topicFilterType: 'SINGLE_TAG',
      topicName: 'TopicFifo',
      topicSysFlag: 0,
      writeQueueNums: 2,
    });
    expect(body.dataVersion.counter).toBe(t.broker.topics!.dataVersion.counter);
  });

  it('refuses system topics, bad attributes and bad queue counts with INVALID_PARAMETER', async () => {
    const responses = await Promise.all([
      t.invoke(createTopic('TBW102')),
      t.invoke(createTopic('SCHEDULE_TOPIC_XXXX')),
      t.invoke(createTopic('TopicAttr', { attributes: '+message.type=SOMETIMES' })),
      t.invoke(createTopic('TopicQueues', { writeQueueNums: 100_000 })),
    ]);
    expect(responses.map((r) => r.code)).toEqual([29, 29, 29, 29]);
    expect(responses[3]!.remark).toContain('writeQueueNums must be an integer in 0..65536');
  });

  it('accepts the fields ali-ons leaves out (order, as an older client would)', async () => {
    const request = createTopic('TopicNoOrder');
    delete request.extFields!.order;
    expect((await t.invoke(request)).code).toBe(ResponseCode.SUCCESS);
  });

  it('deletes a topic and its queues', async () => {
    await t.invoke(sendV2Request({ topic: 'TopicGone' }));
    await t.broker.store!.waitDispatched();
    const deleted = await t.invoke(makeRequest(RequestCode.DELETE_TOPIC_IN_BROKER, { extFields: { topic: 'TopicGone' } }));
    expect(deleted.code).toBe(ResponseCode.SUCCESS);
    expect(t.broker.topics!.get('TopicGone')).toBeUndefined();
    expect(t.broker.store!.getMaxQueueOffset('TopicGone', 0)).toBe(0);
  });

  it('forgets the committed offsets of a deleted topic, so a re-created topic starts without them', async () => {
    await t.invoke(sendV2Request({ topic: 'TopicOffsetsGone' }));
    await t.broker.store!.waitDispatched();
    const extFields = UpdateConsumerOffsetRequestHeader.format({ consumerGroup: 'GroupOffsetsGone', topic: 'TopicOffsetsGone', queueId: 0, commitOffset: 1 });
    const committed = await t.invoke(makeRequest(RequestCode.UPDATE_CONSUMER_OFFSET, { extFields }));
    expect(committed.code).toBe(ResponseCode.SUCCESS);
    expect(t.broker.consume!.consumerOffset('GroupOffsetsGone', 'TopicOffsetsGone', 0)).toBe(1);
    const deleted = await t.invoke(makeRequest(RequestCode.DELETE_TOPIC_IN_BROKER, { extFields: { topic: 'TopicOffsetsGone' } }));
    expect(deleted.code).toBe(ResponseCode.SUCCESS);
    expect(t.broker.consume!.consumerOffset('GroupOffsetsGone', 'TopicOffsetsGone', 0)).toBeUndefined();
  });

  it('answers offset queries: max, min, earliest store time, offset by timestamp', async () => {
    const before = Date.now();
    for (let i = 0; i < 3; i++) await t.invoke(sendV2Request({ topic: 'TopicOffsets', queueId: 1 }));
    await t.broker.store!.waitDispatched();
    const q = { topic: 'TopicOffsets', queueId: '1' };
    const [max, min, earliest, search] = await Promise.all([
      t.invoke(makeRequest(RequestCode.GET_MAX_OFFSET, { extFields: q })),
      t.invoke(makeRequest(RequestCode.GET_MIN_OFFSET, { extFields: q })),
      t.invoke(makeRequest(RequestCode.GET_EARLIEST_MSG_STORETIME, { extFields: q })),
      t.invoke(makeRequest(RequestCode.SEARCH_OFFSET_BY_TIMESTAMP, { extFields: { ...q, timestamp: String(before - 60_000) } })),
    ]);
    expect([max.extFields!.offset, min.extFields!.offset, search.extFields!.offset]).toEqual(['3', '0', '0']);
    expect(Number(earliest.extFields!.timestamp)).toBeGreaterThanOrEqual(before);
    const missing = await t.invoke(makeRequest(RequestCode.GET_MAX_OFFSET, { extFields: { topic: 'TopicOffsets' } }));
    expect([missing.code, missing.remark]).toEqual([ResponseCode.INVALID_PARAMETER, 'GetMaxOffsetRequestHeader: missing required field queueId']);
  });

  it('finds messages by key (QUERY_MESSAGE) and by commit-log offset (VIEW_MESSAGE_BY_ID)', async () => {
    const sent = await t.invoke(sendV2Request({ topic: 'TopicQuery', body: Buffer.from('find me'), properties: { KEYS: 'order-42 other' } }));
    await t.broker.store!.waitDispatched();
    const query = await t.invoke(
      makeRequest(RequestCode.QUERY_MESSAGE, {
        extFields: { topic: 'TopicQuery', key: 'order-42', maxNum: '10', beginTimestamp: '0', endTimestamp: String(Date.now() + 1000) },
      }),
    );
    expect(query.code).toBe(ResponseCode.SUCCESS);
    const found = decodeRecords(query.body!);
    expect(found.map((m) => [m.body.toString(), m.msgId])).toEqual([['find me', sent.extFields!.msgId]]);
    const view = await t.invoke(makeRequest(RequestCode.VIEW_MESSAGE_BY_ID, { extFields: { offset: String(found[0]!.commitLogOffset) } }));
    expect(decodeRecords(view.body!)[0]!.body.toString()).toBe('find me');
    const byId = await t.invoke(makeRequest(RequestCode.VIEW_MESSAGE_BY_ID, { extFields: { msgId: sent.extFields!.msgId! } }));
    expect(byId.body!.equals(view.body!)).toBe(true);
    const none = await t.invoke(
      makeRequest(RequestCode.QUERY_MESSAGE, { extFields: { topic: 'TopicQuery', key: 'nope', maxNum: '10', beginTimestamp: '0', endTimestamp: String(Date.now()) } }),
    );
    expect(none.code).toBe(ResponseCode.QUERY_NOT_FOUND);
  });

  it('reports runtime info, broker config and per-queue topic stats', async () => {
    await t.invoke(sendV2Request({ topic: 'TopicStats', queueId: 0 }));
    const info = parseKVTable((await t.invoke(makeRequest(RequestCode.GET_BROKER_RUNTIME_INFO))).body);
    expect(info.ok).toBe(true);
    const table = info.ok ? info.value.table : {};
    expect(Number(table.msgPutTotalTodayNow)).toBeGreaterThan(0);
    expect(Number(table.commitLogMaxOffset)).toBe(t.broker.store!.commitLogMaxOffset);
    expect(table.brokerVersionDesc).toBe('V4_9_4');
    const config = await t.invoke(makeRequest(RequestCode.GET_BROKER_CONFIG));
    expect(config.body!.toString()).toContain('brokerClusterName=DefaultCluster\n');
    expect(JSON.parse(config.extFields!.version!)).toMatchObject({ counter: 1 });
    await t.broker.store!.waitDispatched();
    const stats = await t.invoke(makeRequest(RequestCode.GET_TOPIC_STATS_INFO, { extFields: { topic: 'TopicStats' } }));
    // MessageQueue objects as map keys (fastjson); the lenient parser turns each key into its JSON text.
    const parsed = parseLenientJson(stats.body!.toString());
    const offsetTable = parsed.ok ? (parsed.value as { offsetTable: Record<string, { maxOffset: number; lastUpdateTimestamp: number }> }).offsetTable : {};
    const queue0 = offsetTable[JSON.stringify({ brokerName: t.config.brokerName, queueId: 0, topic: 'TopicStats' })];
    expect(queue0?.maxOffset).toBe(1);
    expect(queue0?.lastUpdateTimestamp).toBeGreaterThan(0);
    expect(Object.keys(offsetTable)).toHaveLength(4);
  });

  it('serves rocketmq_messages_in_total on /metrics and the store state on /healthz', async () => {
    await t.invoke(sendV2Request({ topic: 'TopicMetrics', body: Buffer.alloc(100) }));
    const port = t.broker.address!.httpPort;
    const metrics = await httpGet(port, '/metrics');
    expect(metrics.body).toMatch(/rocketmq_messages_in_total\{topic="TopicMetrics",message_type="normal",is_system="false",cluster="DefaultCluster",node_type="broker",node_id="broker-a"\} 1/);
    expect(metrics.body).toMatch(/rocketmq_throughput_in_total\{topic="TopicMetrics".*\} 100/);
    expect(metrics.body).toMatch(/rocketmq_message_size_bucket\{topic="TopicMetrics",message_type="normal",le="1024".*\} 1/);
    expect(metrics.body).toMatch(/rocketmq_rpc_latency_count\{protocol_type="remoting",request_code="send_message_v2",response_code="0"/);
    expect(metrics.body).toMatch(/rocketmq_storage_size\{storage_type="local",storage_medium="disk".*\} \d+/);
    const health = await httpGet(port, '/healthz');
    expect(health.status).toBe(200);
    expect(JSON.parse(health.body)).toMatchObject({ status: 'ok', storeWritable: true, brokerName: 'broker-a' });
  });
});

describe('topic configs across a restart', () => {
  it('keeps created and auto-created topics when the broker starts again on the same directory', async () => {
    const first = await startTestBroker();
    await first.invoke(createTopic('TopicKept', { attributes: '+message.type=DELAY' }));
    await first.invoke(sendV2Request({ topic: 'TopicAutoKept', defaultTopicQueueNums: 2 }));
    await first.close();
    const second = await startTestBroker({ storePathRootDir: first.config.storePathRootDir });
    try {
      expect(second.broker.topics!.get('TopicKept')).toMatchObject({ readQueueNums: 2, attributes: { 'message.type': 'DELAY' } });
      expect(second.broker.topics!.get('TopicAutoKept')).toMatchObject({ readQueueNums: 2, writeQueueNums: 2 });
      expect(second.broker.store!.getMaxQueueOffset('TopicAutoKept', 0)).toBe(1);
    } finally {
      await second.close();
      cleanupTempDirs();
    }
  });
});
