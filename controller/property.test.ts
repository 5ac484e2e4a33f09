/**
 * Randomized scenarios (seeded, reproducible): brokers die, restart and get partitioned, clients
 * write, replication runs in random chunks, the controller crashes mid-tick, users ask for
 * switchovers and failovers. After every event: no epoch has two masters, the recorded epoch
 * never goes back, the recorded state is consistent. At the end everything heals and the group
 * must converge to one master holding every acknowledged message (sync replication).
 */
import { ManualClock } from '../stdx';
import { validateState } from './invariants';
import { MemoryGroupStateStore } from './memory-store';
import { CrashableController, FakeCluster, SIM_GROUP, seededRandom } from './sim.test-util';
import type { ControllerPolicy } from './types';
import { defaultControllerPolicy } from './types';

const SCENARIOS = 300;
const EVENTS_PER_SCENARIO = 80;
const INTERVAL_MS = 500;

interface Outcome {
  readonly seed: number;
  readonly failovers: number;
  readonly acked: number;
  readonly crashes: number;
}

async function runScenario(seed: number): Promise<Outcome> {
  const rnd = seededRandom(seed);
  const pick = <T>(xs: readonly T[]): T | undefined => (xs.length === 0 ? undefined : xs[Math.floor(rnd() * xs.length)]);
  const ids = rnd() < 0.5 ? ['b-0', 'b-1'] : ['b-0', 'b-1', 'b-2'];
  const cluster = new FakeCluster(ids, 1, 1 + Math.floor(rnd() * 10));
  for (const id of ids) cluster.broker(id).priority = Math.floor(rnd() * 3);
  const policy: ControllerPolicy = {
    ...defaultControllerPolicy,
    masterDownAfterMs: 1_000 + Math.floor(rnd() * 2_000),
    switchoverTimeoutMs: 3_000 + Math.floor(rnd() * 5_000),
    minReplicasToBootstrap: 1 + Math.floor(rnd() * ids.length),
  };
  const clock = new ManualClock();
  const store = new MemoryGroupStateStore();
  const controller = new CrashableController(cluster, store, clock, policy, INTERVAL_MS);
  controller.beforeAct = () => {
    if (rnd() < 0.3) cluster.write(1 + Math.floor(rnd() * 3));
    if (rnd() < 0.3) cluster.replicate();
  };
  let highestEpoch = 0;
  let crashes = 0;
  const masters = new Set<string>();

  // Plain throws, not expect(): this runs tens of thousands of times.
  const check = (event: string): void => {
    const fail = (what: string): never => {
      throw new Error(`seed ${seed}, after ${event}: ${what}`);
    };
    const twoMasters = cluster.sameEpochMasters();
    if (twoMasters !== null) fail(twoMasters);
    if (cluster.violations.length > 0) fail(cluster.violations.join('; '));
    const s = store.peek(SIM_GROUP)?.state;
    if (s === undefined) return;
    const problems = validateState(s);
    if (problems.length > 0) fail(problems.join('; '));
    if (s.epoch < highestEpoch) fail(`recorded epoch went back from ${highestEpoch} to ${s.epoch}`);
    highestEpoch = s.epoch;
    if (s.masterId !== null) masters.add(`${s.masterId}@${s.epoch}`);
  };
  const tick = async (): Promise<void> => {
    if ((await controller.tick()) === 'crashed') crashes++;
    clock.advance(INTERVAL_MS);
  };

  for (let i = 0; i < EVENTS_PER_SCENARIO; i++) {
    const r = rnd();
    const brokers = [...cluster.brokers.values()];
    let event = 'tick';
    if (r < 0.35) await tick();
    else if (r < 0.5) {
      event = 'write';
      cluster.write(1 + Math.floor(rnd() * 5));
    } else if (r < 0.65) {
      event = 'replicate';
      cluster.replicate(rnd() < 0.5 ? 1 + Math.floor(rnd() * 4) : Number.POSITIVE_INFINITY);
    }
    else if (r < 0.7) {
      const victim = pick(brokers.filter((b) => b.alive));
      event = `kill ${victim?.id}`;
      if (victim) cluster.kill(victim.id);
    } else if (r < 0.76) {
      const back = pick(brokers.filter((b) => !b.alive));
      event = `restart ${back?.id}`;
      if (back) cluster.restart(back.id);
    } else if (r < 0.8) {
      const b = pick(brokers);
      event = `toggle partition ${b?.id}`;
      if (b) b.partitioned = !b.partitioned;
    } else if (r < 0.83) {
      event = 'controller crash mid-tick';
      controller.crashAt = controller.ops + 1 + Math.floor(rnd() * 3);
      controller.variant = rnd() < 0.5 ? 'before' : 'after';
      await tick();
    } else if (r < 0.87) {
      const target = rnd() < 0.5 ? pick(ids) : undefined;
      event = `switchover to ${target ?? 'best'}`;
      void controller.loop.requestSwitchover(SIM_GROUP, target);
      await tick();
    } else if (r < 0.89) {
      event = 'manual failover';
      void controller.loop.requestFailover(SIM_GROUP);
      await tick();
    } else if (r < 0.94) {
      event = 'time passes';
      clock.advance(policy.masterDownAfterMs);
    } else await tick();
    check(event);
  }

  // Heal everything and let the controller and replication settle.
  for (const b of cluster.brokers.values()) {
    b.partitioned = false;
    if (!b.alive) cluster.restart(b.id);
  }
  controller.crashAt = null;
  let settled = null;
  for (let i = 0; i < 60 && settled === null; i++) {
    await tick();
    cluster.replicate();
    check('healing');
    settled = cluster.converged();
  }
  expect([seed, settled?.id ?? 'no master']).toEqual([seed, store.peek(SIM_GROUP)?.state.masterId]);
  expect([seed, cluster.lostAcked(settled!.id)]).toEqual([seed, []]);
  return { seed, failovers: masters.size, acked: cluster.acked.size, crashes };
}

describe('randomized scenarios keep the controller invariants', () => {
  it(`${SCENARIOS} seeded scenarios: one master per epoch, epochs only grow, nothing acknowledged is lost`, async () => {
    const outcomes: Outcome[] = [];
    for (let seed = 1; seed <= SCENARIOS; seed++) outcomes.push(await runScenario(seed));
    if (process.env.CONTROLLER_STATS) console.log(JSON.stringify({ f2: outcomes.filter((o) => o.failovers >= 2).length, crashed: outcomes.filter((o) => o.crashes > 0).length, acked: outcomes.reduce((n, o) => n + o.acked, 0) }));
    // The scenarios must actually exercise the machinery, not idle.
    expect(outcomes.filter((o) => o.failovers >= 2).length).toBeGreaterThan(SCENARIOS / 3);
    expect(outcomes.filter((o) => o.crashes > 0).length).toBeGreaterThan(SCENARIOS / 4);
    expect(outcomes.reduce((n, o) => n + o.acked, 0)).toBeGreaterThan(SCENARIOS * 5);
  });
});
