import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AssertionError } from '../../../stdx';
import { ClosedFileError, FileIoMode, FsFileFactory, createFileFactory } from './index';
import type { FileFactoryOptions, MappedFile, MappedFileFactory } from './index';
import { loadMmapFileFactory } from './mmap-file';

/**
 * One suite, both implementations (nats-server's habit): every behaviour the store relies on is
 * checked against the fs and the mmap factory alike.
 */
const mmapAvailable = loadMmapFileFactory();
const requireNative = process.env.ROCKET_REQUIRE_NATIVE === '1';
if (!mmapAvailable.ok && !requireNative) {
  console.warn(`mapped-file.test.ts: skipping the mmap factory: ${mmapAvailable.error}`);
}

type MakeFactory = (options?: FileFactoryOptions) => MappedFileFactory;
const factories: Array<[FileIoMode, MakeFactory]> = [[FileIoMode.fs, (options) => new FsFileFactory(options)]];
if (mmapAvailable.ok || requireNative) factories.push([FileIoMode.mmap, (options) => createFileFactory(FileIoMode.mmap, options)]);

const KiB = 1024;
const SIZE = 256 * KiB + 100; // deliberately not a multiple of the page size

function pattern(length: number, seed: number): Buffer {
  const out = Buffer.alloc(length);
  for (let i = 0; i < length; i++) out[i] = (i * 31 + seed) % 251;
  return out;
}

function enospc(): Error {
  return Object.assign(new Error('ENOSPC: no space left on device (injected)'), { code: 'ENOSPC' });
}

describe.each(factories)('MappedFile (%s mode)', (mode, makeFactory) => {
  let dir: string;
  let factory: MappedFileFactory;
  let counter = 0;
  const opened: MappedFile[] = [];

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), `rocket-io-${mode}-`));
    factory = makeFactory();
  });
  afterEach(() => {
    while (opened.length > 0) opened.pop()!.close();
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  const newPath = () => path.join(dir, String(counter++).padStart(20, '0'));

  async function open(file: string, size = SIZE, create = true, f: MappedFileFactory = factory): Promise<MappedFile> {
    const r = await f.open(file, size, { create });
    if (!r.ok) throw new Error(`open failed: ${JSON.stringify(r.error)}`);
    opened.push(r.value);
    return r.value;
  }

  it('reports its mode', () => {
    expect(factory.mode).toBe(mode);
  });

  it('creates the file at its full size with every block allocated, reading zeros', async () => {
    const file = newPath();
    const f = await open(file);
    expect([f.path, f.sizeBytes, f.closed]).toEqual([file, SIZE, false]);
    const stat = fs.statSync(file);
    expect(stat.size).toBe(SIZE);
    expect(stat.blocks * 512).toBeGreaterThanOrEqual(SIZE);
    expect(f.read(0, SIZE).every((b) => b === 0)).toBe(true);
  });

  it('creates with pretouch and still reads zeros', async () => {
    const file = newPath();
    const r = await factory.open(file, SIZE, { create: true, pretouch: true });
    if (!r.ok) throw new Error(JSON.stringify(r.error));
    opened.push(r.value);
    expect(r.value.read(0, SIZE).every((b) => b === 0)).toBe(true);
    expect(fs.statSync(file).blocks * 512).toBeGreaterThanOrEqual(SIZE);
  });

  it('round-trips write and writeWith, and the bytes survive close and reopen without a flush', async () => {
    const file = newPath();
    const f = await open(file);
    f.write(10, pattern(100, 1));
    f.write(SIZE - 7, new Uint8Array([1, 2, 3, 4, 5, 6, 7]));
    f.writeWith(5000, 16, (target, offset) => target.write('sixteen bytes!!!', offset));
    // A record larger than any before it (the fs scratch buffer must grow) right after a small one.
    const big = pattern(100 * KiB, 2);
    f.writeWith(20 * KiB, big.length, (target, offset) => big.copy(target, offset));
    expect(f.read(10, 100).equals(pattern(100, 1))).toBe(true);
    expect([...f.read(SIZE - 7, 7)]).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(f.read(5000, 16).toString()).toBe('sixteen bytes!!!');
    expect(f.read(20 * KiB, big.length).equals(big)).toBe(true);
    expect(f.read(110, 10).every((b) => b === 0)).toBe(true);

    f.close();
    const again = await open(file, SIZE, false);
    expect(again.read(10, 100).equals(pattern(100, 1))).toBe(true);
    expect(again.read(5000, 16).toString()).toBe('sixteen bytes!!!');
    expect(again.read(20 * KiB, big.length).equals(big)).toBe(true);
    expect(fs.readFileSync(file).subarray(SIZE - 7).equals(Buffer.from([1, 2, 3, 4, 5, 6, 7]))).toBe(true);
  });

  it('opening an existing file with create=true keeps its contents', async () => {
    const file = newPath();
    const f = await open(file);
    f.write(0, Buffer.from('keep me'));
    f.close();
    const again = await open(file, SIZE, true);
    expect(again.read(0, 7).toString()).toBe('keep me');
  });

  it('reads are views in mmap mode and copies in fs mode', async () => {
    const f = await open(newPath());
    const before = f.read(0, 4);
    f.write(0, Buffer.from('abcd'));
    expect(before.toString()).toBe(mode === FileIoMode.mmap ? 'abcd' : '\0\0\0\0');
  });

  it('flushes: written bytes are on disk, overlapping flushes all resolve, flushSync works', async () => {
    const file = newPath();
    const f = await open(file);
    await f.flush(); // nothing written yet
    f.write(100, Buffer.from('first'));
    const first = f.flush();
    f.write(200 * KiB, Buffer.from('second'));
    const second = f.flush();
    await expect(Promise.all([first, second])).resolves.toEqual([undefined, undefined]);
    f.write(SIZE - 5, Buffer.from('third'));
    f.flushSync();
    f.flushSync(); // clean: nothing to do
    const onDisk = fs.readFileSync(file);
    expect(onDisk.subarray(100, 105).toString()).toBe('first');
    expect(onDisk.subarray(200 * KiB, 200 * KiB + 6).toString()).toBe('second');
    expect(onDisk.subarray(SIZE - 5).toString()).toBe('third');
  });

  it.each([0, 1, 4095, 4096, 4097, 70000, SIZE - 1, SIZE])('discardFrom(%i) zeros the tail, keeps the head, size and blocks', async (cut) => {
    const file = newPath();
    const f = await open(file);
    const data = pattern(SIZE, 3);
    f.write(0, data);
    await f.flush();
    const blocksBefore = fs.statSync(file).blocks;

    f.discardFrom(cut);
    expect(f.read(0, cut).equals(data.subarray(0, cut))).toBe(true);
    expect(f.read(cut, SIZE - cut).every((b) => b === 0)).toBe(true);
    await f.flush();
    const stat = fs.statSync(file);
    expect(stat.size).toBe(SIZE);
    expect(stat.blocks).toBeGreaterThanOrEqual(blocksBefore);
    const onDisk = fs.readFileSync(file);
    expect(onDisk.subarray(0, cut).equals(data.subarray(0, cut))).toBe(true);
    expect(onDisk.subarray(cut).every((b) => b === 0)).toBe(true);
  });

  it('accepts writes after discardFrom, and they survive reopen', async () => {
    const file = newPath();
    const f = await open(file);
    f.write(0, pattern(SIZE, 4));
    f.discardFrom(5000);
    f.write(5000, Buffer.from('rewritten after the cut'));
    f.write(SIZE - 4, Buffer.from('tail'));
    await f.flush();
    f.close();
    const again = await open(file, SIZE, false);
    expect(again.read(5000, 23).toString()).toBe('rewritten after the cut');
    expect(again.read(5023, SIZE - 4 - 5023).every((b) => b === 0)).toBe(true);
    expect(again.read(SIZE - 4, 4).toString()).toBe('tail');
    expect(again.read(0, 5000).equals(pattern(SIZE, 4).subarray(0, 5000))).toBe(true);
  });

  it('accepts every access-pattern hint without changing the data', async () => {
    const f = await open(newPath());
    f.write(0, Buffer.from('hinted'));
    for (const advice of ['normal', 'sequential', 'willneed', 'dontneed'] as const) {
      f.advise(advice);
      f.advise(advice, 4097, 1000);
    }
    expect(f.read(0, 6).toString()).toBe('hinted');
  });

  it('throws ClosedFileError for every data operation after close; close is idempotent', async () => {
    const f = await open(newPath());
    f.close();
    f.close();
    expect(f.closed).toBe(true);
    expect(() => f.read(0, 1)).toThrow(ClosedFileError);
    expect(() => f.write(0, Buffer.from('x'))).toThrow(ClosedFileError);
    expect(() => f.writeWith(0, 1, () => undefined)).toThrow(ClosedFileError);
    expect(() => f.discardFrom(0)).toThrow(ClosedFileError);
    expect(() => f.flushSync()).toThrow(ClosedFileError);
    await expect(f.flush()).rejects.toThrow(ClosedFileError);
    expect(f.hold()).toBe(false);
    expect(() => f.advise('willneed')).not.toThrow();
  });

  it('close with holds outstanding keeps views valid until the last release', async () => {
    const file = newPath();
    const f = await open(file);
    f.write(0, Buffer.from('held bytes'));
    expect(f.hold()).toBe(true);
    expect(f.hold()).toBe(true);
    const view = f.read(0, 10);
    f.close();
    expect(() => f.read(0, 1)).toThrow(ClosedFileError);
    f.release();
    expect(view.toString()).toBe('held bytes');
    f.release();
    // The last release unmapped the file: an mmap view now reads zeros (and must not crash).
    expect(view.toString()).toBe(mode === FileIoMode.mmap ? '\0'.repeat(10) : 'held bytes');
    expect(() => f.release()).toThrow(AssertionError);
    expect(fs.readFileSync(file).subarray(0, 10).toString()).toBe('held bytes');
  });

  it('a view kept past close without a hold reads zeros in mmap mode instead of crashing', async () => {
    const f = await open(newPath());
    f.write(64, Buffer.from('gone'));
    const view = f.read(64, 4);
    f.close();
    expect(view.toString()).toBe(mode === FileIoMode.mmap ? '\0\0\0\0' : 'gone');
  });

  it('a flush in progress keeps the file open until it completes, even across close', async () => {
    const file = newPath();
    const f = await open(file);
    f.write(0, Buffer.from('flushed'));
    const pending = f.flush();
    f.close();
    await expect(pending).resolves.toBeUndefined();
    expect(fs.readFileSync(file).subarray(0, 7).toString()).toBe('flushed');
  });

  it('asserts on ranges outside the file', async () => {
    const f = await open(newPath());
    expect(() => f.read(SIZE - 1, 2)).toThrow(AssertionError);
    expect(() => f.read(-1, 1)).toThrow(AssertionError);
    expect(() => f.write(SIZE, Buffer.from('x'))).toThrow(AssertionError);
    expect(() => f.writeWith(1.5, 1, () => undefined)).toThrow(AssertionError);
    expect(() => f.discardFrom(SIZE + 1)).toThrow(AssertionError);
    expect(() => f.advise('normal', SIZE, 1)).toThrow(AssertionError);
    expect(f.read(0, SIZE).every((b) => b === 0)).toBe(true);
  });

  it('reports size-mismatch for an existing file of another size, leaving it untouched', async () => {
    const file = newPath();
    fs.writeFileSync(file, Buffer.from('short file'));
    const r = await factory.open(file, SIZE, { create: true });
    expect(r).toEqual({ ok: false, error: { kind: 'size-mismatch', path: file, expectedBytes: SIZE, actualBytes: 10 } });
    expect(fs.readFileSync(file).toString()).toBe('short file');
  });

  it('reports io ENOENT for a missing file when create is false, creating nothing', async () => {
    const file = newPath();
    const r = await factory.open(file, SIZE, { create: false });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error).toMatchObject({ kind: 'io', path: file, code: 'ENOENT' });
    expect(fs.existsSync(file)).toBe(false);
  });

  it('reports io with the code when the folder is missing', async () => {
    const file = path.join(dir, 'no-such-folder', 'f');
    const r = await factory.open(file, SIZE, { create: true });
    expect(r).toMatchObject({ ok: false, error: { kind: 'io', code: 'ENOENT' } });
  });

  it('reports no-space when allocation runs out of disk and leaves no partial file', async () => {
    let calls = 0;
    const full = makeFactory({
      allocate: async (fd, sizeBytes) => {
        calls++;
        // Half the file made it to disk before the disk filled up.
        fs.writeSync(fd, Buffer.alloc(sizeBytes / 2, 1), 0, sizeBytes / 2, 0);
        throw enospc();
      },
    });
    const file = newPath();
    const r = await full.open(file, 64 * KiB, { create: true, pretouch: true });
    expect(calls).toBe(1);
    expect(r).toMatchObject({ ok: false, error: { kind: 'no-space', path: file } });
    expect(fs.existsSync(file)).toBe(false);
  });

  it('maps other allocation failures to io with their code, also leaving no file', async () => {
    const failing = makeFactory({ allocate: () => Promise.reject(Object.assign(new Error('EIO: injected'), { code: 'EIO' })) });
    const file = newPath();
    const r = await failing.open(file, SIZE, { create: true });
    expect(r).toMatchObject({ ok: false, error: { kind: 'io', code: 'EIO', path: file } });
    expect(fs.existsSync(file)).toBe(false);
  });

  it('does not allocate when the file already exists (the injected allocator is not called)', async () => {
    const file = newPath();
    (await open(file)).close();
    const never = makeFactory({ allocate: () => Promise.reject(enospc()) });
    await expect(open(file, SIZE, true, never)).resolves.toBeDefined();
  });
});
