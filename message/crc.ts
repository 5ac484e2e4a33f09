/**
 * The CRC-32 that RocketMQ records carry (java.util.zip.CRC32, the IEEE polynomial), behind a
 * function type so that callers with a faster implementation (the store's native one) can pass
 * it to the codec, which stays free of I/O and native code.
 */
import * as zlib from 'zlib';

/**
 * CRC-32 of `bytes[offset, offset + length)`, as java.util.zip.CRC32 and zlib compute it. The
 * result may come back signed or unsigned (the same 32 bits); callers mask or `>>> 0` it.
 */
export type Crc32 = (bytes: Uint8Array, offset: number, length: number) => number;

/** Node's built-in zlib CRC-32: the default wherever no faster one is passed. */
export const zlibCrc32: Crc32 = (bytes, offset, length) =>
  // A whole buffer needs no view of itself (a view is an allocation, on every append's body CRC).
  offset === 0 && length === bytes.length ? zlib.crc32(bytes) : zlib.crc32(bytes.subarray(offset, offset + length));
