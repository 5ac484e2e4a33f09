import * as fs from 'node:fs';
import * as path from 'node:path';
import { cleanupTempDirs, tempDir } from '../../testing/temp';
import { StoreLock } from './store-lock';

afterAll(cleanupTempDirs);

describe('StoreLock', () => {
  test('a second lock on one store in the same process is refused until the first is released', () => {
    const dir = tempDir('lock-');
    const first = new StoreLock(dir);
    expect(first.acquire().ok).toBe(true);
    const second = new StoreLock(dir);
    const refused = second.acquire();
    expect(!refused.ok && refused.error).toMatch(/already open in this process/);
    first.release();
    expect(second.acquire().ok).toBe(true);
    second.release();
    expect(fs.existsSync(path.join(dir, 'lock'))).toBe(false);
  });

  test('a lock naming our pid that this process never took is stale (a container restarted as pid 1) and is taken over', () => {
    const dir = tempDir('lock-');
    fs.writeFileSync(path.join(dir, 'lock'), String(process.pid));
    const lock = new StoreLock(dir);
    expect(lock.acquire().ok).toBe(true);
    expect(fs.readFileSync(path.join(dir, 'lock'), 'utf8')).toBe(String(process.pid));
    lock.release();
  });

  test('a lock held by another live process is refused; one of a dead process is taken over', () => {
    const dir = tempDir('lock-');
    fs.writeFileSync(path.join(dir, 'lock'), String(process.ppid));
    const refused = new StoreLock(dir).acquire();
    expect(!refused.ok && refused.error).toMatch(/locked by running process/);
    fs.writeFileSync(path.join(dir, 'lock'), '2147483646');
    const lock = new StoreLock(dir);
    expect(lock.acquire().ok).toBe(true);
    lock.release();
  });
});
