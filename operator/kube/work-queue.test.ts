import { WorkQueue } from './work-queue';
import { FakeTimers, deferred, flush } from './fake-timers.test-util';

describe('WorkQueue', () => {
  it('coalesces a burst of adds of one key into one run', async () => {
    const seen: string[] = [];
    const gate = deferred();
    const q = new WorkQueue(async (key) => {
      seen.push(key);
      await gate.promise;
      return {};
    }, { concurrency: 1 });
    q.add('ns/b'); // runs at once and holds the single worker
    for (let i = 0; i < 10; i++) q.add('ns/a');
    expect(q.length).toBe(1);
    gate.resolve();
    await q.idle();
    expect(seen).toEqual(['ns/b', 'ns/a']);
  });

  it('never runs one key twice at once; an add during a run runs it again afterwards', async () => {
    let running = 0;
    let maxRunning = 0;
    let runs = 0;
    const gates = [deferred(), deferred()];
    const q = new WorkQueue(async () => {
      running++;
      maxRunning = Math.max(maxRunning, running);
      await gates[runs++]?.promise;
      running--;
      return {};
    }, { concurrency: 4 });
    q.add('ns/a');
    await flush();
    q.add('ns/a');
    q.add('ns/a');
    await flush();
    expect(q.active).toBe(1);
    gates[0]?.resolve();
    await flush();
    gates[1]?.resolve();
    await q.idle();
    expect(runs).toBe(2);
    expect(maxRunning).toBe(1);
  });

  it('runs different keys concurrently up to the limit', async () => {
    const gate = deferred();
    const q = new WorkQueue(async () => {
      await gate.promise;
      return {};
    }, { concurrency: 2 });
    q.add('a');
    q.add('b');
    q.add('c');
    await flush();
    expect(q.active).toBe(2);
    expect(q.length).toBe(1);
    gate.resolve();
    await q.idle();
  });

  it('retries a failing key with exponential backoff capped at maxDelayMs, and resets after a success', async () => {
    const timers = new FakeTimers();
    let failuresLeft = 6;
    let runs = 0;
    const outcomes: boolean[] = [];
    const q = new WorkQueue(
      async () => {
        runs++;
        if (failuresLeft-- > 0) throw new Error('boom');
        return {};
      },
      { timers, clock: timers.clock, baseDelayMs: 100, maxDelayMs: 1000 },
      (o) => outcomes.push(o.ok),
    );
    q.add('k');
    await q.idle();
    for (let i = 0; i < 6; i++) {
      timers.advance(timers.requested[timers.requested.length - 1] as number);
      await q.idle();
    }
    expect(timers.requested).toEqual([100, 200, 400, 800, 1000, 1000]);
    expect(runs).toBe(7);
    expect(outcomes).toEqual([false, false, false, false, false, false, true]);
    // After the success the count starts over.
    failuresLeft = 1;
    q.add('k');
    await q.idle();
    expect(timers.requested[timers.requested.length - 1]).toBe(100);
    await q.shutdown();
  });

  it('requeueAfterMs schedules the key again; an earlier addAfter wins over a later one', async () => {
    const timers = new FakeTimers();
    let runs = 0;
    const q = new WorkQueue(async () => {
      runs++;
      return runs === 1 ? { requeueAfterMs: 5000 } : {};
    }, { timers, clock: timers.clock });
    q.add('k');
    await q.idle();
    expect(timers.count).toBe(1);
    q.addAfter('k', 1000); // earlier: replaces the 5 s one
    q.addAfter('k', 3000); // later: ignored
    expect(timers.count).toBe(1);
    timers.advance(1000);
    await q.idle();
    expect(runs).toBe(2);
    timers.advance(10_000);
    await q.idle();
    expect(runs).toBe(2);
  });

  it('shutdown drops queued and delayed keys and waits for the running one', async () => {
    const timers = new FakeTimers();
    const gate = deferred();
    const seen: string[] = [];
    const q = new WorkQueue(async (key) => {
      seen.push(key);
      await gate.promise;
      return {};
    }, { concurrency: 1, timers, clock: timers.clock });
    q.add('a');
    q.add('b');
    q.addAfter('c', 10);
    let done = false;
    const stopping = q.shutdown().then(() => (done = true));
    await flush();
    expect(done).toBe(false);
    gate.resolve();
    await stopping;
    timers.advance(100);
    q.add('d');
    await q.idle();
    expect(seen).toEqual(['a']);
    expect(timers.count).toBe(0);
  });
});
