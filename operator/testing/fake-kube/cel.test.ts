import { evalCel, parseCel } from './cel';

const run = (expr: string, self: unknown, oldSelf?: unknown): unknown => evalCel(parseCel(expr), { self, oldSelf });

describe('CEL subset for x-kubernetes-validations', () => {
  test.each([
    ["self.mode != 'sync' || (self.min >= 1 && self.min < self.replicas)", { mode: 'sync', min: 1, replicas: 2 }, true],
    ["self.mode != 'sync' || (self.min >= 1 && self.min < self.replicas)", { mode: 'sync', min: 2, replicas: 2 }, false],
    ['!self.a.enabled || self.b', { a: { enabled: true }, b: false }, false],
    ['has(self.x) ? self.x > 0 : true', {}, true],
    ['has(self.x) ? self.x > 0 : true', { x: 0 }, false],
    ['size(self.items) <= 2 && self.items.all(i, i.startsWith("a"))', { items: ['ab', 'ac'] }, true],
    ['self.items.exists(i, i == "b")', { items: ['a'] }, false],
    ["'x' in self.tags", { tags: ['x', 'y'] }, true],
    ['self.name.matches("^[a-z]+$") && self.name.size() == 3', { name: 'abc' }, true],
    ['self.n % 2 == 0 && self.n / 2 == 3 && -self.n < 0', { n: 6 }, true],
    ['self.list.filter(x, x > 1).map(x, x * 10) == [20, 30]', { list: [1, 2, 3] }, true],
  ])('%s on %j is %s', (expr, self, want) => {
    expect(run(expr, self)).toBe(want);
  });

  test('transition rules see oldSelf', () => {
    expect(run('self.size == oldSelf.size', { size: '1Gi' }, { size: '1Gi' })).toBe(true);
    expect(run('self.size == oldSelf.size', { size: '2Gi' }, { size: '1Gi' })).toBe(false);
  });

  test('a missing field is an evaluation error unless || / && decide without it', () => {
    expect(() => run('self.missing == 1', {})).toThrow(/no such key/);
    expect(run('self.missing == 1 || true', {})).toBe(true);
    expect(run('self.missing == 1 && false', {})).toBe(false);
  });

  test('unsupported syntax does not parse (the CRD is refused rather than the rule skipped)', () => {
    expect(() => parseCel('self.x @ 1')).toThrow();
    expect(() => parseCel('self.x ==')).toThrow();
  });
});
