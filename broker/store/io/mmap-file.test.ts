import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { constants as bufferConstants } from 'node:buffer';
import { loadNativeMmap, nativeMmapLoadError } from '../../../native';
import type { NativeMmap } from '../../../native';
import { MmapFileFactory } from './mmap-file';
import type { MappedFile } from './mapped-file';

/**
 * mmap-only behaviour. The addon here is always the real one; some tests wrap it to record the
 * calls the file makes or to make one call fail (fault injection), never to replace it.
 */
const real = loadNativeMmap();
const requireNative = process.env.ROCKET_REQUIRE_NATIVE === '1';
const describeNative = real !== null || requireNative ? describe : describe.skip;
if (real === null && !requireNative) console.warn(`mmap-file.test.ts: skipping: ${nativeMmapLoadError()}`);

function codeError(code: string): Error {
  return Object.assign(new Error(`${code} (injected)`), { code });
}

describeNative('MmapMappedFile', () => {
  const KiB = 1024;
  const SIZE = 1024 * KiB;
  let native: NativeMmap;
  let dir: string;
  let counter = 0;
  const opened: MappedFile[] = [];

  beforeAll(() => {
    if (real === null) throw new Error(`ROCKET_REQUIRE_NATIVE=1 but the addon did not load: ${nativeMmapLoadError()}`);
    native = real;
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rocket-mmapfile-'));
  });
  afterEach(() => {
    while (opened.length > 0) opened.pop()!.close();
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  const newPath = () => path.join(dir, `f${counter++}`);

  async function open(factory: MmapFileFactory, file = newPath()): Promise<MappedFile> {
    const r = await factory.open(file, SIZE, { create: true });
    if (!r.ok) throw new Error(JSON.stringify(r.error));
    opened.push(r.value);
    return r.value;
  }

  /** The real addon, recording the ranges passed to msync. */
  function recordingMsync(): { addon: NativeMmap; ranges: Array<[number, number]> } {
    const ranges: Array<[number, number]> = [];
    const addon: NativeMmap = {
      ...native,
      msyncAsync: (mapping, offset, length) => {
        ranges.push([offset, length]);
        return native.msyncAsync(mapping, offset, length);
      },
      msync: (mapping, offset, length) => {
        ranges.push([offset, length]);
        native.msync(mapping, offset, length);
      },
    };
    return { addon, ranges };
  }

  it('flush msyncs only the span written since the last flush, and nothing when clean', async () => {
    const { addon, ranges } = recordingMsync();
    const f = await open(new MmapFileFactory(addon));
    f.write(1000, Buffer.alloc(10, 1));
    f.writeWith(300_000, 50, (target, offset) => target.fill(2, offset, offset + 50));
    await f.flush();
    expect(ranges).toEqual([[1000, 300_050 - 1000]]);
    await f.flush();
    expect(ranges).toHaveLength(1);
    f.write(500_000, Buffer.alloc(4, 3));
    f.flushSync();
    expect(ranges[1]).toEqual([500_000, 4]);
  });

  it('a failed msync leaves its range dirty so that the next flush retries it', async () => {
    let failNext = true;
    const ranges: Array<[number, number]> = [];
    const addon: NativeMmap = {
      ...native,
      msyncAsync: (mapping, offset, length) => {
        ranges.push([offset, length]);
        if (failNext) {
          failNext = false;
          return Promise.reject(codeError('EIO'));
        }
        return native.msyncAsync(mapping, offset, length);
      },
    };
    const f = await open(new MmapFileFactory(addon));
    f.write(4096, Buffer.from('retry me'));
    await expect(f.flush()).rejects.toMatchObject({ code: 'EIO' });
    f.write(9000, Buffer.from('and me'));
    await f.flush();
    expect(ranges).toEqual([
      [4096, 8],
      [4096, 9006 - 4096],
    ]);
  });

  it('discardFrom falls back to zeroing through the mapping where zeroRange is unsupported', async () => {
    let zeroRangeCalls = 0;
    const addon: NativeMmap = {
      ...native,
      zeroRange: () => {
        zeroRangeCalls++;
        throw codeError('EOPNOTSUPP');
      },
    };
    const file = newPath();
    const f = await open(new MmapFileFactory(addon), file);
    f.write(0, Buffer.alloc(SIZE, 0xee));
    f.discardFrom(5000);
    expect(zeroRangeCalls).toBe(1);
    expect(f.read(4999, 1)[0]).toBe(0xee);
    expect(f.read(5000, SIZE - 5000).every((b) => b === 0)).toBe(true);
    await f.flush();
    expect(fs.readFileSync(file).subarray(5000).every((b) => b === 0)).toBe(true);
  });

  it('discardFrom rethrows zeroRange failures other than "unsupported"', async () => {
    const addon: NativeMmap = {
      ...native,
      zeroRange: () => {
        throw codeError('EIO');
      },
    };
    const f = await open(new MmapFileFactory(addon));
    expect(() => f.discardFrom(100)).toThrow(expect.objectContaining({ code: 'EIO' }));
  });

  it('allocates by writing zeros where posix_fallocate is unsupported', async () => {
    const addon: NativeMmap = { ...native, fallocateAsync: () => Promise.reject(codeError('EOPNOTSUPP')) };
    const file = newPath();
    const f = await open(new MmapFileFactory(addon), file);
    expect(fs.statSync(file).blocks * 512).toBeGreaterThanOrEqual(SIZE);
    expect(f.read(0, SIZE).every((b) => b === 0)).toBe(true);
  });

  it('a real posix_fallocate failure removes the new file', async () => {
    // Allocating from a read-only descriptor fails inside the addon with EBADF.
    if (!fs.existsSync('/proc/self/fd')) return; // Linux only: reopens the descriptor read-only.
    const addon: NativeMmap = {
      ...native,
      fallocateAsync: (fd, offset, length) => {
        const readOnly = fs.openSync(`/proc/self/fd/${fd}`, 'r');
        return native.fallocateAsync(readOnly, offset, length).finally(() => fs.closeSync(readOnly));
      },
    };
    const file = newPath();
    const r = await new MmapFileFactory(addon).open(file, SIZE, { create: true });
    expect(r).toMatchObject({ ok: false, error: { kind: 'io', code: 'EBADF', path: file } });
    expect(fs.existsSync(file)).toBe(false);
  });

  it('a failed map closes the descriptor and removes a file it just created', async () => {
    if (!fs.existsSync('/proc/self/fd')) return; // Linux only: the check reads the process's fd table.
    let mappedFd = -1;
    const addon: NativeMmap = {
      ...native,
      map: (fd) => {
        mappedFd = fd;
        throw codeError('ENOMEM');
      },
    };
    const file = newPath();
    const r = await new MmapFileFactory(addon).open(file, SIZE, { create: true });
    expect(r).toMatchObject({ ok: false, error: { kind: 'io', code: 'ENOMEM', path: file } });
    expect(fs.existsSync(file)).toBe(false);
    expect(mappedFd).toBeGreaterThanOrEqual(0);
    let target: string | null = null;
    try {
      target = fs.readlinkSync(`/proc/self/fd/${mappedFd}`);
    } catch {
      // closed: what we want
    }
    expect(target === null || !target.startsWith(file)).toBe(true);
  });

  it('refuses sizes larger than one Buffer can map, before touching the disk', async () => {
    const file = newPath();
    const r = await new MmapFileFactory(native).open(file, bufferConstants.MAX_LENGTH + 1, { create: true });
    expect(r).toMatchObject({ ok: false, error: { kind: 'io', code: 'EFBIG' } });
    expect(fs.existsSync(file)).toBe(false);
  });

  it('close unmaps the file: the addon reports the mapping released', async () => {
    let mapping: Buffer | null = null;
    const addon: NativeMmap = {
      ...native,
      map: (fd, length, offset, writable) => {
        mapping = native.map(fd, length, offset, writable);
        return mapping;
      },
    };
    const f = await open(new MmapFileFactory(addon));
    expect(native.isUnmapped(mapping!)).toBe(false);
    f.close();
    expect(native.isUnmapped(mapping!)).toBe(true);
  });
});
