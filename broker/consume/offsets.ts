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

/** `topic@group` -> queueId -> offset, as parsed from a file or a replication snapshot. */
export type OffsetMap = ReadonlyMap<string, ReadonlyMap<number, number>>;

export class ConsumerOffsetTable {
  private readonly table = new Map<string, Map<number, number>>();
  /**
   * Commits a slave took (while its master was unreachable, consumers commit to the slave) that the
   * master has not shown back yet. A copy from the master never lowers them, and the slave sends
   * them to the master, which keeps the higher of its own and theirs.
   */
  private readonly replicaCommits = new Map<string, Map<number, number>>();
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

  /** A commit taken while this broker is a slave: recorded, and remembered until the master has it. */
  commitOnReplica(group: string, topic: string, queueId: number, offset: number): boolean {
    if (!this.commit(group, topic, queueId, offset)) return false;
    const key = offsetKey(topic, group);
    let queues = this.replicaCommits.get(key);
    if (queues === undefined) {
      queues = new Map();
      this.replicaCommits.set(key, queues);
    }
    if (queues.get(queueId) !== offset) {
      queues.set(queueId, offset);
      this.dirtyFlag = true;
    }
    return true;
  }

  /** Slave commits the master has not shown back yet, in the file's shape; undefined when none. */
  pendingReplicaCommits(): Record<string, Record<string, number>> | undefined {
    return this.replicaCommits.size === 0 ? undefined : tableToJson(this.replicaCommits);
  }

  /** This broker became master: its slave commits are simply its offsets now. */
  clearReplicaCommits(): void {
    if (this.replicaCommits.size === 0) return;
    this.replicaCommits.clear();
    this.dirtyFlag = true;
  }

  /**
   * Slave: makes the table a copy of the master's, except where this slave holds a commit of its
   * own the master has not caught up with (that one stays, higher). A slave commit is forgotten once
   * the master shows an offset at least as high, or when `plausible` says it lies beyond anything
   * this slave could have served (nothing to protect). Returns whether anything changed.
   */
  applyMaster(master: OffsetMap, plausible: (topic: string, queueId: number, offset: number) => boolean): boolean {
    const next = new Map<string, Map<number, number>>();
    for (const [key, queues] of master) next.set(key, new Map(queues));
    for (const [key, queues] of [...this.replicaCommits]) {
      const parts = splitOffsetKey(key);
      for (const [queueId, offset] of [...queues]) {
        const theirs = master.get(key)?.get(queueId);
        if ((theirs !== undefined && theirs >= offset) || parts === undefined || !plausible(parts.topic, queueId, offset)) {
          queues.delete(queueId);
          this.dirtyFlag = true;
          continue;
        }
        let target = next.get(key);
        if (target === undefined) {
          target = new Map();
          next.set(key, target);
        }
        target.set(queueId, offset);
      }
      if (queues.size === 0) this.replicaCommits.delete(key);
    }
    if (sameTable(this.table, next)) return false;
    this.table.clear();
    for (const [key, queues] of next) this.table.set(key, queues);
    this.dirtyFlag = true;
    return true;
  }

  /**
   * Master: takes a slave's commits where they are higher than its own, each capped by `limit`
   * (the queue's end here: an offset beyond it would skip messages written later). Returns how many
   * offsets moved.
   */
  mergeHigher(incoming: OffsetMap, limit: (topic: string, queueId: number) => number): number {
    let moved = 0;
    for (const [key, queues] of incoming) {
      const parts = splitOffsetKey(key);
      if (parts === undefined) continue;
      for (const [queueId, offset] of queues) {
        const capped = Math.min(offset, limit(parts.topic, queueId));
        const mine = this.query(parts.group, parts.topic, queueId);
        if (mine !== undefined && mine >= capped) continue;
        if (this.commit(parts.group, parts.topic, queueId, capped)) moved++;
      }
    }
    return moved;
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

  /**
   * The file's JSON; clears the dirty mark (set it again with `markDirty` if the write fails). Slave
   * commits the master has not shown back ride along (`replicaCommitTable`), so a restart keeps them.
   */
  serialize(): string {
    this.dirtyFlag = false;
    const pending = this.pendingReplicaCommits();
    return JSON.stringify({ offsetTable: this.toJson(), ...(pending !== undefined ? { replicaCommitTable: pending } : {}) }, null, 2);
  }

  markDirty(): void {
    this.dirtyFlag = true;
  }

  toJson(): Record<string, Record<string, number>> {
    return tableToJson(this.table);
  }

  /** Replaces the content with a parsed file (and the slave commits it remembered). */
  load(loaded: OffsetMap, replicaCommits: OffsetMap = new Map()): void {
    this.table.clear();
    for (const [key, queues] of loaded) this.table.set(key, new Map(queues));
    this.replicaCommits.clear();
    for (const [key, queues] of replicaCommits) this.replicaCommits.set(key, new Map(queues));
    this.dirtyFlag = false;
  }
}

function tableToJson(table: OffsetMap): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  for (const [key, queues] of table) {
    const entry: Record<string, number> = {};
    for (const [queueId, offset] of [...queues].sort((a, b) => a[0] - b[0])) entry[String(queueId)] = offset;
    out[key] = entry;
  }
  return out;
}

function sameTable(a: OffsetMap, b: OffsetMap): boolean {
  if (a.size !== b.size) return false;
  for (const [key, queues] of a) {
    const other = b.get(key);
    if (other === undefined || other.size !== queues.size) return false;
    for (const [queueId, offset] of queues) if (other.get(queueId) !== offset) return false;
  }
  return true;
}

/** Reads `{"offsetTable":{"topic@group":{"0":12}}}`; anything else is an error naming the bad part. */
export function parseConsumerOffsets(value: unknown): Result<Map<string, Map<number, number>>, string> {
  if (!isObject(value)) return err('consumer offsets: not an object');
  return parseOffsetTable(value.offsetTable ?? {}, 'offsetTable');
}

/** The file: the offsets and the slave commits the master has not shown back yet. */
export function parseConsumerOffsetsFile(value: unknown): Result<{ offsets: Map<string, Map<number, number>>; replicaCommits: Map<string, Map<number, number>> }, string> {
  const offsets = parseConsumerOffsets(value);
  if (!offsets.ok) return offsets;
  const replicaCommits = parseOffsetTable((value as Record<string, unknown>).replicaCommitTable ?? {}, 'replicaCommitTable');
  if (!replicaCommits.ok) return replicaCommits;
  return ok({ offsets: offsets.value, replicaCommits: replicaCommits.value });
}

/** `{"topic@group":{"0":12}}` under the name `field`. */
export function parseOffsetTable(table: unknown, field: string): Result<Map<string, Map<number, number>>, string> {
  if (!isObject(table)) return err(`consumer offsets: ${field} is not an object`);
  const out = new Map<string, Map<number, number>>();
  for (const [key, queues] of Object.entries(table)) {
    if (splitOffsetKey(key) === undefined) return err(`consumer offsets: key ${JSON.stringify(key)} is not topic@group`);
    if (!isObject(queues)) return err(`consumer offsets: ${field}.${key} is not an object`);
    const parsed = new Map<number, number>();
    for (const [queueText, offset] of Object.entries(queues)) {
      const queueId = Number(queueText);
      if (!Number.isInteger(queueId) || queueId < 0) return err(`consumer offsets: ${field}.${key} has queue id ${JSON.stringify(queueText)}`);
      if (typeof offset !== 'number' || !Number.isSafeInteger(offset)) return err(`consumer offsets: ${field}.${key}.${queueText} is not an integer`);
      parsed.set(queueId, offset);
    }
    out.set(key, parsed);
  }
  return ok(out);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
