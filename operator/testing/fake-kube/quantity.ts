/**
 * resource.Quantity as kube-apiserver stores it: parsed exactly (BigInt), rounded up to nano units,
 * and written back in canonical form — "1000m" reads back "1", "0.5" as "500m", "2048Mi" as "2Gi",
 * "1536Mi" stays, a JSON number becomes a string. Something that is not a quantity is a 400, as the
 * Go decoder refuses it.
 */
import { badRequest } from './errors';
import { isObject } from './patch';
import type { Json, JsonObject } from './patch';

const SHAPE = /^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$/;
const DECIMAL: Readonly<Record<string, number>> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const BINARY: readonly string[] = ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'];

type Format = 'BinarySI' | 'DecimalSI' | 'DecimalExponent';
interface Parsed {
  mantissa: bigint;
  scale: number; // value = mantissa * 10^scale
  format: Format;
}

function fail(v: string): never {
  throw badRequest(`quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$' (got ${JSON.stringify(v)})`);
}

function parse(raw: string): Parsed {
  const m = SHAPE.exec(raw);
  if (!m || !/^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)$/.test(m[1])) fail(raw);
  const [intPart, frac = ''] = m[1].replace(/^[+-]/, '').split('.');
  const negative = m[1].startsWith('-');
  let mantissa = BigInt((intPart || '0') + frac) * (negative ? -1n : 1n);
  let scale = -frac.length;
  const suffix = m[2];
  let format: Format;
  const bin = BINARY.indexOf(suffix);
  if (suffix !== '' && bin > 0) {
    format = 'BinarySI';
    mantissa *= 1024n ** BigInt(bin);
  } else if (suffix in DECIMAL) {
    format = 'DecimalSI';
    scale += DECIMAL[suffix];
  } else if (/^[eE][-+]?[0-9]+$/.test(suffix)) {
    format = 'DecimalExponent';
    scale += Number(suffix.slice(1));
  } else fail(raw);
  // Precision is nano units; smaller fractions round up (away from zero for positives), as apimachinery does.
  if (scale < -9) {
    const div = 10n ** BigInt(-9 - scale);
    const q = mantissa / div;
    mantissa = mantissa % div === 0n ? q : mantissa > 0n ? q + 1n : q;
    scale = -9;
  }
  return { mantissa, scale, format };
}

function decimal(p: Parsed, format: Format): string {
  let m = p.mantissa;
  let e = p.scale;
  while (m !== 0n && m % 10n === 0n) {
    m /= 10n;
    e++;
  }
  const r = ((e % 3) + 3) % 3;
  if (r === 1) {
    m *= 10n;
    e -= 1;
  } else if (r === 2) {
    m *= 100n;
    e -= 2;
  }
  if (format === 'DecimalSI') {
    const suffix = Object.keys(DECIMAL).find((k) => DECIMAL[k] === e);
    if (suffix !== undefined) return `${m}${suffix}`;
  }
  return e === 0 ? `${m}` : `${m}e${e}`;
}

export function canonicalQuantity(raw: string | number): string {
  const p = parse(typeof raw === 'number' ? String(raw) : raw);
  if (p.mantissa === 0n) return '0';
  if (p.format === 'BinarySI') {
    const whole = p.scale >= 0 ? p.mantissa * 10n ** BigInt(p.scale) : p.mantissa % 10n ** BigInt(-p.scale) === 0n ? p.mantissa / 10n ** BigInt(-p.scale) : undefined;
    const abs = whole !== undefined && whole < 0n ? -whole : whole;
    if (whole === undefined || (abs as bigint) < 1024n) return decimal(p, 'DecimalSI');
    let v = whole;
    let k = 0;
    while (k < BINARY.length - 1 && v % 1024n === 0n) {
      v /= 1024n;
      k++;
    }
    return `${v}${BINARY[k]}`;
  }
  return decimal(p, p.format);
}

function canonicalMap(v: Json | undefined): Json | undefined {
  if (!isObject(v)) return v;
  const out: JsonObject = {};
  for (const [k, q] of Object.entries(v)) out[k] = typeof q === 'string' || typeof q === 'number' ? canonicalQuantity(q) : q;
  return out;
}

function resources(holder: Json | undefined): void {
  if (!isObject(holder) || !isObject(holder.resources)) return;
  const r = holder.resources;
  if (r.requests !== undefined) r.requests = canonicalMap(r.requests) as Json;
  if (r.limits !== undefined) r.limits = canonicalMap(r.limits) as Json;
}

function podSpec(spec: Json | undefined): void {
  if (!isObject(spec)) return;
  for (const k of ['containers', 'initContainers'] as const) for (const c of (Array.isArray(spec[k]) ? spec[k] : []) as Json[]) resources(c);
  if (spec.overhead !== undefined) spec.overhead = canonicalMap(spec.overhead) as Json;
}

/** Canonicalises the quantities of the kinds the operator writes (pod specs and templates, PVCs). */
export function normalizeQuantities(key: string, obj: JsonObject): void {
  const spec = obj.spec as Json | undefined;
  if (!isObject(spec)) return;
  switch (key) {
    case '/pods':
      podSpec(spec);
      return;
    case 'apps/statefulsets':
      podSpec((spec.template as JsonObject | undefined)?.spec);
      for (const t of (Array.isArray(spec.volumeClaimTemplates) ? spec.volumeClaimTemplates : []) as Json[]) if (isObject(t)) resources(t.spec);
      return;
    case 'apps/deployments':
    case 'apps/replicasets':
      podSpec((spec.template as JsonObject | undefined)?.spec);
      return;
    case '/persistentvolumeclaims': {
      resources(spec);
      const status = obj.status as Json | undefined;
      if (isObject(status) && status.capacity !== undefined) status.capacity = canonicalMap(status.capacity) as Json;
      return;
    }
    default:
      return;
  }
}
