/**
 * Timestamps of built-in kinds as kube-apiserver stores them: metav1.Time fields are RFC 3339 with
 * whole seconds (a written fraction is dropped), metav1.MicroTime fields carry exactly six fraction
 * digits; anything that does not parse as RFC 3339 is a 400. A controller that writes
 * `new Date().toISOString()` into a condition reads back a different string, as on a real cluster.
 */
import { badRequest } from './errors';
import { isObject } from './patch';
import type { Json, JsonObject } from './patch';

const TIME_FIELDS = new Set([
  'lastTransitionTime', 'lastProbeTime', 'lastUpdateTime', 'lastHeartbeatTime', 'startTime', 'startedAt', 'finishedAt',
  'firstTimestamp', 'lastTimestamp', 'deprecatedFirstTimestamp', 'deprecatedLastTimestamp', 'completionTime',
]);
const MICRO_TIME_FIELDS = new Set(['acquireTime', 'renewTime', 'eventTime', 'lastObservedTime']);
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.(\d+))?([Zz]|[+-]\d{2}:\d{2})$/;

function parse(field: string, v: string): { ms: number; micros: string } {
  const m = RFC3339.exec(v);
  const ms = m ? Date.parse(v) : NaN;
  if (!m || Number.isNaN(ms)) throw badRequest(`parsing time ${JSON.stringify(v)} as "2006-01-02T15:04:05Z07:00": cannot parse (field ${field})`);
  return { ms, micros: ((m[8] ?? '') + '000000').slice(0, 6) };
}

function formatTime(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function formatMicro(ms: number, micros: string): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(/\.\d{3}Z$/, `.${micros}Z`);
}

function walk(v: Json, key: string): Json {
  if (Array.isArray(v)) return v.map((x) => walk(x, key));
  if (isObject(v)) {
    for (const [k, x] of Object.entries(v)) v[k] = walk(x, k);
    return v;
  }
  if (typeof v !== 'string' || v === '') return v;
  if (TIME_FIELDS.has(key)) return formatTime(parse(key, v).ms);
  if (MICRO_TIME_FIELDS.has(key)) {
    const p = parse(key, v);
    return formatMicro(p.ms, p.micros);
  }
  return v;
}

/** Normalises the time fields of a built-in object in place (spec, status and an Event's top-level fields). */
export function normalizeTimes(obj: JsonObject): void {
  for (const [k, v] of Object.entries(obj)) {
    if (k === 'metadata' || k === 'data' || k === 'binaryData' || k === 'stringData') continue;
    obj[k] = walk(v, k);
  }
}
