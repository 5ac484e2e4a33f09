import { loadNativeMmap, nativeMmapLoadError } from '../../../native';
import { FileIoMode, FsFileFactory, MmapFileFactory, createFileFactory, defaultIoMode } from './index';

describe('createFileFactory', () => {
  it('builds the fs factory for mode fs', () => {
    const factory = createFileFactory(FileIoMode.fs);
    expect(factory).toBeInstanceOf(FsFileFactory);
    expect(factory.mode).toBe('fs');
  });

  it('builds the mmap factory when the addon loads, and otherwise throws with the load error', () => {
    if (loadNativeMmap() !== null) {
      const factory = createFileFactory(FileIoMode.mmap);
      expect(factory).toBeInstanceOf(MmapFileFactory);
      expect(factory.mode).toBe('mmap');
    } else {
      expect(() => createFileFactory(FileIoMode.mmap)).toThrow(nativeMmapLoadError()!);
    }
  });

  it('rejects an unknown mode as a programmer error', () => {
    expect(() => createFileFactory('floppy' as FileIoMode)).toThrow(/unexpected file I\/O mode: floppy/);
  });
});

describe('defaultIoMode', () => {
  it('prefers mmap exactly when the addon loads', () => {
    expect(defaultIoMode()).toBe(loadNativeMmap() !== null ? 'mmap' : 'fs');
  });

  it('is mmap where the build requires the native addon (ROCKET_REQUIRE_NATIVE=1)', () => {
    if (process.env.ROCKET_REQUIRE_NATIVE !== '1') return;
    expect(defaultIoMode()).toBe('mmap');
  });
});
