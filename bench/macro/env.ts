/** Settings from the environment and the benchmark's scratch folder, shared by bench/macro and bench/ha. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import { REPO_ROOT } from './servers';

const TMPFS_MAGIC = 0x01021994;

export function envNumber(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${name} must be a non-negative number, got ${raw}`);
  return n;
}

/** A parent folder on a real disk (BENCH_DATA_DIR wins): the point is to measure the page cache and writeback of a disk, not RAM. */
export function dataParent(): string {
  const configured = process.env.BENCH_DATA_DIR;
  if (configured !== undefined && configured !== '') return configured;
  for (const candidate of [os.tmpdir(), '/var/tmp', REPO_ROOT]) {
    try {
      if (fs.statfsSync(candidate).type !== TMPFS_MAGIC) return candidate;
    } catch {
      // not there; try the next
    }
  }
  return os.tmpdir();
}
