import { inflateSync } from 'node:zlib';
import { ManualClock } from '../stdx';
import { SysFlag, UniqIdGenerator, decodeBatchBody, decodeProperties } from '../message';
import { ClientErrorCode } from './errors';
import { BufferPool, batchItemBytes, encodeBatch, isBatchable, prepareMessage } from './message-encode';
import type { PrepareOptions } from './message-encode';
import type { Message } from './types';

const options: PrepareOptions = {
  maxMessageSizeBytes: 4 * 1024 * 1024,
  compressBodyOverBytes: undefined,
  uniqIds: new UniqIdGenerator(new ManualClock(), Buffer.from([10, 0, 0, 1]), { pid: 1, opaque: 2 }),
};

describe('prepareMessage', () => {
  test('writes TAGS, KEYS, DELAY, UNIQ_KEY, WAIT and user properties', () => {
    const m = prepareMessage({ topic: 'T', body: 'hi', tags: 'tg', keys: ['k1', 'k2'], delayLevel: 2, properties: { color: 'red', empty: '' }, flag: 9 }, options);
    const props = decodeProperties(m.properties);
    expect(Object.fromEntries(props)).toEqual({ color: 'red', TAGS: 'tg', KEYS: 'k1 k2', DELAY: '2', UNIQ_KEY: m.uniqKey, WAIT: 'true' });
    expect(m.uniqKey).toMatch(/^0A000001/);
    expect(m.propertiesBytes).toBe(Buffer.byteLength(m.properties));
    expect(m.flag).toBe(9);
    expect(isBatchable(m)).toBe(false);
  });

  test('each message gets a new unique key', () => {
    const a = prepareMessage({ topic: 'T', body: 'x' }, options);
    const b = prepareMessage({ topic: 'T', body: 'x' }, options);
    expect(a.uniqKey).not.toBe(b.uniqKey);
  });

  test('rejects what would corrupt the encoding or break RocketMQ rules', () => {
    const bad: Message[] = [
      { topic: 'T', body: 'x', tags: 'a\u0002b' },
      { topic: 'T', body: 'x', keys: 'has space' },
      { topic: 'T', body: 'x', properties: { 'a\u0001': 'v' } },
      { topic: 'T', body: 'x', properties: { TAGS: 'v' } },
      { topic: 'T', body: 'x', flag: 2 ** 40 },
      { topic: 'SCHEDULE_TOPIC_XXXX', body: 'x' },
      { topic: 'T', body: new Uint8Array(0) },
    ];
    for (const message of bad) expect(() => prepareMessage(message, options)).toThrow(expect.objectContaining({ code: ClientErrorCode.INVALID_ARGUMENT }));
    expect(() => prepareMessage({ topic: 'T', body: 'x', properties: { big: 'v'.repeat(40_000) } }, options)).toThrow(expect.objectContaining({ code: ClientErrorCode.MESSAGE_TOO_LARGE }));
  });

  test('bodies above compressBodyOverBytes are zlib-compressed and flagged', () => {
    const body = Buffer.alloc(10_000, 'a');
    const m = prepareMessage({ topic: 'T', body }, { ...options, compressBodyOverBytes: 4096 });
    expect(m.sysFlag & SysFlag.COMPRESSED).toBe(SysFlag.COMPRESSED);
    expect(inflateSync(m.body).equals(body)).toBe(true);
    expect(isBatchable(m)).toBe(false);
  });
});

describe('encodeBatch', () => {
  test('writes the SEND_BATCH_MESSAGE body RocketMQ decodes, UTF-8 properties included', () => {
    const messages = [
      prepareMessage({ topic: 'T', body: 'first', tags: 'a', flag: 3 }, options),
      prepareMessage({ topic: 'T', body: Buffer.from([0, 1, 2]), properties: { name: 'zoë 日本' } }, options),
      prepareMessage({ topic: 'T', body: 'x'.repeat(1000) }, options),
    ];
    const body = encodeBatch(messages);
    expect(body.length).toBe(messages.reduce((sum, m) => sum + batchItemBytes(m), 0));
    const decoded = decodeBatchBody(body);
    if (!decoded.ok) throw new Error(decoded.error);
    expect(decoded.value).toHaveLength(3);
    decoded.value.forEach((item, i) => {
      expect(item.body.equals(messages[i]!.body)).toBe(true);
      expect(item.properties.toString('utf8')).toBe(messages[i]!.properties);
      expect(item.flag).toBe(messages[i]!.flag);
    });
  });

  test('a pooled body is written over a recycled block and decodes the same (garbage in the block is overwritten)', () => {
    const pool = new BufferPool(64, 2);
    const messages = [prepareMessage({ topic: 'T', body: 'one', flag: 1 }, options), prepareMessage({ topic: 'T', body: 'two', keys: 'k' }, options)];
    const first = encodeBatch(messages, pool);
    const expected = Buffer.from(first);
    first.fill(0xee);
    pool.give(first);
    const second = encodeBatch(messages, pool);
    expect(second.buffer).toBe(first.buffer);
    expect(second.equals(expected)).toBe(true);
    const bigger = pool.take(1000);
    expect(bigger.length).toBe(1000);
    expect(bigger.buffer).not.toBe(first.buffer);
  });
});
