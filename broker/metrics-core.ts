/**
 * Metrics whose hot path is a few additions to plain numbers. prom-client's own Counter and
 * Histogram hash their label object on every call, which costs more than appending a message; these
 * keep one mutable cell per label set (the caller holds on to it) and build the exposition only when
 * /metrics is scraped. They plug into a prom-client Registry through `registerMetric`, which reads
 * metrics through `get()` (the duck type prom-client's registry expects).
 */
import type { Metric, Registry } from 'prom-client';

type Labels = Readonly<Record<string, string>>;

interface ExpositionValue {
  readonly labels: Record<string, string | number>;
  readonly value: number;
  readonly metricName?: string;
}

interface Exposition {
  readonly name: string;
  readonly help: string;
  readonly type: 'counter' | 'histogram';
  readonly aggregator: 'sum';
  readonly values: ExpositionValue[];
}

/** A cell of a counter: add to `value`. */
export interface CounterCell {
  value: number;
}

/** A cell of a histogram: call `observe`, or `observeMany` for n equal values. */
export interface HistogramCell {
  observe(value: number): void;
  observeMany(value: number, count: number): void;
}

abstract class CellMetric<Cell> {
  readonly aggregator = 'sum' as const;
  protected readonly cells = new Map<string, { labels: Labels; cell: Cell }>();

  constructor(
    readonly name: string,
    readonly help: string,
  ) {}

  /** The cell of one label set; `key` identifies the set (callers usually join the label values). */
  cell(key: string, labels: Labels): Cell {
    const existing = this.cells.get(key);
    if (existing !== undefined) return existing.cell;
    const cell = this.createCell();
    this.cells.set(key, { labels: { ...labels }, cell });
    return cell;
  }

  /** Forgets a label set (a deleted topic). */
  remove(key: string): void {
    this.cells.delete(key);
  }

  reset(): void {
    this.cells.clear();
  }

  registerIn(registry: Registry): void {
    registry.registerMetric(this as unknown as Metric);
  }

  protected abstract createCell(): Cell;
  abstract get(): Promise<Exposition>;
}

export class FastCounter extends CellMetric<CounterCell> {
  readonly type = 'counter' as const;

  protected createCell(): CounterCell {
    return { value: 0 };
  }

  get(): Promise<Exposition> {
    const values = [...this.cells.values()].map(({ labels, cell }) => ({ labels: { ...labels }, value: cell.value }));
    return Promise.resolve({ name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values });
  }
}

class BucketCell implements HistogramCell {
  /** Per-bucket counts (not cumulative); the last slot is +Inf. */
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(private readonly bounds: readonly number[]) {
    this.counts = new Float64Array(bounds.length + 1);
  }

  observe(value: number): void {
    this.observeMany(value, 1);
  }

  observeMany(value: number, count: number): void {
    const bounds = this.bounds;
    let i = 0;
    while (i < bounds.length && value > bounds[i]!) i++;
    this.counts[i]! += count;
    this.sum += value * count;
    this.count += count;
  }
}

export class FastHistogram extends CellMetric<HistogramCell> {
  readonly type = 'histogram' as const;

  constructor(
    name: string,
    help: string,
    private readonly bounds: readonly number[],
  ) {
    super(name, help);
  }

  protected createCell(): HistogramCell {
    return new BucketCell(this.bounds);
  }

  get(): Promise<Exposition> {
    const values: ExpositionValue[] = [];
    for (const { labels, cell } of this.cells.values()) {
      const c = cell as BucketCell;
      let cumulative = 0;
      for (let i = 0; i <= this.bounds.length; i++) {
        cumulative += c.counts[i]!;
        const le = i < this.bounds.length ? this.bounds[i]! : '+Inf';
        values.push({ labels: { ...labels, le }, value: cumulative, metricName: `${this.name}_bucket` });
      }
      values.push({ labels: { ...labels }, value: c.sum, metricName: `${this.name}_sum` });
      values.push({ labels: { ...labels }, value: c.count, metricName: `${this.name}_count` });
    }
    return Promise.resolve({ name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values });
  }
}
