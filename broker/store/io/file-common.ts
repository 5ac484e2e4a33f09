import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { AssertionError, assert, err, ok } from '../../../stdx';
import type { Result } from '../../../stdx';
import { ClosedFileError } from './mapped-file';
import type { FileError, OpenOptions } from './mapped-file';

/** Zeros are written (allocation, fs-mode discard) in chunks of this size. */
export const ZERO_CHUNK_BYTES = 1024 * 1024;

/**
 * Allocates every block of a freshly created file, already truncated (sparse) to `sizeBytes` and
 * open read/write on `fd`. Rejects with an Error whose `code` is the errno name. Factories take one
 * as an option so that tests can make allocation fail as a full disk would.
 */
export type AllocateFile = (fd: number, sizeBytes: number) => Promise<void>;

export interface FileFactoryOptions {
  /** Replaces the factory's allocation step (tests inject ENOSPC through it). */
  readonly allocate?: AllocateFile;
}

const writeAsync = promisify(fs.write);
export const fdatasyncAsync = promisify(fs.fdatasync);

let zeroChunk: Buffer | null = null;
function zeros(): Buffer {
  zeroChunk ??= Buffer.alloc(ZERO_CHUNK_BYTES);
  return zeroChunk;
}

/** Writes zeros over [from, to) without blocking the event loop. */
export async function writeZerosAsync(fd: number, from: number, to: number): Promise<void> {
  const chunk = zeros();
  for (let at = from; at < to; ) {
    const { bytesWritten } = await writeAsync(fd, chunk, 0, Math.min(chunk.length, to - at), at);
    assert(bytesWritten > 0, 'write made no progress');
    at += bytesWritten;
  }
}

/** Writes zeros over [from, to), blocking. */
export function writeZerosSync(fd: number, from: number, to: number): void {
  const chunk = zeros();
  for (let at = from; at < to; ) at += writeFullySync(fd, chunk, 0, Math.min(chunk.length, to - at), at);
}

/** One positional write of `length` bytes, looping over short writes. Returns `length`. */
export function writeFullySync(fd: number, src: Uint8Array, offset: number, length: number, position: number): number {
  for (let done = 0; done < length; ) {
    const n = fs.writeSync(fd, src, offset + done, length - done, position + done);
    assert(n > 0, 'write made no progress');
    done += n;
  }
  return length;
}

/** The default allocation of the fs mode (Node has no fallocate): zeros over the whole file. */
export const allocateByWritingZeros: AllocateFile = (fd, sizeBytes) => writeZerosAsync(fd, 0, sizeBytes);

/** The errno name carried by `e`, or 'EIO' when it has none. */
export function errorCode(e: unknown): string {
  const code = typeof e === 'object' && e !== null ? (e as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : 'EIO';
}

function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Maps a thrown I/O error to the store's FileError catalogue. */
export function toFileError(filePath: string, e: unknown): FileError {
  const code = errorCode(e);
  if (code === 'ENOSPC' || code === 'EDQUOT') return { kind: 'no-space', path: filePath, message: errorMessage(e) };
  return { kind: 'io', path: filePath, code, message: errorMessage(e) };
}

/** Asserts that [position, position + length) lies inside a file of `sizeBytes`. */
export function assertRange(sizeBytes: number, position: number, length: number): void {
  // Runs on every read and write: the messages are built only when a check fails.
  if (!(Number.isSafeInteger(position) && position >= 0)) assert(false, `position must be a non-negative integer, got ${position}`);
  if (!(Number.isSafeInteger(length) && length >= 0)) assert(false, `length must be a non-negative integer, got ${length}`);
  if (position + length > sizeBytes) assert(false, `range [${position}, ${position + length}) is outside a file of ${sizeBytes} bytes`);
}

/**
 * Open/hold/close bookkeeping shared by both implementations. `dispose` releases the native
 * resources; it runs once, when the file is closed and no hold is outstanding.
 */
export class FileLifecycle {
  private holds = 0;
  private closedFlag = false;
  private disposed = false;

  constructor(
    private readonly filePath: string,
    private readonly dispose: () => void,
  ) {}

  get closed(): boolean {
    return this.closedFlag;
  }

  /** Throws ClosedFileError once the file is closed. */
  ensureOpen(): void {
    if (this.closedFlag) throw new ClosedFileError(this.filePath);
  }

  hold(): boolean {
    if (this.closedFlag) return false;
    this.holds++;
    return true;
  }

  release(): void {
    assert(this.holds > 0, `release without a matching hold: ${this.filePath}`);
    this.holds--;
    this.disposeWhenIdle();
  }

  close(): void {
    if (this.closedFlag) return;
    this.closedFlag = true;
    this.disposeWhenIdle();
  }

  private disposeWhenIdle(): void {
    if (!this.closedFlag || this.holds > 0 || this.disposed) return;
    this.disposed = true;
    this.dispose();
  }
}

/**
 * Runs flushes one after another. A flush that starts while another is running must not resolve
 * before the bytes of the earlier one are durable; running them in order (each one taking what
 * is dirty when it starts) guarantees that, and a failed flush leaves its bytes for the next.
 */
export class FlushQueue {
  private tail: Promise<void> = Promise.resolve();

  run(flushOnce: () => Promise<void>): Promise<void> {
    const next = this.tail.then(flushOnce);
    this.tail = next.catch(() => undefined);
    return next;
  }
}

export interface OpenedFd {
  readonly fd: number;
  /** True when this call created (and allocated) the file. */
  readonly created: boolean;
}

/**
 * Opens `filePath` read/write as a file of exactly `sizeBytes`, creating and allocating it when
 * allowed. A failed creation leaves no file behind.
 */
export async function openSized(
  filePath: string,
  sizeBytes: number,
  options: OpenOptions,
  allocate: AllocateFile,
): Promise<Result<OpenedFd, FileError>> {
  assert(Number.isSafeInteger(sizeBytes) && sizeBytes > 0, `sizeBytes must be a positive integer, got ${sizeBytes}`);
  const existing = openExisting(filePath, sizeBytes);
  if (existing.ok || existing.error.kind !== 'io' || existing.error.code !== 'ENOENT' || !options.create) return existing;

  let fd: number;
  try {
    fd = fs.openSync(filePath, 'wx+');
  } catch (e: unknown) {
    // Lost a race with another creator: use what it made.
    return errorCode(e) === 'EEXIST' ? openExisting(filePath, sizeBytes) : err(toFileError(filePath, e));
  }
  try {
    fs.ftruncateSync(fd, sizeBytes);
    await allocate(fd, sizeBytes);
    const actualBytes = fs.fstatSync(fd).size;
    assert(actualBytes === sizeBytes, `allocation left ${filePath} at ${actualBytes} bytes, expected ${sizeBytes}`);
    // Make the allocation and the new directory entry durable before any record lands in the file.
    await fdatasyncAsync(fd);
    await syncDirectory(path.dirname(filePath));
    return ok({ fd, created: true });
  } catch (e: unknown) {
    fs.closeSync(fd);
    fs.rmSync(filePath, { force: true });
    if (e instanceof AssertionError) throw e;
    return err(toFileError(filePath, e));
  }
}

function openExisting(filePath: string, sizeBytes: number): Result<OpenedFd, FileError> {
  let fd: number;
  try {
    fd = fs.openSync(filePath, 'r+');
  } catch (e: unknown) {
    return err(toFileError(filePath, e));
  }
  try {
    const actualBytes = fs.fstatSync(fd).size;
    if (actualBytes === sizeBytes) return ok({ fd, created: false });
    fs.closeSync(fd);
    return err({ kind: 'size-mismatch', path: filePath, expectedBytes: sizeBytes, actualBytes });
  } catch (e: unknown) {
    fs.closeSync(fd);
    return err(toFileError(filePath, e));
  }
}

/** fsync of a directory; file systems that cannot (EINVAL, EISDIR, EPERM) are skipped. */
async function syncDirectory(dir: string): Promise<void> {
  const handle = await fs.promises.open(dir, 'r');
  try {
    await handle.sync();
  } catch (e: unknown) {
    const code = errorCode(e);
    if (code !== 'EINVAL' && code !== 'EISDIR' && code !== 'EPERM') throw e;
  } finally {
    await handle.close();
  }
}
