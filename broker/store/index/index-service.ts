import * as fs from 'node:fs';
import * as path from 'node:path';
import { assert, err, ok } from '../../../stdx';
import type { Clock, Result } from '../../../stdx';
import type { FileError, MappedFile, MappedFileFactory } from '../io/mapped-file';
import { isIndexFileName, nextIndexFileName } from './file-names';
import { IndexFile } from './index-file';
import type { HashedKey } from './index-file';
import { assertGeometry, emptyHeader, fileSizeBytes, HEADER_BYTES, indexKey, indexKeyHash, indexKeyHashAfter, indexKeyPrefixHash } from './layout';
import type { IndexGeometry } from './layout';

export interface IndexConfig {
  /** Hash slots per file; RocketMQ's default is 5,000,000. */
  readonly maxHashSlots: number;
  /** Entry area per file, in entries (entry 0 is never used); RocketMQ's default is 20,000,000. */
  readonly maxIndexCount: number;
}

export const DEFAULT_INDEX_CONFIG: IndexConfig = { maxHashSlots: 5_000_000, maxIndexCount: 20_000_000 };

export interface IndexEntryInput {
  readonly topic: string;
  /** The KEYS property: space-separated keys, each indexed. */
  readonly keys: string | undefined;
  /** The UNIQ_KEY property (client message id). */
  readonly uniqKey: string | undefined;
  readonly commitLogOffset: number;
  readonly storeTimestamp: number;
}

/** Outcome of `put`: `full` and `no-file` both mean "call roll(), then put again". */
export const IndexPutStatus = { ok: 'ok', full: 'full', noFile: 'no-file' } as const;
export type IndexPutStatus = (typeof IndexPutStatus)[keyof typeof IndexPutStatus];

/** Largest `maxCount` a query accepts; callers clamp user input to it. */
export const MAX_QUERY_COUNT = 65_536;

/** The errno-like code of an index file whose header fails validation. */
export const CORRUPT_CODE = 'ECORRUPT';

/**
 * Index files that find messages by key (each token of KEYS, and UNIQ_KEY) within a time range,
 * in RocketMQ's IndexFile layout (docs/formats-index.md).
 *
 * Records are indexed in commit-log order into the newest file; a full file is followed by a new
 * one created through `roll()`. Files are named by creation time and kept in name order, which is
 * also commit-log order. Disk access goes through the MappedFileFactory; the only direct `fs` use
 * is directory housekeeping (create the folder, list it, remove files).
 */
export class IndexService {
  private files: IndexFile[] = [];
  private state: 'new' | 'open' | 'closed' = 'new';
  private maxIndexed = -1;
  private rolling: Promise<Result<void, FileError>> | undefined;
  private corruptChains = 0;
  private readonly geometry: IndexGeometry;
  /** Topic of the last record indexed and the hash of `${topic}#` (records come in runs of one topic). */
  private prefixTopic = '';
  private prefixHash = indexKeyPrefixHash('');

  constructor(
    private readonly dir: string,
    config: IndexConfig,
    private readonly factory: MappedFileFactory,
    private readonly clock: Clock,
  ) {
    this.geometry = { slotCount: config.maxHashSlots, entryCount: config.maxIndexCount };
    assertGeometry(this.geometry);
  }

  /** Highest commitLogOffset (record start) indexed so far, or -1. */
  get maxIndexedOffset(): number {
    return this.maxIndexed;
  }

  /** Index files currently open, oldest first. */
  get fileCount(): number {
    return this.files.length;
  }

  /** Chain walks that stopped at a broken link since open (a sign of a damaged file). */
  get corruptChainCount(): number {
    return this.corruptChains;
  }

  /** Loads the existing files in name order, validating each header and their order. */
  async open(): Promise<Result<void, FileError>> {
    assert(this.state === 'new', `index service opened twice (${this.state})`);
    const names = listIndexFiles(this.dir);
    if (!names.ok) return names;
    const loaded: IndexFile[] = [];
    const fail = (error: FileError): Result<void, FileError> => {
      for (const f of loaded) f.close();
      return err(error);
    };
    for (const [i, name] of names.value.entries()) {
      const file = path.join(this.dir, name);
      const newest = i === names.value.length - 1;
      const opened = await this.factory.open(file, fileSizeBytes(this.geometry), { create: false });
      if (!opened.ok && newest && isEmptyFile(opened.error)) {
        // A kill between creating the newest file and sizing it: it never held anything.
        fs.rmSync(file, { force: true });
        continue;
      }
      if (!opened.ok) return fail(opened.error);
      if (newest && isNeverInitialized(opened.value)) {
        // A crash between allocating the newest file and writing its header: it holds nothing.
        opened.value.close();
        fs.rmSync(file, { force: true });
        continue;
      }
      const indexFile = IndexFile.load(opened.value, this.geometry);
      if (typeof indexFile === 'string') {
        opened.value.close();
        return fail(corrupt(file, `corrupt index file header: ${indexFile}`));
      }
      loaded.push(indexFile);
      const disorder = orderProblem(loaded);
      if (disorder) return fail(corrupt(file, disorder));
    }
    this.files = loaded;
    this.maxIndexed = newestIndexedOffset(loaded);
    this.state = 'open';
    return ok(undefined);
  }

  /**
   * Indexes one record's keys into the newest file, all of them or none (`full`), so that a retry
   * after `roll()` never indexes a key twice. Records at or below `maxIndexedOffset` are skipped:
   * re-dispatching the commit log after a restart is idempotent.
   */
  put(entry: IndexEntryInput): IndexPutStatus {
    this.assertOpen();
    // Runs for every dispatched record: the messages are built only when a check fails.
    if (!(Number.isSafeInteger(entry.commitLogOffset) && entry.commitLogOffset >= 0)) assert(false, `bad commitLogOffset ${entry.commitLogOffset}`);
    if (!Number.isSafeInteger(entry.storeTimestamp)) assert(false, `bad storeTimestamp ${entry.storeTimestamp}`);
    if (entry.commitLogOffset <= this.maxIndexed) return IndexPutStatus.ok;
    if (entry.topic !== this.prefixTopic) this.prefixHash = indexKeyPrefixHash(entry.topic);
    // Kept even when equal: the next record's topic is usually this very string, compared by reference.
    this.prefixTopic = entry.topic;
    const keys = hashedKeys(entry, this.prefixHash, this.geometry.slotCount);
    if (keys.length === 0) return IndexPutStatus.ok;
    const newest = this.files[this.files.length - 1];
    if (!newest) return IndexPutStatus.noFile;
    if (keys.length > newest.room) {
      if (!newest.isEmpty) return IndexPutStatus.full;
      // More keys than a whole file holds: index what fits rather than rolling forever.
      keys.length = newest.room;
    }
    // Store times come from records (possibly a peer's); one before 1970 is recorded as 0, not refused.
    newest.putRecord(keys, entry.commitLogOffset, Math.max(entry.storeTimestamp, 0));
    this.maxIndexed = entry.commitLogOffset;
    return IndexPutStatus.ok;
  }

  /**
   * Creates a new, empty newest file (named by the clock). A no-op while the newest file is still
   * empty, so that two callers that both saw `full` create one file, not two. `no-space` is an
   * expected outcome the store reports.
   */
  roll(): Promise<Result<void, FileError>> {
    this.assertOpen();
    if (!this.rolling) {
      this.rolling = this.createFile().finally(() => {
        this.rolling = undefined;
      });
    }
    return this.rolling;
  }

  private async createFile(): Promise<Result<void, FileError>> {
    const newest = this.files[this.files.length - 1];
    if (newest?.isEmpty) return ok(undefined);
    const made = ensureDir(this.dir);
    if (!made.ok) return made;
    const name = nextIndexFileName(this.clock.nowMs(), newest?.name);
    const file = path.join(this.dir, name);
    const opened = await this.factory.open(file, fileSizeBytes(this.geometry), { create: true });
    if (!opened.ok) return opened;
    if (this.state !== 'open') {
      // Closed while the file was being allocated: leave nothing half-made behind.
      opened.value.close();
      fs.rmSync(file, { force: true });
      return ok(undefined);
    }
    this.files.push(IndexFile.create(opened.value, this.geometry, emptyHeader()));
    return ok(undefined);
  }

  /**
   * Commit-log offsets of records indexed under `topic#key` whose index time lies in
   * [beginMs, endMs], newest first, at most `maxCount`. Index time is the file's beginTimestamp
   * plus the entry's whole seconds, so it trails the real store time by under a second (RocketMQ's
   * granularity). Hash collisions are returned too: the caller re-checks the key on the record.
   */
  query(topic: string, key: string, maxCount: number, beginMs: number, endMs: number): number[] {
    this.assertOpen();
    assert(Number.isInteger(maxCount) && maxCount >= 0 && maxCount <= MAX_QUERY_COUNT, `maxCount must be in [0, ${MAX_QUERY_COUNT}], got ${maxCount}`);
    const found: number[] = [];
    if (maxCount === 0 || beginMs > endMs) return found;
    const keyHash = indexKeyHash(indexKey(topic, key));
    const slot = keyHash % this.geometry.slotCount;
    for (let i = this.files.length - 1; i >= 0 && found.length < maxCount; i--) {
      const file = this.files[i]!;
      if (!file.overlaps(beginMs, endMs)) continue;
      const outcome = file.select({ keyHash, slot, beginMs, endMs, maxCount: maxCount - found.length }, found);
      if (outcome.corrupt) this.corruptChains++;
    }
    return found;
  }

  /**
   * Drops every entry at commitLogOffset >= `commitLogOffset`. The first file holding such an entry
   * and every later file are deleted (entries cannot be removed from a hash chain in place); when
   * that first file also held entries below the cut, the caller must re-dispatch from the returned
   * offset (its beginPhyOffset) to rebuild them. Undefined when nothing below the cut was lost.
   */
  truncateFrom(commitLogOffset: number): Promise<number | undefined> {
    this.assertOpen();
    assert(Number.isSafeInteger(commitLogOffset) && commitLogOffset >= 0, `bad commitLogOffset ${commitLogOffset}`);
    const first = this.files.findIndex((f) => !f.isEmpty && f.endPhyOffset >= commitLogOffset);
    if (first < 0) return Promise.resolve(undefined);
    const straddling = this.files[first]!;
    const rebuildFrom = straddling.beginPhyOffset < commitLogOffset ? straddling.beginPhyOffset : undefined;
    const doomed = this.files.splice(first);
    for (const f of doomed) deleteFile(f);
    this.maxIndexed = newestIndexedOffset(this.files);
    return Promise.resolve(rebuildFrom);
  }

  /**
   * Retention: deletes the oldest files whose entries all point below `minCommitLogOffset` (their
   * records are gone from the commit log). The newest file is always kept. Returns how many went.
   */
  deleteBefore(minCommitLogOffset: number): number {
    this.assertOpen();
    let count = 0;
    while (this.files.length - count > 1) {
      const f = this.files[count]!;
      if (!f.isEmpty && f.endPhyOffset >= minCommitLogOffset) break;
      count++;
    }
    // maxIndexedOffset is left as it is: the newest file survives and still holds it, and records
    // below the cut are no longer in the commit log to be dispatched again.
    for (const f of this.files.splice(0, count)) deleteFile(f);
    return count;
  }

  async flush(): Promise<void> {
    if (this.state !== 'open') return;
    await Promise.all(this.files.map((f) => f.flush()));
  }

  flushSync(): void {
    if (this.state !== 'open') return;
    for (const f of this.files) f.flushSync();
  }

  /** Closes every file (without flushing: call flushSync first for a clean shutdown). Idempotent. */
  close(): void {
    if (this.state === 'closed') return;
    for (const f of this.files) f.close();
    this.files = [];
    this.state = 'closed';
  }

  private assertOpen(): void {
    if (this.state !== 'open') assert(false, `index service is not open (${this.state})`);
  }
}

/**
 * UNIQ_KEY and each KEYS token, scoped by topic (`prefixHash` is the topic's `${topic}#` hash) and
 * deduplicated, as the file stores them.
 */
function hashedKeys(entry: IndexEntryInput, prefixHash: number, slotCount: number): HashedKey[] {
  // Most records carry a UNIQ_KEY and no KEYS: no set, no split, no closure.
  if (!entry.keys) {
    if (!entry.uniqKey) return [];
    const keyHash = indexKeyHashAfter(prefixHash, entry.uniqKey);
    return [{ keyHash, slot: keyHash % slotCount }];
  }
  const keys = new Set<string>();
  if (entry.uniqKey) keys.add(entry.uniqKey);
  for (const key of entry.keys.split(' ')) if (key.length > 0) keys.add(key);
  return Array.from(keys, (key) => {
    const keyHash = indexKeyHashAfter(prefixHash, key);
    return { keyHash, slot: keyHash % slotCount };
  });
}

/** Start of the last record indexed: the newest file that holds anything. */
function newestIndexedOffset(files: readonly IndexFile[]): number {
  for (let i = files.length - 1; i >= 0; i--) {
    const f = files[i]!;
    if (!f.isEmpty) return f.endPhyOffset;
  }
  return -1;
}

/** Files are appended in commit-log order; a later file starting below an earlier one's end is damage. */
function orderProblem(files: readonly IndexFile[]): string | undefined {
  const last = files[files.length - 1]!;
  if (last.isEmpty) return undefined;
  for (let i = files.length - 2; i >= 0; i--) {
    const f = files[i]!;
    if (f.isEmpty) continue;
    if (last.beginPhyOffset < f.endPhyOffset) {
      return `index file begins at commitLogOffset ${last.beginPhyOffset}, below the end ${f.endPhyOffset} of the earlier file ${f.name}`;
    }
    return undefined;
  }
  return undefined;
}

function listIndexFiles(dir: string): Result<string[], FileError> {
  try {
    return ok(fs.readdirSync(dir).filter(isIndexFileName).sort());
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'EIO';
    if (code === 'ENOENT') return ok([]);
    return err({ kind: 'io', path: dir, code, message: (e as Error).message });
  }
}

function ensureDir(dir: string): Result<void, FileError> {
  try {
    fs.mkdirSync(dir, { recursive: true });
    return ok(undefined);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'EIO';
    if (code === 'ENOSPC' || code === 'EDQUOT') return err({ kind: 'no-space', path: dir, message: (e as Error).message });
    return err({ kind: 'io', path: dir, code, message: (e as Error).message });
  }
}

function deleteFile(f: IndexFile): void {
  f.close();
  fs.rmSync(f.path, { force: true });
}

function corrupt(file: string, message: string): FileError {
  return { kind: 'io', path: file, code: CORRUPT_CODE, message };
}

/** An all-zero header: the file was allocated but its header never written (indexCount starts at 1). */
/** The error of opening a zero-byte file: created, then killed before it was sized. */
function isEmptyFile(error: FileError): boolean {
  return error.kind === 'size-mismatch' && error.actualBytes === 0;
}

function isNeverInitialized(file: MappedFile): boolean {
  const header = file.read(0, HEADER_BYTES);
  for (let i = 0; i < header.length; i++) if (header[i] !== 0) return false;
  return true;
}
