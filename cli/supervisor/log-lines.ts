/**
 * Reading the children's stdout: bytes are cut into lines, lines are parsed as the JSON the servers
 * log (ops' winston format), and the supervisor looks for a process's ready line and for warnings
 * worth showing on the terminal. Pure.
 */

/** A line longer than this is cut: a child printing without newlines must not grow our memory. */
export const MAX_LINE_CHARS = 64 * 1024;

/** Splits a byte stream into lines; keeps the partial tail for the next chunk. */
export class LineSplitter {
  private tail = '';

  /** Returns the complete lines in `chunk` (without their newline). */
  push(chunk: string): string[] {
    const text = this.tail + chunk;
    const parts = text.split('\n');
    this.tail = parts.pop() ?? '';
    const lines = parts.map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
    if (this.tail.length > MAX_LINE_CHARS) {
      lines.push(this.tail.slice(0, MAX_LINE_CHARS));
      this.tail = '';
    }
    return lines;
  }

  /** The unterminated rest, once the stream has ended. */
  flush(): string[] {
    const rest = this.tail;
    this.tail = '';
    return rest.length > 0 ? [rest] : [];
  }
}

export interface LogRecord {
  readonly message: string;
  readonly level: string | undefined;
  readonly fields: Readonly<Record<string, unknown>>;
}

/** A JSON log line as a record, or undefined for anything else (stack traces, plain prints). */
export function parseLogLine(line: string): LogRecord | undefined {
  const trimmed = line.trim();
  if (!trimmed.startsWith('{')) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(trimmed);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const fields = value as Record<string, unknown>;
  if (typeof fields.message !== 'string') return undefined;
  return { message: fields.message, level: typeof fields.level === 'string' ? fields.level : undefined, fields };
}

/**
 * The fields of a process's ready line (`{"message":"broker ready", "remotingPort":..}`), or
 * undefined when `line` is not that line.
 */
export function matchReadyLine(line: string, readyMessage: string): Readonly<Record<string, unknown>> | undefined {
  const record = parseLogLine(line);
  return record !== undefined && record.message === readyMessage ? record.fields : undefined;
}

/** Numeric field of a log record (ports), accepting numeric strings; undefined if absent or not a port-like number. */
export function numberField(fields: Readonly<Record<string, unknown>>, name: string): number | undefined {
  const v = fields[name];
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  return Number.isFinite(n) ? n : undefined;
}

/** Levels worth a line on the supervisor's terminal; the rest stays in the log file. */
export function isNotable(record: LogRecord): boolean {
  return record.level === 'error' || record.level === 'warn';
}

/** One short terminal line for a child's notable log record. */
export function summarize(processName: string, record: LogRecord): string {
  const err = record.fields.error ?? record.fields.err ?? record.fields.reason;
  const detail = typeof err === 'string' ? `: ${err}` : typeof err === 'object' && err !== null && 'message' in err ? `: ${String((err as { message: unknown }).message)}` : '';
  return `[${processName}] ${record.level ?? 'log'}: ${record.message}${detail}`;
}
