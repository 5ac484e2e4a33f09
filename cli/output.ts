/**
 * Where commands write. Commands take an `Output` instead of touching process.stdout, so tests run
 * them in-process and read what they printed. Results go to `out` (stdout); diagnostics and
 * progress go to `err` (stderr), so `--json` output and piped results stay clean.
 */
import type { ProgressSink } from './format/progress';

export interface Output {
  /** One line of results. */
  out(line: string): void;
  /** One line of diagnostics (errors, warnings, status). */
  err(line: string): void;
  /** Where progress lines go (stderr); says whether it is a terminal. */
  readonly progress: ProgressSink;
}

export function processOutput(): Output {
  return {
    out: (line) => void process.stdout.write(`${line}\n`),
    err: (line) => void process.stderr.write(`${line}\n`),
    progress: { isTTY: process.stderr.isTTY === true, write: (text) => void process.stderr.write(text) },
  };
}

/** Collects everything in memory (tests, embedding). */
export class MemoryOutput implements Output {
  readonly lines: string[] = [];
  readonly errors: string[] = [];
  readonly progressText: string[] = [];
  readonly progress: ProgressSink = { isTTY: false, write: (text) => void this.progressText.push(text) };

  out(line: string): void {
    this.lines.push(line);
  }

  err(line: string): void {
    this.errors.push(line);
  }

  /** Everything written to `out`, as one string. */
  text(): string {
    return this.lines.join('\n');
  }

  /** `out` parsed as one JSON document (for `--json` commands). */
  json(): unknown {
    return JSON.parse(this.text());
  }
}

/**
 * JSON for `--json` output. bigints become numbers when exact, else decimal strings; byte arrays
 * become base64 (Buffer's own toJSON, an array of numbers, is useless to a script).
 */
export function toJson(value: unknown): string {
  return JSON.stringify(
    value,
    function (this: Record<string, unknown>, key: string, v: unknown) {
      const raw = this[key];
      if (typeof raw === 'bigint') return raw <= BigInt(Number.MAX_SAFE_INTEGER) && raw >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(raw) : raw.toString();
      if (raw instanceof Uint8Array) return Buffer.from(raw.buffer, raw.byteOffset, raw.length).toString('base64');
      return v;
    },
    2,
  );
}
