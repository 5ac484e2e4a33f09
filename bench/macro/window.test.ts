import { latencySummary, payload, percentile, runWindowed } from './window';

describe('runWindowed', () => {
  test('acknowledges every send and never has more than `window` in flight', async () => {
    let inflight = 0;
    let maxInflight = 0;
    const send = (): Promise<void> => {
      inflight++;
      maxInflight = Math.max(maxInflight, inflight);
      return new Promise((resolve) =>
        setImmediate(() => {
          inflight--;
          resolve();
        }),
      );
    };
    const r = await runWindowed(send, 500, 7, 60);
    expect(r.acked).toBe(500);
    expect(r.timedOut).toBe(false);
    expect(maxInflight).toBe(7);
  });

  test('rejects with the first failed send', async () => {
    let n = 0;
    const send = (): Promise<void> => (++n === 3 ? Promise.reject(new Error('broker said no')) : Promise.resolve());
    await expect(runWindowed(send, 10, 2, 60)).rejects.toThrow('broker said no');
  });

  test('a count of zero finishes at once', async () => {
    expect((await runWindowed(() => Promise.resolve(), 0, 10, 60)).acked).toBe(0);
  });
});

describe('percentiles (nearest rank, as the peers harness)', () => {
  test('p50, p99 and p99.9 of 1..1000', () => {
    const xs = Float64Array.from({ length: 1000 }, (_, i) => 1000 - i);
    const s = latencySummary(xs);
    // (99.9 / 100) * 1000 is 999.0000000000001 in floating point, so p99.9 of 1000 samples is the
    // largest one; the peers harness computes it the same way, which keeps figures comparable.
    expect([s.p50Us, s.p99Us, s.p999Us, s.minUs, s.maxUs]).toEqual([500, 990, 1000, 1, 1000]);
    expect(percentile(new Float64Array(0), 50)).toBeNaN();
  });
});

test('payload is deterministic per size and seed and differs between seeds', () => {
  expect(payload(1024, 1).equals(payload(1024, 1))).toBe(true);
  expect(payload(1024, 1).equals(payload(1024, 2))).toBe(false);
  expect(payload(100).length).toBe(100);
});
