/**
 * `<storeDir>/epoch`: the broker's epoch entries on disk, replaced atomically on every change
 * (ops.writeFileAtomic keeps the previous version as `epoch.bak`, read when the main file is damaged).
 * Changes are rare (one per promotion, one per epoch a replica starts receiving), so each is written
 * and fsynced before the caller goes on: an entry is durable before any byte of its epoch is.
 */
import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../../ops';
import type { Result } from '../../stdx';
import { err, ok } from '../../stdx';
import type { EpochEntry } from './epoch';
import { appendEntry, decodeEpochFile, encodeEpochFile, entriesBefore, entriesWithin } from './epoch';

export const EPOCH_FILE_NAME = 'epoch';

export class EpochFile {
  private list: readonly EpochEntry[] = [];
  /** Writes run one at a time, in the order they were asked for. */
  private writing: Promise<void> = Promise.resolve();

  constructor(readonly path: string) {}

  get entries(): readonly EpochEntry[] {
    return this.list;
  }

  /** Reads the file (or its backup); a missing file is an empty history, an unreadable pair an error. */
  async load(): Promise<Result<readonly EpochEntry[], string>> {
    const main = await readEntries(this.path);
    if (main.ok) {
      this.list = main.value;
      return ok(this.list);
    }
    const backup = await readEntries(`${this.path}.bak`);
    if (backup.ok) {
      this.list = backup.value;
      return ok(this.list);
    }
    if (main.error === 'missing' && backup.error === 'missing') {
      this.list = [];
      return ok(this.list);
    }
    return err(`${this.path}: ${main.error}; backup: ${backup.error}`);
  }

  /** Appends a newer epoch; refused (and nothing written) when it is not newer or starts earlier. */
  async append(entry: EpochEntry): Promise<Result<void, string>> {
    const next = appendEntry(this.list, entry);
    if (!next.ok) return next;
    await this.replace(next.value);
    return ok(undefined);
  }

  /** Drops the entries of a log cut at `commitLogOffset`. */
  async truncateFrom(commitLogOffset: number): Promise<void> {
    const next = entriesBefore(this.list, commitLogOffset);
    if (next.length !== this.list.length) await this.replace(next);
  }

  /** Drops entries starting beyond a log that ends at `maxOffset` (recovery cut a tail they began in). */
  async clampTo(maxOffset: number): Promise<void> {
    const next = entriesWithin(this.list, maxOffset);
    if (next.length !== this.list.length) await this.replace(next);
  }

  private replace(entries: readonly EpochEntry[]): Promise<void> {
    this.list = entries;
    const text = encodeEpochFile(entries);
    const write = this.writing.then(() => writeFileAtomic(this.path, text));
    // A failed write fails its caller; later writes still run (they carry the whole list).
    this.writing = write.catch(() => undefined);
    return write;
  }
}

async function readEntries(path: string): Promise<Result<EpochEntry[], string>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return err('missing');
    return err(`unreadable (${(e as Error).message})`);
  }
  const decoded = decodeEpochFile(text);
  return decoded.ok ? decoded : err(decoded.error);
}
