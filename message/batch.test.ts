import { decodeBatchBody, encodeBatchBody } from './batch';
import { encodeProperties } from './properties';

const messages = [
  { flag: 0, body: Buffer.from('first'), properties: encodeProperties({ TAGS: 'A', KEYS: 'k1' }) },
  { flag: -7, body: Buffer.alloc(0), properties: '' },
  { flag: 3, body: Buffer.from('三番目 😀'), properties: encodeProperties({ UNIQ_KEY: 'U1', 名前: '値' }) },
];

describe('batch body', () => {
  it('lays out each item as TOTALSIZE | MAGIC 0 | BODYCRC 0 | FLAG | BODYLEN | BODY | PROPSLEN | PROPS', () => {
    const buf = encodeBatchBody([{ flag: 9, body: Buffer.from('hi'), properties: 'a\u0001b\u0002' }]);
    expect(buf.toString('hex')).toBe('0000001c' + '00000000' + '00000000' + '00000009' + '00000002' + '6869' + '0004' + '61016202');
  });

  it('round-trips flags, bodies and unicode properties', () => {
    const decoded = decodeBatchBody(encodeBatchBody(messages));
    if (!decoded.ok) throw new Error(decoded.error);
    expect(decoded.value.map((m) => ({ flag: m.flag, body: Buffer.from(m.body), properties: m.properties.toString('utf8') }))).toEqual(messages);
  });

  it('rejects malformed bodies with a reason and never reads out of bounds', () => {
    const good = encodeBatchBody(messages);
    const cases: [Buffer, RegExp][] = [
      [Buffer.alloc(0), /empty/],
      [good.subarray(0, 10), /needs at least 22/],
      [Buffer.concat([good, Buffer.alloc(5)]), /item 3 at byte/],
    ];
    const negBody = Buffer.from(good);
    negBody.writeInt32BE(-1, 16);
    cases.push([negBody, /body length -1/]);
    const hugeBody = Buffer.from(good);
    hugeBody.writeInt32BE(0x7fffffff, 16);
    cases.push([hugeBody, /does not fit/]);
    const negProps = Buffer.from(good);
    negProps.writeInt16BE(-2, 20 + 5);
    cases.push([negProps, /negative properties length/]);
    const longProps = Buffer.from(good);
    longProps.writeInt16BE(30000, 20 + 5);
    cases.push([longProps, /runs past the end/]);
    const badTotal = Buffer.from(good);
    badTotal.writeInt32BE(1, 0);
    cases.push([badTotal, /TOTALSIZE 1/]);
    for (const [buf, reason] of cases) {
      const r = decodeBatchBody(buf);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error).toMatch(reason);
    }
  });

  it('never throws on any truncation or single-byte corruption', () => {
    const good = encodeBatchBody(messages);
    const boundaries = new Set<number>();
    for (let at = 0; at < good.length; at += good.readInt32BE(at)) boundaries.add(at);
    for (let len = 0; len < good.length; len++) {
      // Cutting exactly between items leaves a shorter, valid batch; anywhere else is an error.
      const r = decodeBatchBody(good.subarray(0, len));
      expect(r.ok).toBe(len > 0 && boundaries.has(len));
    }
    for (let i = 0; i < good.length; i++) {
      const bad = Buffer.from(good);
      bad[i] ^= 0xff;
      expect(() => decodeBatchBody(bad)).not.toThrow();
    }
  });
});
