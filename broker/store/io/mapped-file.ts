import type { Result } from '../../../stdx';

/**
 * The store's only view of disk. Commit-log segments, consume-queue files and index files are all
 * fixed-size files accessed through this interface, with two implementations behind one factory:
 *  - `mmap`: the native addon maps the file shared read/write; reads are zero-copy views.
 *  - `fs`:   positional reads and writes with `fs` (for platforms without a compiler); reads copy.
 * The whole store test suite runs against both modes.
 */
export const FileIoMode = { mmap: 'mmap', fs: 'fs' } as const;
export type FileIoMode = (typeof FileIoMode)[keyof typeof FileIoMode];

export type FileAdvice = 'normal' | 'sequential' | 'willneed' | 'dontneed';

export type FileError =
  /** The disk had no room to allocate the file (ENOSPC/EDQUOT). Nothing was corrupted. */
  | { readonly kind: 'no-space'; readonly path: string; readonly message: string }
  /** An existing file does not have the size the store expects. */
  | { readonly kind: 'size-mismatch'; readonly path: string; readonly expectedBytes: number; readonly actualBytes: number }
  /** Any other I/O failure, with the errno code when there is one. */
  | { readonly kind: 'io'; readonly path: string; readonly code: string; readonly message: string };

/** Thrown when a closed file is used: a programmer error, never an expected outcome. */
export class ClosedFileError extends Error {
  override readonly name = 'ClosedFileError';
  constructor(readonly path: string) {
    super(`file is closed: ${path}`);
  }
}

export interface MappedFile {
  readonly path: string;
  readonly sizeBytes: number;
  readonly closed: boolean;

  /**
   * Bytes [position, position + length). mmap: a zero-copy view into the mapping; fs: a fresh copy.
   * A view stays safe to touch after close (it then reads zeros), but callers that keep a view past
   * the current tick must `hold()` the file so that it is not unmapped under them.
   */
  read(position: number, length: number): Buffer;

  /** Copies `src` into the file at `position` (page cache; durable after `flush`). */
  write(position: number, src: Buffer | Uint8Array): void;

  /**
   * Encodes straight into file memory: `fill(target, offset)` must write exactly `length` bytes at
   * `target[offset, offset + length)`. mmap: the mapping itself (the record is written once);
   * fs: a reused scratch buffer that is then written with one positional write.
   */
  writeWith(position: number, length: number, fill: (target: Buffer, offset: number) => void): void;

  /** Makes every byte written so far durable (msync MS_SYNC / fdatasync) without blocking the event loop. */
  flush(): Promise<void>;

  /** Blocking variant of `flush` for shutdown and recovery paths. */
  flushSync(): void;

  /**
   * Discards [position, sizeBytes): afterwards those bytes read as zeros, the file keeps its size
   * and its blocks stay allocated. Cutting a torn tail uses it so that stale records behind the
   * cut can never be revived by a later recovery.
   */
  discardFrom(position: number): void;

  /** Access-pattern hint over [position, position + length); a no-op where unsupported. */
  advise(advice: FileAdvice, position?: number, length?: number): void;

  /**
   * Maps the pages of [position, position + length) into memory off the event loop (reading one
   * byte per page: nothing is dirtied), so that writes there do not stall on a page fault that
   * must first allocate and zero the page. Optional: only implementations where writes go
   * through memory have it (mmap). Resolves when done; a closed file resolves at once.
   */
  prefault?(position: number, length: number): Promise<void>;

  /** Pins the file open (returns false if already closed). Every successful hold needs one release. */
  hold(): boolean;
  release(): void;

  /**
   * Closes the file. Later `read`/`write` calls throw ClosedFileError. If holds are outstanding the
   * mapping is released when the last one is. Idempotent.
   */
  close(): void;
}

export interface OpenOptions {
  /** Create the file (and allocate all its blocks on disk) when it does not exist. */
  readonly create: boolean;
  /**
   * After allocating, touch every page so the first appends never fault on a cold page.
   * Ignored when the file already existed.
   */
  readonly pretouch?: boolean;
}

export interface MappedFileFactory {
  readonly mode: FileIoMode;
  /**
   * Opens `path` as a file of exactly `sizeBytes` bytes. A new file is allocated in full (not
   * sparse) so that writes into it can never fail for lack of space; allocation failure for lack of
   * space is `no-space`. An existing file of another size is `size-mismatch`.
   */
  open(path: string, sizeBytes: number, options: OpenOptions): Promise<Result<MappedFile, FileError>>;
}
