import { javaStringHashCode } from '../../../message';
import {
  decodeHeader, emptyHeader, encodeHeader, HEADER_BYTES, indexKey, indexKeyHash, indexKeyHashAfter, indexKeyPrefixHash, readLong, timeDiffSeconds, writeLong,
} from './layout';
import type { IndexHeader } from './layout';

describe('javaStringHashCode', () => {
  it('matches values Java computes, including surrogate pairs and int overflow', () => {
    expect(javaStringHashCode('')).toBe(0);
    expect(javaStringHashCode('hello')).toBe(99162322);
    expect(javaStringHashCode('Aa')).toBe(2112);
    expect(javaStringHashCode('BB')).toBe(2112);
    expect(javaStringHashCode('\u{1F600}')).toBe(31 * 0xd83d + 0xde00);
    expect(javaStringHashCode('polygenelubricants')).toBe(-2147483648);
    expect(javaStringHashCode('TopicTest#order-42')).toBe(javaHashBig('TopicTest#order-42'));
  });
});

/** The same function written with BigInt, as an independent reference for overflow. */
function javaHashBig(text: string): number {
  let h = 0n;
  for (let i = 0; i < text.length; i++) h = BigInt.asIntN(32, h * 31n + BigInt(text.charCodeAt(i)));
  return Number(h);
}

describe('indexKeyHash', () => {
  it('is abs(hashCode) of topic#key, and 0 where Java abs overflows', () => {
    expect(indexKey('orders', 'k1')).toBe('orders#k1');
    const negative = 'orders#k1';
    expect(indexKeyHash(negative)).toBe(Math.abs(javaStringHashCode(negative)));
    expect(indexKeyHash('polygenelubricants')).toBe(0);
    for (const key of ['a', 'zzzzzzzzzzzz', 'x#y', '\u00e9t\u00e9']) expect(indexKeyHash(key)).toBeGreaterThanOrEqual(0);
  });
});

describe('indexKeyHashAfter', () => {
  it('continues the hash of `${topic}#` to exactly indexKeyHash of the joined key, for any text', () => {
    const topics = ['', 'TopicTest', '%RETRY%group', '\u4e2d\u6587\u4e3b\u9898', 'a'.repeat(200)];
    const keys = ['', 'k', '7F00000100002A9F000000000000abcd', 'cl\u00e9 \u{1F600}', 'x'.repeat(300)];
    for (const topic of topics) {
      for (const key of keys) expect(indexKeyHashAfter(indexKeyPrefixHash(topic), key)).toBe(indexKeyHash(indexKey(topic, key)));
    }
  });
});

describe('timeDiffSeconds', () => {
  it('counts whole seconds after the file began, clamped to [0, Integer.MAX_VALUE]', () => {
    expect(timeDiffSeconds(10_000, 10_999)).toBe(0);
    expect(timeDiffSeconds(10_000, 11_000)).toBe(1);
    expect(timeDiffSeconds(10_000, 9_000)).toBe(0);
    expect(timeDiffSeconds(0, 3_000_000_000_000)).toBe(2147483647);
  });
});

describe('header and long codecs', () => {
  const geometry = { slotCount: 16, entryCount: 32 };

  it('round-trips a header at its fixed positions', () => {
    const header: IndexHeader = { beginTimestamp: 1_700_000_000_123, endTimestamp: 1_700_000_100_000, beginPhyOffset: 2 ** 40, endPhyOffset: 2 ** 40 + 99, hashSlotCount: 3, indexCount: 6 };
    const buf = Buffer.alloc(HEADER_BYTES);
    encodeHeader(header, buf, 0);
    expect(buf.readBigInt64BE(16)).toBe(BigInt(2 ** 40));
    expect(decodeHeader(buf, geometry)).toEqual(header);
  });

  it('explains what is wrong with a header it cannot trust', () => {
    const buf = Buffer.alloc(HEADER_BYTES);
    encodeHeader(emptyHeader(), buf, 0);
    expect(decodeHeader(buf, geometry)).toEqual(emptyHeader());
    expect(decodeHeader(buf.subarray(0, 20), geometry)).toMatch(/20 bytes/);
    const at = (field: number, value: number): Buffer => {
      const copy = Buffer.from(buf);
      copy.writeInt32BE(value, field);
      return copy;
    };
    expect(decodeHeader(at(36, 0), geometry)).toMatch(/indexCount 0/);
    expect(decodeHeader(at(36, 33), geometry)).toMatch(/indexCount 33/);
    expect(decodeHeader(at(32, 1), geometry)).toMatch(/hashSlotCount 1/);
    expect(decodeHeader(at(0, -1), geometry)).toMatch(/beginTimestamp/);
  });

  it('stores offsets up to 2^53 - 1 and reads larger or negative longs as NaN', () => {
    const buf = Buffer.alloc(8);
    writeLong(buf, 0, Number.MAX_SAFE_INTEGER);
    expect(buf.readBigInt64BE(0)).toBe(BigInt(Number.MAX_SAFE_INTEGER));
    expect(readLong(buf, 0)).toBe(Number.MAX_SAFE_INTEGER);
    buf.writeBigInt64BE(-1n);
    expect(readLong(buf, 0)).toBeNaN();
    expect(() => writeLong(buf, 0, -1)).toThrow(/cannot store -1/);
  });
});
