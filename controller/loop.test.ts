import { ManualClock } from '../stdx';
import type { Result } from '../stdx';
import { ControllerLoop } from './loop';
import { MemoryGroupStateStore } from './memory-store';
import type { ControllerPorts, GroupStateStore, Timers } from './ports';
import { FakeCluster, SIM_GROUP } from './sim.test-util';
import type { ControllerAction, ControllerPolicy, GroupState } from './types';
import { defaultControllerPolicy } from './types';

const INTERVAL_MS = 500;
const policy: ControllerPolicy = { ...defaultControllerPolicy, masterDownAfterMs: 2_000, minReplicasToBootstrap: 2 };

class Harness {
  readonly clock = new ManualClock();
  readonly store = new MemoryGroupStateStore();
  readonly cluster: FakeCluster;
  readonly acted: ControllerAction[] = [];
  /** The stored state each action saw when it was sent. */
  readonly recordedAtAct: (GroupState | null)[] = [];
  loop: ControllerLoop;

  constructor(ids: readonly string[], private readonly storePort: GroupStateStore | null = null) {
    this.cluster = new FakeCluster(ids);
    this.loop = this.newLoop();
  }

  ports(): ControllerPorts {
    return {
      observe: async () => this.cluster.observe(),
      act: async (a) => {
        this.acted.push(a);
        this.recordedAtAct.push(this.store.peek(SIM_GROUP)?.state ?? null);
        return this.cluster.act(a);
      },
      store: this.storePort ?? this.store,
    };
  }

  newLoop(): ControllerLoop {
    this.loop = new ControllerLoop(this.ports(), { clock: this.clock, intervalMs: INTERVAL_MS, policy });
    return this.loop;
  }

  async step(): Promise<void> {
    await this.loop.tick();
    this.cluster.replicate();
    this.clock.advance(INTERVAL_MS);
  }

  async until(what: string, cond: () => boolean, maxTicks = 40): Promise<number> {
    for (let i = 0; i < maxTicks; i++) {
      if (cond()) return i;
      await this.step();
    }
    throw new Error(`not reached within ${maxTicks} ticks: ${what}`);
  }

  master(): string | null {
    return this.cluster.converged()?.id ?? null;
  }
}

describe('ControllerLoop against an in-memory group', () => {
  it('bootstraps the lowest id as master and records every decision before acting on it', async () => {
    const h = new Harness(['b-0', 'b-1']);
    const decisions: string[] = [];
    h.loop.on('decision', (_g, _from, to) => decisions.push(`${to.masterId}@${to.epoch}`));
    await h.until('converged', () => h.master() !== null);
    expect(h.master()).toBe('b-0');
    expect(decisions[0]).toBe('b-0@1');
    // Every action went out with the state it carries out already saved.
    h.acted.forEach((a, i) => {
      const recorded = h.recordedAtAct[i];
      expect(recorded?.epoch).toBe(a.epoch);
      if (a.kind === 'promote') expect(recorded?.masterId).toBe(a.replicaId);
    });
  });

  it('fails over when the master dies, within masterDownAfterMs plus a tick, and the old master rejoins as slave', async () => {
    const h = new Harness(['b-0', 'b-1']);
    await h.until('bootstrap', () => h.master() === 'b-0' && h.store.peek(SIM_GROUP)!.state.inSyncReplicaIds.length === 2);
    h.cluster.write(5);
    await h.step();
    expect(h.cluster.acked.size).toBe(5);
    h.cluster.kill('b-0');
    const killedAt = h.clock.nowMs();
    await h.until('b-1 master', () => h.master() === 'b-1');
    expect(h.clock.nowMs() - killedAt).toBeLessThanOrEqual(policy.masterDownAfterMs + 2 * INTERVAL_MS);
    expect(h.store.peek(SIM_GROUP)!.state).toMatchObject({ masterId: 'b-1', epoch: 2 });
    h.cluster.restart('b-0');
    await h.until('b-0 follows', () => h.cluster.broker('b-0').role === 'slave' && h.master() === 'b-1');
    expect(h.cluster.lostAcked('b-1')).toEqual([]);
  });

  it('on a compare-and-set conflict saves nothing, sends nothing, and retries on the next tick', async () => {
    let conflicts = 1;
    const inner = new MemoryGroupStateStore();
    const racing: GroupStateStore = {
      load: (g) => inner.load(g),
      save: async (g, v, s) => (conflicts-- > 0 ? { kind: 'conflict', reason: 'someone else wrote' } : inner.save(g, v, s)),
    };
    const h = new Harness(['b-0', 'b-1'], racing);
    const conflictsSeen: string[] = [];
    h.loop.on('conflict', (g, reason) => conflictsSeen.push(`${g}: ${reason}`));
    const first = await h.loop.tick();
    expect(first.groups[0]).toMatchObject({ changed: true, conflict: true, actionsSent: 0 });
    expect(h.acted).toEqual([]);
    expect(conflictsSeen).toEqual(['g: someone else wrote']);
    const second = await h.loop.tick();
    expect(second.groups[0]).toMatchObject({ conflict: false, actionsSent: 2 });
  });

  it('stops a group\'s actions at the first failure (no re-point toward a master that was not promoted)', async () => {
    const h = new Harness(['b-0', 'b-1']);
    const failing: ControllerPorts = { ...h.ports(), act: async (a): Promise<Result<void, string>> => (h.acted.push(a), { ok: false, error: 'connection refused' }) };
    const loop = new ControllerLoop(failing, { clock: h.clock, intervalMs: INTERVAL_MS, policy });
    const report = await loop.tick();
    expect(report.groups[0]).toMatchObject({ actionsSent: 1, actionFailed: true });
    expect(h.acted.map((a) => a.kind)).toEqual(['promote']);
  });

  it('reports a failing observe or store as a failure event and acts on nothing', async () => {
    const h = new Harness(['b-0', 'b-1']);
    const failures: string[] = [];
    const broken: ControllerPorts = {
      ...h.ports(),
      observe: async () => {
        throw new Error('api server gone');
      },
    };
    const loop = new ControllerLoop(broken, { clock: h.clock, intervalMs: INTERVAL_MS, policy });
    loop.on('failure', (where, _g, msg) => failures.push(`${where}: ${msg}`));
    expect((await loop.tick()).groups).toEqual([]);
    const badStore: ControllerPorts = {
      ...h.ports(),
      store: { load: async () => null, save: async () => Promise.reject(new Error('disk full')) },
    };
    const loop2 = new ControllerLoop(badStore, { clock: h.clock, intervalMs: INTERVAL_MS, policy });
    loop2.on('failure', (where, _g, msg) => failures.push(`${where}: ${msg}`));
    expect((await loop2.tick()).groups[0]).toMatchObject({ conflict: true, actionsSent: 0 });
    expect(failures).toEqual(['observe: api server gone', 'save: disk full']);
    expect(h.acted).toEqual([]);
  });

  it('refuses to decide from a hand-edited record that breaks the rules, and says so', async () => {
    const h = new Harness(['b-0', 'b-1']);
    const bad = { group: SIM_GROUP, masterId: 'b-0', epoch: 1, inSyncReplicaIds: ['b-1'], syncStateSetEpoch: 1, pending: null, decidedAtMs: 0 };
    await h.store.save(SIM_GROUP, null, bad);
    const failures: string[] = [];
    h.loop.on('failure', (where, _g, msg) => failures.push(`${where}: ${msg}`));
    const report = await h.loop.tick();
    expect(report.groups[0]).toMatchObject({ changed: false, actionsSent: 0 });
    expect(failures).toEqual(['load: stored state is not usable: master b-0 is missing from its in-sync set']);
  });

  it('reports a broker claiming a recorded master\'s epoch once per episode, and demotes it', async () => {
    const h = new Harness(['b-0', 'b-1']);
    await h.until('bootstrap', () => h.master() === 'b-0');
    Object.assign(h.cluster.broker('b-1'), { role: 'master', epoch: 1, following: null });
    const violations: string[] = [];
    h.loop.on('violation', (_g, p) => violations.push(p));
    await h.until('repaired', () => h.master() === 'b-0' && h.cluster.broker('b-1').role === 'slave');
    expect(violations).toEqual(['b-0 and b-1 both report master at epoch 1']);
  });

  it('a controller restarted while the master is unreachable waits the full masterDownAfterMs again', async () => {
    const h = new Harness(['b-0', 'b-1']);
    await h.until('bootstrap', () => h.master() === 'b-0' && h.store.peek(SIM_GROUP)!.state.inSyncReplicaIds.length === 2);
    h.cluster.kill('b-0');
    h.clock.advance(10_000);
    h.newLoop();
    const restartedAt = h.clock.nowMs();
    await h.until('b-1 master', () => h.master() === 'b-1');
    expect(h.clock.nowMs() - restartedAt).toBeGreaterThanOrEqual(policy.masterDownAfterMs);
  });

  it('runs a requested switchover to completion with every acknowledged message on the new master', async () => {
    const h = new Harness(['b-0', 'b-1', 'b-2']);
    await h.until('bootstrap', () => h.master() === 'b-0' && h.store.peek(SIM_GROUP)!.state.inSyncReplicaIds.length === 3);
    h.cluster.write(10);
    await h.step();
    const outcome = h.loop.requestSwitchover(SIM_GROUP, 'b-2');
    const refused = await h.loop.requestSwitchover(SIM_GROUP, 'b-1');
    expect(refused.accepted).toBe(false);
    await h.step();
    expect((await outcome).accepted).toBe(true);
    // Writes during the switchover are refused by the fenced master, never half-accepted.
    let refusedWrites = 0;
    for (let i = 0; i < 20 && h.master() !== 'b-2'; i++) {
      if (h.cluster.write(1).length === 0) refusedWrites++;
      await h.step();
    }
    expect(refusedWrites).toBeGreaterThan(0);
    await h.until('b-2 master', () => h.master() === 'b-2');
    expect(h.store.peek(SIM_GROUP)!.state).toMatchObject({ masterId: 'b-2', epoch: 2, pending: null });
    expect(h.cluster.lostAcked('b-2')).toEqual([]);
    expect(h.cluster.acked.size).toBeGreaterThanOrEqual(10);
  });

  it('refuses requests for unknown groups and those still queued when it stops', async () => {
    const h = new Harness(['b-0']);
    const unknown = h.loop.requestFailover('nope');
    await h.loop.tick();
    expect(await unknown).toEqual({ accepted: false, reason: 'unknown group nope' });
    const queued = h.loop.requestFailover(SIM_GROUP);
    await h.loop.stop();
    expect(await queued).toEqual({ accepted: false, reason: 'the controller stopped' });
  });

  it('refuses a request made after stop() at once instead of leaving it unsettled', async () => {
    const h = new Harness(['b-0']);
    await h.loop.stop();
    expect(await h.loop.requestSwitchover(SIM_GROUP)).toEqual({ accepted: false, reason: 'the controller stopped' });
  });

  it('emits a repeating note once, not on every tick', async () => {
    const h = new Harness(['b-0', 'b-1']);
    h.cluster.kill('b-1');
    const notes: string[] = [];
    h.loop.on('note', (_g, n) => notes.push(n.kind));
    for (let i = 0; i < 3; i++) await h.step();
    expect(notes).toEqual(['waiting-for-replicas']);
  });

  it('schedules ticks through the injected timers and stops cleanly', async () => {
    const h = new Harness(['b-0', 'b-1']);
    const queue: { fn: () => void; ms: number }[] = [];
    const timers: Timers = { setTimeout: (fn, ms) => queue.push({ fn, ms }), clearTimeout: () => queue.splice(0) };
    const loop = new ControllerLoop(h.ports(), { clock: h.clock, intervalMs: INTERVAL_MS, policy, timers });
    const ticks: number[] = [];
    loop.on('tick', (r) => ticks.push(r.atMs));
    loop.start();
    expect(queue.map((q) => q.ms)).toEqual([0]);
    queue.shift()!.fn();
    await new Promise<void>((resolve) => loop.once('tick', () => setImmediate(resolve)));
    expect(queue.map((q) => q.ms)).toEqual([INTERVAL_MS]);
    await loop.stop();
    expect(queue).toEqual([]);
    expect(ticks).toHaveLength(1);
  });
});
