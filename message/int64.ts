/**
 * Big-endian 64-bit integers as JS numbers, written and read as two 32-bit halves so the hot
 * codec paths allocate nothing (no BigInt, no DataView). Values are exact up to 2^53; RocketMQ's
 * offsets and timestamps stay far below that.
 */

const TWO_POW_32 = 0x1_0000_0000;

/** Writes `value` (an integer, may be negative) as a signed big-endian int64 at `pos`. */
export function writeInt64BE(target: Buffer, value: number, pos: number): void {
  const high = Math.floor(value / TWO_POW_32);
  const low = value - high * TWO_POW_32;
  target.writeInt32BE(high, pos);
  target.writeUInt32BE(low, pos + 4);
}

/**
 * Reads a signed big-endian int64 at `pos`. Values beyond ±2^53 lose precision; callers that
 * need exactness (message ids) check the high half themselves.
 */
export function readInt64BE(source: Buffer, pos: number): number {
  return source.readInt32BE(pos) * TWO_POW_32 + source.readUInt32BE(pos + 4);
}
