import * as crypto from 'node:crypto';
import * as zlib from 'node:zlib';
import type { NativeCrc32 } from './index';
import { loadNativeCrc32, loadNativeMmap, nativeMmapLoadError } from './index';

const native = loadNativeCrc32();
const requireNative = process.env.ROCKET_REQUIRE_NATIVE === '1';
const describeNative = native !== null || requireNative ? describe : describe.skip;

if (native === null && !requireNative) {
  console.warn(`native/crc32.test.ts: skipping CRC tests: ${nativeMmapLoadError() ?? 'the addon has no crc32 (stale build?)'}`);
}

describe('loadNativeCrc32', () => {
  it('is available exactly when the addon loads with its CRC functions', () => {
    if (loadNativeMmap() === null) expect(native).toBeNull();
    if (requireNative) expect(native).not.toBeNull();
  });
});

describeNative('native crc32', () => {
  const crc = native as NativeCrc32;
  // Random bytes so that every fold constant and the table both matter.
  const bytes = crypto.randomBytes(70_000);

  it('equals zlib for every length 0..1100 at several alignments, from zero and from a previous CRC, on both paths', () => {
    let checked = 0;
    for (let length = 0; length <= 1100; length++) {
      for (const offset of [0, 1, 7, 15]) {
        for (const previous of [0, 0xffffffff, 0x12345678]) {
          const want = zlib.crc32(bytes.subarray(offset, offset + length), previous);
          const fast = crc.crc32(bytes, offset, length, previous) >>> 0;
          const portable = crc.crc32Portable(bytes, offset, length, previous) >>> 0;
          if (fast !== want || portable !== want) {
            throw new Error(`length ${length} offset ${offset} previous ${previous}: fast ${fast}, portable ${portable}, zlib ${want}`);
          }
          checked++;
        }
      }
    }
    expect(checked).toBe(1101 * 4 * 3);
  });

  it('equals zlib on large inputs and continues across split points like zlib', () => {
    for (const length of [4096, 65_536, 69_999]) {
      expect(crc.crc32(bytes, 1, length, 0) >>> 0).toBe(zlib.crc32(bytes.subarray(1, 1 + length)));
    }
    const whole = zlib.crc32(bytes.subarray(0, 5000));
    for (const split of [0, 1, 63, 64, 100, 2049, 5000]) {
      const first = crc.crc32(bytes, 0, split, 0);
      expect(crc.crc32(bytes, split, 5000 - split, first) >>> 0).toBe(whole);
    }
  });

  it('returns a signed 32-bit integer with the bits of the unsigned CRC', () => {
    // Find an input whose CRC has the top bit set.
    let at = 0;
    while ((zlib.crc32(bytes.subarray(at, at + 16)) & 0x80000000) === 0) at++;
    const value = crc.crc32(bytes, at, 16, 0);
    expect(value).toBeLessThan(0);
    expect(value >>> 0).toBe(zlib.crc32(bytes.subarray(at, at + 16)));
  });

  it('reads Uint8Array views and subarrays at their own offsets', () => {
    const view = new Uint8Array(bytes.buffer, bytes.byteOffset + 10, 500);
    expect(crc.crc32(view, 0, 500, 0) >>> 0).toBe(zlib.crc32(bytes.subarray(10, 510)));
    const sub = bytes.subarray(33, 1033);
    expect(crc.crc32(sub, 5, 900, 0) >>> 0).toBe(zlib.crc32(bytes.subarray(38, 938)));
  });

  it('rejects ranges outside the bytes and arguments of the wrong type', () => {
    const small = Buffer.alloc(16);
    expect(() => crc.crc32(small, 0, 17, 0)).toThrow(expect.objectContaining({ name: 'RangeError' }));
    expect(() => crc.crc32(small, 17, 0, 0)).toThrow(expect.objectContaining({ name: 'RangeError' }));
    expect(() => crc.crc32(small, -1, 1, 0)).toThrow(expect.objectContaining({ name: 'RangeError' }));
    expect(() => crc.crc32(small, 0.5, 1, 0)).toThrow(expect.objectContaining({ name: 'RangeError' }));
    expect(() => crc.crc32(new Uint16Array(4) as unknown as Uint8Array, 0, 1, 0)).toThrow(expect.objectContaining({ name: 'TypeError' }));
    expect(() => crc.crc32('abc' as unknown as Uint8Array, 0, 1, 0)).toThrow(expect.objectContaining({ name: 'TypeError' }));
    expect(crc.crc32(small, 16, 0, 0)).toBe(0);
  });
});
