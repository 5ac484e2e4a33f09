/**
 * Which metric series exist, read from the sources that register them, and which series a PromQL
 * expression reads. Tests use both so that dashboards and alerts never query a series nobody exports.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');

/** Files that register the broker's and nameserver's metrics. */
export const METRIC_SOURCES = ['broker/metrics.ts', 'broker/consume/metrics.ts', 'nameserver/metrics.ts'];

/** The operator's metrics as the operator contract names them (used until operator/ registers any). */
export const CONTRACT_OPERATOR_METRICS = [
  'rocketcluster_operator_reconciles_total',
  'rocketcluster_operator_reconcile_errors_total',
  'rocketcluster_operator_reconcile_duration_seconds',
  'rocketcluster_operator_failovers_total',
  'rocketcluster_operator_switchovers_total',
  'rocketcluster_operator_is_leader',
  'rocketcluster_operator_managed_clusters',
  'rocketcluster_operator_cluster_ready',
];
const CONTRACT_OPERATOR_HISTOGRAMS = ['rocketcluster_operator_reconcile_duration_seconds'];

/**
 * Series from outside RocketCluster that the dashboards and alerts may use: Prometheus' own `up`,
 * the kubelet's volume stats (disk use of the PVCs) and kube-state-metrics' StatefulSet replicas,
 * all present in a standard kube-prometheus-stack.
 */
export const EXTERNAL_METRICS = [
  'up',
  'kubelet_volume_stats_used_bytes',
  'kubelet_volume_stats_capacity_bytes',
  'kubelet_volume_stats_available_bytes',
  'kube_statefulset_status_replicas_ready',
  'kube_statefulset_replicas',
];

const NAME_LITERAL = /'((?:rocketmq|rocketcluster)_[a-z0-9_]+)'/g;
const HISTOGRAM_DECLARATION = /(?:FastHistogram\(\s*'|Histogram(?:<[^>]*>)?\(\{[^}]*?\bname:\s*')([a-z0-9_]+)'/g;

function nonTestSources(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...nonTestSources(full));
    else if (entry.name.endsWith('.ts') && !/\.test(-util)?\.ts$|test-kit\.ts$/.test(entry.name)) out.push(full);
  }
  return out;
}

/** Every series name that exists: counters and gauges as named, histograms with _bucket/_sum/_count. */
export function knownMetricNames(): Set<string> {
  const names = new Set<string>(EXTERNAL_METRICS);
  const histograms = new Set<string>();
  const scan = (file: string, pattern: RegExp): string[] => [...fs.readFileSync(file, 'utf8').matchAll(pattern)].map((m) => m[1]!);
  const sources = METRIC_SOURCES.map((f) => path.join(ROOT, f));
  const operatorSources = nonTestSources(path.join(ROOT, 'operator'));
  const operatorNames = operatorSources.flatMap((f) => scan(f, NAME_LITERAL)).filter((n) => n.startsWith('rocketcluster_operator_'));
  for (const f of sources) for (const n of scan(f, NAME_LITERAL)) names.add(n);
  for (const f of [...sources, ...operatorSources]) for (const n of scan(f, HISTOGRAM_DECLARATION)) histograms.add(n);
  // The contract's names stand in until operator/ registers metrics; from then on the code is the truth.
  for (const n of operatorNames.length === 0 ? CONTRACT_OPERATOR_METRICS : operatorNames) names.add(n);
  // The contract says which operator metric is a histogram, whatever way the code declares it.
  for (const n of CONTRACT_OPERATOR_HISTOGRAMS) if (names.has(n)) histograms.add(n);
  for (const h of histograms) {
    // A histogram is only ever queried through its three series.
    names.delete(h);
    for (const suffix of ['_bucket', '_sum', '_count']) names.add(h + suffix);
  }
  return names;
}

const PROMQL_WORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'and', 'or', 'unless', 'bool', 'offset', 'inf', 'nan']);

/**
 * The series names an expression reads. Label matchers, strings, ranges and grouping clauses are
 * cut out first; what remains that is not a function call, a keyword or a number is a metric name.
 */
export function metricsInExpr(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  const names = new Set<string>();
  // Not preceded by a digit or dot: the unit of a duration (5m) or a number (1e3) is no name.
  for (const m of stripped.matchAll(/(?<![A-Za-z0-9_:.])([A-Za-z_:][A-Za-z0-9_:]*)(\s*\()?/g)) {
    if (m[2] !== undefined) continue;
    const word = m[1]!;
    if (PROMQL_WORDS.has(word.toLowerCase()) || /^\d/.test(word)) continue;
    names.add(word);
  }
  return [...names];
}
