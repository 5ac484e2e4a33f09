import * as zlib from 'zlib';
import {
  BLANK_MARKER_BYTES, MAX_PROPERTIES_BYTES, MIN_RECORD_BYTES, MessageMagic, RECORD_CRC_BYTES, SysFlag,
  encodeRecord, encodedRecordLength, magicForTopic, recordLength, storedPropertiesLength, writeBlankMarker,
} from './record';
import type { RecordFields } from './record';
import { checkRecord } from './record-check';
import { decodeRecord } from './record-read';
import { parseHostAddress } from './host';
import type { HostAddress } from './host';

function host(text: string): HostAddress {
  const r = parseHostAddress(text);
  if (!r.ok) throw new Error(r.error);
  return r.value;
}

function fields(overrides: Partial<RecordFields> = {}): RecordFields {
  return {
    queueId: 3,
    flag: 7,
    queueOffset: 42,
    commitLogOffset: 2 ** 32 + 16,
    sysFlag: 0,
    bornTimestamp: 1_700_000_000_123,
    bornHost: host('10.1.2.3:50000'),
    storeTimestamp: 1_700_000_000_456,
    storeHost: host('192.168.0.1:10911'),
    reconsumeTimes: 2,
    preparedTransactionOffset: 0,
    body: Buffer.from('Hello'),
    topic: Buffer.from('TopicTest'),
    properties: Buffer.from('TAGS\u0001TagA\u0002'),
    ...overrides,
  };
}

function encode(f: RecordFields, recordCrc = false): Buffer {
  const buf = Buffer.alloc(encodedRecordLength(f, { recordCrc }));
  expect(encodeRecord(buf, 0, f, { recordCrc })).toBe(buf.length);
  return buf;
}

/** Hex written field by field from the FACTS 1.1 table, never produced by the encoder. */
function hex(...parts: string[]): Buffer {
  return Buffer.from(parts.join('').replace(/\s+/g, ''), 'hex');
}

describe('record layout constants', () => {
  it('has RocketMQ magic codes as int32 and the 91-byte minimum', () => {
    expect(MessageMagic.V1 >>> 0).toBe(0xdaa320a7);
    expect(MessageMagic.V2 >>> 0).toBe(0xdaa320ab);
    expect(MessageMagic.BLANK >>> 0).toBe(0xcbd43194);
    expect(MIN_RECORD_BYTES).toBe(91);
    expect(recordLength(0, 0, 0, 0, MessageMagic.V1)).toBe(91);
    expect(recordLength(SysFlag.BORNHOST_V6 | SysFlag.STOREHOST_V6, 10, 200, 30, MessageMagic.V2)).toBe(91 + 24 + 1 + 10 + 200 + 30);
  });

  it('picks v1 up to 127 topic bytes and v2 beyond', () => {
    expect(magicForTopic(Buffer.alloc(127, 0x61))).toBe(MessageMagic.V1);
    expect(magicForTopic(Buffer.alloc(128, 0x61))).toBe(MessageMagic.V2);
  });
});

describe('encodeRecord', () => {
  it('writes a v1 IPv4 record byte for byte as RocketMQ does', () => {
    const expected = hex(
      '00000073', //  1 TOTALSIZE = 91 + 5 + 9 + 10 = 115
      'DAA320A7', //  2 MAGICCODE v1
      '77D18982', //  3 BODYCRC = crc32("Hello") 0xF7D18982 & 0x7FFFFFFF
      '00000003', //  4 QUEUEID
      '00000007', //  5 FLAG
      '000000000000002A', //  6 QUEUEOFFSET 42
      '0000000100000010', //  7 PHYSICALOFFSET 2^32 + 16
      '00000000', //  8 SYSFLAG
      '0000018BCFE5687B', //  9 BORNTIMESTAMP 1700000000123
      '0A010203 0000C350', // 10 BORNHOST 10.1.2.3:50000
      '0000018BCFE569C8', // 11 STORETIMESTAMP 1700000000456
      'C0A80001 00002A9F', // 12 STOREHOST 192.168.0.1:10911
      '00000002', // 13 RECONSUMETIMES
      '0000000000000000', // 14 PREPARED TRANSACTION OFFSET
      '00000005 48656C6C6F', // 15 BODY "Hello"
      '09 546F70696354657374', // 16 TOPIC "TopicTest"
      '000A 54414753 01 54616741 02', // 17 PROPERTIES "TAGS\1TagA\2"
    );
    expect(expected.length).toBe(115);
    expect(encode(fields()).toString('hex')).toBe(expected.toString('hex'));
  });

  it('writes IPv6 hosts as 16 + 4 bytes and sets the v6 sysFlag bits itself', () => {
    const f = fields({ bornHost: host('[2001:db8::1]:50000'), storeHost: host('[::1]:10911'), sysFlag: SysFlag.MULTI_TAGS });
    const buf = encode(f);
    expect(buf.length).toBe(115 + 24);
    expect(buf.readInt32BE(0)).toBe(139);
    expect(buf.readInt32BE(36)).toBe(SysFlag.MULTI_TAGS | SysFlag.BORNHOST_V6 | SysFlag.STOREHOST_V6);
    expect(buf.subarray(48, 68).toString('hex')).toBe('20010db8000000000000000000000001' + '0000c350');
    expect(buf.subarray(68, 76).toString('hex')).toBe('0000018bcfe569c8');
    expect(buf.subarray(76, 96).toString('hex')).toBe('00000000000000000000000000000001' + '00002a9f');
    expect(buf.readInt32BE(96)).toBe(2); // reconsume times follow the store host
    expect(buf.readInt32BE(108)).toBe(5); // body length
    // v6 bits the caller set on IPv4 hosts are cleared.
    expect(encode(fields({ sysFlag: SysFlag.BORNHOST_V6 | SysFlag.STOREHOST_V6 })).readInt32BE(36)).toBe(0);
  });

  it('uses magic v2 and a 2-byte topic length for topics over 127 bytes', () => {
    const topic = Buffer.from(`%RETRY%${'g'.repeat(193)}`);
    expect(topic.length).toBe(200);
    const buf = encode(fields({ topic }));
    expect(buf.length).toBe(91 + 1 + 5 + 200 + 10);
    expect(buf.readInt32BE(4)).toBe(MessageMagic.V2);
    expect(buf.readInt16BE(84 + 4 + 5)).toBe(200);
    const m = decodeRecord(buf, 0);
    expect(m.topic).toBe(topic.toString());
    expect(m.properties.get('TAGS')).toBe('TagA');
  });

  it('appends the 20-byte record CRC item: CRC32 of the rest, masked, digits least significant first', () => {
    const buf = encode(fields(), true);
    expect(buf.length).toBe(115 + RECORD_CRC_BYTES);
    expect(buf.readInt16BE(buf.length - 10 - 2 - 20)).toBe(10 + 20);
    const item = buf.subarray(buf.length - 20);
    expect(item.subarray(0, 9).toString('latin1')).toBe('__CRC32#\u0001');
    expect(item[19]).toBe(0x02);
    const crc = zlib.crc32(buf.subarray(0, buf.length - 20)) & 0x7fffffff;
    const digits = item.subarray(9, 19).toString('latin1');
    expect(digits).toBe(String(crc).padStart(10, '0').split('').reverse().join(''));
    expect(checkRecord(buf, 0, buf.length, { checkBodyCrc: true, requireRecordCrc: true })).toEqual({ kind: 'record', size: buf.length });
  });

  it('separates the CRC item from properties that lack a final 0x02, and handles empty properties', () => {
    const noSep = fields({ properties: Buffer.from('TAGS\u0001TagA') });
    expect(storedPropertiesLength(noSep.properties, true)).toBe(9 + 1 + 20);
    const buf = encode(noSep, true);
    const m = decodeRecord(buf, 0);
    expect(m.properties.get('TAGS')).toBe('TagA');
    expect(m.properties.get('__CRC32#')).toMatch(/^[0-9]{10}$/);
    const empty = encode(fields({ properties: Buffer.alloc(0) }), true);
    expect(empty.length).toBe(91 + 5 + 9 + 20);
    expect(checkRecord(empty, 0, empty.length, { checkBodyCrc: true, requireRecordCrc: true }).kind).toBe('record');
  });

  it('encodes at an offset inside a larger buffer and refuses what does not fit', () => {
    const f = fields();
    const big = Buffer.alloc(300, 0xee);
    expect(encodeRecord(big, 100, f, { recordCrc: false })).toBe(115);
    expect(big.subarray(100, 215).equals(encode(f))).toBe(true);
    expect(big[99]).toBe(0xee);
    expect(big[215]).toBe(0xee);
    expect(() => encodeRecord(Buffer.alloc(114), 0, f, { recordCrc: false })).toThrow(/does not fit/);
    const tooMany = fields({ properties: Buffer.alloc(MAX_PROPERTIES_BYTES - 19, 0x61) });
    expect(() => encodeRecord(Buffer.alloc(40_000), 0, tooMany, { recordCrc: true })).toThrow(/exceed/);
  });
});

describe('encodeRecord with text properties and an injected CRC', () => {
  it('writes text properties byte for byte as the same properties given as UTF-8 bytes, multibyte text included', () => {
    for (const text of ['TAGS\u0001TagA\u0002', 'KEYS\u0001k\u00e9y \u4e2d\u6587\u0002TAGS\u0001T', '']) {
      for (const recordCrc of [false, true]) {
        const asBytes = encode(fields({ properties: Buffer.from(text, 'utf8') }), recordCrc);
        expect(encodedRecordLength(fields({ properties: text }), { recordCrc })).toBe(asBytes.length);
        const asText = Buffer.alloc(asBytes.length);
        expect(encodeRecord(asText, 0, fields({ properties: text }), { recordCrc })).toBe(asBytes.length);
        expect(asText.equals(asBytes)).toBe(true);
        const measured = Buffer.alloc(asBytes.length);
        encodeRecord(measured, 0, fields({ properties: text, propertiesBytes: Buffer.byteLength(text) }), { recordCrc });
        expect(measured.equals(asBytes)).toBe(true);
      }
    }
    expect(storedPropertiesLength('TAGS\u0001TagA', true)).toBe(9 + 1 + 20);
    expect(storedPropertiesLength('TAGS\u0001TagA\u0002', true)).toBe(10 + 20);
  });

  it('refuses a propertiesBytes hint larger than the UTF-8 length of the text', () => {
    const f = fields({ properties: 'TAGS\u0001T\u00e9\u0002', propertiesBytes: 10 });
    expect(() => encodeRecord(Buffer.alloc(200), 0, f, { recordCrc: false })).toThrow(/property bytes/);
  });

  it('computes both CRCs with the given function over the body and the record before the item', () => {
    const seen: [string, number, number][] = [];
    const crc32 = (bytes: Uint8Array, offset: number, length: number) => {
      seen.push([bytes === buf ? 'record' : Buffer.from(bytes).toString('latin1'), offset, length]);
      return zlib.crc32(bytes.subarray(offset, offset + length)) ^ 0x5a5a5a5a;
    };
    const buf = Buffer.alloc(200);
    const size = encodeRecord(buf, 10, fields(), { recordCrc: true, crc32 });
    // The body CRC over the body itself, the record CRC over the record in the target.
    expect(seen).toEqual([
      ['Hello', 0, 5],
      ['record', 10, size - RECORD_CRC_BYTES],
    ]);
    expect(buf.readInt32BE(10 + 8)).toBe((zlib.crc32(Buffer.from('Hello')) ^ 0x5a5a5a5a) & 0x7fffffff);
    // The record CRC is the function's value over the record with the body CRC already in place.
    const record = buf.subarray(10, 10 + size);
    const want = (zlib.crc32(record.subarray(0, size - RECORD_CRC_BYTES)) ^ 0x5a5a5a5a) & 0x7fffffff;
    expect(record.subarray(size - 11, size - 1).toString('latin1')).toBe(String(want).padStart(10, '0').split('').reverse().join(''));
  });

  it('refuses int32 fields and timestamps that the record cannot hold, as the Buffer writers did', () => {
    const buf = Buffer.alloc(300);
    expect(() => encodeRecord(buf, 0, fields({ flag: 2 ** 31 }), { recordCrc: false })).toThrow(/int32/);
    expect(() => encodeRecord(buf, 0, fields({ queueId: 1.5 }), { recordCrc: false })).toThrow(/int32/);
    expect(() => encodeRecord(buf, 0, fields({ reconsumeTimes: -(2 ** 31) - 1 }), { recordCrc: false })).toThrow(/int32/);
    expect(() => encodeRecord(buf, 0, fields({ bornTimestamp: 0.5 }), { recordCrc: false })).toThrow(/safe integers/);
    expect(() => encodeRecord(buf, 0, fields({ bornHost: { address: Buffer.from([1, 2, 3, 4]), port: 2 ** 32 } }), { recordCrc: false })).toThrow(/int32/);
    // Negative values within range are fine (flag and reconsumeTimes are Java ints).
    expect(encodeRecord(buf, 0, fields({ flag: -1, bornTimestamp: -5 }), { recordCrc: false })).toBe(115);
    expect(buf.readInt32BE(16)).toBe(-1);
    expect(buf.readInt32BE(40) * 2 ** 32 + buf.readUInt32BE(44)).toBe(-5);
  });
});

describe('writeBlankMarker', () => {
  it('writes TOTALSIZE = remaining bytes and the BLANK magic, nothing else', () => {
    const buf = Buffer.alloc(16, 0xaa);
    writeBlankMarker(buf, 4, 1000);
    expect(buf.toString('hex')).toBe('aaaaaaaa' + '000003e8' + 'cbd43194' + 'aaaaaaaa');
    expect(checkRecord(buf, 4, 8, { checkBodyCrc: true, requireRecordCrc: true })).toEqual({ kind: 'blank', size: 1000 });
    expect(() => writeBlankMarker(buf, 0, BLANK_MARKER_BYTES - 1)).toThrow();
  });
});
