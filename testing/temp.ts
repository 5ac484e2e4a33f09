import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** A fresh folder under the OS temp dir; removed by `cleanupTempDirs` (call it in afterAll). */
const created: string[] = [];

/**
 * `inMemory` puts the folder on tmpfs (/dev/shm) where there is one: for tests that reopen a store
 * hundreds of times to check recovery logic, where real fsyncs only cost time.
 */
export function tempDir(prefix = 'rocket-test-', options: { inMemory?: boolean } = {}): string {
  const base = options.inMemory && fs.existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir();
  const dir = fs.mkdtempSync(path.join(base, prefix));
  created.push(dir);
  return dir;
}

export function cleanupTempDirs(): void {
  while (created.length > 0) fs.rmSync(created.pop()!, { recursive: true, force: true });
}
