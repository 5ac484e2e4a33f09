import * as fs from 'node:fs';
import type { FileError, MappedFile, MappedFileFactory, OpenOptions } from '../broker/store/io/mapped-file';
import type { Result } from '../stdx';

/**
 * Fault-injecting disk for store tests (TigerBeetle's habit): wraps a real file factory and can
 * refuse to allocate new files as a full disk would, and counts flushes.
 */
export class FaultyFiles implements MappedFileFactory {
  /** While true, creating a file fails with `no-space` (existing files keep working). */
  diskFull = false;
  /** Flushes of commit-log segments (files under a `commitlog` folder). */
  commitLogFlushes = 0;

  constructor(private readonly inner: MappedFileFactory) {}

  get mode() {
    return this.inner.mode;
  }

  async open(path: string, sizeBytes: number, options: OpenOptions): Promise<Result<MappedFile, FileError>> {
    if (this.diskFull && options.create && !fs.existsSync(path)) {
      return { ok: false, error: { kind: 'no-space', path, message: 'ENOSPC: injected full disk' } };
    }
    const r = await this.inner.open(path, sizeBytes, options);
    if (!r.ok) return r;
    return { ok: true, value: this.wrap(r.value) };
  }

  private wrap(file: MappedFile): MappedFile {
    const countFlush = (path: string) => {
      if (/[/\\]commitlog[/\\]/.test(path)) this.commitLogFlushes++;
    };
    return new Proxy(file, {
      get(target, prop) {
        if (prop === 'flush') {
          return () => {
            countFlush(target.path);
            return target.flush();
          };
        }
        const value = Reflect.get(target, prop) as unknown;
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
  }
}
