/**
 * Host addresses as RocketMQ stores them in records and message ids: the raw IP bytes (4 for
 * IPv4, 16 for IPv6) and the port, which is written as a 4-byte int after the address.
 */
import { assert, err, ok } from '../stdx';
import type { Result } from '../stdx';

export type HostAddress = {
  /** 4 bytes (IPv4) or 16 bytes (IPv6), network order. */
  readonly address: Buffer;
  readonly port: number;
};

const IPV4_BYTES = 4;
const IPV6_BYTES = 16;
const MAX_PORT = 65535;

export function isIPv6(host: HostAddress): boolean {
  return host.address.length === IPV6_BYTES;
}

/** Bytes a host occupies in a record or message id: address + 4-byte port. */
export function hostBytesLength(host: HostAddress): number {
  return host.address.length + 4;
}

function parseIPv4(text: string): Buffer | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  const out = Buffer.alloc(IPV4_BYTES);
  for (let i = 0; i < 4; i++) {
    const part = parts[i]!;
    if (!/^[0-9]{1,3}$/.test(part)) return undefined;
    const value = Number(part);
    if (value > 255) return undefined;
    out[i] = value;
  }
  return out;
}

/** Parses hex groups (and a trailing dotted IPv4) of one side of a possible `::`. */
function parseGroups(text: string, allowIPv4Tail: boolean): number[] | undefined {
  if (text === '') return [];
  const parts = text.split(':');
  const groups: number[] = [];
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    if (allowIPv4Tail && i === parts.length - 1 && part.includes('.')) {
      const v4 = parseIPv4(part);
      if (!v4) return undefined;
      groups.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
    } else {
      if (!/^[0-9a-fA-F]{1,4}$/.test(part)) return undefined;
      groups.push(parseInt(part, 16));
    }
  }
  return groups;
}

function parseIPv6(text: string): Buffer | undefined {
  const zone = text.indexOf('%');
  const bare = zone >= 0 ? text.slice(0, zone) : text;
  const gap = bare.indexOf('::');
  if (gap >= 0 && bare.indexOf('::', gap + 1) >= 0) return undefined;
  let groups: number[];
  if (gap < 0) {
    const all = parseGroups(bare, true);
    if (!all || all.length !== 8) return undefined;
    groups = all;
  } else {
    const head = parseGroups(bare.slice(0, gap), false);
    const tail = parseGroups(bare.slice(gap + 2), true);
    if (!head || !tail || head.length + tail.length > 7) return undefined;
    groups = [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
  }
  const out = Buffer.alloc(IPV6_BYTES);
  for (let i = 0; i < 8; i++) out.writeUInt16BE(groups[i]!, i * 2);
  return out;
}

/** An IPv4-mapped IPv6 address (`::ffff:a.b.c.d`) as its 4 IPv4 bytes, else the address itself. */
function unmapIPv4(address: Buffer): Buffer {
  if (address.length !== IPV6_BYTES) return address;
  for (let i = 0; i < 10; i++) if (address[i] !== 0) return address;
  if (address[10] !== 0xff || address[11] !== 0xff) return address;
  return Buffer.from(address.subarray(12, 16));
}

function parsePort(text: string): number | undefined {
  if (!/^[0-9]{1,5}$/.test(text)) return undefined;
  const port = Number(text);
  return port <= MAX_PORT ? port : undefined;
}

/** Parses `1.2.3.4:10911` or `[::1]:10911` (IPv6 must be bracketed). Host names are not resolved. */
export function parseHostAddress(text: string): Result<HostAddress, string> {
  let hostText: string;
  let portText: string;
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close < 0 || text[close + 1] !== ':') return err(`invalid address ${JSON.stringify(text)}: expected [ipv6]:port`);
    hostText = text.slice(1, close);
    portText = text.slice(close + 2);
  } else {
    const colon = text.lastIndexOf(':');
    if (colon < 0) return err(`invalid address ${JSON.stringify(text)}: expected ip:port`);
    hostText = text.slice(0, colon);
    portText = text.slice(colon + 1);
    if (hostText.includes(':')) return err(`invalid address ${JSON.stringify(text)}: IPv6 addresses must be written as [ipv6]:port`);
  }
  const port = parsePort(portText);
  if (port === undefined) return err(`invalid port in ${JSON.stringify(text)}: expected 0..${MAX_PORT}`);
  const address = text.startsWith('[') ? parseIPv6(hostText) : parseIPv4(hostText);
  if (!address) return err(`invalid IP address in ${JSON.stringify(text)}`);
  return ok({ address, port });
}

/**
 * The host of a connected socket (`socket.remoteAddress`/`remotePort` or the local pair). Node
 * reports IPv4 peers of a dual-stack listener as `::ffff:a.b.c.d`; those become IPv4, as a Java
 * broker would see them.
 */
export function hostFromSocket(ip: string, port: number): HostAddress {
  assert(Number.isInteger(port) && port >= 0 && port <= MAX_PORT, `invalid socket port ${port}`);
  const parsed = ip.includes(':') ? parseIPv6(ip) : parseIPv4(ip);
  assert(parsed !== undefined, `invalid socket address ${JSON.stringify(ip)}`);
  return { address: unmapIPv4(parsed), port };
}

function formatIPv6(address: Buffer): string {
  const groups: number[] = [];
  for (let i = 0; i < 8; i++) groups.push(address.readUInt16BE(i * 2));
  // RFC 5952: collapse the first longest run of two or more zero groups.
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}

/** `a.b.c.d:port` or `[ipv6]:port`; the inverse of `parseHostAddress`. */
export function formatHostAddress(host: HostAddress): string {
  if (host.address.length === IPV4_BYTES) return `${host.address.join('.')}:${host.port}`;
  assert(host.address.length === IPV6_BYTES, `host address must be 4 or 16 bytes, got ${host.address.length}`);
  return `[${formatIPv6(host.address)}]:${host.port}`;
}

/** Writes address bytes then the port as a big-endian int32; returns the position after them. */
export function writeHost(target: Buffer, pos: number, host: HostAddress): number {
  target.set(host.address, pos);
  target.writeInt32BE(host.port, pos + host.address.length);
  return pos + host.address.length + 4;
}

/** Reads a host of `addressBytes` (4 or 16) at `pos`, copying the address out of `source`. */
export function readHost(source: Buffer, pos: number, addressBytes: number): HostAddress {
  const address = Buffer.allocUnsafe(addressBytes);
  source.copy(address, 0, pos, pos + addressBytes);
  return { address, port: source.readInt32BE(pos + addressBytes) };
}
