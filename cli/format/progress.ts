/**
 * Progress of long operations (send N, consume N, waiting for a cluster). On a terminal one line
 * is rewritten in place; otherwise (CI logs, pipes) a line is appended every few seconds so a log
 * neither floods nor stays silent. The caller reports as often as it likes; this decides when to
 * print. Time comes from the caller's clock, so tests drive it by hand.
 */
import type { Clock } from '../../stdx';

export interface ProgressSink {
  readonly isTTY: boolean;
  write(text: string): void;
}

export interface ProgressOptions {
  /** Minimum time between two updates; defaults: 100 ms on a TTY, 5 s otherwise. */
  readonly intervalMs?: number;
}

const CLEAR_LINE = '\r\x1b[2K';

export class Progress {
  private lastWriteMs: number | undefined;
  private showing = false;
  private readonly intervalMs: number;

  constructor(
    private readonly sink: ProgressSink,
    private readonly clock: Clock,
    options: ProgressOptions = {},
  ) {
    this.intervalMs = options.intervalMs ?? (sink.isTTY ? 100 : 5000);
  }

  /** Shows `line()` if the interval has passed since the last update (the first call waits one interval too). */
  report(line: () => string): void {
    const now = this.clock.monotonicMs();
    if (this.lastWriteMs === undefined) {
      this.lastWriteMs = now;
      return;
    }
    if (now - this.lastWriteMs < this.intervalMs) return;
    this.lastWriteMs = now;
    this.show(line());
  }

  /** Replaces the progress line with a final line (or just clears it when `line` is undefined). */
  finish(line?: string): void {
    if (this.sink.isTTY && this.showing) this.sink.write(CLEAR_LINE);
    this.showing = false;
    if (line !== undefined) this.sink.write(`${line}\n`);
  }

  /** Writes a normal line without mangling a progress line that is on screen. */
  log(line: string): void {
    if (this.sink.isTTY && this.showing) this.sink.write(CLEAR_LINE);
    this.showing = false;
    this.sink.write(`${line}\n`);
  }

  private show(line: string): void {
    if (this.sink.isTTY) {
      this.sink.write(`${CLEAR_LINE}${line}`);
      this.showing = true;
    } else {
      this.sink.write(`${line}\n`);
    }
  }
}
