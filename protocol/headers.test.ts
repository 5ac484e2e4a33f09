import { RequestCode } from './codes';
import {
  CreateTopicRequestHeader,
  GetRouteInfoRequestHeader,
  RegisterBrokerRequestHeader,
  UnregisterBrokerRequestHeader,
} from './headers-admin';
import {
  OffsetResponseHeader,
  PullMessageRequestHeader,
  PullMessageResponseHeader,
  PullSysFlag,
  SendMessageRequestHeader,
  SendMessageRequestHeaderV2,
  SendMessageResponseHeader,
  parseSendMessageRequest,
  sendHeaderFromV2,
  sendHeaderToV2,
} from './headers';

/** What ali-ons sends with SEND_MESSAGE_V2 after the JSON header decoder turned its values into strings. */
const v2Ext = {
  a: 'PID_GXCSOCCER',
  b: 'TP_alions_test_topic',
  c: 'TBW102',
  d: '4',
  e: '2',
  f: '0',
  g: '1700000000000',
  h: '0',
  i: 'TAGS\u0001TagA\u0002',
  j: '0',
  k: 'false',
};

describe('send headers', () => {
  test('the V2 single-letter form parses into the long-name header', () => {
    const parsed = parseSendMessageRequest(RequestCode.SEND_MESSAGE_V2, v2Ext);
    expect(parsed).toEqual({
      ok: true,
      value: {
        producerGroup: 'PID_GXCSOCCER',
        topic: 'TP_alions_test_topic',
        defaultTopic: 'TBW102',
        defaultTopicQueueNums: 4,
        queueId: 2,
        sysFlag: 0,
        bornTimestamp: 1700000000000,
        flag: 0,
        properties: 'TAGS\u0001TagA\u0002',
        reconsumeTimes: 0,
        unitMode: false,
      },
    });
  });

  test('V1 and V2 convert into each other without loss', () => {
    const parsed = SendMessageRequestHeaderV2.parse(v2Ext);
    if (!parsed.ok) throw new Error(parsed.error);
    const v1 = sendHeaderFromV2(parsed.value);
    expect(sendHeaderToV2(v1)).toEqual(parsed.value);
    expect(SendMessageRequestHeaderV2.format(sendHeaderToV2(v1))).toEqual(v2Ext);
    expect(parseSendMessageRequest(RequestCode.SEND_MESSAGE, SendMessageRequestHeader.format(v1))).toEqual({ ok: true, value: v1 });
  });

  test('a missing V2 field is named by letter and meaning', () => {
    const { b: _topic, ...withoutTopic } = v2Ext;
    expect(parseSendMessageRequest(RequestCode.SEND_MESSAGE_V2, withoutTopic)).toEqual({
      ok: false,
      error: 'SendMessageRequestHeaderV2: missing required field b (topic)',
    });
  });

  test('a malformed number is named with its value', () => {
    expect(parseSendMessageRequest(RequestCode.SEND_BATCH_MESSAGE, { ...v2Ext, e: 'two' })).toEqual({
      ok: false,
      error: 'SendMessageRequestHeaderV2: field e (queueId) is not a 32-bit integer: "two"',
    });
  });

  test('a non-send code is refused', () => {
    expect(parseSendMessageRequest(RequestCode.PULL_MESSAGE, v2Ext).ok).toBe(false);
  });

  test('the send response carries every required field as strings plus the region ext fields', () => {
    expect(
      SendMessageResponseHeader.format({
        msgId: '7F00000100002A9F0000000000000000',
        queueId: 1,
        queueOffset: 0,
        transactionId: undefined,
        MSG_REGION: 'DefaultRegion',
        TRACE_ON: 'true',
      }),
    ).toEqual({ msgId: '7F00000100002A9F0000000000000000', queueId: '1', queueOffset: '0', MSG_REGION: 'DefaultRegion', TRACE_ON: 'true' });
  });

  test('formatting a header without a required field is a programmer error', () => {
    expect(() => OffsetResponseHeader.format({} as OffsetResponseHeader)).toThrow(/offset/);
  });
});

describe('pull and offset headers', () => {
  const pullExt = {
    consumerGroup: 'GID_alions',
    topic: 'T',
    queueId: '0',
    queueOffset: '120',
    maxMsgNums: '32',
    sysFlag: String(PullSysFlag.COMMIT_OFFSET | PullSysFlag.SUSPEND),
    commitOffset: '-1',
    suspendTimeoutMillis: '15000',
    subscription: '*',
    subVersion: '1700000000000',
  };

  test('pull request parses with signed longs', () => {
    const parsed = PullMessageRequestHeader.parse(pullExt);
    expect(parsed).toMatchObject({ ok: true, value: { queueOffset: 120, commitOffset: -1, sysFlag: 3, subscription: '*' } });
  });

  test('pull request without subVersion is rejected by name', () => {
    const { subVersion: _v, ...rest } = pullExt;
    expect(PullMessageRequestHeader.parse(rest)).toEqual({
      ok: false,
      error: 'PullMessageRequestHeader: missing required field subVersion',
    });
  });

  test('longs beyond 2^53 are rejected rather than rounded', () => {
    expect(PullMessageRequestHeader.parse({ ...pullExt, queueOffset: '9223372036854775807' })).toMatchObject({ ok: false });
    expect(PullMessageRequestHeader.parse({ ...pullExt, queueId: '2147483648' })).toMatchObject({ ok: false });
    expect(PullMessageRequestHeader.parse({ ...pullExt, queueId: '1.5' })).toMatchObject({ ok: false });
  });

  test('pull response round trips and leaves out unset optional fields', () => {
    const header = { suggestWhichBrokerId: 0, nextBeginOffset: 132, minOffset: 0, maxOffset: 140 };
    const ext = PullMessageResponseHeader.format(header);
    expect(ext).toEqual({ suggestWhichBrokerId: '0', nextBeginOffset: '132', minOffset: '0', maxOffset: '140' });
    expect(PullMessageResponseHeader.parse(ext)).toEqual({ ok: true, value: header });
  });

  test('no extFields at all reads as every field missing', () => {
    expect(OffsetResponseHeader.parse(undefined)).toEqual({ ok: false, error: 'OffsetResponseHeader: missing required field offset' });
  });
});

describe('name server and admin headers', () => {
  test('register broker header with Java booleans in any case', () => {
    const parsed = RegisterBrokerRequestHeader.parse({
      brokerName: 'broker-a',
      brokerAddr: '127.0.0.1:10911',
      clusterName: 'DefaultCluster',
      haServerAddr: '127.0.0.1:10912',
      brokerId: '0',
      compressed: 'FALSE',
      bodyCrc32: '12345',
    });
    expect(parsed).toMatchObject({ ok: true, value: { brokerId: 0, compressed: false, bodyCrc32: 12345 } });
    expect(RegisterBrokerRequestHeader.parse({ brokerName: 'b' })).toMatchObject({ ok: false, error: /brokerAddr/ });
  });

  test('a boolean that is neither true nor false is an error', () => {
    expect(GetRouteInfoRequestHeader.parse({ topic: 'T', acceptStandardJsonOnly: 'yes' })).toEqual({
      ok: false,
      error: 'GetRouteInfoRequestHeader: field acceptStandardJsonOnly is not true or false: "yes"',
    });
  });

  test('unregister broker and create topic', () => {
    expect(UnregisterBrokerRequestHeader.parse({ brokerName: 'a', brokerAddr: 'x:1', clusterName: 'c', brokerId: '1' }).ok).toBe(true);
    const topic = {
      topic: 'T', defaultTopic: 'TBW102', readQueueNums: 8, writeQueueNums: 8, perm: 6, topicFilterType: 'SINGLE_TAG', order: false,
    };
    expect(CreateTopicRequestHeader.parse(CreateTopicRequestHeader.format(topic))).toEqual({ ok: true, value: topic });
  });
});
