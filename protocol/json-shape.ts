/**
 * Reading JSON bodies into typed shapes with path-named errors ("TopicRouteData.brokerDatas[1].cluster
 * is not a string"). Readers throw a private error that `parseJsonBody` turns into an `Err`, so body
 * parsers read like a description of the shape and nothing escapes as an exception.
 *
 * Missing optional fields take the default Java would have (`fallback`); explicit `null` counts as
 * missing, as fastjson omits nulls and Java reads absent fields as null.
 */
import type { Result } from '../stdx';
import { err, ok } from '../stdx';
import type { JsonValue } from './lenient-json';
import { parseLenientJson, setOwnProperty } from './lenient-json';

export type JsonObject = { [key: string]: JsonValue };

class ShapeError extends Error {}

const BODY_MAX_DEPTH = 64;

export function parseJsonBody<T>(
  body: Buffer | undefined,
  what: string,
  read: (root: JsonValue, path: string) => T,
): Result<T, string> {
  if (body === undefined || body.length === 0) return err(`${what}: body is empty`);
  const parsed = parseLenientJson(body.toString('utf8'), { maxDepth: BODY_MAX_DEPTH });
  if (!parsed.ok) return err(`${what}: ${parsed.error}`);
  try {
    return ok(read(parsed.value, what));
  } catch (e) {
    if (e instanceof ShapeError) return err(e.message);
    throw e;
  }
}

function fail(path: string, what: string): never {
  throw new ShapeError(`${path} ${what}`);
}

function field(o: JsonObject, key: string): JsonValue | undefined {
  const value = Object.prototype.hasOwnProperty.call(o, key) ? o[key] : undefined;
  return value === null ? undefined : value;
}

export function asObject(value: JsonValue | undefined, path: string): JsonObject {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return fail(path, 'is not an object');
  return value;
}

export function readString(o: JsonObject, key: string, path: string, fallback?: string): string {
  const value = field(o, key);
  if (value === undefined) return fallback ?? fail(`${path}.${key}`, 'is missing');
  if (typeof value !== 'string') return fail(`${path}.${key}`, 'is not a string');
  return value;
}

export function readOptionalString(o: JsonObject, key: string, path: string): string | undefined {
  const value = field(o, key);
  if (value === undefined) return undefined;
  if (typeof value !== 'string') return fail(`${path}.${key}`, 'is not a string');
  return value;
}

export function readInteger(o: JsonObject, key: string, path: string, fallback?: number): number {
  const value = field(o, key);
  if (value === undefined) return fallback ?? fail(`${path}.${key}`, 'is missing');
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) return fail(`${path}.${key}`, 'is not an integer');
  return value;
}

export function readBoolean(o: JsonObject, key: string, path: string, fallback?: boolean): boolean {
  const value = field(o, key);
  if (value === undefined) return fallback ?? fail(`${path}.${key}`, 'is missing');
  if (typeof value !== 'boolean') return fail(`${path}.${key}`, 'is not a boolean');
  return value;
}

/** Arrays (Java List or Set); a missing array reads as empty. Bounded by `maxItems`. */
export function readArray<T>(
  o: JsonObject,
  key: string,
  path: string,
  item: (value: JsonValue, path: string) => T,
  maxItems = 1_000_000,
): T[] {
  const value = field(o, key);
  if (value === undefined) return [];
  if (!Array.isArray(value)) return fail(`${path}.${key}`, 'is not an array');
  if (value.length > maxItems) return fail(`${path}.${key}`, `has more than ${maxItems} items`);
  return value.map((v, i) => item(v, `${path}.${key}[${i}]`));
}

/** Objects used as maps; a missing map reads as empty. */
export function readMap<T>(
  o: JsonObject,
  key: string,
  path: string,
  item: (value: JsonValue, path: string, key: string) => T,
): Record<string, T> {
  const value = field(o, key);
  if (value === undefined) return {};
  const map = asObject(value, `${path}.${key}`);
  const out: Record<string, T> = {};
  for (const k of Object.keys(map)) {
    setOwnProperty(out, k, item(map[k] as JsonValue, `${path}.${key}[${JSON.stringify(k)}]`, k));
  }
  return out;
}

export function stringItem(value: JsonValue, path: string): string {
  if (typeof value !== 'string') return fail(path, 'is not a string');
  return value;
}

export function integerItem(value: JsonValue, path: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) return fail(path, 'is not an integer');
  return value;
}

/** Throws the private shape error; for parsers with checks beyond field types. */
export function shapeFail(path: string, what: string): never {
  return fail(path, what);
}

export function jsonBuffer(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value), 'utf8');
}
