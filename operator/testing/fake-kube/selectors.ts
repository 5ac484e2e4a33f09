/**
 * Label and field selectors in their query-string form, parsed the way apimachinery parses them:
 * equality (`a=b`, `a==b`, `a!=b`), sets (`a in (x,y)`, `a notin (x)`), existence (`a`, `!a`).
 * A malformed selector is a 400, as on a real server.
 */
import { badRequest } from './errors';

type Op = 'eq' | 'neq' | 'in' | 'notin' | 'exists' | 'notexists';
interface Requirement {
  readonly key: string;
  readonly op: Op;
  readonly values: readonly string[];
}
export type Selector = (labels: Readonly<Record<string, string>> | undefined) => boolean;

const KEY = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** Splits on commas that are not inside parentheses. */
function splitTop(s: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of s) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      parts.push(cur);
      cur = '';
    } else cur += ch;
  }
  parts.push(cur);
  return parts;
}

function checkKey(key: string, raw: string): string {
  if (!KEY.test(key) || key.length > 316) throw badRequest(`unable to parse requirement: invalid label key "${key}" in "${raw}"`);
  return key;
}

function checkValue(v: string, raw: string): string {
  if (!VALUE.test(v) || v.length > 63) throw badRequest(`unable to parse requirement: invalid label value: "${v}" in "${raw}"`);
  return v;
}

function parseRequirement(raw: string): Requirement {
  const s = raw.trim();
  const set = /^(\S+)\s+(in|notin)\s*\((.*)\)$/.exec(s);
  if (set) {
    const values = set[3].split(',').map((v) => checkValue(v.trim(), raw));
    return { key: checkKey(set[1], raw), op: set[2] as Op, values };
  }
  const eq = /^([^=!\s]+)\s*(==|!=|=)\s*(.*)$/.exec(s);
  if (eq) {
    const op: Op = eq[2] === '!=' ? 'neq' : 'eq';
    return { key: checkKey(eq[1], raw), op, values: [checkValue(eq[3].trim(), raw)] };
  }
  if (s.startsWith('!')) return { key: checkKey(s.slice(1).trim(), raw), op: 'notexists', values: [] };
  return { key: checkKey(s, raw), op: 'exists', values: [] };
}

function matches(r: Requirement, labels: Readonly<Record<string, string>>): boolean {
  const has = Object.prototype.hasOwnProperty.call(labels, r.key);
  const v = labels[r.key];
  switch (r.op) {
    case 'eq':
      return has && v === r.values[0];
    case 'neq':
      return !has || v !== r.values[0];
    case 'in':
      return has && r.values.includes(v);
    case 'notin':
      return !has || !r.values.includes(v);
    case 'exists':
      return has;
    case 'notexists':
      return !has;
  }
}

export function parseLabelSelector(query: string | undefined | null): Selector {
  if (query === undefined || query === null || query.trim() === '') return () => true;
  const reqs = splitTop(query).map(parseRequirement);
  return (labels) => reqs.every((r) => matches(r, labels ?? {}));
}

/** A LabelSelector object (matchLabels + matchExpressions), as in a StatefulSet's spec.selector. */
export interface LabelSelectorObject {
  readonly matchLabels?: Readonly<Record<string, string>>;
  readonly matchExpressions?: readonly { key: string; operator: string; values?: readonly string[] }[];
}

export function selectorFromObject(sel: LabelSelectorObject | undefined): Selector {
  if (!sel) return () => false;
  const reqs: Requirement[] = [];
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) reqs.push({ key: k, op: 'eq', values: [v] });
  for (const e of sel.matchExpressions ?? []) {
    const op = ({ In: 'in', NotIn: 'notin', Exists: 'exists', DoesNotExist: 'notexists' } as const)[e.operator as 'In'];
    if (!op) throw badRequest(`"${e.operator}" is not a valid label selector operator`);
    reqs.push({ key: e.key, op, values: e.values ?? [] });
  }
  return (labels) => reqs.every((r) => matches(r, labels ?? {}));
}

/** Formats a LabelSelector object as the query-string form (for Scale status.selector). */
export function selectorToString(sel: LabelSelectorObject | undefined): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(sel?.matchLabels ?? {})) parts.push(`${k}=${v}`);
  for (const e of sel?.matchExpressions ?? []) {
    if (e.operator === 'Exists') parts.push(e.key);
    else if (e.operator === 'DoesNotExist') parts.push(`!${e.key}`);
    else parts.push(`${e.key} ${e.operator.toLowerCase()} (${(e.values ?? []).join(',')})`);
  }
  return parts.join(',');
}

export type FieldSelector = (obj: Record<string, unknown>) => boolean;

function fieldValue(obj: Record<string, unknown>, path: string): string {
  let cur: unknown = obj;
  for (const p of path.split('.')) {
    cur = cur !== null && typeof cur === 'object' ? (cur as Record<string, unknown>)[p] : undefined;
  }
  return cur === undefined || cur === null ? '' : String(cur);
}

/**
 * Field selectors: every kind supports metadata.name and metadata.namespace; a few kinds add their own
 * fields (the ones client code commonly uses). Anything else is a 400 as on a real server.
 */
export function parseFieldSelector(query: string | undefined | null, extraFields: readonly string[]): FieldSelector {
  if (query === undefined || query === null || query.trim() === '') return () => true;
  const allowed = new Set(['metadata.name', 'metadata.namespace', ...extraFields]);
  const reqs = query.split(',').map((raw) => {
    const m = /^\s*([^=!\s]+)\s*(==|!=|=)\s*(.*?)\s*$/.exec(raw);
    if (!m) throw badRequest(`invalid selector: '${query}'; can't understand '${raw}'`);
    if (!allowed.has(m[1])) throw badRequest(`field label not supported: ${m[1]}`);
    return { path: m[1], neq: m[2] === '!=', value: m[3] };
  });
  return (obj) => reqs.every((r) => (fieldValue(obj, r.path) === r.value) !== r.neq);
}
