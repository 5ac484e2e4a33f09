import { DataViewCache } from './data-view';

describe('DataViewCache', () => {
  it('gives a view of exactly the buffer asked for, the same view while the buffer stays the same', () => {
    const cache = new DataViewCache();
    const whole = Buffer.alloc(64);
    const part = whole.subarray(8, 24);
    const view = cache.of(part);
    expect(cache.of(part)).toBe(view);
    view.setUint32(0, 0x01020304);
    expect(whole.subarray(8, 12).equals(Buffer.from([1, 2, 3, 4]))).toBe(true);
    expect(view.byteLength).toBe(16);
    const other = cache.of(whole);
    expect(other).not.toBe(view);
    expect(other.getUint32(8)).toBe(0x01020304);
  });
});
