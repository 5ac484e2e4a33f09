import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * The JavaScript face of the `rocket_mmap` addon (native/src/mmap.cc).
 *
 * All offsets and lengths are byte counts given as non-negative safe integers; bad values throw
 * RangeError, a wrong argument type TypeError. System-call failures throw (or reject with) an
 * Error whose `code` is the errno name ('ENOSPC', 'EINVAL', ...). Functions that take a `mapping`
 * need the Buffer returned by `map` itself, not a copy or a subarray of it.
 */
export interface NativeMmap {
  /** The system page size in bytes. */
  readonly pageSize: number;
  /** `madvise` advice values. */
  readonly advice: NativeAdvice;
  /**
   * Maps `length` bytes of `fd` from `offset` (a multiple of `pageSize`) MAP_SHARED, read/write
   * when `writable`. The Buffer's GC finalizer unmaps the range.
   */
  map(fd: number, length: number, offset: number, writable: boolean): Buffer;
  /**
   * Releases the file mapping now. The address range is replaced with anonymous zero pages, so
   * views of `mapping` read zeros (and absorb stray writes) instead of faulting. Idempotent.
   */
  unmap(mapping: Buffer): void;
  /** True once `unmap` has run on `mapping`. */
  isUnmapped(mapping: Buffer): boolean;
  /** msync(MS_SYNC) over [offset, offset + length), widened down to a page boundary. Blocks. */
  msync(mapping: Buffer, offset: number, length: number): void;
  /** `msync` in the libuv thread pool. */
  msyncAsync(mapping: Buffer, offset: number, length: number): Promise<void>;
  /** madvise over [offset, offset + length), widened down to a page boundary. */
  madvise(mapping: Buffer, offset: number, length: number, advice: number): void;
  /** posix_fallocate(fd, offset, length). Blocks. */
  fallocate(fd: number, offset: number, length: number): void;
  /**
   * fallocate(FALLOC_FL_ZERO_RANGE): [offset, offset + length) reads as zeros and stays allocated;
   * safe with live mappings because the file size does not change. Blocks (metadata-only work on
   * ext4/xfs). Throws with code EOPNOTSUPP where unsupported (tmpfs, non-Linux).
   */
  zeroRange(fd: number, offset: number, length: number): void;
  /** posix_fallocate in the libuv thread pool. */
  fallocateAsync(fd: number, offset: number, length: number): Promise<void>;
  /**
   * Reads one byte of every page of [offset, offset + length) in the thread pool, so the pages are
   * in the page cache and mapped (without being dirtied) before appends reach them.
   */
  pretouchAsync(mapping: Buffer, offset: number, length: number): Promise<void>;
  /**
   * glibc `mallopt`: M_TRIM_THRESHOLD, M_TOP_PAD and M_MMAP_THRESHOLD (bytes, each at most
   * INT_MAX). Keeps freed memory in the process instead of returning it to the kernel after every
   * large free, so the next allocation does not fault in and zero fresh pages. Process-wide. False
   * where the C library has no mallopt (nothing changed).
   */
  tuneMalloc(trimThreshold: number, topPad: number, mmapThreshold: number): boolean;
}

export interface NativeAdvice {
  readonly NORMAL: number;
  readonly SEQUENTIAL: number;
  readonly WILLNEED: number;
  readonly DONTNEED: number;
}

/** Error shape the addon throws for failed system calls. */
export interface NativeSystemError extends Error {
  readonly code: string;
  readonly errno: number;
  readonly syscall: string;
}

const ADDON_FILE = 'build/Release/rocket_mmap.node';

/**
 * Where the addon may live: beside this file when run from source (`native/index.ts`), or in the
 * source tree's `native/` when run compiled from `dist/native/index.js`.
 */
export function nativeMmapCandidatePaths(): readonly string[] {
  return [path.join(__dirname, ADDON_FILE), path.join(__dirname, '../../native', ADDON_FILE)];
}

type LoadState = { readonly addon: NativeMmap; readonly error: null } | { readonly addon: null; readonly error: string };

let loaded: LoadState | undefined;

function load(): LoadState {
  const problems: string[] = [];
  for (const candidate of nativeMmapCandidatePaths()) {
    if (!fs.existsSync(candidate)) {
      problems.push(`${candidate}: not found`);
      continue;
    }
    try {
      // Native addons load only through require.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const addon: unknown = require(candidate);
      if (!looksLikeAddon(addon)) {
        problems.push(`${candidate}: does not export every rocket_mmap function (a stale build? run node native/build.js)`);
        continue;
      }
      return { addon, error: null };
    } catch (e: unknown) {
      problems.push(`${candidate}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  return { addon: null, error: `rocket_mmap addon unavailable (${problems.join('; ')})` };
}

function looksLikeAddon(value: unknown): value is NativeMmap {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Record<string, unknown>;
  const functions = ['map', 'unmap', 'isUnmapped', 'msync', 'msyncAsync', 'madvise', 'fallocate', 'zeroRange', 'fallocateAsync', 'pretouchAsync', 'tuneMalloc'];
  return functions.every((name) => typeof record[name] === 'function') && typeof record.pageSize === 'number';
}

/** The addon, or null when it is not built or fails to load. Never throws; the result is cached. */
export function loadNativeMmap(): NativeMmap | null {
  loaded ??= load();
  return loaded.addon;
}

/** Why `loadNativeMmap` returned null, or null when the addon loaded. */
export function nativeMmapLoadError(): string | null {
  loaded ??= load();
  return loaded.error;
}

