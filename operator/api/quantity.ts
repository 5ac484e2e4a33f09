/**
 * Kubernetes resource quantities ("500m", "1.5Gi", "2e3", 4) as numbers, for comparing requests
 * with limits and storage with segment sizes. Float precision is plenty for those comparisons.
 */
import { QUANTITY_PATTERN } from './schema-kit';

const QUANTITY = new RegExp(QUANTITY_PATTERN);

const SUFFIX: Readonly<Record<string, number>> = {
  '': 1,
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

/** The quantity's value in base units (cores, bytes), or undefined when it is not a quantity. */
export function parseQuantity(q: string | number): number | undefined {
  if (typeof q === 'number') return Number.isFinite(q) ? q : undefined;
  if (!QUANTITY.test(q)) return undefined;
  const m = /^([+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))(.*)$/.exec(q);
  if (m === null) return undefined;
  const [, digits, suffix] = m as unknown as [string, string, string];
  const value = Number(digits);
  if (/^[eE]/.test(suffix)) return value * 10 ** Number(suffix.slice(1));
  const factor = SUFFIX[suffix];
  return factor === undefined ? undefined : value * factor;
}
