import * as net from 'node:net';
import { encodeFrame, PullMessageRequestHeader, PullSysFlag, RequestCode, ResponseCode, makeRequest } from '../../protocol';
import { PropertyKey, decodeOffsetMsgId, decodeRecord, decodeRecords, encodeBatchBody, encodeProperties, formatHostAddress } from '../../message';
import { cleanupTempDirs } from '../../testing/temp';
import type { TestBroker } from '../test-kit';
import { sendV1Request, sendV2Request, startTestBroker } from '../test-kit';

function storedAt(t: TestBroker, msgId: string) {
  const id = decodeOffsetMsgId(msgId);
  if (!id.ok) throw new Error(id.error);
  const record = t.broker.store!.lookupMessage(id.value.commitLogOffset);
  if (!record.ok) throw new Error(record.error);
  return { id: id.value, message: decodeRecord(record.value, 0) };
}

describe('send processors', () => {
  let t: TestBroker;

  beforeAll(async () => {
    t = await startTestBroker();
  });
  afterAll(async () => {
    await t.close();
    cleanupTempDirs();
  });

  it('stores a SEND_MESSAGE_V2 message and answers with its offset msgId, queue and offset', async () => {
    const response = await t.invoke(sendV2Request({ topic: 'TopicV2', body: Buffer.from('payload-1'), properties: { TAGS: 'TagA', KEYS: 'k1' } }));
    expect(response.code).toBe(ResponseCode.SUCCESS);
    const ext = response.extFields!;
    expect([ext.queueId, ext.queueOffset, ext.MSG_REGION, ext.TRACE_ON]).toEqual(['0', '0', 'DefaultRegion', 'true']);
    const { id, message } = storedAt(t, ext.msgId!);
    expect(formatHostAddress(id.host)).toBe(t.addr);
    expect(message.body.equals(Buffer.from('payload-1'))).toBe(true);
    expect(message.topic).toBe('TopicV2');
    expect(message.properties.get(PropertyKey.TAGS)).toBe('TagA');
    expect(message.properties.get(PropertyKey.CLUSTER)).toBe('DefaultCluster');
    // The broker adds a unique id when the producer sent none (ali-ons never does) and reports it.
    expect(message.properties.get(PropertyKey.UNIQ_KEY)).toBe(ext.transactionId);
    expect(message.bornHost.address.join('.')).toBe('127.0.0.1');
  });

  it('keeps the producer UNIQ_KEY and accepts SEND_MESSAGE (10) with long field names', async () => {
    const response = await t.invoke(sendV1Request({ topic: 'TopicV1', properties: { UNIQ_KEY: 'ABCDEF0123456789' } }));
    expect(response.code).toBe(ResponseCode.SUCCESS);
    expect(response.extFields!.transactionId).toBe('ABCDEF0123456789');
    expect(storedAt(t, response.extFields!.msgId!).message.properties.get(PropertyKey.UNIQ_KEY)).toBe('ABCDEF0123456789');
  });

  it('stores a SEND_BATCH_MESSAGE batch with consecutive queue offsets and one msgId per message', async () => {
    await t.invoke(sendV2Request({ topic: 'TopicBatch', queueId: 1 }));
    const body = encodeBatchBody([0, 1, 2].map((i) => ({ flag: i, body: Buffer.from(`batch-${i}`), properties: encodeProperties({ UNIQ_KEY: `U${i}` }) })));
    const request = sendV2Request({ topic: 'TopicBatch', queueId: 1, body });
    const response = await t.invoke({ ...request, code: RequestCode.SEND_BATCH_MESSAGE, extFields: { ...request.extFields!, m: 'true' } });
    expect(response.code).toBe(ResponseCode.SUCCESS);
    const ids = response.extFields!.msgId!.split(',');
    expect(ids).toHaveLength(3);
    expect(response.extFields!.queueOffset).toBe('1');
    const stored = ids.map((id) => storedAt(t, id).message);
    expect(stored.map((m) => [m.queueOffset, m.flag, m.body.toString(), m.properties.get('UNIQ_KEY')])).toEqual([
      [1, 0, 'batch-0', 'U0'],
      [2, 1, 'batch-1', 'U1'],
      [3, 2, 'batch-2', 'U2'],
    ]);
    await t.broker.store!.waitDispatched();
    expect(t.broker.store!.getMaxQueueOffset('TopicBatch', 1)).toBe(4);
  });

  it('auto-creates an unknown topic from TBW102 with min(client queues, template queues) queues', async () => {
    await t.invoke(sendV2Request({ topic: 'TopicAuto', defaultTopicQueueNums: 3 }));
    expect(t.broker.topics!.get('TopicAuto')).toMatchObject({ readQueueNums: 3, writeQueueNums: 3, perm: 6 });
  });

  it('picks a random writable queue for a negative queueId and refuses one beyond the topic', async () => {
    const picked = await t.invoke(sendV2Request({ topic: 'TopicAuto', queueId: -1 }));
    expect(Number(picked.extFields!.queueId)).toBeLessThan(3);
    const refused = await t.invoke(sendV2Request({ topic: 'TopicAuto', queueId: 3 }));
    expect([refused.code, refused.remark]).toEqual([ResponseCode.INVALID_PARAMETER, expect.stringContaining('queueId 3 is illegal')]);
  });

  it('refuses an oversized body with MESSAGE_ILLEGAL, an invalid topic with INVALID_PARAMETER, a system topic with NO_PERMISSION', async () => {
    const big = await t.invoke(sendV2Request({ topic: 'TopicBig', body: Buffer.alloc(t.config.maxMessageSize + 1) }));
    expect(big.code).toBe(ResponseCode.MESSAGE_ILLEGAL);
    const bad = await t.invoke(sendV2Request({ topic: 'bad topic!' }));
    expect([bad.code, bad.remark]).toEqual([ResponseCode.INVALID_PARAMETER, expect.stringContaining('illegal characters')]);
    const system = await t.invoke(sendV2Request({ topic: 'SCHEDULE_TOPIC_XXXX' }));
    expect(system.code).toBe(ResponseCode.NO_PERMISSION);
    expect(t.broker.topics!.get('TopicBig')).toBeUndefined();
  });

  it('answers a malformed header with a remark naming the field, and the connection keeps working', async () => {
    const missing = sendV2Request({ topic: 'TopicHeader' });
    delete missing.extFields!.b;
    const missingResponse = await t.invoke(missing);
    expect([missingResponse.code, missingResponse.remark]).toEqual([ResponseCode.INVALID_PARAMETER, 'SendMessageRequestHeaderV2: missing required field b (topic)']);
    const notInt = sendV2Request({ topic: 'TopicHeader' });
    notInt.extFields!.e = 'zero';
    const notIntResponse = await t.invoke(notInt);
    expect(notIntResponse.remark).toBe('SendMessageRequestHeaderV2: field e (queueId) is not a 32-bit integer: "zero"');
    expect((await t.invoke(sendV2Request({ topic: 'TopicHeader' }))).code).toBe(ResponseCode.SUCCESS);
  });

  it('makes sent messages pullable through PULL_MESSAGE, byte for byte as stored', async () => {
    const single = await t.invoke(sendV2Request({ topic: 'TopicPull', queueId: 2, body: Buffer.from('one') }));
    const batchBody = encodeBatchBody([{ flag: 0, body: Buffer.from('two'), properties: '' }, { flag: 0, body: Buffer.from('three'), properties: '' }]);
    const batch = await t.invoke({ ...sendV2Request({ topic: 'TopicPull', queueId: 2, body: batchBody }), code: RequestCode.SEND_BATCH_MESSAGE });
    await t.broker.store!.waitDispatched();
    const pull = makeRequest(RequestCode.PULL_MESSAGE, {
      extFields: PullMessageRequestHeader.format({
        consumerGroup: 'GID_pull',
        topic: 'TopicPull',
        queueId: 2,
        queueOffset: 0,
        maxMsgNums: 32,
        sysFlag: PullSysFlag.SUBSCRIPTION,
        commitOffset: 0,
        suspendTimeoutMillis: 1000,
        subscription: '*',
        subVersion: 0,
      }),
    });
    const response = await t.invoke(pull);
    expect(response.code).toBe(ResponseCode.SUCCESS);
    const pulled = decodeRecords(response.body!);
    expect(pulled.map((m) => [m.body.toString(), m.msgId])).toEqual([
      ['one', single.extFields!.msgId],
      ...batch.extFields!.msgId!.split(',').map((id, i) => [['two', 'three'][i], id]),
    ]);
  });

  it('survives a producer that disconnects right after sending: the message is stored, nothing is left behind', async () => {
    const frame = encodeFrame({ ...sendV2Request({ topic: 'TopicVanish', body: Buffer.from('orphan') }), opaque: 7 });
    if (!frame.ok) throw new Error(frame.error.message);
    const server = t.broker.store!;
    const before = server.commitLogMaxOffset;
    await new Promise<void>((resolve, reject) => {
      const socket = net.connect(Number(t.addr.split(':')[1]), '127.0.0.1', () => socket.end(frame.value, () => { socket.destroy(); resolve(); }));
      socket.on('error', reject);
    });
    await t.invoke(sendV2Request({ topic: 'TopicVanish', body: Buffer.from('after') }));
    // The two connections race; wait (bounded) until both messages are in the queue.
    for (let i = 0; i < 100 && server.getMaxQueueOffset('TopicVanish', 0) < 2; i++) {
      await server.waitDispatched();
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(server.commitLogMaxOffset).toBeGreaterThan(before);
    expect(server.getMaxQueueOffset('TopicVanish', 0)).toBe(2);
  });

  it('answers an unknown request code with REQUEST_CODE_NOT_SUPPORTED', async () => {
    const response = await t.invoke(makeRequest(9999));
    expect(response.code).toBe(ResponseCode.REQUEST_CODE_NOT_SUPPORTED);
  });

  it('sends a retry-topic message that used up its reconsume times to the dead-letter topic', async () => {
    const response = await t.invoke(sendV2Request({ topic: '%RETRY%GID_dead', reconsumeTimes: 3, maxReconsumeTimes: 3 }));
    expect(response.code).toBe(ResponseCode.SUCCESS);
    expect(storedAt(t, response.extFields!.msgId!).message.topic).toBe('%DLQ%GID_dead');
    expect(t.broker.topics!.get('%DLQ%GID_dead')).toMatchObject({ readQueueNums: 1, writeQueueNums: 1, perm: 6 });
  });

  it('refuses batches to retry topics and transactional messages', async () => {
    const body = encodeBatchBody([{ flag: 0, body: Buffer.from('x'), properties: '' }]);
    const retry = sendV2Request({ topic: '%RETRY%GID_x', body });
    expect((await t.invoke({ ...retry, code: RequestCode.SEND_BATCH_MESSAGE })).code).toBe(ResponseCode.MESSAGE_ILLEGAL);
    const tx = await t.invoke(sendV2Request({ topic: 'TopicTx', properties: { TRAN_MSG: 'true' } }));
    expect(tx.code).toBe(ResponseCode.NO_PERMISSION);
  });
});

describe('send with auto-create off', () => {
  it('answers TOPIC_NOT_EXIST for an unknown topic and has no TBW102', async () => {
    const t = await startTestBroker({ autoCreateTopicEnable: false });
    try {
      const response = await t.invoke(sendV2Request({ topic: 'TopicUnknown' }));
      expect([response.code, response.remark]).toEqual([ResponseCode.TOPIC_NOT_EXIST, 'topic[TopicUnknown] not exist, apply first please!']);
      expect(t.broker.topics!.get('TBW102')).toBeUndefined();
    } finally {
      await t.close();
      cleanupTempDirs();
    }
  });
});
