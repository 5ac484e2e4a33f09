import { SysFlag, encodeRecord, encodedRecordLength, writeBlankMarker } from './record';
import type { RecordFields } from './record';
import { decodeRecord, decodeRecords, readDispatchInfo } from './record-read';
import { encodeProperties } from './properties';
import { javaStringHashCode } from './java-hash';
import { encodeOffsetMsgId } from './message-id';
import { formatHostAddress, parseHostAddress } from './host';
import type { HostAddress } from './host';

function host(text: string): HostAddress {
  const r = parseHostAddress(text);
  if (!r.ok) throw new Error(r.error);
  return r.value;
}

function sample(overrides: Partial<RecordFields> = {}): RecordFields {
  return {
    queueId: 5,
    flag: -1,
    queueOffset: 2 ** 33 + 1,
    commitLogOffset: 2 ** 40 + 3,
    sysFlag: SysFlag.TRANSACTION_COMMIT,
    bornTimestamp: 1_700_000_000_001,
    bornHost: host('10.0.0.7:40000'),
    storeTimestamp: 1_700_000_000_002,
    storeHost: host('10.0.0.1:10911'),
    reconsumeTimes: 3,
    preparedTransactionOffset: 2 ** 35,
    body: Buffer.from('body bytes'),
    topic: Buffer.from('TopicTest'),
    properties: Buffer.from(encodeProperties({ TAGS: 'TagA', KEYS: 'order-1 order-2', UNIQ_KEY: 'UNIQ1', DELAY: '3' })),
    ...overrides,
  };
}

function encode(f: RecordFields, recordCrc = false): Buffer {
  const buf = Buffer.alloc(encodedRecordLength(f, { recordCrc }));
  encodeRecord(buf, 0, f, { recordCrc });
  return buf;
}

describe('readDispatchInfo', () => {
  it('reads what the consume queue and index need without a property map', () => {
    for (const f of [sample(), sample({ bornHost: host('[::2]:1'), storeHost: host('[::3]:10911') }), sample({ topic: Buffer.alloc(150, 0x54) })]) {
      for (const recordCrc of [false, true]) {
        const buf = Buffer.concat([Buffer.alloc(11), encode(f, recordCrc)]);
        expect(readDispatchInfo(buf, 11)).toEqual({
          size: buf.length - 11,
          topic: f.topic.toString(),
          queueId: 5,
          queueOffset: 2 ** 33 + 1,
          commitLogOffset: 2 ** 40 + 3,
          sysFlag: f.sysFlag | (f.bornHost.address.length === 16 ? SysFlag.BORNHOST_V6 | SysFlag.STOREHOST_V6 : 0),
          storeTimestamp: 1_700_000_000_002,
          tagsCode: javaStringHashCode('TagA'),
          keys: 'order-1 order-2',
          uniqKey: 'UNIQ1',
          delayLevel: 3,
        });
      }
    }
  });

  it('gives tag code 0 and undefined keys when the properties lack them, and hashes unicode tags', () => {
    const none = readDispatchInfo(encode(sample({ properties: Buffer.alloc(0) })), 0);
    expect([none.tagsCode, none.keys, none.uniqKey, none.delayLevel]).toEqual([0, undefined, undefined, 0]);
    const uni = readDispatchInfo(encode(sample({ properties: Buffer.from(encodeProperties({ TAGS: '标签', DELAY: 'x' })) })), 0);
    expect(uni.tagsCode).toBe(javaStringHashCode('标签'));
    expect(uni.delayLevel).toBe(0);
  });

  it('follows the lenient property rules: malformed items skipped, a later duplicate wins', () => {
    const props = Buffer.from('TAGS\u0001\u0002TAGSX\u0001no\u0002TAGS\u0001first\u0002TAGS\u0001second\u0002KEYS');
    const info = readDispatchInfo(encode(sample({ properties: props })), 0);
    expect(info.tagsCode).toBe(javaStringHashCode('second'));
    expect(info.keys).toBeUndefined();
  });

  it('decodes many distinct topics correctly through its bounded topic cache', () => {
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < 600; i++) {
        const topic = `topic-${i}`;
        expect(readDispatchInfo(encode(sample({ topic: Buffer.from(topic) })), 0).topic).toBe(topic);
      }
    }
  });
});

describe('decodeRecord', () => {
  it('returns every header field, the body as a view, properties and the offset msgId', () => {
    const f = sample({ bornHost: host('[2001:db8::9]:40000') });
    const buf = encode(f, true);
    const m = decodeRecord(buf, 0);
    expect(m.storeSize).toBe(buf.length);
    expect(m.queueId).toBe(5);
    expect(m.flag).toBe(-1);
    expect(m.queueOffset).toBe(2 ** 33 + 1);
    expect(m.commitLogOffset).toBe(2 ** 40 + 3);
    expect(m.sysFlag).toBe(SysFlag.TRANSACTION_COMMIT | SysFlag.BORNHOST_V6);
    expect(m.bornTimestamp).toBe(1_700_000_000_001);
    expect(formatHostAddress(m.bornHost)).toBe('[2001:db8::9]:40000');
    expect(m.storeTimestamp).toBe(1_700_000_000_002);
    expect(formatHostAddress(m.storeHost)).toBe('10.0.0.1:10911');
    expect(m.reconsumeTimes).toBe(3);
    expect(m.preparedTransactionOffset).toBe(2 ** 35);
    expect(m.body.toString()).toBe('body bytes');
    expect(m.body.buffer).toBe(buf.buffer); // zero-copy
    expect(m.topic).toBe('TopicTest');
    expect(m.properties.get('KEYS')).toBe('order-1 order-2');
    expect(m.properties.has('__CRC32#')).toBe(true);
    expect(m.msgId).toBe(encodeOffsetMsgId(host('10.0.0.1:10911'), 2 ** 40 + 3));
    expect(m.bodyCrc).toBe(buf.readInt32BE(8));
  });

  it('throws a clear error instead of decoding damaged bytes', () => {
    const buf = encode(sample(), true);
    buf[30] ^= 1;
    expect(() => decodeRecord(buf, 0)).toThrow(/record CRC/);
    expect(() => decodeRecord(buf.subarray(0, 50), 0)).toThrow(/truncated/);
  });
});

describe('decodeRecords (pull response body)', () => {
  it('decodes records back to back until the end', () => {
    const a = encode(sample({ queueOffset: 1 }));
    const b = encode(sample({ queueOffset: 2, topic: Buffer.alloc(140, 0x52) }), true);
    const c = encode(sample({ queueOffset: 3, body: Buffer.alloc(0) }));
    expect(decodeRecords(Buffer.concat([a, b, c])).map((m) => m.queueOffset)).toEqual([1, 2, 3]);
    expect(decodeRecords(Buffer.alloc(0))).toEqual([]);
  });

  it('throws naming the offset on garbage, truncation or a blank marker', () => {
    const a = encode(sample());
    expect(() => decodeRecords(Buffer.concat([a, Buffer.from('garbage!garbage!')]))).toThrow(new RegExp(`offset ${a.length}`));
    expect(() => decodeRecords(Buffer.concat([a, a.subarray(0, 60)]))).toThrow(/truncated/);
    const blank = Buffer.alloc(8);
    writeBlankMarker(blank, 0, 8);
    expect(() => decodeRecords(blank)).toThrow(/end-of-segment/);
  });

  it('verifies body CRCs when asked', () => {
    const a = encode(sample());
    a[a.indexOf('body bytes')] ^= 0x20;
    expect(decodeRecords(a)).toHaveLength(1);
    expect(() => decodeRecords(a, { checkBodyCrc: true })).toThrow(/body CRC/);
  });
});
