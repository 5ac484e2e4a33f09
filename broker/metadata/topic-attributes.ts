/**
 * RocketMQ 5 topic attributes. Admin requests carry modifications as text, `+key=value` to add or
 * change and `-key` to remove, comma-separated (`+message.type=FIFO`); the topic config stores the
 * plain keys (`{"message.type":"FIFO"}`). Only attributes we understand are accepted, like the Java
 * broker, which refuses unknown keys.
 */
import type { Result } from '../../stdx';
import { err, ok } from '../../stdx';

export const MESSAGE_TYPE_ATTRIBUTE = 'message.type';

export const TopicMessageType = {
  UNSPECIFIED: 'UNSPECIFIED',
  NORMAL: 'NORMAL',
  FIFO: 'FIFO',
  DELAY: 'DELAY',
  TRANSACTION: 'TRANSACTION',
  MIXED: 'MIXED',
} as const;
export type TopicMessageType = (typeof TopicMessageType)[keyof typeof TopicMessageType];

const MESSAGE_TYPES: ReadonlySet<string> = new Set(Object.values(TopicMessageType));

/** Allowed values per attribute key. */
const KNOWN_ATTRIBUTES: ReadonlyMap<string, ReadonlySet<string>> = new Map([[MESSAGE_TYPE_ATTRIBUTE, MESSAGE_TYPES]]);

/** A parsed modification: a value to set, or null to remove the key. */
export type AttributeChanges = ReadonlyMap<string, string | null>;

/**
 * Reads the wire form. A JSON object (`{"message.type":"FIFO"}`, or with `+`/`-` keys) is accepted
 * too, since some tools send the stored form.
 */
export function parseAttributeChanges(text: string | undefined): Result<AttributeChanges, string> {
  const changes = new Map<string, string | null>();
  if (text === undefined || text.trim() === '') return ok(changes);
  const items = jsonItems(text) ?? text.split(',').map((kv) => splitOnce(kv.trim(), '='));
  for (const [rawKey, value] of items) {
    const sign = rawKey[0];
    const key = sign === '+' || sign === '-' ? rawKey.slice(1) : rawKey;
    if (key === '') return err(`topic attributes: empty key in ${JSON.stringify(text)}`);
    if (changes.has(key)) return err(`topic attributes: key ${key} given twice`);
    if (sign === '-') {
      changes.set(key, null);
      continue;
    }
    if (value === undefined || value === '') return err(`topic attributes: ${key} needs a value (+${key}=value)`);
    const allowed = KNOWN_ATTRIBUTES.get(key);
    if (allowed === undefined) return err(`topic attributes: unsupported key ${key}; supported: ${[...KNOWN_ATTRIBUTES.keys()].join(', ')}`);
    if (!allowed.has(value)) return err(`topic attributes: ${key} must be one of ${[...allowed].join(', ')}, got ${JSON.stringify(value)}`);
    changes.set(key, value);
  }
  return ok(changes);
}

/** Applies changes to the current attributes; removing an absent key is an error, as in RocketMQ. */
export function applyAttributeChanges(current: Readonly<Record<string, string>>, changes: AttributeChanges): Result<Record<string, string>, string> {
  const next = new Map(Object.entries(current));
  for (const [key, value] of changes) {
    if (value === null) {
      if (!next.has(key)) return err(`topic attributes: cannot remove ${key}, the topic does not have it`);
      next.delete(key);
    } else {
      next.set(key, value);
    }
  }
  return ok(attributesRecord(next));
}

/** Checks stored attributes (a loaded topics.json, a config from a peer). */
export function validateAttributes(attributes: Readonly<Record<string, string>>): Result<void, string> {
  for (const [key, value] of Object.entries(attributes)) {
    const allowed = KNOWN_ATTRIBUTES.get(key);
    if (allowed !== undefined && !allowed.has(value)) return err(`attribute ${key} has invalid value ${JSON.stringify(value)}`);
  }
  return ok(undefined);
}

/** The topic's message type; topics without the attribute are NORMAL. */
export function messageTypeOf(attributes: Readonly<Record<string, string>>): TopicMessageType {
  const value = Object.prototype.hasOwnProperty.call(attributes, MESSAGE_TYPE_ATTRIBUTE) ? attributes[MESSAGE_TYPE_ATTRIBUTE] : undefined;
  return value !== undefined && MESSAGE_TYPES.has(value) ? (value as TopicMessageType) : TopicMessageType.NORMAL;
}

/** A plain record safe for any key (`__proto__` included). */
export function attributesRecord(entries: Iterable<[string, string]>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of entries) Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  return out;
}

function splitOnce(kv: string, sep: string): [string, string | undefined] {
  const at = kv.indexOf(sep);
  return at < 0 ? [kv, undefined] : [kv.slice(0, at), kv.slice(at + 1)];
}

function jsonItems(text: string): [string, string | undefined][] | undefined {
  if (!text.trimStart().startsWith('{')) return undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
    return Object.entries(parsed as Record<string, unknown>).map(([k, v]) => [k, typeof v === 'string' ? v : undefined]);
  } catch {
    return undefined;
  }
}
