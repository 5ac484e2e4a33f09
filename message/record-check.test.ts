import { SysFlag, encodeRecord, encodedRecordLength, writeBlankMarker } from './record';
import type { RecordFields } from './record';
import { checkRecord } from './record-check';
import type { CheckOptions } from './record-check';
import { parseHostAddress } from './host';
import type { HostAddress } from './host';

function host(text: string): HostAddress {
  const r = parseHostAddress(text);
  if (!r.ok) throw new Error(r.error);
  return r.value;
}

function sample(overrides: Partial<RecordFields> = {}): RecordFields {
  return {
    queueId: 1,
    flag: 0,
    queueOffset: 9,
    commitLogOffset: 4096,
    sysFlag: 0,
    bornTimestamp: 1_700_000_000_000,
    bornHost: host('10.0.0.7:40000'),
    storeTimestamp: 1_700_000_000_010,
    storeHost: host('10.0.0.1:10911'),
    reconsumeTimes: 0,
    preparedTransactionOffset: 0,
    body: Buffer.from('a small body with some bytes'),
    topic: Buffer.from('TopicTest'),
    properties: Buffer.from('TAGS\u0001TagA\u0002KEYS\u0001k1 k2\u0002UNIQ_KEY\u0001ABCDEF\u0002'),
    ...overrides,
  };
}

function encode(f: RecordFields, recordCrc: boolean): Buffer {
  const buf = Buffer.alloc(encodedRecordLength(f, { recordCrc }));
  encodeRecord(buf, 0, f, { recordCrc });
  return buf;
}

const STRICT: CheckOptions = { checkBodyCrc: true, requireRecordCrc: true, expectedCommitLogOffset: 4096 };
const LOOSE: CheckOptions = { checkBodyCrc: false, requireRecordCrc: false };

describe('checkRecord on intact data', () => {
  it('accepts v1, v2 and IPv6 records, with and without the record CRC', () => {
    for (const f of [sample(), sample({ topic: Buffer.alloc(200, 0x41) }), sample({ bornHost: host('[::1]:1'), storeHost: host('[fe80::2]:10911') })]) {
      for (const recordCrc of [false, true]) {
        const buf = encode(f, recordCrc);
        const options = { ...STRICT, requireRecordCrc: recordCrc };
        expect(checkRecord(buf, 0, buf.length, options)).toEqual({ kind: 'record', size: buf.length });
      }
    }
  });

  it('walks records back to back inside a larger window', () => {
    const a = encode(sample(), true);
    const b = encode(sample({ commitLogOffset: 4096 + a.length, queueOffset: 10 }), true);
    const window = Buffer.concat([a, b, Buffer.alloc(64)]);
    expect(checkRecord(window, 0, window.length, STRICT)).toEqual({ kind: 'record', size: a.length });
    expect(checkRecord(window, a.length, window.length - a.length, { ...STRICT, expectedCommitLogOffset: 4096 + a.length })).toEqual({ kind: 'record', size: b.length });
    expect(checkRecord(window, a.length + b.length, 64, STRICT)).toMatchObject({ kind: 'invalid', reason: expect.stringMatching(/TOTALSIZE 0/) });
  });
});

describe('checkRecord rejects damage', () => {
  it('reports zero-filled space, unknown magic and undersized records as invalid', () => {
    expect(checkRecord(Buffer.alloc(200), 0, 200, LOOSE)).toMatchObject({ kind: 'invalid' });
    const buf = encode(sample(), false);
    buf.writeInt32BE(0x12345678, 4);
    expect(checkRecord(buf, 0, buf.length, LOOSE)).toMatchObject({ kind: 'invalid', reason: expect.stringMatching(/magic 0x12345678/) });
    const tiny = Buffer.alloc(100);
    tiny.writeInt32BE(50, 0);
    tiny.writeInt32BE(encode(sample(), false).readInt32BE(4), 4);
    expect(checkRecord(tiny, 0, 100, LOOSE)).toMatchObject({ kind: 'invalid', reason: expect.stringMatching(/minimum/) });
  });

  it('checks PHYSICALOFFSET against the expected commit-log offset', () => {
    const buf = encode(sample(), false);
    expect(checkRecord(buf, 0, buf.length, { ...LOOSE, expectedCommitLogOffset: 4097 })).toMatchObject({ kind: 'invalid', reason: expect.stringMatching(/PHYSICALOFFSET 4096/) });
  });

  it('detects a changed body byte through the body CRC when asked, and only then (without record CRC)', () => {
    const buf = encode(sample(), false);
    buf[buf.indexOf('small')] ^= 0x20;
    expect(checkRecord(buf, 0, buf.length, { ...LOOSE, checkBodyCrc: true })).toMatchObject({ kind: 'invalid', reason: expect.stringMatching(/body CRC/) });
    expect(checkRecord(buf, 0, buf.length, LOOSE).kind).toBe('record');
  });

  it('requires the record CRC item when told to', () => {
    const buf = encode(sample(), false);
    expect(checkRecord(buf, 0, buf.length, STRICT)).toMatchObject({ kind: 'invalid', reason: 'record CRC item missing' });
  });

  it('rejects every single flipped byte of a record carrying the record CRC item', () => {
    for (const f of [sample(), sample({ body: Buffer.alloc(0), properties: Buffer.alloc(0) }), sample({ bornHost: host('[::1]:1'), topic: Buffer.alloc(130, 0x5f) })]) {
      const good = encode(f, true);
      for (const options of [STRICT, { checkBodyCrc: false, requireRecordCrc: true }]) {
        for (let i = 0; i < good.length; i++) {
          for (const mask of [0x01, 0x0c, 0x80, 0xff]) {
            const bad = Buffer.from(good);
            bad[i] ^= mask;
            const result = checkRecord(bad, 0, bad.length, options);
            if (result.kind !== 'invalid') throw new Error(`byte ${i} ^ ${mask} gave ${JSON.stringify(result)}`);
          }
        }
      }
    }
  });

  it('never reports a truncated record as a record: each prefix is incomplete or invalid', () => {
    const good = encode(sample({ sysFlag: SysFlag.TRANSACTION_COMMIT }), true);
    for (let len = 0; len < good.length; len++) {
      const cut = good.subarray(0, len);
      const result = checkRecord(cut, 0, len, STRICT);
      expect(['incomplete', 'invalid']).toContain(result.kind);
      // An honest prefix is always 'incomplete' and asks for the whole record (or the 8-byte header).
      expect(result).toEqual({ kind: 'incomplete', needBytes: len < 4 ? 8 : good.length });
    }
  });

  it('reports a too-large TOTALSIZE as invalid when the visible length fields disagree', () => {
    const good = encode(sample(), false);
    const window = Buffer.concat([good, Buffer.alloc(50)]);
    window.writeInt32BE(good.length + 1000, 0);
    expect(checkRecord(window, 0, window.length, LOOSE)).toMatchObject({ kind: 'invalid', reason: expect.stringMatching(/fields add up/) });
  });
});

describe('checkRecord on end-of-segment markers', () => {
  it('returns the declared size of a blank without requiring it in the window', () => {
    const buf = Buffer.alloc(8);
    writeBlankMarker(buf, 0, 123_456);
    expect(checkRecord(buf, 0, 8, STRICT)).toEqual({ kind: 'blank', size: 123_456 });
    expect(checkRecord(buf, 0, 6, STRICT)).toEqual({ kind: 'incomplete', needBytes: 123_456 });
    buf.writeInt32BE(7, 0);
    expect(checkRecord(buf, 0, 8, STRICT).kind).toBe('invalid');
  });
});

describe('checkRecord options for the CRC', () => {
  it('skips the record CRC only when verifyRecordCrc is false, and still checks the structure', () => {
    const buf = encode(sample(), true);
    buf[30] ^= 0x01; // PHYSICALOFFSET low byte: covered by the record CRC only
    const options = { checkBodyCrc: false, requireRecordCrc: true };
    expect(checkRecord(buf, 0, buf.length, options)).toMatchObject({ kind: 'invalid', reason: expect.stringMatching(/record CRC/) });
    expect(checkRecord(buf, 0, buf.length, { ...options, verifyRecordCrc: false })).toEqual({ kind: 'record', size: buf.length });
    expect(checkRecord(buf, 0, buf.length, { ...options, verifyRecordCrc: false, expectedCommitLogOffset: 4096 })).toMatchObject({ kind: 'invalid' });
    const torn = encode(sample(), true);
    expect(checkRecord(torn, 0, torn.length - 1, { ...options, verifyRecordCrc: false })).toEqual({ kind: 'incomplete', needBytes: torn.length });
  });

  it('uses the given CRC function for body and record CRCs', () => {
    const buf = encode(sample(), true);
    const calls: number[] = [];
    const crc32 = (bytes: Uint8Array, offset: number, length: number) => {
      calls.push(length);
      return Buffer.from(bytes.buffer, bytes.byteOffset + offset, length).reduce((a, b) => a + b, 0);
    };
    const check = checkRecord(buf, 0, buf.length, { checkBodyCrc: true, requireRecordCrc: true, crc32 });
    expect(check).toMatchObject({ kind: 'invalid', reason: expect.stringMatching(/body CRC/) });
    expect(calls).toEqual([Buffer.from('a small body with some bytes').length]);
  });
});
