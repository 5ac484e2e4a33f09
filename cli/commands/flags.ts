/**
 * Parsing of command flags that commander leaves as strings. Problems throw usage errors
 * (exit code 2) naming the flag. Pure.
 */
import { usageError } from '../errors';

export function intFlag(name: string, text: string | undefined, fallback: number, min: number, max: number): number {
  if (text === undefined) return fallback;
  const trimmed = text.trim();
  const n = /^-?\d+$/.test(trimmed) ? Number(trimmed) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) throw usageError(`--${name} must be an integer from ${min} to ${max}, got "${text}"`);
  return n;
}

const SIZE_UNITS: Readonly<Record<string, number>> = { '': 1, b: 1, k: 1024, kb: 1024, kib: 1024, m: 1024 ** 2, mb: 1024 ** 2, mib: 1024 ** 2 };

/** "512", "4k", "1MiB" → bytes. */
export function sizeFlag(name: string, text: string | undefined, fallback: number, min: number, max: number): number {
  if (text === undefined) return fallback;
  const m = /^\s*(\d+)\s*([a-zA-Z]*)\s*$/.exec(text);
  const unit = m === null ? undefined : SIZE_UNITS[m[2]!.toLowerCase()];
  const n = m === null || unit === undefined ? NaN : Number(m[1]) * unit;
  if (!Number.isSafeInteger(n) || n < min || n > max) throw usageError(`--${name} must be a size from ${min} to ${max} bytes (e.g. 512, 4k, 1m), got "${text}"`);
  return n;
}

/** "2024-05-01T10:00:00Z", "1714557600000" or a relative "-1h", "-30m", "-2d" (before `nowMs`) → epoch ms. */
export function timeFlag(name: string, text: string | undefined, fallback: number, nowMs: number): number {
  if (text === undefined) return fallback;
  const t = text.trim();
  const rel = /^-(\d+)([smhd])$/.exec(t);
  if (rel !== null) {
    const unitMs = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[rel[2] as 's' | 'm' | 'h' | 'd'];
    return nowMs - Number(rel[1]) * unitMs;
  }
  if (/^\d+$/.test(t)) return Number(t);
  const parsed = Date.parse(t);
  if (Number.isNaN(parsed)) throw usageError(`--${name} must be an ISO time, epoch milliseconds or a relative time like -1h, got "${text}"`);
  return parsed;
}

/** "k=v" pairs (repeatable flag) → a record; the value may contain '='. */
export function keyValueFlags(name: string, pairs: readonly string[] | undefined): Record<string, string> {
  const result: Record<string, string> = {};
  for (const pair of pairs ?? []) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw usageError(`--${name} takes key=value, got "${pair}"`);
    result[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return result;
}

/** One of a fixed set of words, case-insensitive. */
export function choiceFlag<T extends string>(name: string, text: string | undefined, choices: readonly T[], fallback: T): T {
  if (text === undefined) return fallback;
  const found = choices.find((c) => c.toLowerCase() === text.trim().toLowerCase());
  if (found === undefined) throw usageError(`--${name} must be one of ${choices.join(', ')}, got "${text}"`);
  return found;
}

/** Commander collector for repeatable flags. */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}
