// With mmap-file.ts, the store's door onto the native addon (docs/ARCHITECTURE.md).
import { loadNativeCrc32 } from '../../../native';
import { zlibCrc32 } from '../../../message';
import type { Crc32 } from '../../../message';

/**
 * The fastest CRC-32 available: the addon's carry-less-multiplication one where the CPU has it
 * (several times zlib's speed on record-sized inputs), else zlib's. Records get one body CRC and
 * one record CRC on append, so this is a large share of the append cost.
 */
export function fastestCrc32(): Crc32 {
  const native = loadNativeCrc32();
  if (native === null || !native.crc32Accelerated) return zlibCrc32;
  const crc32 = native.crc32;
  return (bytes, offset, length) => crc32(bytes, offset, length, 0);
}
