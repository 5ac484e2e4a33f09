import { canonicalQuantity } from './quantity';

describe('canonical quantities (as kube-apiserver writes them back)', () => {
  test.each([
    ['1000m', '1'],
    ['0.5', '500m'],
    ['1.5', '1500m'],
    ['1500', '1500'],
    ['2000', '2k'],
    ['100m', '100m'],
    ['2048Mi', '2Gi'],
    ['1536Mi', '1536Mi'],
    ['1Gi', '1Gi'],
    ['512Ki', '512Ki'],
    ['0.5Gi', '512Mi'],
    ['10Gi', '10Gi'],
    ['1e3', '1e3'],
    ['1.5Ki', '1536'],
    ['0', '0'],
    ['0.0000000001', '1n'],
    [4, '4'],
    [0.25, '250m'],
  ] as const)('%s → %s', (input, want) => {
    expect(canonicalQuantity(input)).toBe(want);
  });

  test('garbage is refused', () => {
    expect(() => canonicalQuantity('10 GB')).toThrow(/quantities must match/);
    expect(() => canonicalQuantity('1.2.3')).toThrow(/quantities must match/);
    expect(() => canonicalQuantity('5Zi')).toThrow(/quantities must match/);
  });
});
