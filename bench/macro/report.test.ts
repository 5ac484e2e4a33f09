import { formatTable, median } from './report';
import type { ResultRecord } from './workloads';

const produce = (value: number, rep: number): ResultRecord => ({
  workload: 'produce 1conn 1KiB', value, unit: 'msgs/s', mb_s: (value * 1024) / 1e6, server_cpu_us_per_msg: 5, client_cpu_us_per_msg: 4, rep,
});

test('median of odd and even counts, ignoring non-numbers', () => {
  expect(median([3, 1, 2])).toBe(2);
  expect(median([4, 1, 2, 3])).toBe(2.5);
  expect(median([NaN, 7])).toBe(7);
  expect(median([])).toBeNaN();
});

test('one row per workload with the median, the range over repetitions and whether the target is met', () => {
  const table = formatTable([produce(150_000, 1), produce(250_000, 2), produce(210_000, 3)]);
  const row = table.split('\n').find((l) => l.startsWith('| produce 1conn 1KiB'))!;
  expect(row).toContain('210,000 (150,000–250,000)');
  expect(row).toContain('>= 200k msgs/s | yes');
  expect(row).toContain('redis 90.8k');
});

test('sync latency rows show percentiles and check both latency targets; variants share their base target', () => {
  const table = formatTable([
    { workload: 'sync send 1KiB', value: 90, unit: 'us p50', p50_us: 90, p99_us: 300, p999_us: 900, sends_per_s: 9000 },
    { workload: 'consume 1KiB (pull)', value: 500_000, unit: 'msgs/s' },
  ]);
  expect(table).toMatch(/\| sync send 1KiB \| 9,000 \| +\| 90\.0 \/ 300 \/ 900 \|.*p50 <= 100, p99 <= 250 µs \| no \|/);
  expect(table).toMatch(/\| consume 1KiB \(pull\) \| 500,000 \|.*>= 400k msgs\/s \| yes \| nats 206k/);
});
