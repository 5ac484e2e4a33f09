/**
 * Committed consumer offsets (FACTS 6.2): per `topic@group`, queueId -> the next queue offset the
 * group will consume. Kept in memory, written to `consumerOffsets.json` in RocketMQ's shape
 * (`{"offsetTable":{"TopicTest@group":{"0":250}}}`; we quote the integer keys, which fastjson reads
 * too) by the service's flush timer when something changed, and on close.
 *
 * Offsets are stored as committed: a negative offset (ali-ons commits -1 for queues that never moved)
 * is kept but reads back as "none"; an offset beyond the queue's end is accepted, as upstream does,
 * and the next pull corrects it with PULL_OFFSET_MOVED.
 */
import type { Result } from '../../stdx';
import { err, ok } from '../../stdx';

/** Distinct topic@group keys held at most; a bound, far above any real deployment. */
export const MAX_OFFSET_KEYS = 1_000_000;

const KEY_SEPARATOR = '@';

export function offsetKey(topic: string, group: string): string {
  return `${topic}${KEY_SEPARATOR}${group}`;
}

/** Neither topics nor groups may contain `@` (FACTS: [%|a-zA-Z0-9_-]), so the first `@` splits. */
export function splitOffsetKey(key: string): { topic: string; group: string } | undefined {
  const at = key.indexOf(KEY_SEPARATOR);
  if (at <= 0 || at === key.length - 1) return undefined;
  return { topic: key.slice(0, at), group: key.slice(at + 1) };
}

export class ConsumerOffsetTable {
  private readonly table = new Map<string, Map<number, number>>();
  private dirtyFlag = false;

  get dirty(): boolean {
    return this.dirtyFlag;
  }

  get keyCount(): number {
    return this.table.size;
  }

  /** Records a commit. Returns false when the table is full and the key is new (the commit is dropped). */
  commit(group: string, topic: string, queueId: number, offset: number): boolean {
    const key = offsetKey(topic, group);
    let queues = this.table.get(key);
    if (queues === undefined) {
      if (this.table.size >= MAX_OFFSET_KEYS) return false;
      queues = new Map();
      this.table.set(key, queues);
    }
    if (queues.get(queueId) !== offset) {
      queues.set(queueId, offset);
      this.dirtyFlag = true;
    }
    return true;
  }

  /** The committed offset as stored (may be negative); undefined when the group never committed one. */
  query(group: string, topic: string, queueId: number): number | undefined {
    return this.table.get(offsetKey(topic, group))?.get(queueId);
  }

  /** Queue id -> offset of one group and topic. */
  queuesOf(group: string, topic: string): ReadonlyMap<number, number> | undefined {
    return this.table.get(offsetKey(topic, group));
  }

  /** Topics a group has offsets for (GET_CONSUME_STATS without a topic). */
  topicsOfGroup(group: string): string[] {
    const topics: string[] = [];
    for (const key of this.table.keys()) {
      const parts = splitOffsetKey(key);
      if (parts !== undefined && parts.group === group) topics.push(parts.topic);
    }
    return topics;
  }

  /** Every (topic, group) with its queue offsets, for metrics and admin. */
  *entries(): IterableIterator<{ topic: string; group: string; queues: ReadonlyMap<number, number> }> {
    for (const [key, queues] of this.table) {
      const parts = splitOffsetKey(key);
      if (parts !== undefined) yield { ...parts, queues };
    }
  }

  removeTopic(topic: string): void {
    for (const key of [...this.table.keys()]) {
      if (splitOffsetKey(key)?.topic === topic) {
        this.table.delete(key);
        this.dirtyFlag = true;
      }
    }
  }

  removeGroup(group: string): void {
    for (const key of [...this.table.keys()]) {
      if (splitOffsetKey(key)?.group === group) {
        this.table.delete(key);
        this.dirtyFlag = true;
      }
    }
  }

  /** The file's JSON; clears the dirty mark (set it again with `markDirty` if the write fails). */
  serialize(): string {
    this.dirtyFlag = false;
    return JSON.stringify({ offsetTable: this.toJson() }, null, 2);
  }

  markDirty(): void {
    this.dirtyFlag = true;
  }

  toJson(): Record<string, Record<string, number>> {
    const offsetTable: Record<string, Record<string, number>> = {};
    for (const [key, queues] of this.table) {
      const entry: Record<string, number> = {};
      for (const [queueId, offset] of [...queues].sort((a, b) => a[0] - b[0])) entry[String(queueId)] = offset;
      offsetTable[key] = entry;
    }
    return offsetTable;
  }

  /** Replaces the content with a parsed file. */
  load(loaded: ReadonlyMap<string, ReadonlyMap<number, number>>): void {
    this.table.clear();
    for (const [key, queues] of loaded) this.table.set(key, new Map(queues));
    this.dirtyFlag = false;
  }
}

/** Reads `{"offsetTable":{"topic@group":{"0":12}}}`; anything else is an error naming the bad part. */
export function parseConsumerOffsets(value: unknown): Result<Map<string, Map<number, number>>, string> {
  if (!isObject(value)) return err('consumer offsets: not an object');
  const table = value.offsetTable ?? {};
  if (!isObject(table)) return err('consumer offsets: offsetTable is not an object');
  const out = new Map<string, Map<number, number>>();
  for (const [key, queues] of Object.entries(table)) {
    if (splitOffsetKey(key) === undefined) return err(`consumer offsets: key ${JSON.stringify(key)} is not topic@group`);
    if (!isObject(queues)) return err(`consumer offsets: offsetTable.${key} is not an object`);
    const parsed = new Map<number, number>();
    for (const [queueText, offset] of Object.entries(queues)) {
      const queueId = Number(queueText);
      if (!Number.isInteger(queueId) || queueId < 0) return err(`consumer offsets: offsetTable.${key} has queue id ${JSON.stringify(queueText)}`);
      if (typeof offset !== 'number' || !Number.isSafeInteger(offset)) return err(`consumer offsets: offsetTable.${key}.${queueText} is not an integer`);
      parsed.set(queueId, offset);
    }
    out.set(key, parsed);
  }
  return ok(out);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
