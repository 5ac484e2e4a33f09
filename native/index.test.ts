import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import type { NativeMmap } from './index';
import { loadNativeMmap, nativeMmapCandidatePaths, nativeMmapLoadError } from './index';

const addon = loadNativeMmap();
const requireNative = process.env.ROCKET_REQUIRE_NATIVE === '1';
const describeNative = addon !== null || requireNative ? describe : describe.skip;

if (addon === null && !requireNative) {
  // Visible in the test output so a skipped suite is never mistaken for a passing one.
  console.warn(`native/index.test.ts: skipping addon tests: ${nativeMmapLoadError() ?? 'unknown reason'}`);
}

describe('loadNativeMmap', () => {
  it('looks for the addon beside the source file and in the source tree when run from dist/', () => {
    const candidates = nativeMmapCandidatePaths();
    expect(candidates).toContain(path.join(__dirname, 'build/Release/rocket_mmap.node'));
    expect(candidates).toContain(path.join(__dirname, '../../native/build/Release/rocket_mmap.node'));
  });

  it('either loads the addon or explains why not, and never both', () => {
    expect(loadNativeMmap() === null).toBe(nativeMmapLoadError() !== null);
    expect(loadNativeMmap()).toBe(addon);
  });

  it('loads when the build requires the native addon (ROCKET_REQUIRE_NATIVE=1)', () => {
    if (!requireNative) return;
    expect(nativeMmapLoadError()).toBeNull();
  });
});

describeNative('rocket_mmap addon', () => {
  const mmap = addon as NativeMmap;
  const MiB = 1024 * 1024;
  let dir: string;
  let counter = 0;
  const openFds: number[] = [];

  beforeAll(() => {
    if (addon === null) throw new Error(`ROCKET_REQUIRE_NATIVE=1 but the addon did not load: ${nativeMmapLoadError()}`);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rocket-native-'));
  });
  afterEach(() => {
    while (openFds.length > 0) fs.closeSync(openFds.pop()!);
  });
  afterAll(() => {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  /** A new file of `size` zero bytes, opened read/write. */
  function newFile(size: number): { file: string; fd: number } {
    const file = path.join(dir, `f${counter++}`);
    const fd = fs.openSync(file, 'wx+');
    openFds.push(fd);
    fs.ftruncateSync(fd, size);
    return { file, fd };
  }

  /**
   * Matches an error by name: the addon creates its errors in Node's main realm, while Jest runs
   * tests in a vm context with its own RangeError, so `instanceof` cannot be used here.
   */
  function named(name: 'RangeError' | 'TypeError') {
    return expect.objectContaining({ name });
  }

  function readFromDisk(fd: number, position: number, length: number): Buffer {
    const out = Buffer.alloc(length);
    fs.readSync(fd, out, 0, length, position);
    return out;
  }

  it('exposes the page size and the four madvise constants', () => {
    expect(mmap.pageSize).toBeGreaterThanOrEqual(4096);
    expect(mmap.pageSize & (mmap.pageSize - 1)).toBe(0);
    expect(Object.keys(mmap.advice).sort()).toEqual(['DONTNEED', 'NORMAL', 'SEQUENTIAL', 'WILLNEED']);
    expect(new Set(Object.values(mmap.advice)).size).toBe(4);
  });

  it('shares bytes with the file in both directions (MAP_SHARED)', () => {
    const { fd } = newFile(MiB);
    const mapping = mmap.map(fd, MiB, 0, true);
    expect(mapping.length).toBe(MiB);
    mapping.write('written through the mapping', 5000);
    expect(readFromDisk(fd, 5000, 27).toString()).toBe('written through the mapping');
    fs.writeSync(fd, Buffer.from('written with fs'), 0, 15, 70000);
    expect(mapping.subarray(70000, 70015).toString()).toBe('written with fs');
    mmap.unmap(mapping);
  });

  it('maps from a page-aligned offset of the file', () => {
    const { fd } = newFile(4 * mmap.pageSize);
    fs.writeSync(fd, Buffer.from('second page'), 0, 11, mmap.pageSize);
    const mapping = mmap.map(fd, mmap.pageSize, mmap.pageSize, false);
    expect(mapping.subarray(0, 11).toString()).toBe('second page');
    mmap.unmap(mapping);
  });

  it('flushes written bytes with msync and msyncAsync, unaligned ranges included', async () => {
    const { file, fd } = newFile(MiB);
    const mapping = mmap.map(fd, MiB, 0, true);
    mapping.fill(7, 4097, 9000);
    mmap.msync(mapping, 4097, 9000 - 4097);
    mapping.fill(9, 100, 200);
    await expect(mmap.msyncAsync(mapping, 150, 10)).resolves.toBeUndefined();
    await mmap.msyncAsync(mapping, 0, MiB);
    mmap.msync(mapping, MiB, 0);
    const onDisk = fs.readFileSync(file);
    expect(onDisk[4097]).toBe(7);
    expect(onDisk[8999]).toBe(7);
    expect(onDisk[150]).toBe(9);
    mmap.unmap(mapping);
  });

  it('accepts every advice constant and keeps the data (DONTNEED on a shared mapping loses nothing)', () => {
    const { fd } = newFile(MiB);
    const mapping = mmap.map(fd, MiB, 0, true);
    mapping.write('kept', 10);
    for (const advice of Object.values(mmap.advice)) mmap.madvise(mapping, 1, MiB - 1, advice);
    expect(mapping.subarray(10, 14).toString()).toBe('kept');
    mmap.unmap(mapping);
  });

  it('unmap turns views into zeros without crashing, keeps the file, and is idempotent', () => {
    const { fd } = newFile(MiB);
    const mapping = mmap.map(fd, MiB, 0, true);
    mapping.write('durable bytes', 300);
    const view = mapping.subarray(300, 313);
    expect(mmap.isUnmapped(mapping)).toBe(false);

    mmap.unmap(mapping);
    expect(mmap.isUnmapped(mapping)).toBe(true);
    expect(view.equals(Buffer.alloc(13))).toBe(true);
    expect(mapping.every((b) => b === 0)).toBe(true);
    // A stray write through an old view lands in private memory: no fault, and not in the file.
    view.fill(1);
    expect(readFromDisk(fd, 300, 13).toString()).toBe('durable bytes');

    expect(() => mmap.unmap(mapping)).not.toThrow();
    expect(() => mmap.msync(mapping, 0, MiB)).not.toThrow();
    expect(() => mmap.madvise(mapping, 0, MiB, mmap.advice.DONTNEED)).not.toThrow();
  });

  it('msyncAsync still resolves when the mapping is unmapped while the sync is queued', async () => {
    const { fd } = newFile(MiB);
    const mapping = mmap.map(fd, MiB, 0, true);
    const pending = mmap.msyncAsync(mapping, 0, MiB);
    mmap.unmap(mapping);
    await expect(pending).resolves.toBeUndefined();
  });

  it('tuneMalloc keeps freed memory for the next allocation instead of faulting in fresh pages', () => {
    // In child processes (the setting is process-wide): 400 rounds of allocating and touching 50
    // buffers of 90,000 bytes (a request frame's size), then letting them go. Untuned, glibc hands
    // freed memory back to the kernel and later rounds fault in fresh pages; tuned, they reuse it.
    const addonPath = nativeMmapCandidatePaths().find((p) => fs.existsSync(p))!;
    const script = `
      const tune = process.argv[1] === 'tuned';
      if (tune && !require(${JSON.stringify(addonPath)}).tuneMalloc(64 * 2 ** 20, 16 * 2 ** 20, 16 * 2 ** 20)) process.exit(3);
      const before = process.resourceUsage().minorPageFault;
      for (let i = 0; i < 400; i++) {
        let held = [];
        for (let j = 0; j < 50; j++) held.push(Buffer.allocUnsafeSlow(90000).fill(i));
        held = null;
        globalThis.gc();
      }
      process.stdout.write(String(process.resourceUsage().minorPageFault - before));`;
    const faults = (mode: string): number => {
      const r = spawnSync(process.execPath, ['--expose-gc', '-e', script, mode], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`child exited ${r.status}: ${r.stderr}`);
      return Number(r.stdout);
    };
    const plain = faults('plain');
    const tuned = faults('tuned');
    expect(plain).toBeGreaterThan(10_000);
    expect(tuned).toBeLessThan(plain / 3);
  });

  it('tuneMalloc refuses values that are not counts up to INT_MAX', () => {
    expect(() => mmap.tuneMalloc(-1, 0, 0)).toThrow(named('RangeError'));
    expect(() => mmap.tuneMalloc(0, 2 ** 31, 0)).toThrow(named('RangeError'));
    expect(() => mmap.tuneMalloc(0, 0, 0.5)).toThrow(named('RangeError'));
    expect(() => (mmap.tuneMalloc as (...args: unknown[]) => boolean)('1', 0, 0)).toThrow(named('TypeError'));
  });

  it('pretouchAsync touches every page of a fresh file and leaves it all zeros', async () => {
    const { file, fd } = newFile(MiB);
    mmap.fallocate(fd, 0, MiB);
    const mapping = mmap.map(fd, MiB, 0, true);
    await expect(mmap.pretouchAsync(mapping, 0, MiB)).resolves.toBeUndefined();
    await mmap.pretouchAsync(mapping, 123, 4000);
    mmap.unmap(mapping);
    expect(fs.readFileSync(file).every((b) => b === 0)).toBe(true);
  });

  it('fallocate and fallocateAsync allocate real blocks and extend the file', async () => {
    const file = path.join(dir, `alloc${counter++}`);
    const fd = fs.openSync(file, 'wx+');
    openFds.push(fd);
    await mmap.fallocateAsync(fd, 0, 4 * MiB);
    let stat = fs.fstatSync(fd);
    expect(stat.size).toBe(4 * MiB);
    expect(stat.blocks * 512).toBeGreaterThanOrEqual(4 * MiB);
    mmap.fallocate(fd, 4 * MiB, MiB);
    stat = fs.fstatSync(fd);
    expect(stat.size).toBe(5 * MiB);
    expect(stat.blocks * 512).toBeGreaterThanOrEqual(5 * MiB);
  });

  it('zeroRange zeroes a range seen through a live mapping and keeps its blocks allocated', () => {
    const { file, fd } = newFile(MiB);
    mmap.fallocate(fd, 0, MiB);
    const mapping = mmap.map(fd, MiB, 0, true);
    mapping.fill(0xab);
    mmap.msync(mapping, 0, MiB);
    const blocksBefore = fs.fstatSync(fd).blocks;
    try {
      mmap.zeroRange(fd, 8192, MiB - 8192);
    } catch (e: unknown) {
      // tmpfs and non-Linux platforms cannot zero ranges; the store then writes zeros instead.
      if ((e as { code?: unknown }).code === 'EOPNOTSUPP') return;
      throw e;
    }
    expect(mapping[8191]).toBe(0xab);
    expect(mapping.subarray(8192).every((b) => b === 0)).toBe(true);
    mapping[MiB - 1] = 5; // the mapping still writes through to the file after the zeroing
    mmap.msync(mapping, 0, MiB);
    const onDisk = fs.readFileSync(file);
    expect(onDisk[8191]).toBe(0xab);
    expect(onDisk.subarray(8192, MiB - 1).every((b) => b === 0)).toBe(true);
    expect(onDisk[MiB - 1]).toBe(5);
    expect(fs.fstatSync(fd).blocks).toBeGreaterThanOrEqual(blocksBefore);
    expect(fs.fstatSync(fd).size).toBe(MiB);
    mmap.unmap(mapping);
  });

  it('reports failed system calls with the errno name as code', async () => {
    const { file } = newFile(MiB);
    const readOnly = fs.openSync(file, 'r');
    openFds.push(readOnly);
    expect(() => mmap.map(readOnly, MiB, 0, true)).toThrow(expect.objectContaining({ code: 'EACCES', syscall: 'mmap' }));
    await expect(mmap.fallocateAsync(readOnly, 0, MiB)).rejects.toMatchObject({ code: 'EBADF', syscall: 'posix_fallocate' });
    expect(() => mmap.fallocate(readOnly, 0, MiB)).toThrow(expect.objectContaining({ code: 'EBADF' }));
    const closed = fs.openSync(file, 'r+');
    fs.closeSync(closed);
    expect(() => mmap.map(closed, MiB, 0, true)).toThrow(expect.objectContaining({ code: 'EBADF' }));
  });

  it('rejects bad arguments with RangeError or TypeError before touching memory', () => {
    const { fd } = newFile(MiB);
    const mapping = mmap.map(fd, MiB, 0, true);
    const badCounts = [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53];
    for (const bad of badCounts) {
      expect(() => mmap.map(fd, bad, 0, true)).toThrow(named('RangeError'));
      expect(() => mmap.msync(mapping, bad, 1)).toThrow(named('RangeError'));
      expect(() => mmap.madvise(mapping, 0, bad, mmap.advice.NORMAL)).toThrow(named('RangeError'));
      expect(() => mmap.fallocate(fd, bad, 1)).toThrow(named('RangeError'));
      expect(() => mmap.zeroRange(fd, 0, bad)).toThrow(named('RangeError'));
    }
    expect(() => mmap.map(fd, 0, 0, true)).toThrow(named('RangeError'));
    expect(() => mmap.map(fd, MiB, 1, true)).toThrow(named('RangeError'));
    expect(() => mmap.map(-1, MiB, 0, true)).toThrow(named('RangeError'));
    expect(() => mmap.msync(mapping, MiB, 1)).toThrow(named('RangeError'));
    expect(() => mmap.msync(mapping, 1, MiB)).toThrow(named('RangeError'));
    expect(() => mmap.msyncAsync(mapping, 0, MiB + 1)).toThrow(named('RangeError'));
    expect(() => mmap.pretouchAsync(mapping, MiB + 1, 0)).toThrow(named('RangeError'));
    expect(() => mmap.madvise(mapping, 0, 1, 12345)).toThrow(named('RangeError'));
    // Only the Buffer returned by map() will do: page alignment could otherwise leave the mapping.
    expect(() => mmap.msync(mapping.subarray(4096), 0, 1)).toThrow(named('TypeError'));
    expect(() => mmap.unmap(Buffer.alloc(16))).toThrow(named('TypeError'));
    expect(() => mmap.madvise(Buffer.from(mapping), 0, 1, mmap.advice.NORMAL)).toThrow(named('TypeError'));
    expect(() => (mmap.map as (...args: unknown[]) => Buffer)(fd, MiB, 0, 'yes')).toThrow(named('TypeError'));
    expect(() => (mmap.map as (...args: unknown[]) => Buffer)('3', MiB, 0, true)).toThrow(named('TypeError'));
    expect(mapping.subarray(0, 4).equals(Buffer.alloc(4))).toBe(true);
    mmap.unmap(mapping);
  });

  it('the GC finalizer munmaps mappings nobody references any more', async () => {
    if (!fs.existsSync('/proc/self/maps')) return; // Linux only: the check reads the process's maps.
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    const { file, fd } = newFile(MiB);
    const mappedRanges = () => fs.readFileSync('/proc/self/maps', 'utf8').split('\n').filter((line) => line.endsWith(file)).length;

    (() => {
      for (let i = 0; i < 8; i++) mmap.map(fd, MiB, 0, false);
    })();
    expect(mappedRanges()).toBeGreaterThanOrEqual(1);
    for (let round = 0; round < 20 && mappedRanges() > 0; round++) {
      gc();
      // Node runs external-buffer finalizers from the event loop, after the collection.
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(mappedRanges()).toBe(0);
  });
});
