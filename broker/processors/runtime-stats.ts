/**
 * Put statistics RocketMQ's runtime info reports: message totals at the start of today and of
 * yesterday (local time), and put TPS over the last 10 s, 1 min and 10 min. Sampled once a second
 * from the running total, so the send path only increments a number.
 */
import type { Clock } from '../../stdx';

const WINDOW_SECONDS = [10, 60, 600] as const;
const RING = 601;

export class RuntimeStats {
  private readonly samples = new Float64Array(RING);
  private sampled = 0;
  private timer: NodeJS.Timeout | undefined;
  private day = -1;
  private todayMorning = 0;
  private yesterdayMorning = 0;

  constructor(
    private readonly clock: Clock,
    private readonly total: () => number,
  ) {}

  start(): void {
    this.sample();
    this.timer = setInterval(() => this.sample(), 1000);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Takes one sample; public so tests can drive it with a manual clock. */
  sample(): void {
    const total = this.total();
    this.samples[this.sampled % RING] = total;
    this.sampled++;
    const date = new Date(this.clock.nowMs());
    const day = date.getFullYear() * 400 + date.getMonth() * 32 + date.getDate();
    if (day !== this.day) {
      // The first sample of a day; at start both mornings are "now" since nothing earlier is known.
      this.yesterdayMorning = this.day < 0 ? total : this.todayMorning;
      this.todayMorning = total;
      this.day = day;
    }
  }

  dayTotals(): { todayMorning: number; yesterdayMorning: number } {
    return { todayMorning: this.todayMorning, yesterdayMorning: this.yesterdayMorning };
  }

  /** `"tps10s tps1m tps10m"`, like RocketMQ's StoreStatsService. */
  putTps(): string {
    const now = this.total();
    return WINDOW_SECONDS.map((seconds) => {
      const span = Math.min(seconds, this.sampled);
      if (span === 0) return '0.00';
      const then = this.samples[(this.sampled - span + RING * 2) % RING]!;
      return ((now - then) / span).toFixed(2);
    }).join(' ');
  }
}
