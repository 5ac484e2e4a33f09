import * as fs from 'node:fs';
import { constants as bufferConstants } from 'node:buffer';
// With crc.ts, the store's door onto the native addon (docs/ARCHITECTURE.md): nothing else imports it.
import { loadNativeMmap, nativeMmapLoadError } from '../../../native';
import type { NativeAdvice, NativeMmap } from '../../../native';
import { err, ok } from '../../../stdx';
import type { Result } from '../../../stdx';
import {
  FileLifecycle,
  FlushQueue,
  assertRange,
  errorCode,
  fdatasyncAsync,
  openSized,
  toFileError,
  writeZerosAsync,
} from './file-common';
import type { AllocateFile, FileFactoryOptions } from './file-common';
import { ClosedFileError, FileIoMode } from './mapped-file';
import type { FileAdvice, FileError, MappedFile, MappedFileFactory, OpenOptions } from './mapped-file';

const ADVICE: Record<FileAdvice, keyof NativeAdvice> = {
  normal: 'NORMAL',
  sequential: 'SEQUENTIAL',
  willneed: 'WILLNEED',
  dontneed: 'DONTNEED',
};

/** Codes meaning "this file system cannot do that"; the caller then writes zeros instead. */
function isUnsupported(e: unknown): boolean {
  const code = errorCode(e);
  return code === 'EOPNOTSUPP' || code === 'ENOTSUP' || code === 'ENOSYS';
}

/** A byte range [from, to); empty when to <= from. */
interface ByteRange {
  readonly from: number;
  readonly to: number;
}

const EMPTY: ByteRange = { from: Number.POSITIVE_INFINITY, to: 0 };

function union(a: ByteRange, b: ByteRange): ByteRange {
  return { from: Math.min(a.from, b.from), to: Math.max(a.to, b.to) };
}

/**
 * A fixed-size file mapped MAP_SHARED through the native addon. Reads are zero-copy views;
 * writes go straight into the page cache. The file descriptor stays open for the file's life:
 * discardFrom and flushes after a discard use it.
 *
 * Flushes msync only the range written since the last flush (min..max written position), which
 * keeps a flush of a 1 GiB segment proportional to what was appended.
 */
export class MmapMappedFile implements MappedFile {
  private readonly life: FileLifecycle;
  private readonly flushes = new FlushQueue();
  /** Written since the last flush started: [dirtyFrom, dirtyTo), empty when dirtyTo <= dirtyFrom. */
  private dirtyFrom = Number.POSITIVE_INFINITY;
  private dirtyTo = 0;
  /** discardFrom changed extents (zero range): the next flush also needs fdatasync. */
  private metadataDirty = false;
  /** The range an async flush is syncing right now; a blocking flush must cover it too. */
  private syncing: ByteRange = EMPTY;

  constructor(
    readonly path: string,
    readonly sizeBytes: number,
    private readonly fd: number,
    private readonly mapping: Buffer,
    private readonly native: NativeMmap,
  ) {
    this.life = new FileLifecycle(path, () => this.dispose());
  }

  get closed(): boolean {
    return this.life.closed;
  }

  read(position: number, length: number): Buffer {
    this.life.ensureOpen();
    assertRange(this.sizeBytes, position, length);
    return this.mapping.subarray(position, position + length);
  }

  write(position: number, src: Buffer | Uint8Array): void {
    this.life.ensureOpen();
    assertRange(this.sizeBytes, position, src.length);
    this.mapping.set(src, position);
    this.markDirty(position, position + src.length);
  }

  writeWith(position: number, length: number, fill: (target: Buffer, offset: number) => void): void {
    this.life.ensureOpen();
    assertRange(this.sizeBytes, position, length);
    try {
      fill(this.mapping, position);
    } finally {
      // Even a fill that threw may have written part of the range.
      this.markDirty(position, position + length);
    }
  }

  flush(): Promise<void> {
    // The hold keeps the mapping and the descriptor alive until the flush is done, even if the
    // file is closed meanwhile.
    if (!this.life.hold()) return Promise.reject(new ClosedFileError(this.path));
    return this.flushes.run(() => this.flushOnce()).finally(() => this.life.release());
  }

  private async flushOnce(): Promise<void> {
    const range = this.takeDirty();
    const metadata = this.metadataDirty;
    if (range.to <= range.from && !metadata) return;
    this.metadataDirty = false;
    this.syncing = range;
    try {
      if (range.to > range.from) await this.native.msyncAsync(this.mapping, range.from, range.to - range.from);
      if (metadata) await fdatasyncAsync(this.fd);
    } catch (e: unknown) {
      // Leave the bytes dirty so that the next flush retries them.
      this.markDirty(range.from, range.to);
      this.metadataDirty ||= metadata;
      throw e;
    } finally {
      this.syncing = EMPTY;
    }
  }

  flushSync(): void {
    this.life.ensureOpen();
    const range = union(this.takeDirty(), this.syncing);
    const metadata = this.metadataDirty;
    if (range.to <= range.from && !metadata) return;
    this.metadataDirty = false;
    try {
      if (range.to > range.from) this.native.msync(this.mapping, range.from, range.to - range.from);
      if (metadata) fs.fdatasyncSync(this.fd);
    } catch (e: unknown) {
      this.markDirty(range.from, range.to);
      this.metadataDirty ||= metadata;
      throw e;
    }
  }

  discardFrom(position: number): void {
    this.life.ensureOpen();
    assertRange(this.sizeBytes, position, 0);
    const pageSize = this.native.pageSize;
    const pageEnd = Math.min(this.sizeBytes, Math.ceil(position / pageSize) * pageSize);
    // The partial first page through the mapping, the whole pages after it by zeroing extents:
    // that keeps the blocks allocated and costs no writes of 1 GiB of zeros.
    this.mapping.fill(0, position, pageEnd);
    this.markDirty(position, pageEnd);
    if (pageEnd === this.sizeBytes) return;
    try {
      this.native.zeroRange(this.fd, pageEnd, this.sizeBytes - pageEnd);
      this.metadataDirty = true;
    } catch (e: unknown) {
      if (!isUnsupported(e)) throw e;
      this.mapping.fill(0, pageEnd, this.sizeBytes);
      this.markDirty(pageEnd, this.sizeBytes);
    }
  }

  advise(advice: FileAdvice, position = 0, length?: number): void {
    if (this.life.closed) return;
    const span = length ?? this.sizeBytes - position;
    assertRange(this.sizeBytes, position, span);
    this.native.madvise(this.mapping, position, span, this.native.advice[ADVICE[advice]]);
  }

  prefault(position: number, length: number): Promise<void> {
    assertRange(this.sizeBytes, position, length);
    // The hold keeps the mapping until the pool thread is done with it.
    if (length === 0 || !this.life.hold()) return Promise.resolve();
    return this.native.pretouchAsync(this.mapping, position, length).finally(() => this.life.release());
  }

  hold(): boolean {
    return this.life.hold();
  }

  release(): void {
    this.life.release();
  }

  close(): void {
    this.life.close();
  }

  // Called on every write: two numbers, no allocation.
  private markDirty(from: number, to: number): void {
    if (to <= from) return;
    if (from < this.dirtyFrom) this.dirtyFrom = from;
    if (to > this.dirtyTo) this.dirtyTo = to;
  }

  /** The dirty range, which is then empty. */
  private takeDirty(): ByteRange {
    const range = this.dirtyTo > this.dirtyFrom ? { from: this.dirtyFrom, to: this.dirtyTo } : EMPTY;
    this.dirtyFrom = Number.POSITIVE_INFINITY;
    this.dirtyTo = 0;
    return range;
  }

  private dispose(): void {
    // Unmapping replaces the range with zero pages, so views callers kept read zeros, not a fault.
    // Dirty pages stay in the page cache and reach the disk as usual. If the remap itself fails
    // the file stays mapped until GC, which is harmless; the descriptor is closed either way.
    try {
      this.native.unmap(this.mapping);
    } finally {
      fs.closeSync(this.fd);
    }
  }
}

/** posix_fallocate in the thread pool; zeros by hand where the platform has no fallocate. */
function allocateWith(native: NativeMmap): AllocateFile {
  return async (fd, sizeBytes) => {
    try {
      await native.fallocateAsync(fd, 0, sizeBytes);
    } catch (e: unknown) {
      if (!isUnsupported(e)) throw e;
      await writeZerosAsync(fd, 0, sizeBytes);
    }
  };
}

export class MmapFileFactory implements MappedFileFactory {
  readonly mode = FileIoMode.mmap;
  private readonly allocate: AllocateFile;

  constructor(
    private readonly native: NativeMmap,
    options: FileFactoryOptions = {},
  ) {
    this.allocate = options.allocate ?? allocateWith(native);
  }

  async open(path: string, sizeBytes: number, options: OpenOptions): Promise<Result<MappedFile, FileError>> {
    if (sizeBytes > bufferConstants.MAX_LENGTH) {
      const message = `${sizeBytes} bytes is more than one mapping can hold (${bufferConstants.MAX_LENGTH})`;
      return err({ kind: 'io', path, code: 'EFBIG', message });
    }
    const opened = await openSized(path, sizeBytes, options, this.allocate);
    if (!opened.ok) return err(opened.error);
    const { fd, created } = opened.value;

    let mapping: Buffer;
    try {
      mapping = this.native.map(fd, sizeBytes, 0, true);
    } catch (e: unknown) {
      fs.closeSync(fd);
      if (created) fs.rmSync(path, { force: true });
      return err(toFileError(path, e));
    }
    const file = new MmapMappedFile(path, sizeBytes, fd, mapping, this.native);
    if (created && options.pretouch === true) {
      try {
        await this.native.pretouchAsync(mapping, 0, sizeBytes);
      } catch (e: unknown) {
        file.close();
        fs.rmSync(path, { force: true });
        return err(toFileError(path, e));
      }
    }
    return ok(file);
  }
}

/** The mmap factory, or the reason the addon cannot be used. Never throws. */
export function loadMmapFileFactory(options: FileFactoryOptions = {}): Result<MmapFileFactory, string> {
  const native = loadNativeMmap();
  if (native === null) return err(nativeMmapLoadError() ?? 'rocket_mmap addon unavailable');
  return ok(new MmapFileFactory(native, options));
}

const ALLOCATOR_MiB = 1024 * 1024;

/**
 * Settings of the C allocator for a broker process: freed memory up to 64 MiB stays in the
 * process (trim threshold), the heap grows 16 MiB at a time (top pad), and blocks up to 16 MiB come
 * from the heap rather than from fresh mappings. A broker allocates and frees request frames and
 * socket read buffers all the time; with glibc's defaults freed memory went back to the kernel and
 * was faulted in and zeroed again, ~10% of the broker's CPU under produce load (perf). True when
 * applied; false without the native addon or off glibc (nothing changed then).
 */
export function tuneProcessAllocator(): boolean {
  const addon = loadNativeMmap();
  return addon !== null && addon.tuneMalloc(64 * ALLOCATOR_MiB, 16 * ALLOCATOR_MiB, 16 * ALLOCATOR_MiB);
}
