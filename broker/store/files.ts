import * as fs from 'node:fs';

/** RocketMQ names segment files by their 20-digit, zero-padded start offset. */
export function offsetFileName(offset: number): string {
  return String(offset).padStart(20, '0');
}

const OFFSET_NAME = /^\d{20}$/;

/** The offset-named files of a folder in ascending order; other names are returned separately. */
export function listOffsetFiles(dir: string): { offsets: number[]; strangers: string[] } {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { offsets: [], strangers: [] };
    throw e;
  }
  const offsets: number[] = [];
  const strangers: string[] = [];
  for (const name of names) {
    if (OFFSET_NAME.test(name)) offsets.push(Number(name));
    else strangers.push(name);
  }
  offsets.sort((a, b) => a - b);
  return { offsets, strangers };
}

export function removeFile(file: string): void {
  fs.rmSync(file, { force: true });
}
