/**
 * Top self-time functions of V8 CPU profiles (`.cpuprofile`, as written by BENCH_PROFILE or
 * `node --cpu-prof`): function, file:line, % of the non-idle samples; then the same per file, then
 * total (inclusive) time per function, which shows whole subsystems (index, dispatch, remoting).
 *
 *   node -r @swc-node/register bench/macro/profile-top.ts <file.cpuprofile>... [--top 25]
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

interface CallFrame {
  readonly functionName: string;
  readonly url: string;
  readonly lineNumber: number;
}

interface ProfileNode {
  readonly id: number;
  readonly callFrame: CallFrame;
  readonly hitCount?: number;
  readonly children?: readonly number[];
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples?: readonly number[];
  readonly startTime: number;
  readonly endTime: number;
}

const REPO = path.resolve(__dirname, '..', '..');

function shortUrl(url: string): string {
  if (url === '') return '';
  const file = url.startsWith('file://') ? url.slice(7) : url;
  if (file.startsWith(REPO)) return path.relative(REPO, file);
  const nm = file.lastIndexOf('node_modules/');
  return nm >= 0 ? file.slice(nm) : file;
}

export interface TopEntry {
  readonly name: string;
  readonly samples: number;
  readonly pct: number;
}

export interface ProfileSummary {
  readonly totalSamples: number;
  readonly idlePct: number;
  readonly durationMs: number;
  /** Self time. */
  readonly functions: readonly TopEntry[];
  readonly files: readonly TopEntry[];
  /** Total time: samples with the function anywhere on the stack (each sample counted once per function). */
  readonly inclusive: readonly TopEntry[];
}

function frameKey(f: CallFrame): string {
  const file = shortUrl(f.url);
  return file === '' ? f.functionName || '(anonymous)' : `${file}:${f.lineNumber + 1} ${f.functionName || '(anonymous)'}`;
}

export function summarizeProfile(profile: CpuProfile): ProfileSummary {
  const hits = new Map<number, number>();
  if (profile.samples !== undefined && profile.samples.length > 0) {
    for (const id of profile.samples) hits.set(id, (hits.get(id) ?? 0) + 1);
  } else {
    for (const n of profile.nodes) hits.set(n.id, n.hitCount ?? 0);
  }
  const byFunction = new Map<string, number>();
  const byFile = new Map<string, number>();
  let total = 0;
  let idle = 0;
  for (const n of profile.nodes) {
    const count = hits.get(n.id) ?? 0;
    if (count === 0) continue;
    total += count;
    const f = n.callFrame;
    if (f.functionName === '(idle)') {
      idle += count;
      continue;
    }
    const file = shortUrl(f.url);
    const key = frameKey(f);
    byFunction.set(key, (byFunction.get(key) ?? 0) + count);
    const fileKey = file === '' ? f.functionName : file;
    byFile.set(fileKey, (byFile.get(fileKey) ?? 0) + count);
  }
  const busy = total - idle || 1;
  const top = (m: Map<string, number>): TopEntry[] =>
    [...m].sort((a, b) => b[1] - a[1]).map(([name, samples]) => ({ name, samples, pct: (100 * samples) / busy }));
  return {
    totalSamples: total,
    idlePct: (100 * idle) / (total || 1),
    durationMs: (profile.endTime - profile.startTime) / 1000,
    functions: top(byFunction),
    files: top(byFile),
    inclusive: top(inclusiveTimes(profile, hits)),
  };
}

function inclusiveTimes(profile: CpuProfile, hits: ReadonlyMap<number, number>): Map<string, number> {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const totals = new Map<string, number>();
  for (const [id, count] of hits) {
    const node = byId.get(id);
    if (node === undefined || node.callFrame.functionName === '(idle)') continue;
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const f = byId.get(at)!.callFrame;
      if (f.functionName === '(root)') continue;
      seen.add(frameKey(f));
    }
    for (const key of seen) totals.set(key, (totals.get(key) ?? 0) + count);
  }
  return totals;
}

function main(): void {
  const args = process.argv.slice(2);
  const topIdx = args.indexOf('--top');
  const topN = topIdx >= 0 ? Number(args.splice(topIdx, 2)[1]) : 25;
  if (args.length === 0) {
    process.stderr.write('usage: profile-top.ts <file.cpuprofile>... [--top N]\n');
    process.exit(2);
  }
  for (const file of args) {
    const s = summarizeProfile(JSON.parse(fs.readFileSync(file, 'utf8')) as CpuProfile);
    console.log(`\n## ${path.basename(file)}: ${(s.durationMs / 1000).toFixed(2)} s, ${s.totalSamples} samples, idle ${s.idlePct.toFixed(1)}% (percentages below are of non-idle samples)\n`);
    console.log('| self % | function (file:line name) |\n| ---: | --- |');
    for (const e of s.functions.slice(0, topN)) console.log(`| ${e.pct.toFixed(1)} | ${e.name} |`);
    console.log('\n| self % | file |\n| ---: | --- |');
    for (const e of s.files.slice(0, Math.min(15, topN))) console.log(`| ${e.pct.toFixed(1)} | ${e.name} |`);
    console.log('\n| total % | function, self + callees (file:line name) |\n| ---: | --- |');
    for (const e of s.inclusive.slice(0, topN)) console.log(`| ${e.pct.toFixed(1)} | ${e.name} |`);
  }
}

if (require.main === module) main();
