import * as fs from 'node:fs';
import { assert, err, ok } from '../../../stdx';
import type { Result } from '../../../stdx';
import {
  FileLifecycle,
  FlushQueue,
  allocateByWritingZeros,
  assertRange,
  fdatasyncAsync,
  openSized,
  writeFullySync,
  writeZerosSync,
} from './file-common';
import type { AllocateFile, FileFactoryOptions } from './file-common';
import { ClosedFileError, FileIoMode } from './mapped-file';
import type { FileAdvice, FileError, MappedFile, MappedFileFactory, OpenOptions } from './mapped-file';

/** `writeWith` scratch buffers start here and grow to the largest record seen. */
const INITIAL_SCRATCH_BYTES = 64 * 1024;

/**
 * A fixed-size file accessed with positional `fs` reads and writes: the fallback for platforms
 * where the mmap addon could not be built. Reads return copies.
 */
export class FsMappedFile implements MappedFile {
  private readonly life: FileLifecycle;
  private readonly flushes = new FlushQueue();
  private scratch: Buffer = Buffer.alloc(0);
  /** Bytes were written since the last flush started. */
  private dirty = false;
  /** A flush's fdatasync is running; a blocking flush must cover its bytes too. */
  private syncing = false;

  constructor(
    readonly path: string,
    readonly sizeBytes: number,
    private readonly fd: number,
  ) {
    this.life = new FileLifecycle(path, () => fs.closeSync(fd));
  }

  get closed(): boolean {
    return this.life.closed;
  }

  read(position: number, length: number): Buffer {
    this.life.ensureOpen();
    assertRange(this.sizeBytes, position, length);
    const out = Buffer.allocUnsafe(length);
    let done = 0;
    while (done < length) {
      const n = fs.readSync(this.fd, out, done, length - done, position + done);
      assert(n > 0, `short read at ${position + done} in ${this.path}: the file shrank under the store`);
      done += n;
    }
    return out;
  }

  write(position: number, src: Buffer | Uint8Array): void {
    this.life.ensureOpen();
    assertRange(this.sizeBytes, position, src.length);
    writeFullySync(this.fd, src, 0, src.length, position);
    this.dirty = true;
  }

  writeWith(position: number, length: number, fill: (target: Buffer, offset: number) => void): void {
    this.life.ensureOpen();
    assertRange(this.sizeBytes, position, length);
    if (this.scratch.length < length) {
      this.scratch = Buffer.alloc(Math.max(length, INITIAL_SCRATCH_BYTES, this.scratch.length * 2));
    }
    fill(this.scratch, 0);
    writeFullySync(this.fd, this.scratch, 0, length, position);
    this.dirty = true;
  }

  flush(): Promise<void> {
    if (!this.life.hold()) return Promise.reject(new ClosedFileError(this.path));
    return this.flushes.run(() => this.flushOnce()).finally(() => this.life.release());
  }

  private async flushOnce(): Promise<void> {
    if (!this.dirty) return;
    this.dirty = false;
    this.syncing = true;
    try {
      await fdatasyncAsync(this.fd);
    } catch (e: unknown) {
      this.dirty = true;
      throw e;
    } finally {
      this.syncing = false;
    }
  }

  flushSync(): void {
    this.life.ensureOpen();
    if (!this.dirty && !this.syncing) return;
    this.dirty = false;
    try {
      fs.fdatasyncSync(this.fd);
    } catch (e: unknown) {
      this.dirty = true;
      throw e;
    }
  }

  discardFrom(position: number): void {
    this.life.ensureOpen();
    assertRange(this.sizeBytes, position, 0);
    // Overwriting keeps every block allocated, which truncating and re-extending would not.
    writeZerosSync(this.fd, position, this.sizeBytes);
    this.dirty = true;
  }

  advise(_advice: FileAdvice, position = 0, length?: number): void {
    // Node exposes no posix_fadvise, so the hint does nothing; a bad range is still a bug.
    if (!this.life.closed) assertRange(this.sizeBytes, position, length ?? this.sizeBytes - position);
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
}

export class FsFileFactory implements MappedFileFactory {
  readonly mode = FileIoMode.fs;
  private readonly allocate: AllocateFile;

  constructor(options: FileFactoryOptions = {}) {
    this.allocate = options.allocate ?? allocateByWritingZeros;
  }

  async open(path: string, sizeBytes: number, options: OpenOptions): Promise<Result<MappedFile, FileError>> {
    const opened = await openSized(path, sizeBytes, options, this.allocate);
    if (!opened.ok) return err(opened.error);
    return ok(new FsMappedFile(path, sizeBytes, opened.value.fd));
  }
}
