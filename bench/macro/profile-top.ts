/**
 * Top self-time functions of V8 CPU profiles (`.cpuprofile`, as written by BENCH_PROFILE or
 * `node --cpu-prof`): function, file:line, % of the non-idle samples; then the same per file.
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
  readonly functions: readonly TopEntry[];
  readonly files: readonly TopEntry[];
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
    const key = file === '' ? f.functionName || '(anonymous)' : `${file}:${f.lineNumber + 1} ${f.functionName || '(anonymous)'}`;
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
  };
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
  }
}

if (require.main === module) main();
