import { formatHostAddress, hostFromSocket, isIPv6, parseHostAddress } from './host';
import type { HostAddress } from './host';

function parsed(text: string): HostAddress {
  const r = parseHostAddress(text);
  if (!r.ok) throw new Error(r.error);
  return r.value;
}

describe('host addresses', () => {
  it('parses IPv4 ip:port into 4 address bytes', () => {
    const h = parsed('192.168.0.1:10911');
    expect([...h.address]).toEqual([192, 168, 0, 1]);
    expect(h.port).toBe(10911);
    expect(isIPv6(h)).toBe(false);
  });

  it('parses bracketed IPv6, including :: compression and an IPv4 tail', () => {
    expect(parsed('[::1]:10911').address.toString('hex')).toBe('00000000000000000000000000000001');
    expect(parsed('[fe80::1:2]:1').address.toString('hex')).toBe('fe800000000000000000000000010002');
    expect(parsed('[2001:db8:0:0:0:0:2:1]:9876').address.toString('hex')).toBe('20010db8000000000000000000020001');
    expect(parsed('[::ffff:10.0.0.1]:80').address.toString('hex')).toBe('00000000000000000000ffff0a000001');
    expect(isIPv6(parsed('[::]:0'))).toBe(true);
  });

  it.each([
    '1.2.3.4', '1.2.3:80', '1.2.3.256:80', '1.2.3.4:65536', '1.2.3.4:', 'host:80', '::1:80',
    '[::1]', '[::1]80', '[1::2::3]:80', '[1:2:3:4:5:6:7:8:9]:80', '[12345::]:80', '[1:2:3:4:5:6:7:8::]:1',
  ])('rejects %j with a reason', (text) => {
    const r = parseHostAddress(text);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.length).toBeGreaterThan(0);
  });

  it('formats IPv4 and RFC 5952 IPv6, and round-trips through parse', () => {
    for (const text of ['10.1.2.3:50000', '[::1]:10911', '[2001:db8::2:1]:9876', '[fe80::]:1', '[1:0:0:2::3]:2', '[1:2:3:4:5:6:7:8]:3']) {
      expect(formatHostAddress(parsed(text))).toBe(text);
    }
    expect(formatHostAddress(parsed('[2001:0db8:0:0:0:0:0002:0001]:9876'))).toBe('[2001:db8::2:1]:9876');
  });

  it('treats IPv4-mapped socket addresses as IPv4, as a Java broker sees them', () => {
    const h = hostFromSocket('::ffff:127.0.0.1', 40000);
    expect([...h.address]).toEqual([127, 0, 0, 1]);
    expect(h.port).toBe(40000);
    expect(hostFromSocket('10.0.0.9', 1).address.length).toBe(4);
    expect(hostFromSocket('::1', 1).address.length).toBe(16);
    expect(hostFromSocket('fe80::1%eth0', 1).address.toString('hex')).toBe('fe800000000000000000000000000001');
    expect(() => hostFromSocket('nonsense', 1)).toThrow();
  });
});
