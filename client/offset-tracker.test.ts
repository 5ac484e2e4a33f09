import { OffsetTracker } from './offset-tracker';

describe('OffsetTracker', () => {
  test('commits the lowest unacknowledged offset when handlers finish out of order', () => {
    const t = new OffsetTracker(100);
    expect(t.committableOffset()).toBe(100);
    t.onPulled([100, 101, 102, 103], 104);
    expect(t.committableOffset()).toBe(100);
    expect(t.ack(102)).toBe(true);
    expect(t.ack(101)).toBe(true);
    expect(t.committableOffset()).toBe(100);
    expect(t.inflightCount).toBe(2);
    expect(t.ack(100)).toBe(true);
    expect(t.committableOffset()).toBe(103);
    expect(t.ack(103)).toBe(true);
    expect(t.committableOffset()).toBe(104);
    expect(t.inflightCount).toBe(0);
  });

  test('filtered-out offsets are skipped: with nothing outstanding the commit is the next pull offset', () => {
    const t = new OffsetTracker(0);
    t.onPulled([3, 7], 12);
    t.ack(7);
    expect(t.committableOffset()).toBe(3);
    t.ack(3);
    expect(t.committableOffset()).toBe(12);
    t.onPulled([], 20);
    expect(t.committableOffset()).toBe(20);
  });

  test('acknowledging twice, or an offset never delivered, changes nothing', () => {
    const t = new OffsetTracker(0);
    t.onPulled([0, 1, 2], 3);
    expect(t.ack(1)).toBe(true);
    expect(t.ack(1)).toBe(false);
    expect(t.ack(5)).toBe(false);
    expect(t.inflightCount).toBe(2);
    expect(t.ack(0)).toBe(true);
    expect(t.ack(0)).toBe(false);
    expect(t.committableOffset()).toBe(2);
  });

  test('reset forgets outstanding deliveries; their late acknowledgements are ignored', () => {
    const t = new OffsetTracker(0);
    t.onPulled([0, 1], 2);
    t.reset(50);
    expect(t.committableOffset()).toBe(50);
    expect(t.nextOffset).toBe(50);
    expect(t.ack(0)).toBe(false);
    expect(t.inflightCount).toBe(0);
  });

  test('a long run of random completion orders always commits the lowest outstanding offset', () => {
    const t = new OffsetTracker(0);
    let next = 0;
    const outstanding = new Set<number>();
    let seed = 7;
    const random = (): number => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    for (let round = 0; round < 2000; round++) {
      const batch = Array.from({ length: 1 + Math.floor(random() * 5) }, () => next++);
      t.onPulled(batch, next);
      for (const o of batch) outstanding.add(o);
      for (const o of [...outstanding]) {
        if (random() < 0.4) {
          t.ack(o);
          outstanding.delete(o);
        }
      }
      const lowest = outstanding.size === 0 ? next : Math.min(...outstanding);
      expect(t.committableOffset()).toBe(lowest);
      expect(t.inflightCount).toBe(outstanding.size);
    }
  });
});
