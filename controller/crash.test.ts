/**
 * Crash at every step: a scenario (bootstrap, master killed with an unreplicated tail, failover,
 * old master back, switchover back to it) is run once to count the controller's side effects
 * (saves and actions), then once per side effect k with the controller dying at k, either just
 * before it takes effect or just after. A fresh loop then starts from the persisted state. Each
 * run must converge to one master at the highest epoch, never give an epoch to two masters, and
 * lose no acknowledged message.
 */
import { ManualClock } from '../stdx';
import type { ControllerLoop } from './loop';
import { MemoryGroupStateStore } from './memory-store';
import type { CrashVariant } from './sim.test-util';
import { CrashableController, FakeCluster, SIM_GROUP } from './sim.test-util';
import type { ControllerPolicy } from './types';
import { defaultControllerPolicy } from './types';

const INTERVAL_MS = 500;
const policy: ControllerPolicy = { ...defaultControllerPolicy, masterDownAfterMs: 1_500, minReplicasToBootstrap: 3 };

class CrashRun {
  readonly cluster = new FakeCluster(['b-0', 'b-1', 'b-2']);
  readonly store = new MemoryGroupStateStore();
  readonly clock = new ManualClock();
  readonly controller: CrashableController;
  private highestEpoch = 0;

  constructor(
    private readonly crashAt: number | null,
    private readonly variant: CrashVariant,
  ) {
    this.controller = new CrashableController(this.cluster, this.store, this.clock, policy, INTERVAL_MS);
    this.controller.crashAt = crashAt;
    this.controller.variant = variant;
  }

  get loop(): ControllerLoop {
    return this.controller.loop;
  }

  async step(): Promise<void> {
    await this.controller.tick();
    this.cluster.replicate();
    this.clock.advance(INTERVAL_MS);
    this.checkInvariants();
  }

  private checkInvariants(): void {
    expect(this.cluster.sameEpochMasters()).toBeNull();
    expect(this.cluster.violations).toEqual([]);
    const epoch = this.store.peek(SIM_GROUP)?.state.epoch ?? 0;
    expect(epoch).toBeGreaterThanOrEqual(this.highestEpoch);
    this.highestEpoch = epoch;
  }

  async until(what: string, cond: () => boolean, maxTicks = 40): Promise<void> {
    for (let i = 0; i < maxTicks; i++) {
      if (cond()) return;
      await this.step();
    }
    throw new Error(`crashAt=${this.crashAt} ${this.variant}: not reached within ${maxTicks} ticks: ${what}`);
  }

  master(): string | null {
    return this.cluster.converged()?.id ?? null;
  }

  recorded(): { masterId: string | null; inSync: readonly string[] } {
    const s = this.store.peek(SIM_GROUP)?.state;
    return { masterId: s?.masterId ?? null, inSync: s?.inSyncReplicaIds ?? [] };
  }
}

async function scenario(run: CrashRun): Promise<void> {
  await run.until('bootstrap with all in sync', () => run.master() === 'b-0' && run.recorded().inSync.length === 3);
  run.cluster.write(5);
  await run.step();
  await run.step();
  // The master takes three writes it never replicates, then dies: they were never acknowledged.
  const first = run.master()!;
  const tail = run.cluster.write(3);
  run.cluster.kill(first);
  await run.until('failover', () => run.master() !== null && run.master() !== first);
  run.cluster.write(5);
  await run.step();
  run.cluster.restart(first);
  await run.until('old master rejoins', () => run.master() !== null && run.cluster.broker(first).role === 'slave' && run.recorded().inSync.includes(first));
  // Switch back to the old master, asking again whenever a crash swallowed the request.
  let askedOn: ControllerLoop | null = null;
  await run.until('switchover back', () => {
    const s = run.store.peek(SIM_GROUP)!.state;
    if (s.masterId === first && run.master() === first) return true;
    if (s.pending === null && s.masterId !== first && askedOn !== run.loop) {
      const loop = run.loop;
      askedOn = loop;
      void loop.requestSwitchover(SIM_GROUP, first).then((o) => {
        if (!o.accepted && askedOn === loop) askedOn = null;
      });
    }
    return false;
  });
  const final = run.master()!;
  expect(final).toBe(first);
  expect(run.cluster.lostAcked(final)).toEqual([]);
  const log = new Set(run.cluster.broker(final).log.map((e) => e.id));
  expect(tail.filter((id) => log.has(id))).toEqual([]);
  expect(run.cluster.acked.size).toBeGreaterThanOrEqual(10);
}

describe('the controller crashing at every side effect', () => {
  let sideEffects = 0;

  beforeAll(async () => {
    const clean = new CrashRun(null, 'before');
    await scenario(clean);
    sideEffects = clean.controller.ops;
  });

  it('the crash-free scenario has enough side effects to be worth crashing in', () => {
    expect(sideEffects).toBeGreaterThanOrEqual(12);
  });

  for (const variant of ['before', 'after'] as const) {
    it(`converges with one master, no shared epoch and no acknowledged loss when it dies just ${variant} side effect k, for every k`, async () => {
      for (let k = 1; k <= sideEffects; k++) {
        const run = new CrashRun(k, variant);
        await scenario(run);
        expect(run.controller.loops).toBe(2);
      }
    });
  }
});
