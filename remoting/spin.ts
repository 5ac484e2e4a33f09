/**
 * Keeps the event loop polling for a short while after a server wrote answers, so that the next
 * request of a client waiting on the answer is read without the process going to sleep first.
 *
 * Why: on virtual machines a process that blocks in epoll lets its vCPU halt, and waking it for the
 * next request costs an inter-processor interrupt and hypervisor exits, charged to both sides. On
 * our 2-vCPU machine a bare Node echo round trip took ~70 µs when the server slept between requests
 * and ~25-35 µs when it kept polling, with no more server CPU per request (the wake-up costs CPU too);
 * the synchronous 1 KiB send p50 of `bench:macro` went from 135-151 to 75-92 µs.
 *
 * It only spins while it pays: a window that ends with no request disarms the spinner, and a request
 * that arrives within `window` of the last write (so a window would have caught it) arms it again.
 * Sparse traffic therefore spins at most one window per such near miss, and a steady stream of
 * request-response pairs (synchronous sends, pull loops) keeps it armed. Under throughput the loop is
 * busy anyway and a window costs nothing.
 *
 * The spin is `setImmediate` turns: each polls I/O without blocking and runs due timers, so nothing
 * waits behind it. It must be a ref'd immediate (Node polls without blocking only for those), so a
 * process may outlive its last handle by one window at most.
 */

export class LoopSpinner {
  private lastWriteNs = 0n;
  private untilNs = 0n;
  private active = false;
  private armed = true;

  constructor(private readonly windowNs: bigint) {}

  /** Answers were written: poll for the next request for one window, when armed. */
  wrote(): void {
    const now = process.hrtime.bigint();
    this.lastWriteNs = now;
    if (!this.armed) return;
    this.untilNs = now + this.windowNs;
    if (this.active) return;
    this.active = true;
    setImmediate(this.tick);
  }

  /** Bytes arrived: a peer that answers within a window makes spinning worth it. */
  arrived(): void {
    if (!this.armed && process.hrtime.bigint() - this.lastWriteNs < this.windowNs) this.armed = true;
  }

  /** Whether the next write starts a window (for tests). */
  get isArmed(): boolean {
    return this.armed;
  }

  /** Whether the loop is being kept polling now (for tests). */
  get isSpinning(): boolean {
    return this.active;
  }

  private readonly tick = (): void => {
    if (process.hrtime.bigint() < this.untilNs) {
      setImmediate(this.tick);
      return;
    }
    // A whole window without a request that answered us (each one extends it): stop until one comes quickly.
    this.active = false;
    this.armed = false;
  };
}

const spinners = new Map<number, LoopSpinner>();

/** One spinner per window length and process: connections share the loop, so they share its spin. */
export function loopSpinner(windowUs: number): LoopSpinner | undefined {
  if (!(windowUs > 0)) return undefined;
  let spinner = spinners.get(windowUs);
  if (spinner === undefined) {
    spinner = new LoopSpinner(BigInt(Math.round(windowUs * 1000)));
    spinners.set(windowUs, spinner);
  }
  return spinner;
}
