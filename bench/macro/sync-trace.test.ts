import { summarise } from './sync-trace';

describe('sync trace summary', () => {
  it('counts slow sends per block and attributes them to the client GC first, then the broker GC', () => {
    const ns = (us: number): bigint => BigInt(us * 1000);
    const sends = [
      { startNs: ns(0), latencyUs: 100 },
      { startNs: ns(1000), latencyUs: 400 }, // overlaps the client pause
      { startNs: ns(2000), latencyUs: 400 }, // overlaps only the broker pause
      { startNs: ns(3000), latencyUs: 400 }, // overlaps nothing
      { startNs: ns(4000), latencyUs: 90 },
    ];
    const s = summarise(sends, [{ startNs: ns(1100), durationUs: 50 }], [{ startNs: ns(1000), durationUs: 50 }, { startNs: ns(2300), durationUs: 500 }], 250, 2);
    expect(s.slow).toBe(3);
    expect(s.slowInClientGc).toBe(1);
    expect(s.slowInBrokerGc).toBe(1);
    expect(s.blocks).toEqual([
      { first: 0, count: 2, medianUs: 400, slow: 1 },
      { first: 2, count: 2, medianUs: 400, slow: 2 },
      { first: 4, count: 1, medianUs: 90, slow: 0 },
    ]);
  });
});
