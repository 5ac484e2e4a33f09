/**
 * Machine and process CPU readings from /proc, read the same way as the peers harness
 * (../shared/perf/peers/lib/common.js) so our figures and the peers' compare one to one:
 * a process tree's CPU = utime + stime + cutime + cstime of the root and every descendant.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';

/** USER_HZ: /proc/<pid>/stat counts CPU time in these ticks. */
const CLOCK_TICKS_PER_S = 100;

/** CPU seconds used so far by `rootPid` and all its descendants; undefined when it is gone. */
export function procTreeCpuSeconds(rootPid: number | undefined): number | undefined {
  if (rootPid === undefined) return undefined;
  const parentOf = new Map<number, number>();
  const cpuOf = new Map<number, number>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^[0-9]+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Fields after the command name, which is in parentheses and may contain spaces; f[0] is field 3.
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      parentOf.set(Number(entry), Number(f[1]));
      cpuOf.set(Number(entry), (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) / CLOCK_TICKS_PER_S);
    } catch {
      // The process exited between readdir and read.
    }
  }
  if (!cpuOf.has(rootPid)) return undefined;
  const children = new Map<number, number[]>();
  for (const [pid, parent] of parentOf) {
    const list = children.get(parent);
    if (list === undefined) children.set(parent, [pid]);
    else list.push(pid);
  }
  let total = 0;
  const stack = [rootPid];
  while (stack.length > 0) {
    const pid = stack.pop()!;
    total += cpuOf.get(pid) ?? 0;
    stack.push(...(children.get(pid) ?? []));
  }
  return total;
}

export interface CpuSnapshot {
  readonly total: number;
  readonly idle: number;
  readonly iowait: number;
  readonly steal: number;
}

/** Whole-machine CPU counters (first line of /proc/stat). */
export function cpuSnapshot(): CpuSnapshot | undefined {
  try {
    const fields = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    const [, , , idle = 0, iowait = 0, , , steal = 0] = fields;
    const total = fields.slice(0, 8).reduce((a, b) => a + b, 0);
    return { total, idle: idle + iowait, iowait, steal };
  } catch {
    return undefined;
  }
}

export interface MachineCpu {
  /** Share of the machine's CPU busy during the interval, %. */
  readonly busyPct: number;
  /** Time the hypervisor gave our vCPUs to someone else, %. */
  readonly stealPct: number;
}

export function machineCpuBetween(a: CpuSnapshot | undefined, b: CpuSnapshot | undefined): MachineCpu | undefined {
  if (a === undefined || b === undefined) return undefined;
  const dt = b.total - a.total || 1;
  return { busyPct: round1(100 * (1 - (b.idle - a.idle) / dt)), stealPct: round1((100 * (b.steal - a.steal)) / dt) };
}

export function loadAverage(): readonly number[] {
  return os.loadavg().map((x) => Math.round(x * 100) / 100);
}

export interface QuietReport {
  /** Machine CPU busy % in the last 0.5 s sample before the measurement started. */
  readonly bgBusyPctBefore: number;
  readonly quietWaitS: number;
}

/**
 * The machine is shared with other engineers' builds and tests: before a measurement wait until
 * the whole machine is below `busyPct` in two consecutive 0.5 s samples, at most `maxWaitS`; the
 * last sample is stored with the result so a noisy figure can be recognised as such.
 */
export async function waitQuiet(maxWaitS: number, busyPct: number): Promise<QuietReport> {
  const t0 = Date.now();
  let quietSamples = 0;
  let last = 0;
  for (;;) {
    const a = cpuSnapshot();
    await new Promise((resolve) => setTimeout(resolve, 500));
    last = machineCpuBetween(a, cpuSnapshot())?.busyPct ?? 0;
    quietSamples = last < busyPct ? quietSamples + 1 : 0;
    if (quietSamples >= 2 || (Date.now() - t0) / 1000 >= maxWaitS) break;
  }
  return { bgBusyPctBefore: last, quietWaitS: round1((Date.now() - t0) / 1000) };
}

function round1(x: number): number {
  return Math.round(x * 10) / 10;
}
