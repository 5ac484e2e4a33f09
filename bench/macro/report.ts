/**
 * The printed table: one row per workload (median over repetitions, min–max when there are several),
 * CPU split per message, our targets and the best peer of ../shared/perf/BASELINE.md (run D) next to
 * them. Figures are printed, never asserted.
 */
import type { ResultRecord } from './workloads';

interface Target {
  readonly text: string;
  readonly met: (rows: readonly ResultRecord[]) => boolean;
}

const atLeast = (msgsPerS: number): Target => ({
  text: `>= ${Math.round(msgsPerS / 1000)}k msgs/s`,
  met: (rows) => median(rows.map((r) => r.value)) >= msgsPerS,
});

/** Targets of the project (the lead's brief). */
const TARGETS: Readonly<Record<string, Target>> = {
  'produce 1conn 1KiB': atLeast(200_000),
  'produce 4conn 1KiB': atLeast(200_000),
  'sync send 1KiB': {
    text: 'p50 <= 100, p99 <= 250 µs',
    met: (rows) => median(rows.map((r) => Number(r.p50_us))) <= 100 && median(rows.map((r) => Number(r.p99_us))) <= 250,
  },
  'consume 1KiB': atLeast(400_000),
};

/** Best peer per workload, medians of BASELINE.md run D (Redis 7 Streams / NATS JetStream 2.9). */
const BEST_PEER: Readonly<Record<string, string>> = {
  'produce 1conn 100B': 'redis 97.6k',
  'produce 1conn 1KiB': 'redis 90.8k',
  'produce 4conn 100B': 'redis 155k',
  'produce 4conn 1KiB': 'redis 97.5k',
  'sync send 1KiB': 'redis 104/283/2715 µs',
  'consume 1KiB': 'nats 206k',
};

export const WORKLOAD_ORDER = ['produce 1conn 100B', 'produce 4conn 100B', 'produce 4conn 1KiB', 'sync send 1KiB', 'produce 1conn 1KiB', 'consume 1KiB'];

export function median(xs: readonly number[]): number {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

function fmt(x: number): string {
  if (!Number.isFinite(x)) return 'n/a';
  const abs = Math.abs(x);
  if (abs >= 1000) return Math.round(x).toLocaleString('en-US');
  if (abs >= 100) return x.toFixed(0);
  if (abs >= 10) return x.toFixed(1);
  return x.toFixed(2);
}

function cell(rows: readonly ResultRecord[], key: string): string {
  const xs = rows.map((r) => Number(r[key])).filter((x) => Number.isFinite(x));
  if (xs.length === 0) return 'n/a';
  const m = fmt(median(xs));
  return xs.length > 1 ? `${m} (${fmt(Math.min(...xs))}–${fmt(Math.max(...xs))})` : m;
}

/** Markdown table of all results, grouped by workload. */
export function formatTable(results: readonly ResultRecord[]): string {
  const byWorkload = new Map<string, ResultRecord[]>();
  for (const r of results) {
    const list = byWorkload.get(r.workload);
    if (list === undefined) byWorkload.set(r.workload, [r]);
    else list.push(r);
  }
  // "consume 1KiB (pull)" is a variant of "consume 1KiB": same target, peer and place.
  const base = (w: string): string => w.replace(/ \(.*\)$/, '');
  const order = (w: string): number => (WORKLOAD_ORDER.indexOf(base(w)) + 1 || 99) + (w === base(w) ? 0 : 0.5);
  const lines = [
    '| workload | msgs/s | MB/s | latency p50 / p99 / p99.9 µs | server CPU µs/msg | client CPU µs/msg | target | target met | best peer | machine busy % before / during | runs |',
    '| --- | ---: | ---: | ---: | ---: | ---: | --- | --- | --- | ---: | ---: |',
  ];
  for (const [workload, rows] of [...byWorkload].sort((a, b) => order(a[0]) - order(b[0]))) {
    const sync = workload.startsWith('sync');
    const target = TARGETS[base(workload)];
    const latency = sync ? `${cell(rows, 'p50_us')} / ${cell(rows, 'p99_us')} / ${cell(rows, 'p999_us')}` : '';
    const rate = sync ? cell(rows, 'sends_per_s') : cell(rows, 'value');
    const mb = sync ? '' : cell(rows, 'mb_s');
    const timedOut = rows.some((r) => r.timed_out === true) ? ' (timed out)' : '';
    lines.push(
      `| ${workload}${timedOut} | ${rate} | ${mb} | ${latency} | ${cell(rows, 'server_cpu_us_per_msg')} | ${cell(rows, 'client_cpu_us_per_msg')} | ` +
        `${target?.text ?? ''} | ${target === undefined ? '' : target.met(rows) ? 'yes' : 'no'} | ${BEST_PEER[base(workload)] ?? ''} | ` +
        `${cell(rows, 'bg_busy_pct_before')} / ${cell(rows, 'cpu_busy_pct')} | ${rows.length} |`,
    );
  }
  return lines.join('\n');
}
