import type { MappedFile } from './io/mapped-file';

/** Pages are kept mapped this far ahead of the write offset... */
export const TOUCH_AHEAD_BYTES = 64 * 1024 * 1024;
/** ...a chunk of this size at a time, each one a job in the libuv pool. */
export const TOUCH_CHUNK_BYTES = 16 * 1024 * 1024;

/** Where a commit-log offset lives: the file, the position in it and where its segment ends. */
export interface TouchTarget {
  readonly file: MappedFile;
  readonly position: number;
  readonly segmentEnd: number;
}

/**
 * Keeps the pages just ahead of the commit log's write offset mapped in, one chunk at a time in
 * the background, so appends rarely wait on a page fault that must allocate and zero a page.
 *
 * Why not the whole segment at once: touching a 1 GiB segment zeroes 1 GiB of page cache in one
 * burst (seconds of a core on a small machine), right when the previous segment is taken into use
 * and appends are busiest; and a store that writes little pays for pages it never uses. Touching
 * a window ahead costs the same per byte written, spread out, and only for bytes that get written.
 */
export class TouchAhead {
  /** Commit-log offset below which pages are touched, or being touched. */
  private touchedEnd = 0;
  private busy = false;
  private stopped = false;

  constructor(
    private readonly writeOffset: () => number,
    /** The file holding `offset`: a segment in use, or the next one once allocated. */
    private readonly locate: (offset: number) => TouchTarget | undefined,
  ) {}

  /** Starts touching the next chunk when the window ahead of the write offset runs short. Cheap otherwise. */
  advance(): void {
    const writeOffset = this.writeOffset();
    if (this.busy || this.stopped || writeOffset + TOUCH_AHEAD_BYTES <= this.touchedEnd) return;
    const from = Math.max(this.touchedEnd, writeOffset);
    const at = this.locate(from);
    if (!at?.file.prefault) return;
    const length = Math.min(TOUCH_CHUNK_BYTES, at.segmentEnd - from);
    if (length <= 0) return;
    this.touchedEnd = from + length;
    this.busy = true;
    at.file
      .prefault(at.position, length)
      // Touching only saves page faults: a failure costs nothing but them.
      .catch(() => undefined)
      .finally(() => {
        this.busy = false;
        this.advance();
      });
  }

  /**
   * Touches [writeOffset, target.segmentEnd) in one job and resolves when done: for the store's
   * open, when no append is waiting yet and the segment in use may as well be ready in full.
   */
  async touchRest(target: TouchTarget): Promise<void> {
    const length = target.segmentEnd - this.writeOffset();
    if (this.stopped || length <= 0 || !target.file.prefault) return;
    // A chunk may be in flight already: this job runs beside it and covers the rest.
    this.touchedEnd = Math.max(this.touchedEnd, target.segmentEnd);
    await target.file.prefault(target.position, length).catch(() => undefined);
  }

  /** The log was cut at `offset`: pages beyond it were discarded. */
  reset(offset: number): void {
    this.touchedEnd = Math.min(this.touchedEnd, offset);
  }

  stop(): void {
    this.stopped = true;
  }
}
