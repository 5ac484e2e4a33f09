/** Small pieces the HA benchmarks share: settings, logging, scratch folders, the master's status. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { dataParent } from '../macro/env';

export { envNumber } from '../macro/env';

export function log(text: string): void {
  process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${text}\n`);
}

/** A fresh folder on a real disk (the page cache and writeback of a disk are what we measure, not RAM). */
export function scratchDir(prefix: string): string {
  return fs.mkdtempSync(path.join(dataParent(), prefix));
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The fields of a broker's `GET /status` (docs/replication.md) the benchmarks read. */
export interface BrokerStatus {
  readonly role: 'none' | 'master' | 'slave';
  readonly epoch: number;
  readonly writable: boolean;
  readonly maxCommitLogOffset: number;
  readonly inSyncSet: readonly string[];
  readonly slaves: readonly { readonly address: string; readonly ackOffset: number; readonly lagBytes: number }[];
}

export async function fetchStatus(httpUrl: string): Promise<BrokerStatus | undefined> {
  try {
    const res = await fetch(`${httpUrl}/status`, { signal: AbortSignal.timeout(1000) });
    return res.status === 200 ? ((await res.json()) as BrokerStatus) : undefined;
  } catch {
    return undefined;
  }
}

/** Waits until the master at `httpUrl` counts `slaves` slaves in sync. */
export async function waitInSync(httpUrl: string, slaves: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const s = await fetchStatus(httpUrl);
    if (s !== undefined && s.role === 'master' && s.inSyncSet.length >= slaves + 1) return;
    if (Date.now() > deadline) throw new Error(`no ${slaves} in-sync slave(s) at ${httpUrl} after ${timeoutMs} ms (last status ${JSON.stringify(s)})`);
    await sleep(100);
  }
}

/** Bytes the slowest attached slave has not acknowledged, or undefined without a status. */
function worstLag(s: BrokerStatus | undefined): number | undefined {
  if (s === undefined || s.slaves.length === 0) return undefined;
  return Math.max(...s.slaves.map((x) => Math.max(0, s.maxCommitLogOffset - x.ackOffset)));
}

export interface LagSampler {
  /** Ends the sampling; resolves with the samples and the time the slaves took to catch up afterwards. */
  stop(): Promise<{ readonly samples: readonly number[]; readonly catchUpMs: number }>;
}

/** Samples the replication lag every `everyMs` until stopped. */
export function sampleLag(httpUrl: string, everyMs: number): LagSampler {
  const samples: number[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const lag = worstLag(await fetchStatus(httpUrl));
      if (lag !== undefined) samples.push(lag);
      await sleep(everyMs);
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      const start = Date.now();
      for (let i = 0; i < 600; i++) {
        if (worstLag(await fetchStatus(httpUrl)) === 0) break;
        await sleep(10);
      }
      return { samples, catchUpMs: Date.now() - start };
    },
  };
}
