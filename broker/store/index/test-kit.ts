/**
 * Test support for the index folder (imported by its *.test.ts files only): temp directories and
 * the file factories of both I/O modes.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createFileFactory, FileIoMode } from '../io';
import type { MappedFileFactory } from '../io';

export interface IoModeCase {
  readonly mode: FileIoMode;
  /** Undefined when the mode cannot run here; `skipReason` says why. */
  readonly factory: MappedFileFactory | undefined;
  readonly skipReason: string | undefined;
}

/**
 * Both modes. mmap is skipped (with the reason in the test title) only when the native addon is
 * not built and ROCKET_REQUIRE_NATIVE is not '1'; with it set, a missing addon fails the suite.
 */
export function ioModeCases(): IoModeCase[] {
  return [FileIoMode.fs, FileIoMode.mmap].map((mode) => {
    try {
      return { mode, factory: createFileFactory(mode), skipReason: undefined };
    } catch (e) {
      if (process.env.ROCKET_REQUIRE_NATIVE === '1') throw e;
      return { mode, factory: undefined, skipReason: `native mmap addon not available: ${(e as Error).message}` };
    }
  });
}

export function makeTempDir(label: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `rocket-index-${label}-`));
}

export function removeTempDir(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}
