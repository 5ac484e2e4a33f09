import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** A fresh folder under the OS temp dir; removed by `cleanupTempDirs` (call it in afterAll). */
const created: string[] = [];

export function tempDir(prefix = 'rocket-test-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  created.push(dir);
  return dir;
}

export function cleanupTempDirs(): void {
  while (created.length > 0) fs.rmSync(created.pop()!, { recursive: true, force: true });
}
