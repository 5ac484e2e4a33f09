import { systemClock } from '../../stdx';
import { afterAck, initialCatchUp, isInSync, kthHighest } from './in-sync';
import { ReplicationWaiters, WaitOutcome } from './sync-waiters';

describe('replication waiters', () => {
  it('an ack resolves every waiter at or below it, in offset order, and leaves the rest waiting', async () => {
    const waiters = new ReplicationWaiters(systemClock, 60_000, 100);
    const settled: number[] = [];
    const track = (end: number) => waiters.wait(end, 0).then((o) => (o === WaitOutcome.REPLICATED ? settled.push(end) : undefined));
    const all = [track(300), track(100), track(200), track(400)];
    expect(waiters.size).toBe(4);
    waiters.advance(250);
    await Promise.resolve();
    await Promise.resolve();
    expect(settled).toEqual([100, 200]);
    expect(waiters.size).toBe(2);
    waiters.advance(10_000);
    await Promise.all(all);
    expect(settled).toEqual([100, 200, 300, 400]);
    expect(waiters.size).toBe(0);
  });

  it('a waiter already covered resolves at once; one past the deadline times out', async () => {
    const waiters = new ReplicationWaiters(systemClock, 20, 100);
    expect(await waiters.wait(50, 50)).toBe(WaitOutcome.REPLICATED);
    const late = waiters.wait(500, 0);
    const later = waiters.wait(600, 0);
    expect(await late).toBe(WaitOutcome.TIMED_OUT);
    expect(await later).toBe(WaitOutcome.TIMED_OUT);
    expect(waiters.size).toBe(0);
  });

  it('beyond the limit a send does not queue; abandonAll answers everybody', async () => {
    const waiters = new ReplicationWaiters(systemClock, 60_000, 2);
    const a = waiters.wait(10, 0);
    const b = waiters.wait(20, 0);
    expect(await waiters.wait(30, 0)).toBe(WaitOutcome.TIMED_OUT);
    waiters.abandonAll();
    expect(await Promise.all([a, b])).toEqual([WaitOutcome.ABANDONED, WaitOutcome.ABANDONED]);
    expect(waiters.size).toBe(0);
  });
});

describe('in-sync rules', () => {
  const limits = { maxLagBytes: 1000, maxLagTimeMs: 5000 };

  it('a new slave is out of sync until it reaches what the master held at its previous ack', () => {
    let catchUp = initialCatchUp(5000);
    catchUp = afterAck(catchUp, 4900, 6000, 100);
    expect(isInSync({ ackOffset: 4900, catchUp }, 6000, 0, 100, limits)).toBe(false);
    catchUp = afterAck(catchUp, 6000, 6500, 200);
    expect(isInSync({ ackOffset: 6000, catchUp }, 6500, 0, 200, limits)).toBe(true);
    // Lagging by more bytes than allowed, or not caught up for too long, drops it.
    expect(isInSync({ ackOffset: 6000, catchUp }, 7001, 0, 200, limits)).toBe(false);
    expect(isInSync({ ackOffset: 6000, catchUp }, 6500, 0, 5201, limits)).toBe(false);
    // A slave that does not hold the current epoch's start is not in sync.
    expect(isInSync({ ackOffset: 6000, catchUp }, 6500, 6200, 200, limits)).toBe(false);
  });

  it('kthHighest gives the offset k slaves reached', () => {
    expect(kthHighest([5, 9, 7], 1)).toBe(9);
    expect(kthHighest([5, 9, 7], 2)).toBe(7);
    expect(kthHighest([5], 2)).toBe(-1);
    expect(kthHighest([], 0)).toBe(Infinity);
  });
});
