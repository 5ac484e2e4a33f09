import type { ReceivedMessage } from '../../client';
import { ManualClock } from '../../stdx';
import { MemoryOutput, toJson } from '../output';
import type { BrokerView } from './admin-api';
import { brokerRole, clusterLines } from './cluster';
import { planConsume } from './consume-plan';
import { progressLines, queueLag, totalLag } from './consumer';
import { planQuery, queryLines } from './message';
import { isPrintableUtf8, messageDetails, messageJson, messageLine } from './message-format';
import { describeLines, isSystemTopicName, parsePerm, permString, resolveTopicSettings, topicTarget } from './topic';

function message(over: Partial<ReceivedMessage> = {}): ReceivedMessage {
  return {
    topic: 'T',
    body: Buffer.from('hello'),
    tags: 'TagA',
    keys: ['k1', 'k2'],
    properties: { TAGS: 'TagA', KEYS: 'k1 k2', UNIQ_KEY: 'ABC', color: 'red' },
    msgId: 'ABC',
    offsetMsgId: '7F00000100002A9F0000000000000000',
    queue: { topic: 'T', brokerName: 'broker-a', queueId: 2 },
    queueOffset: 41,
    commitLogOffset: 1234,
    bornTimestamp: 1_700_000_000_000,
    storeTimestamp: 1_700_000_000_001,
    bornHost: '127.0.0.1:50000',
    storeHost: '127.0.0.1:10911',
    reconsumeTimes: 0,
    flag: 0,
    sysFlag: 0,
    ...over,
  };
}

describe('topic settings', () => {
  test('perm parses letters and numbers and prints as RocketMQ tools do', () => {
    expect(parsePerm('RW')).toBe(6);
    expect(parsePerm('r')).toBe(4);
    expect(parsePerm('-W')).toBe(2);
    expect(parsePerm('7')).toBe(7);
    expect(() => parsePerm('RWZ')).toThrow(/--perm/);
    expect(permString(6)).toBe('RW');
    expect(permString(4)).toBe('R-');
    expect(permString(7)).toBe('RWX');
  });

  test('create: defaults 8/8, RW, NORMAL; --queues sets both and the specific flags win', () => {
    expect(resolveTopicSettings({}, undefined)).toEqual({ readQueueNums: 8, writeQueueNums: 8, perm: 6, messageType: 'NORMAL' });
    expect(resolveTopicSettings({ queues: '4', writeQueues: '2', type: 'fifo', perm: 'R' }, undefined)).toEqual({ readQueueNums: 4, writeQueueNums: 2, perm: 4, messageType: 'FIFO' });
  });

  test('update: unspecified settings keep the current ones', () => {
    const current = { brokerName: 'broker-a', readQueueNums: 16, writeQueueNums: 12, perm: 4 };
    expect(resolveTopicSettings({ writeQueues: '4' }, current)).toEqual({ readQueueNums: 16, writeQueueNums: 4, perm: 4, messageType: 'NORMAL' });
    expect(() => resolveTopicSettings({ queues: '0' }, current)).toThrow(/--queues/);
    expect(() => resolveTopicSettings({ type: 'BIG' }, current)).toThrow(/--type/);
  });

  test('target: a cluster or a broker, not both', () => {
    expect(topicTarget({})).toEqual({});
    expect(topicTarget({ cluster: 'C' })).toEqual({ clusterName: 'C' });
    expect(topicTarget({ broker: 'broker-a' })).toEqual({ brokerName: 'broker-a' });
    expect(() => topicTarget({ cluster: 'C', broker: 'b' })).toThrow(/not both/);
  });

  test('system topics are recognised for `topic list` filtering', () => {
    for (const t of ['TBW102', '%RETRY%g', '%DLQ%g', 'SCHEDULE_TOPIC_XXXX', 'RMQ_SYS_TRANS_HALF_TOPIC', 'rmq_sys_wheel_timer']) expect(isSystemTopicName(t)).toBe(true);
    for (const t of ['orders', 'TBW1020', 'my%RETRY%', 'broker-a']) expect(isSystemTopicName(t)).toBe(false);
    expect(isSystemTopicName('broker-a', new Set(['DefaultCluster', 'broker-a']))).toBe(true);
  });

  test('describe shows brokers, per-queue offsets sorted by broker and queue, and the message total', () => {
    const lines = describeLines({
      topic: 'T',
      brokers: [{ brokerName: 'broker-a', readQueueNums: 2, writeQueueNums: 2, perm: 6 }],
      queues: [
        { brokerName: 'broker-a', queueId: 1, minOffset: 0, maxOffset: 5, lastUpdateTimestamp: 1_700_000_000_000 },
        { brokerName: 'broker-a', queueId: 0, minOffset: 2, maxOffset: 10, lastUpdateTimestamp: 0 },
      ],
    });
    expect(lines).toEqual([
      'topic T',
      '',
      'BROKER    READ  WRITE  PERM',
      'broker-a     2      2  RW',
      '',
      'BROKER    QUEUE  MIN  MAX  MESSAGES  LAST STORED',
      'broker-a      0    2   10         8  -',
      'broker-a      1    0    5         5  2023-11-14T22:13:20.000Z',
      '',
      '2 queues, 13 messages',
    ]);
  });
});

describe('cluster view', () => {
  const brokers: BrokerView[] = [
    { clusterName: 'C', brokerName: 'broker-b', brokerId: 0, addr: '127.0.0.1:10921', version: 'V4_9_8', runtime: { putTps: '12.5 10.0 9.0' } },
    { clusterName: 'C', brokerName: 'broker-a', brokerId: 1, addr: '127.0.0.1:10931' },
    { clusterName: 'C', brokerName: 'broker-a', brokerId: 0, addr: '127.0.0.1:10911', version: 'V4_9_8', runtime: { brokerRole: 'SYNC_MASTER' } },
  ];

  test('roles come from the runtime info, else from the broker id', () => {
    expect(brokers.map(brokerRole)).toEqual(['MASTER', 'SLAVE', 'SYNC_MASTER']);
  });

  test('brokers are sorted by cluster, name and id; an unreachable one says so', () => {
    expect(clusterLines(brokers)).toEqual([
      'CLUSTER  BROKER    ID  ROLE         ADDRESS          VERSION      PUT TPS',
      'C        broker-a   0  SYNC_MASTER  127.0.0.1:10911  V4_9_8             -',
      'C        broker-a   1  SLAVE        127.0.0.1:10931  unreachable        -',
      'C        broker-b   0  MASTER       127.0.0.1:10921  V4_9_8          12.5',
    ]);
  });
});

describe('consumer progress', () => {
  const progress = {
    group: 'g',
    queues: [
      { topic: 'T', brokerName: 'broker-a', queueId: 1, brokerOffset: 10, consumerOffset: -1, lastTimestamp: 0 },
      { topic: 'T', brokerName: 'broker-a', queueId: 0, brokerOffset: 10, consumerOffset: 7, lastTimestamp: 1_700_000_000_000 },
    ],
  };

  test('lag per queue, a queue without a committed offset lagging by all of it, and the total', () => {
    expect(progress.queues.map(queueLag)).toEqual([10, 3]);
    expect(totalLag(progress)).toBe(13);
    expect(queueLag({ ...progress.queues[0]!, brokerOffset: 3, consumerOffset: 5 })).toBe(0);
  });

  test('the table is sorted by topic, broker and queue and ends with the total', () => {
    expect(progressLines(progress)).toEqual([
      'TOPIC  BROKER    QUEUE  BROKER OFFSET  CONSUMER OFFSET  LAG  LAST CONSUMED',
      'T      broker-a      0             10                7    3  2023-11-14T22:13:20.000Z',
      'T      broker-a      1             10                -   10  -',
      '',
      'group g: total lag 13',
    ]);
  });
});

describe('messages', () => {
  test('a consume line names the queue, offset, tags, keys, id and a body preview on one line', () => {
    expect(messageLine(message({ body: Buffer.from('two\nlines') }))).toBe('broker-a:2 #41 tags=TagA keys=k1,k2 msgId=ABC | two lines');
    expect(messageLine(message({ tags: undefined, keys: [], reconsumeTimes: 2 }))).toBe('broker-a:2 #41 msgId=ABC reconsumed=2 | hello');
  });

  test('JSON carries text bodies as text and binary ones as base64', () => {
    expect(messageJson(message())).toMatchObject({ body: 'hello', bodyEncoding: 'utf8', bodyBytes: 5, tags: 'TagA', keys: ['k1', 'k2'], brokerName: 'broker-a', queueId: 2 });
    expect(messageJson(message({ body: Buffer.from([0xff, 0x00]) }))).toMatchObject({ body: '/wA=', bodyEncoding: 'base64' });
    expect(isPrintableUtf8(Buffer.from('ü'))).toBe(true);
    expect(isPrintableUtf8(Buffer.from([0xc3]))).toBe(false);
  });

  test('details list headers, user properties (not the ones shown as fields) and the body', () => {
    const lines = messageDetails(message());
    expect(lines).toContain('queue:           broker-a:2');
    expect(lines).toContain('keys:            k1 k2');
    expect(lines.slice(-4)).toEqual(['properties:', '  color  red', 'body:', '  hello']);
  });

  test('query plan: required topic and key, begin defaults to the start of time and end to now', () => {
    const clock = new ManualClock(1_700_000_000_000);
    expect(planQuery({ topic: 'T', key: 'k' }, clock)).toEqual({ topic: 'T', key: 'k', beginMs: 0, endMs: 1_700_000_000_000, maxResults: 64 });
    expect(planQuery({ topic: 'T', key: 'k', begin: '-1h', max: '5' }, clock)).toMatchObject({ beginMs: 1_700_000_000_000 - 3_600_000, maxResults: 5 });
    expect(() => planQuery({ key: 'k' }, clock)).toThrow('--topic is required');
    expect(() => planQuery({ topic: 'T', key: 'k', begin: '-1h', end: '-2h' }, clock)).toThrow(/before --begin/);
  });

  test('query results are listed oldest first with a count', () => {
    const lines = queryLines([message({ storeTimestamp: 2_000_000_000_000, queueOffset: 9 }), message()]);
    expect(lines[1]).toMatch(/^2023-11-14T22:13:20\.001Z\s+broker-a:2\s+41\s+7F00000100002A9F0000000000000000\s+TagA\s+k1 k2\s+hello$/);
    expect(lines.at(-1)).toBe('2 messages');
  });
});

describe('consume plan', () => {
  test('needs a group; defaults to every tag, from the last offset, until stopped', () => {
    expect(planConsume('T', { group: 'g' })).toEqual({ topic: 'T', group: 'g', tagExpression: '*', count: undefined, from: 'last', quiet: false, timeoutMs: undefined, broadcast: false });
    expect(planConsume('T', { group: 'g', count: '5', from: 'first', timeout: '3', tags: 'A || B' })).toMatchObject({ count: 5, from: 'first', timeoutMs: 3000, tagExpression: 'A || B' });
    expect(() => planConsume('T', {})).toThrow('--group is required');
    expect(() => planConsume('T', { group: 'g', from: 'middle' })).toThrow(/--from/);
  });
});

describe('output', () => {
  test('toJson writes bigints as numbers when exact and buffers as base64', () => {
    expect(JSON.parse(toJson({ a: 5n, b: 2n ** 64n, c: Buffer.from('hi') }))).toEqual({ a: 5, b: '18446744073709551616', c: 'aGk=' });
  });

  test('MemoryOutput keeps results and diagnostics apart', () => {
    const out = new MemoryOutput();
    out.out('{"x":1}');
    out.err('warning');
    expect(out.json()).toEqual({ x: 1 });
    expect(out.errors).toEqual(['warning']);
  });
});
