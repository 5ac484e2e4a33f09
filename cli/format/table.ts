/**
 * Plain-text tables and number formatting for rocketctl's human output. Pure: strings in, strings
 * out, so the layout is unit-tested and the commands only decide what to show.
 */

export type Align = 'left' | 'right';

export interface Column<Row> {
  readonly header: string;
  readonly value: (row: Row) => string | number | bigint | boolean | undefined | null;
  /** Numbers read best right-aligned; the default follows the first non-empty cell's type. */
  readonly align?: Align;
}

/** Cells longer than this are cut with an ellipsis so one odd value cannot blow up a table. */
export const MAX_CELL_CHARS = 80;
const GAP = '  ';

export function cellText(value: unknown): string {
  if (value === undefined || value === null) return '-';
  const text = String(value).replace(/[\r\n\t]+/g, ' ');
  return text.length > MAX_CELL_CHARS ? `${text.slice(0, MAX_CELL_CHARS - 1)}…` : text;
}

function isNumeric(value: unknown): boolean {
  return typeof value === 'number' || typeof value === 'bigint';
}

/**
 * Renders rows under a header line, columns separated by two spaces, no trailing spaces. An empty
 * row list renders the header alone, so a script or a reader still sees which columns exist.
 */
export function renderTable<Row>(columns: readonly Column<Row>[], rows: readonly Row[]): string[] {
  const raw = rows.map((row) => columns.map((c) => c.value(row)));
  const cells = raw.map((r) => r.map(cellText));
  const aligns = columns.map((c, i) => c.align ?? (isNumeric(raw.find((r) => r[i] !== undefined && r[i] !== null)?.[i]) ? 'right' : 'left'));
  const widths = columns.map((c, i) => Math.max(c.header.length, ...cells.map((r) => r[i]!.length)));
  const line = (texts: readonly string[]) =>
    texts
      .map((t, i) => (aligns[i] === 'right' ? t.padStart(widths[i]!) : t.padEnd(widths[i]!)))
      .join(GAP)
      .trimEnd();
  return [line(columns.map((c) => c.header)), ...cells.map(line)];
}

/** `key: value` lines with the keys padded to one width (a record shown vertically). */
export function renderKeyValues(entries: readonly (readonly [string, unknown])[]): string[] {
  const width = Math.max(0, ...entries.map(([k]) => k.length));
  return entries.map(([k, v]) => `${`${k}:`.padEnd(width + 1)} ${v === undefined || v === null ? '-' : String(v)}`);
}

const BYTE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'] as const;

export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < BYTE_UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(value >= 100 ? 0 : 1)} ${BYTE_UNITS[unit]}`;
}

/** Thousands separated by commas, whatever the machine's locale (stable output for scripts and tests). */
export function formatCount(n: number | bigint): string {
  const text = typeof n === 'bigint' ? n.toString() : Math.trunc(n).toString();
  const negative = text.startsWith('-');
  const digits = negative ? text.slice(1) : text;
  const grouped = digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return negative ? `-${grouped}` : grouped;
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const totalS = Math.round(ms / 1000);
  const h = Math.floor(totalS / 3600);
  const m = Math.floor((totalS % 3600) / 60);
  const s = totalS % 60;
  return h > 0 ? `${h}h${String(m).padStart(2, '0')}m` : `${m}m${String(s).padStart(2, '0')}s`;
}

/** "12,345 msg/s, 11.8 MiB/s" from a count, a byte total and the elapsed time. */
export function formatThroughput(messages: number, bytes: number, elapsedMs: number): string {
  if (elapsedMs <= 0) return `${formatCount(messages)} msg`;
  const perS = (messages * 1000) / elapsedMs;
  const bytesPerS = (bytes * 1000) / elapsedMs;
  return `${formatCount(Math.round(perS))} msg/s, ${formatBytes(Math.round(bytesPerS))}/s`;
}

/** ISO time in UTC, or '-' for 0/absent timestamps (RocketMQ uses 0 for "never"). */
export function formatTimestamp(ms: number | bigint | undefined): string {
  if (ms === undefined) return '-';
  const n = Number(ms);
  if (!Number.isFinite(n) || n <= 0) return '-';
  return new Date(n).toISOString();
}

/**
 * A readable preview of a message body: UTF-8 text when it decodes cleanly and is printable,
 * otherwise hex; cut at `maxBytes`, saying how much was left out.
 */
export function bodyPreview(body: Uint8Array, maxBytes = 256): string {
  const head = Buffer.from(body.buffer, body.byteOffset, Math.min(body.length, maxBytes));
  const more = body.length > maxBytes ? ` … (${formatCount(body.length - maxBytes)} more bytes)` : '';
  if (body.length === 0) return '(empty)';
  const text = head.toString('utf8');
  // A cut in the middle of a multi-byte character shows as one replacement char at the very end.
  const whole = body.length > maxBytes ? text.replace(/\uFFFD$/, '') : text;
  // eslint-disable-next-line no-control-regex
  const printable = !/[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F\uFFFD]/.test(whole);
  if (printable) return `${whole}${more}`;
  return `hex ${head.toString('hex')}${more}`;
}
