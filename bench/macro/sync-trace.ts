/**
 * Summarises a BENCH_TRACE_DIR of a `sync` run: for each repetition, the sends slower than a threshold
 * per block of sends, the block's median, and how many slow sends overlapped a garbage collection of
 * the client (the benchmark process) or of the broker. Every timestamp is process.hrtime's monotonic
 * clock, which all processes of the machine share.
 *
 *   BENCH_TRACE_DIR=/tmp/tr BENCH_ONLY=sync node -r @swc-node/register bench/macro/run.ts
 *   node -r @swc-node/register bench/macro/sync-trace.ts /tmp/tr [--slow-us 250] [--block 1000]
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface Send {
  readonly startNs: bigint;
  readonly latencyUs: number;
}

export interface Pause {
  readonly startNs: bigint;
  readonly durationUs: number;
}

export interface Block {
  readonly first: number;
  readonly count: number;
  readonly medianUs: number;
  readonly slow: number;
}

export interface SyncTraceSummary {
  readonly blocks: readonly Block[];
  readonly slow: number;
  /** Slow sends that overlapped a client collection; of the rest, those that overlapped a broker one. */
  readonly slowInClientGc: number;
  readonly slowInBrokerGc: number;
}

function overlaps(send: Send, pauses: readonly Pause[]): boolean {
  const end = send.startNs + BigInt(Math.round(send.latencyUs * 1000));
  return pauses.some((p) => p.startNs < end && p.startNs + BigInt(Math.round(p.durationUs * 1000)) > send.startNs);
}

export function summarise(sends: readonly Send[], clientGc: readonly Pause[], brokerGc: readonly Pause[], slowUs: number, block: number): SyncTraceSummary {
  const blocks: Block[] = [];
  for (let first = 0; first < sends.length; first += block) {
    const part = sends.slice(first, first + block).map((s) => s.latencyUs);
    const sorted = [...part].sort((a, b) => a - b);
    blocks.push({ first, count: part.length, medianUs: sorted[Math.floor(sorted.length / 2)] ?? 0, slow: part.filter((l) => l > slowUs).length });
  }
  let slow = 0;
  let slowInClientGc = 0;
  let slowInBrokerGc = 0;
  for (const s of sends) {
    if (s.latencyUs <= slowUs) continue;
    slow++;
    if (overlaps(s, clientGc)) slowInClientGc++;
    else if (overlaps(s, brokerGc)) slowInBrokerGc++;
  }
  return { blocks, slow, slowInClientGc, slowInBrokerGc };
}

function rows(file: string): string[][] {
  return fs.readFileSync(file, 'utf8').split('\n').slice(1).filter((l) => l.length > 0).map((l) => l.split('\t'));
}

function pausesOf(dir: string, prefix: string): Pause[] {
  return fs
    .readdirSync(dir)
    .filter((f) => f.startsWith(`${prefix}-`) && f.endsWith('.gc.tsv'))
    .flatMap((f) => rows(path.join(dir, f)).map(([start, dur]) => ({ startNs: BigInt(start!), durationUs: Number(dur) })));
}

function main(argv: readonly string[]): void {
  const dir = argv[0];
  if (dir === undefined) throw new Error('usage: sync-trace.ts <BENCH_TRACE_DIR> [--slow-us 250] [--block 1000]');
  const flag = (name: string, fallback: number): number => {
    const i = argv.indexOf(name);
    return i >= 0 ? Number(argv[i + 1]) : fallback;
  };
  const slowUs = flag('--slow-us', 250);
  const block = flag('--block', 1000);
  // Collections of every repetition's broker are pooled: their times do not overlap another repetition's sends.
  const clientGc = pausesOf(dir, 'client');
  const brokerGc = pausesOf(dir, 'broker');
  for (const file of fs.readdirSync(dir).filter((f) => /^client-sync-r\d+\.tsv$/.test(f)).sort()) {
    const sends = rows(path.join(dir, file)).map(([start, lat]) => ({ startNs: BigInt(start!), latencyUs: Number(lat) }));
    const s = summarise(sends, clientGc, brokerGc, slowUs, block);
    console.log(`${file}: ${s.slow} sends > ${slowUs} µs; ${s.slowInClientGc} overlap a client GC, ${s.slowInBrokerGc} (more) a broker GC`);
    for (const b of s.blocks) console.log(`  sends ${b.first}..${b.first + b.count - 1}: median ${b.medianUs.toFixed(0)} µs, ${b.slow} slow`);
  }
}

if (require.main === module) main(process.argv.slice(2));
