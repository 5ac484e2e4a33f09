import { assertNever } from '../../../stdx';
import type { FileFactoryOptions } from './file-common';
import { FsFileFactory } from './fs-file';
import { FileIoMode } from './mapped-file';
import type { MappedFileFactory } from './mapped-file';
import { loadMmapFileFactory } from './mmap-file';

export { ClosedFileError, FileIoMode } from './mapped-file';
export type { FileAdvice, FileError, MappedFile, MappedFileFactory, OpenOptions } from './mapped-file';
export type { AllocateFile, FileFactoryOptions } from './file-common';
export { FsFileFactory, FsMappedFile } from './fs-file';
export { MmapFileFactory, MmapMappedFile, tuneProcessAllocator } from './mmap-file';

/**
 * The file factory for `mode`. Throws when `mmap` is asked for but the native addon cannot be
 * loaded: a broker configured for mmap must not silently run in another mode.
 */
export function createFileFactory(mode: FileIoMode, options: FileFactoryOptions = {}): MappedFileFactory {
  switch (mode) {
    case FileIoMode.fs:
      return new FsFileFactory(options);
    case FileIoMode.mmap: {
      const loaded = loadMmapFileFactory(options);
      if (!loaded.ok) throw new Error(`file I/O mode 'mmap' is unavailable: ${loaded.error}. Build the addon (node native/build.js) or use mode 'fs'.`);
      return loaded.value;
    }
    default:
      return assertNever(mode, 'file I/O mode');
  }
}

/** 'mmap' when the native addon loads, else 'fs'. */
export function defaultIoMode(): FileIoMode {
  return loadMmapFileFactory().ok ? FileIoMode.mmap : FileIoMode.fs;
}
