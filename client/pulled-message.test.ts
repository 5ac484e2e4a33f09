import { deflateSync } from 'node:zlib';
import type { RecordFields } from '../message';
import { MessageMagic, SysFlag, decodeRecord, encodeRecord, encodedRecordLength, parseHostAddress } from '../message';
import { toReceivedMessage } from './pull';
import { decodePullBody } from './pulled-message';
import type { MessageQueue, ReceivedMessage } from './types';

const QUEUE: MessageQueue = { topic: 'orders', brokerName: 'b', queueId: 3 };

function host(text: string): RecordFields['bornHost'] {
  const parsed = parseHostAddress(text);
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.value;
}

function record(over: Partial<RecordFields>, recordCrc = false): Buffer {
  const fields: RecordFields = {
    queueId: 3,
    flag: 7,
    queueOffset: 10,
    commitLogOffset: 2 ** 40 + 5,
    sysFlag: 0,
    bornTimestamp: 1_700_000_000_123,
    bornHost: host('10.1.2.3:4567'),
    storeTimestamp: 1_700_000_000_456,
    storeHost: host('192.168.0.9:10911'),
    reconsumeTimes: 2,
    preparedTransactionOffset: 0,
    body: Buffer.from('hello'),
    topic: Buffer.from('orders'),
    properties: 'TAGS\u0001created\u0002KEYS\u0001k1 k2\u0002UNIQ_KEY\u0001ABC\u0002',
    ...over,
  };
  const out = Buffer.alloc(encodedRecordLength(fields, { recordCrc }));
  encodeRecord(out, 0, fields, { recordCrc });
  return out;
}

function plain(m: ReceivedMessage): Record<string, unknown> {
  return {
    topic: m.topic,
    body: m.body.toString('hex'),
    tags: m.tags,
    keys: [...m.keys],
    properties: { ...m.properties },
    msgId: m.msgId,
    offsetMsgId: m.offsetMsgId,
    queue: m.queue,
    queueOffset: m.queueOffset,
    commitLogOffset: m.commitLogOffset,
    bornTimestamp: m.bornTimestamp,
    storeTimestamp: m.storeTimestamp,
    bornHost: m.bornHost,
    storeHost: m.storeHost,
    reconsumeTimes: m.reconsumeTimes,
    flag: m.flag,
    sysFlag: m.sysFlag,
  };
}

const ALL = { after: -1, before: 1_000, queue: QUEUE, matches: undefined, checkCrc: false };

describe('decodePullBody', () => {
  test('reads every field as the full decoder does (IPv4, IPv6, v2 topic, compressed, record CRC)', () => {
    const longTopic = 't'.repeat(130);
    const cases = [
      record({ queueOffset: 10 }),
      record({ queueOffset: 11, bornHost: host('[2001:db8::1]:99'), storeHost: host('[::1]:10911'), properties: 'a\u0001b\u0002' }),
      record({ queueOffset: 12, topic: Buffer.from(longTopic) }),
      record({ queueOffset: 13, body: deflateSync(Buffer.from('squeezed')), sysFlag: SysFlag.COMPRESSED }),
      record({ queueOffset: 14, properties: '' }, true),
    ];
    const { messages, damagedAt } = decodePullBody(Buffer.concat(cases), ALL);
    expect(damagedAt).toBe(-1);
    expect(messages.map((m) => m.queueOffset)).toEqual([10, 11, 12, 13, 14]);
    cases.forEach((bytes, i) => {
      const decoded = decodeRecord(bytes, 0);
      const expected = toReceivedMessage(decoded, { ...QUEUE, topic: decoded.topic });
      expect(plain(messages[i]!)).toEqual(plain(expected));
    });
    expect(messages[3]!.body.toString()).toBe('squeezed');
    expect(messages[0]!.msgId).toBe('ABC');
    expect(messages[1]!.msgId).toBe(messages[1]!.offsetMsgId);
    expect(JSON.parse(JSON.stringify(messages[0]))).toMatchObject({ tags: 'created', keys: ['k1', 'k2'], queueOffset: 10 });
  });

  test('skips offsets not asked for, other queues and tags the filter refuses', () => {
    const body = Buffer.concat([
      record({ queueOffset: 4 }),
      record({ queueOffset: 5, queueId: 1 }),
      record({ queueOffset: 6, properties: 'TAGS\u0001other\u0002' }),
      record({ queueOffset: 7 }),
      record({ queueOffset: 9 }),
    ]);
    const { messages } = decodePullBody(body, { ...ALL, after: 4, before: 9, matches: (tag) => tag === 'created' });
    expect(messages.map((m) => m.queueOffset)).toEqual([7]);
  });

  test('stops at a record whose lengths do not add up, and at a bad body CRC only when asked', () => {
    const good = record({ queueOffset: 1 });
    const damaged = record({ queueOffset: 2 });
    const bodyAt = damaged.indexOf(Buffer.from('hello'));
    damaged[bodyAt] ^= 0xff;
    const body = Buffer.concat([good, damaged, record({ queueOffset: 3 })]);
    expect(decodePullBody(body, ALL).messages.map((m) => m.queueOffset)).toEqual([1, 2, 3]);
    const checked = decodePullBody(body, { ...ALL, checkCrc: true });
    expect(checked.messages.map((m) => m.queueOffset)).toEqual([1]);
    expect(checked.damagedAt).toBe(good.length);
    const truncated = decodePullBody(Buffer.concat([good, good.subarray(0, 40)]), ALL);
    expect(truncated.messages).toHaveLength(1);
    expect(truncated.damagedAt).toBe(good.length);
  });

  test('stops at a record with any one length field wrong (size, magic, body, topic or properties length)', () => {
    const good = record({ queueOffset: 1 });
    const v2 = good.readInt32BE(4) === MessageMagic.V2;
    const bodyLenPos = 48 + 8 + 8 + 8 + 4 + 8;
    const topicLenPos = bodyLenPos + 4 + good.readInt32BE(bodyLenPos);
    const topicLen = v2 ? good.readInt16BE(topicLenPos) : good.readInt8(topicLenPos);
    const propsLenPos = topicLenPos + (v2 ? 2 : 1) + topicLen;
    const writeTopicLen = (b: Buffer, n: number): void => void (v2 ? b.writeInt16BE(n, topicLenPos) : b.writeInt8(n, topicLenPos));
    const damages: [string, (b: Buffer) => void][] = [
      ['size + 1', (b) => b.writeInt32BE(b.length + 1, 0)],
      ['size - 1', (b) => b.writeInt32BE(b.length - 1, 0)],
      ['magic', (b) => b.writeInt32BE(0x12345678, 4)],
      ['body length + 1', (b) => b.writeInt32BE(b.readInt32BE(bodyLenPos) + 1, bodyLenPos)],
      ['body length negative', (b) => b.writeInt32BE(-1, bodyLenPos)],
      ['topic length + 1', (b) => writeTopicLen(b, topicLen + 1)],
      ['topic length 0', (b) => writeTopicLen(b, 0)],
      ['topic length negative', (b) => writeTopicLen(b, -2)],
      ['properties length + 1', (b) => b.writeInt16BE(b.readInt16BE(propsLenPos) + 1, propsLenPos)],
      ['properties length negative', (b) => b.writeInt16BE(-1, propsLenPos)],
    ];
    for (const [what, damage] of damages) {
      const bad = record({ queueOffset: 2 });
      damage(bad);
      const decoded = decodePullBody(Buffer.concat([good, bad, record({ queueOffset: 3 })]), ALL);
      expect({ what, offsets: decoded.messages.map((m) => m.queueOffset), damagedAt: decoded.damagedAt }).toEqual({ what, offsets: [1], damagedAt: good.length });
    }
    // The same record undamaged passes, so each case above failed on its one field.
    expect(decodePullBody(Buffer.concat([good, record({ queueOffset: 2 })]), ALL).messages.map((m) => m.queueOffset)).toEqual([1, 2]);
  });

  test('a record of another topic of the same length is told apart, whichever byte differs', () => {
    // QUEUE.topic is 'orders' (6 bytes: one 4-byte step and two single bytes in the comparison).
    const others = ['Orders', 'ordErs', 'ordeRs', 'orderS'];
    const body = Buffer.concat([record({ queueOffset: 1 }), ...others.map((topic, i) => record({ queueOffset: 2 + i, topic: Buffer.from(topic) }))]);
    const { messages } = decodePullBody(body, ALL);
    expect(messages.map((m) => m.topic)).toEqual(['orders', ...others]);
    expect(messages.map((m) => m.queue.topic)).toEqual(['orders', ...others]);
    expect(messages[0]!.queue).toBe(QUEUE);
    expect(messages.map((m) => m.body.toString())).toEqual(['hello', 'hello', 'hello', 'hello', 'hello']);
  });
});
