/**
 * Message ids (FACTS 1.6, 1.7). The offset id names where a record is stored (store host +
 * commit-log offset); the unique id is made by the producer and stored in the UNIQ_KEY property.
 * Both are uppercase hex of big-endian bytes.
 */
import { randomBytes } from 'crypto';
import { assert, err, ok } from '../stdx';
import type { Clock, Result } from '../stdx';
import type { HostAddress } from './host';

const HEX = Array.from({ length: 256 }, (_, b) => b.toString(16).toUpperCase().padStart(2, '0'));
const TWO_POW_32 = 0x1_0000_0000;
/** Largest high half of an int64 whose value is still a safe JS integer. */
const MAX_SAFE_HIGH = Math.floor(Number.MAX_SAFE_INTEGER / TWO_POW_32);

function hexBytes(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i++) out += HEX[bytes[i]!]!;
  return out;
}

function hex16(value: number): string {
  return HEX[(value >>> 8) & 0xff]! + HEX[value & 0xff]!;
}

function hex32(value: number): string {
  return hex16(value >>> 16) + hex16(value & 0xffff);
}

/** Offset message id: store IP (4/16 bytes) + port (int32) + commit-log offset (int64) → 32/56 hex chars. */
export function encodeOffsetMsgId(storeHost: HostAddress, commitLogOffset: number): string {
  if (!Number.isSafeInteger(commitLogOffset) || commitLogOffset < 0) assert(false, `invalid commitLogOffset ${commitLogOffset}`);
  const high = Math.floor(commitLogOffset / TWO_POW_32);
  return hexBytes(storeHost.address) + hex32(storeHost.port) + hex32(high) + hex32(commitLogOffset - high * TWO_POW_32);
}

const HEX_BYTES = Buffer.from('0123456789ABCDEF', 'latin1');

/** `value` (a uint32) as 8 uppercase hex digits at `out[pos]`. */
function writeHex8(out: Buffer, pos: number, value: number): void {
  for (let i = 7; i >= 0; i--) {
    out[pos + i] = HEX_BYTES[value & 0xf]!;
    value = Math.floor(value / 16);
  }
}

/**
 * Offset message ids of one store host, comma-joined: a batch send's answer carries one per
 * message. Written as Latin-1 bytes into a scratch buffer kept between calls and read out as one
 * string, rather than three strings per id and a join (this runs for every batch).
 */
export class OffsetMsgIdJoiner {
  private readonly prefix: Buffer;
  private scratch = Buffer.alloc(0);

  constructor(storeHost: HostAddress) {
    this.prefix = Buffer.from(encodeOffsetMsgId(storeHost, 0).slice(0, -16), 'latin1');
  }

  join(records: readonly { readonly commitLogOffset: number }[]): string {
    const prefix = this.prefix;
    const length = records.length * (prefix.length + 17) - 1;
    if (length <= 0) return '';
    if (this.scratch.length < length) this.scratch = Buffer.allocUnsafe(Math.max(length, this.scratch.length * 2));
    const out = this.scratch;
    let pos = 0;
    for (let i = 0; i < records.length; i++) {
      const offset = records[i]!.commitLogOffset;
      if (!Number.isSafeInteger(offset) || offset < 0) assert(false, `invalid commitLogOffset ${offset}`);
      if (i > 0) out[pos++] = 0x2c; // ','
      for (let j = 0; j < prefix.length; j++) out[pos++] = prefix[j]!;
      const high = Math.floor(offset / TWO_POW_32);
      writeHex8(out, pos, high);
      writeHex8(out, pos + 8, offset - high * TWO_POW_32);
      pos += 16;
    }
    return out.toString('latin1', 0, pos);
  }
}

export interface OffsetMsgId {
  readonly host: HostAddress;
  readonly commitLogOffset: number;
}

/** Parses an offset message id; 32 chars is IPv4, 56 chars IPv6 (hex, either case). */
export function decodeOffsetMsgId(id: string): Result<OffsetMsgId, string> {
  if (id.length !== 32 && id.length !== 56) return err(`offset message id must be 32 or 56 hex chars, got ${id.length}`);
  if (!/^[0-9a-fA-F]+$/.test(id)) return err(`offset message id ${JSON.stringify(id)} is not hex`);
  const bytes = Buffer.from(id, 'hex');
  const ipBytes = id.length === 32 ? 4 : 16;
  const port = bytes.readInt32BE(ipBytes);
  if (port < 0 || port > 65535) return err(`offset message id ${id} holds invalid port ${port}`);
  const high = bytes.readUInt32BE(ipBytes + 4);
  if (high > MAX_SAFE_HIGH) return err(`offset message id ${id} holds an offset beyond 2^53`);
  const commitLogOffset = high * TWO_POW_32 + bytes.readUInt32BE(ipBytes + 8);
  return ok({ host: { address: Buffer.from(bytes.subarray(0, ipBytes)), port }, commitLogOffset });
}

export interface UniqIdOptions {
  /** Process id; only its low 16 bits are used. Defaults to `process.pid`. */
  readonly pid?: number;
  /** The 4 bytes Java fills with its class loader's hash; any value. Defaults to random. */
  readonly opaque?: number;
}

/**
 * Producer-side unique ids (`MessageClientIDSetter` layout): IP (4/16) | pid (2) | opaque (4) |
 * ms since the start of the current month in local time (4, wraps like Java's int cast after
 * ~24.8 days) | counter (2, wrapping). The fixed prefix is rendered once; the month boundaries
 * are recomputed only when the clock leaves the current month.
 */
export class UniqIdGenerator {
  private readonly prefix: string;
  private monthStartMs = 0;
  private nextMonthStartMs = -1;
  private counter = 0;

  constructor(
    private readonly clock: Pick<Clock, 'nowMs'>,
    ipBytes: Uint8Array,
    options: UniqIdOptions = {},
  ) {
    assert(ipBytes.length === 4 || ipBytes.length === 16, `ip must be 4 or 16 bytes, got ${ipBytes.length}`);
    const pid = options.pid ?? process.pid;
    const opaque = options.opaque ?? randomBytes(4).readUInt32BE(0);
    this.prefix = hexBytes(ipBytes) + hex16(pid & 0xffff) + hex32(opaque >>> 0);
  }

  next(): string {
    const nowMs = this.clock.nowMs();
    // Also recompute when the clock stepped back before the month start, so the span stays >= 0.
    if (nowMs >= this.nextMonthStartMs || nowMs < this.monthStartMs) this.setMonth(nowMs);
    const spanMs = (nowMs - this.monthStartMs) >>> 0;
    const counter = this.counter;
    this.counter = (counter + 1) & 0xffff;
    return this.prefix + hex32(spanMs) + hex16(counter);
  }

  private setMonth(nowMs: number): void {
    const now = new Date(nowMs);
    this.monthStartMs = new Date(now.getFullYear(), now.getMonth(), 1).getTime();
    this.nextMonthStartMs = new Date(now.getFullYear(), now.getMonth() + 1, 1).getTime();
  }
}
