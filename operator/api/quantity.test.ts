import { parseQuantity } from './quantity';

describe('parseQuantity', () => {
  it('reads integers, decimal and binary suffixes, milli-units and exponents', () => {
    expect(parseQuantity(4)).toBe(4);
    expect(parseQuantity('4')).toBe(4);
    expect(parseQuantity('500m')).toBeCloseTo(0.5);
    expect(parseQuantity('1.5Gi')).toBe(1.5 * 2 ** 30);
    expect(parseQuantity('10G')).toBe(1e10);
    expect(parseQuantity('2e3')).toBe(2000);
    expect(parseQuantity('.5Ki')).toBe(512);
  });

  it('refuses what is not a quantity', () => {
    for (const bad of ['', 'lots', '1 Gi', '1GB', '1.2.3', 'Gi']) expect(parseQuantity(bad)).toBeUndefined();
    expect(parseQuantity(Number.NaN)).toBeUndefined();
  });
});
