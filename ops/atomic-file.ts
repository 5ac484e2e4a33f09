/**
 * Small state files (topic configs, consumer offsets, KV config) are replaced atomically: write a
 * temporary file beside the target, fsync it, rename it over the target, fsync the directory. A
 * crash at any point leaves either the old or the new content, never a torn mix. The previous
 * version is kept as `<name>.bak` so a file damaged by something outside our control (a disk fault,
 * an operator's editor) can still be read back.
 */
import { closeSync, copyFileSync, existsSync, fsyncSync, openSync, renameSync, writeSync } from 'node:fs';
import { copyFile, mkdir, open, readFile, rename } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Result } from '../stdx';
import { err, ok } from '../stdx';

function tempPathOf(path: string): string {
  return join(dirname(path), `.${basename(path)}.tmp-${process.pid}`);
}

export async function writeFileAtomic(path: string, data: string | Buffer): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temp = tempPathOf(path);
  const handle = await open(temp, 'w', 0o644);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
  if (existsSync(path)) await copyFile(path, `${path}.bak`);
  await rename(temp, path);
  await syncDirectory(dirname(path));
}

/** The synchronous twin, for shutdown paths that must finish before the process exits. */
export function writeFileAtomicSync(path: string, data: string | Buffer): void {
  const temp = tempPathOf(path);
  const fd = openSync(temp, 'w', 0o644);
  try {
    const bytes = typeof data === 'string' ? Buffer.from(data) : data;
    let written = 0;
    while (written < bytes.length) written += writeSync(fd, bytes, written, bytes.length - written);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  if (existsSync(path)) copyFileSync(path, `${path}.bak`);
  renameSync(temp, path);
  const dirFd = openSync(dirname(path), 'r');
  try {
    fsyncSync(dirFd);
  } finally {
    closeSync(dirFd);
  }
}

async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export type JsonFileState<T> =
  | { readonly kind: 'missing' }
  | { readonly kind: 'loaded'; readonly value: T; readonly fromBackup: boolean };

/**
 * Reads a JSON state file written by `writeFileAtomic`, falling back to `.bak` when the main file is
 * unreadable. `parse` validates the shape and returns an error text for anything else. Only when both
 * are unreadable is it an error: the caller must refuse to start rather than silently forget state.
 */
export async function readJsonState<T>(path: string, parse: (value: unknown) => Result<T, string>): Promise<Result<JsonFileState<T>, string>> {
  const main = await readJson(path, parse);
  if (main.ok) return ok({ kind: 'loaded', value: main.value, fromBackup: false });
  const backup = await readJson(`${path}.bak`, parse);
  if (backup.ok) return ok({ kind: 'loaded', value: backup.value, fromBackup: true });
  if (main.error === 'missing' && backup.error === 'missing') return ok({ kind: 'missing' });
  return err(`${path}: ${main.error}; backup: ${backup.error}`);
}

async function readJson<T>(path: string, parse: (value: unknown) => Result<T, string>): Promise<Result<T, string>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return err('missing');
    return err(`unreadable (${(e as Error).message})`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return err(`not JSON (${(e as Error).message})`);
  }
  return parse(value);
}
