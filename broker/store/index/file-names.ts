import { assert } from '../../../stdx';

/**
 * Index files are named by their creation time, `yyyyMMddHHmmssSSS` in local time, as RocketMQ
 * names them. Names sort in creation order, which is the order files are loaded and searched in.
 */
const NAME_PATTERN = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{3})$/;

export function isIndexFileName(name: string): boolean {
  return NAME_PATTERN.test(name);
}

export function formatIndexFileName(timeMs: number): string {
  const d = new Date(timeMs);
  const pad = (n: number, width: number): string => String(n).padStart(width, '0');
  return (
    pad(d.getFullYear(), 4) +
    pad(d.getMonth() + 1, 2) +
    pad(d.getDate(), 2) +
    pad(d.getHours(), 2) +
    pad(d.getMinutes(), 2) +
    pad(d.getSeconds(), 2) +
    pad(d.getMilliseconds(), 3)
  );
}

/** The local time a name stands for (NaN when it is not an index file name). */
export function parseIndexFileName(name: string): number {
  const m = NAME_PATTERN.exec(name);
  if (!m) return Number.NaN;
  const [year, month, day, hour, minute, second, ms] = m.slice(1).map(Number) as [number, number, number, number, number, number, number];
  return new Date(year, month - 1, day, hour, minute, second, ms).getTime();
}

/** Bounds the search for a name after a clock step backwards; one step nearly always suffices. */
const NAME_ATTEMPTS_LIMIT = 16;

/**
 * The name for a file created at `nowMs` that sorts after `lastName`. If the clock went backwards,
 * or two files are created within one millisecond, the name moves one millisecond past the last
 * one so that the load order stays the creation order.
 */
export function nextIndexFileName(nowMs: number, lastName: string | undefined): string {
  const name = formatIndexFileName(nowMs);
  if (lastName === undefined || name > lastName) return name;
  let candidateMs = parseIndexFileName(lastName);
  assert(!Number.isNaN(candidateMs), `not an index file name: ${lastName}`);
  for (let attempt = 0; attempt < NAME_ATTEMPTS_LIMIT; attempt++) {
    candidateMs += 1;
    const candidate = formatIndexFileName(candidateMs);
    if (candidate > lastName) return candidate;
  }
  assert(false, `no index file name sorts after ${lastName}`);
}
