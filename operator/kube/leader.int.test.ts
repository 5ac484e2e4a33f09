import { LeaderElector, microTime } from './leader';
import type { LeaderElectorOptions } from './leader';
import type { Timers } from './work-queue';
import type { KubeObject } from './types';
import { FakeTimers } from './fake-timers.test-util';
import { startFake } from './kube.test-util';
import type { KubeFixture } from './kube.test-util';

/** Leader election with simulated time: every elector shares one FakeTimers; a step waits for their requests. */
describe('LeaderElector (two operator instances on one Lease, fake API server, simulated time)', () => {
  let k: KubeFixture;
  let timers: FakeTimers;
  const electors: LeaderElector[] = [];
  const leaseRef = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', namespace: 'default', name: 'rocketcluster-operator' };

  beforeEach(async () => {
    k = await startFake();
    timers = new FakeTimers();
  });
  afterEach(async () => {
    await Promise.all(electors.splice(0).map((e) => e.stop()));
    await k.fake.stop();
  });

  interface Candidate {
    readonly elector: LeaderElector;
    readonly log: string[];
    /** Simulates a crash: no timer of this instance fires again, nothing is released. */
    kill(): void;
  }

  function candidate(identity: string, extra: Partial<LeaderElectorOptions> = {}): Candidate {
    const log: string[] = [];
    let dead = false;
    const own: Timers = { set: (fn, ms) => timers.set(() => (dead ? undefined : fn()), ms), clear: (h) => timers.clear(h) };
    const elector = new LeaderElector(k.client, {
      namespace: 'default',
      name: 'rocketcluster-operator',
      identity,
      onStartedLeading: () => log.push('started'),
      onStoppedLeading: () => log.push('stopped'),
      clock: timers.clock,
      timers: own,
      ...extra,
    });
    electors.push(elector);
    return { elector, log, kill: () => (dead = true) };
  }

  /** Advance simulated time in retry-period steps, letting each round's requests finish. */
  async function step(ms: number, periodMs = 2000): Promise<void> {
    for (let done = 0; done < ms; done += periodMs) {
      timers.advance(Math.min(periodMs, ms - done));
      await Promise.all(electors.map((e) => e.settled()));
    }
  }

  async function holder(): Promise<string | undefined> {
    const lease = await k.client.get<KubeObject & { spec?: { holderIdentity?: string } }>(leaseRef);
    return lease?.spec?.holderIdentity ?? undefined;
  }

  it('only one of two instances leads, and it keeps leading while it renews', async () => {
    const a = candidate('op-a');
    const b = candidate('op-b');
    a.elector.start();
    await a.elector.settled();
    b.elector.start();
    await b.elector.settled();
    expect([a.elector.isLeader(), b.elector.isLeader()]).toEqual([true, false]);
    expect(b.elector.leader()).toBe('op-a');
    await step(60_000);
    expect([a.elector.isLeader(), b.elector.isLeader()]).toEqual([true, false]);
    expect(a.log).toEqual(['started']);
    expect(b.log).toEqual([]);
    expect(await holder()).toBe('op-a');
  });

  it('when the leader dies, the other takes over only after the lease duration has passed unrenewed', async () => {
    const a = candidate('op-a');
    const b = candidate('op-b');
    a.elector.start();
    b.elector.start();
    await step(2000);
    const [leader, standby] = a.elector.isLeader() ? [a, b] : [b, a];
    leader.kill();
    await step(12_000);
    expect(standby.elector.isLeader()).toBe(false);
    await step(6_000);
    expect(standby.elector.isLeader()).toBe(true);
    const lease = await k.client.get<KubeObject & { spec?: { holderIdentity?: string; leaseTransitions?: number } }>(leaseRef);
    expect(lease?.spec?.holderIdentity).toBe(standby === a ? 'op-a' : 'op-b');
    expect(lease?.spec?.leaseTransitions).toBe(1);
  });

  it('a leader that stops cleanly releases the Lease and the standby takes over at its next try', async () => {
    const a = candidate('op-a');
    const b = candidate('op-b');
    a.elector.start();
    await a.elector.settled();
    b.elector.start();
    await step(2000);
    await a.elector.stop();
    expect(a.log).toEqual(['started', 'stopped']);
    expect(await holder()).toBeUndefined();
    await step(2000);
    expect(b.elector.isLeader()).toBe(true);
  });

  it('a leader that cannot renew steps down by the renew deadline, before its lease could expire for others', async () => {
    const a = candidate('op-a');
    a.elector.start();
    await a.elector.settled();
    expect(a.elector.isLeader()).toBe(true);
    k.fake.failNext((r) => r.resource === 'leases' && r.verb === 'update', { code: 500, count: 1000 });
    await step(8_000);
    expect(a.elector.isLeader()).toBe(true);
    await step(2_000);
    expect(a.elector.isLeader()).toBe(false);
    expect(a.log).toEqual(['started', 'stopped']);
    // Once the API server answers again it campaigns and wins back its own unexpired Lease.
    k.fake.clearFaults();
    await step(2_000);
    expect(a.log).toEqual(['started', 'stopped', 'started']);
  });

  it('a leader that finds someone else holding the Lease steps down at once', async () => {
    const a = candidate('op-a');
    a.elector.start();
    await a.elector.settled();
    k.fake.update('leases', 'default', 'rocketcluster-operator', (o) => {
      (o.spec as Record<string, unknown>).holderIdentity = 'intruder';
      (o.spec as Record<string, unknown>).renewTime = microTime(Date.now());
    });
    await step(2_000);
    expect(a.elector.isLeader()).toBe(false);
    expect(a.elector.leader()).toBe('intruder');
  });

  it('writes MicroTime with six fractional digits', () => {
    expect(microTime(Date.UTC(2026, 0, 2, 3, 4, 5, 678))).toBe('2026-01-02T03:04:05.678000Z');
  });
});
