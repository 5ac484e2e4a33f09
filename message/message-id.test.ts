import { ManualClock } from '../stdx';
import { decodeOffsetMsgId, encodeOffsetMsgId, OffsetMsgIdJoiner, UniqIdGenerator } from './message-id';
import { parseHostAddress } from './host';
import type { HostAddress } from './host';

function host(text: string): HostAddress {
  const r = parseHostAddress(text);
  if (!r.ok) throw new Error(r.error);
  return r.value;
}

describe('offset message id', () => {
  it('matches the documented example: 192.168.0.1:10911 at offset 0x1234', () => {
    expect(encodeOffsetMsgId(host('192.168.0.1:10911'), 0x1234)).toBe('C0A8000100002A9F0000000000001234');
  });

  it('round-trips IPv4 and IPv6 hosts with offsets above 2^32', () => {
    for (const [text, offset] of [['10.0.0.1:10911', 2 ** 40 + 17], ['[2001:db8::1]:10911', Number.MAX_SAFE_INTEGER], ['1.2.3.4:0', 0]] as const) {
      const id = encodeOffsetMsgId(host(text), offset);
      expect(id).toMatch(/^[0-9A-F]+$/);
      expect(id.length).toBe(text.startsWith('[') ? 56 : 32);
      const back = decodeOffsetMsgId(id);
      expect(back.ok && back.value.commitLogOffset).toBe(offset);
      expect(back.ok && [...back.value.host.address]).toEqual([...host(text).address]);
      expect(back.ok && back.value.host.port).toBe(host(text).port);
    }
  });

  it('accepts lowercase and rejects bad lengths, non-hex, bad ports and unsafe offsets', () => {
    expect(decodeOffsetMsgId('c0a8000100002a9f0000000000001234').ok).toBe(true);
    expect(decodeOffsetMsgId('C0A8').ok).toBe(false);
    expect(decodeOffsetMsgId('Z0A8000100002A9F0000000000001234').ok).toBe(false);
    expect(decodeOffsetMsgId('C0A80001FFFFFFFF0000000000001234').ok).toBe(false);
    expect(decodeOffsetMsgId('C0A8000100002A9FFFFFFFFF00001234').ok).toBe(false);
  });
});

describe('OffsetMsgIdJoiner', () => {
  it('joins the ids encodeOffsetMsgId gives, for IPv4 and IPv6 hosts, batches of every size, reusing its buffer', () => {
    const offsets = [0, 1, 0xf, 0x1234, 2 ** 31, 2 ** 32 - 1, 2 ** 32, 2 ** 40 + 17, 0xfedcba98765, Number.MAX_SAFE_INTEGER];
    for (const text of ['192.168.0.1:10911', '[2001:db8::1]:10911', '0.0.0.0:0']) {
      const joiner = new OffsetMsgIdJoiner(host(text));
      // Long batches first, then shorter ones: a reused buffer must not leak the longer tail.
      for (const n of [offsets.length, 3, 1, 0, offsets.length]) {
        const records = offsets.slice(0, n).map((commitLogOffset) => ({ commitLogOffset }));
        expect(joiner.join(records)).toBe(records.map((r) => encodeOffsetMsgId(host(text), r.commitLogOffset)).join(','));
      }
    }
  });

  it('refuses offsets that are not safe non-negative integers', () => {
    const joiner = new OffsetMsgIdJoiner(host('1.2.3.4:5'));
    expect(() => joiner.join([{ commitLogOffset: -1 }])).toThrow(/invalid commitLogOffset/);
    expect(() => joiner.join([{ commitLogOffset: 1.5 }])).toThrow(/invalid commitLogOffset/);
  });
});

describe('UniqIdGenerator', () => {
  const ip = Buffer.from([10, 1, 2, 3]);

  it('lays out ip | pid | opaque | ms since month start | counter as uppercase hex', () => {
    const monthStart = new Date(2024, 4, 1).getTime(); // local time, as RocketMQ uses
    const clock = new ManualClock(monthStart + 0x1234);
    const gen = new UniqIdGenerator(clock, ip, { pid: 0x12345, opaque: 0xdeadbeef });
    expect(gen.next()).toBe('0A010203' + '2345' + 'DEADBEEF' + '00001234' + '0000');
    clock.advance(1);
    expect(gen.next()).toBe('0A010203' + '2345' + 'DEADBEEF' + '00001235' + '0001');
  });

  it('restarts the time span when the month changes and wraps the 16-bit counter', () => {
    const clock = new ManualClock(new Date(2024, 0, 31, 23, 59, 59, 999).getTime());
    const gen = new UniqIdGenerator(clock, ip, { pid: 1, opaque: 2 });
    const ids = Array.from({ length: 65537 }, () => gen.next());
    expect(ids[0]!.slice(-4)).toBe('0000');
    expect(ids[65535]!.slice(-4)).toBe('FFFF');
    expect(ids[65536]!.slice(-4)).toBe('0000');
    clock.advance(1); // 1 February 00:00:00.000 local
    expect(gen.next().slice(20, 28)).toBe('00000000');
  });

  it('writes the span modulo 2^32 late in a long month, like Java\'s int cast', () => {
    const start = new Date(2024, 2, 1).getTime();
    const clock = new ManualClock(start + 30 * 86_400_000);
    const gen = new UniqIdGenerator(clock, Buffer.alloc(16, 0xab), { pid: 0, opaque: 0 });
    const id = gen.next();
    expect(id.length).toBe(56);
    expect(id.slice(44, 52)).toBe((30 * 86_400_000 % 2 ** 32).toString(16).toUpperCase().padStart(8, '0'));
  });
});
