/**
 * Epochs (docs/replication.md): each broker group has one master per epoch, and every broker keeps
 * `(epoch, startCommitLogOffset)` entries saying which epoch wrote which range of its commit log.
 * Entry i covers [start_i, start_{i+1}); the last one runs to the end of the log. Two logs agree up to
 * the end of the last epoch they both hold with the same start: everything after that on a replica is
 * a tail the new master never had, and is cut before the replica follows.
 *
 * Pure functions and the text form of the `epoch` file; no I/O.
 */
import * as zlib from 'node:zlib';
import type { Result } from '../../stdx';
import { err, ok } from '../../stdx';

export interface EpochEntry {
  readonly epoch: number;
  readonly startCommitLogOffset: number;
}

/** Bounds on what a peer or a file may hand us; a longer history means a bug or garbage. */
export const MAX_EPOCH_ENTRIES = 100_000;
export const MAX_EPOCH = 0x7fffffff;

/** The newest epoch, 0 when the broker never held one. */
export function lastEpoch(entries: readonly EpochEntry[]): number {
  return entries.length === 0 ? 0 : entries[entries.length - 1]!.epoch;
}

export function lastEntry(entries: readonly EpochEntry[]): EpochEntry | undefined {
  return entries[entries.length - 1];
}

/**
 * Where `epoch` ends in a log whose entries are `entries` and whose end is `maxOffset`: the next
 * entry's start, or the log's end for the newest epoch. Undefined when the epoch is not listed.
 */
export function epochEnd(entries: readonly EpochEntry[], epoch: number, maxOffset: number): number | undefined {
  const i = entries.findIndex((e) => e.epoch === epoch);
  if (i < 0) return undefined;
  return i + 1 < entries.length ? entries[i + 1]!.startCommitLogOffset : maxOffset;
}

/**
 * The entry whose range holds the byte at `commitLogOffset` (the last entry starting at or before it;
 * when several start at the same offset, the earlier ones are empty and the last one holds the byte).
 */
export function entryAt(entries: readonly EpochEntry[], commitLogOffset: number): { entry: EpochEntry; nextStart: number } | undefined {
  for (let i = entries.length - 1; i >= 0; i--) {
    const e = entries[i]!;
    if (e.startCommitLogOffset <= commitLogOffset) {
      const nextStart = i + 1 < entries.length ? entries[i + 1]!.startCommitLogOffset : Number.POSITIVE_INFINITY;
      return { entry: e, nextStart };
    }
  }
  return undefined;
}

/**
 * The commit-log offset up to which a replica with `localEntries` agrees with a master holding
 * `remoteEntries` and `remoteMaxOffset` bytes: walking the replica's epochs from the newest, the first
 * one the master has with the same start offset ends at min(its end here, its end there), clamped to
 * the master's log. 0 when they share no epoch (the replica starts over). The replica then cuts its
 * log there if it is longer; it never keeps bytes the master does not have.
 */
export function findCommonPoint(localEntries: readonly EpochEntry[], remoteEntries: readonly EpochEntry[], remoteMaxOffset: number): number {
  for (let i = localEntries.length - 1; i >= 0; i--) {
    const local = localEntries[i]!;
    const j = remoteEntries.findIndex((r) => r.epoch === local.epoch);
    if (j < 0 || remoteEntries[j]!.startCommitLogOffset !== local.startCommitLogOffset) continue;
    const localEnd = i + 1 < localEntries.length ? localEntries[i + 1]!.startCommitLogOffset : Number.POSITIVE_INFINITY;
    const remoteEnd = j + 1 < remoteEntries.length ? remoteEntries[j + 1]!.startCommitLogOffset : remoteMaxOffset;
    return Math.max(0, Math.min(localEnd, remoteEnd, remoteMaxOffset));
  }
  return 0;
}

/** The entries that still describe a log cut at `commitLogOffset`: those starting before it. */
export function entriesBefore(entries: readonly EpochEntry[], commitLogOffset: number): EpochEntry[] {
  return entries.filter((e) => e.startCommitLogOffset < commitLogOffset);
}

/** Entries whose start lies within a log ending at `maxOffset` (a crash may cut the log below the newest entry). */
export function entriesWithin(entries: readonly EpochEntry[], maxOffset: number): EpochEntry[] {
  return entries.filter((e) => e.startCommitLogOffset <= maxOffset);
}

/** Epochs strictly increasing from 1, starts non-decreasing, everything an integer within bounds. */
export function validateEntries(entries: readonly EpochEntry[]): Result<void, string> {
  if (entries.length > MAX_EPOCH_ENTRIES) return err(`${entries.length} epoch entries exceed ${MAX_EPOCH_ENTRIES}`);
  let previous: EpochEntry | undefined;
  for (const e of entries) {
    if (!Number.isSafeInteger(e.epoch) || e.epoch < 1 || e.epoch > MAX_EPOCH) return err(`epoch ${e.epoch} is not an integer in 1..${MAX_EPOCH}`);
    if (!Number.isSafeInteger(e.startCommitLogOffset) || e.startCommitLogOffset < 0) return err(`start offset ${e.startCommitLogOffset} of epoch ${e.epoch} is invalid`);
    if (previous !== undefined && e.epoch <= previous.epoch) return err(`epoch ${e.epoch} follows epoch ${previous.epoch}: epochs must increase`);
    if (previous !== undefined && e.startCommitLogOffset < previous.startCommitLogOffset) {
      return err(`epoch ${e.epoch} starts at ${e.startCommitLogOffset}, before epoch ${previous.epoch} (${previous.startCommitLogOffset})`);
    }
    previous = e;
  }
  return ok(undefined);
}

/** The entries with `entry` appended, when it is newer and starts no earlier than the last one. */
export function appendEntry(entries: readonly EpochEntry[], entry: EpochEntry): Result<EpochEntry[], string> {
  const next = [...entries, entry];
  const valid = validateEntries(next);
  return valid.ok ? ok(next) : valid;
}

// ------------------------------------------------------------------------------------ the file form

/**
 * The `epoch` file, in the shape of RocketMQ's epoch checkpoint: line 1 the number of entries, line 2
 * the CRC-32 (as a non-negative int) of the entry lines, then one `epoch-startOffset` line per entry.
 * Each entry line, newline included, is covered by the CRC.
 */
export function encodeEpochFile(entries: readonly EpochEntry[]): string {
  const lines = entries.map((e) => `${e.epoch}-${e.startCommitLogOffset}\n`).join('');
  return `${entries.length}\n${crcOf(lines)}\n${lines}`;
}

export function decodeEpochFile(text: string): Result<EpochEntry[], string> {
  const lines = text.split('\n');
  if (lines.length < 2 || !/^\d+$/.test(lines[0]!) || !/^\d+$/.test(lines[1]!)) return err('header lines (count, crc) are missing or not numbers');
  const count = Number(lines[0]);
  if (count > MAX_EPOCH_ENTRIES) return err(`${count} entries exceed ${MAX_EPOCH_ENTRIES}`);
  const entryLines = lines.slice(2, 2 + count);
  if (entryLines.length !== count || lines.slice(2 + count).some((l) => l !== '')) return err(`expected ${count} entry lines`);
  const body = entryLines.map((l) => `${l}\n`).join('');
  if (crcOf(body) !== Number(lines[1])) return err('CRC mismatch');
  const entries: EpochEntry[] = [];
  for (const line of entryLines) {
    const m = /^(\d+)-(\d+)$/.exec(line);
    if (m === null) return err(`bad entry line ${JSON.stringify(line)}`);
    entries.push({ epoch: Number(m[1]), startCommitLogOffset: Number(m[2]) });
  }
  const valid = validateEntries(entries);
  return valid.ok ? ok(entries) : valid;
}

function crcOf(text: string): number {
  return zlib.crc32(Buffer.from(text, 'utf8')) & 0x7fffffff;
}
