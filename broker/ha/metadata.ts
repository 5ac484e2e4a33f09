/**
 * Metadata copied from a master to its slaves over the HA connection: the topic table (sent after
 * each handshake and after every topic change on the master). A slave makes its table match: topics
 * the master has are created or updated, non-system topics it lacks are deleted. Consumer offsets and
 * subscription groups travel in the same frames (broker/replica-metadata.ts, broker/consume).
 */
import type { TopicConfig } from '../../protocol';
import type { TopicInit } from '../metadata';
import { topicConfigFromJson } from '../metadata';
import type { Result } from '../../stdx';

/** The slice of the topic table metadata sync needs. */
export interface TopicTable {
  list(): TopicConfig[];
  topicConfigTableJson(): string;
  update(topic: string, init: TopicInit): Result<TopicConfig, string>;
  delete(topic: string): boolean;
  isSystemTopic(topic: string): boolean;
}

export function topicSnapshot(topics: TopicTable): string {
  return `{"topicConfigTable":${topics.topicConfigTableJson()}}`;
}

/** Applies a master's snapshot; returns what changed, or throws on a malformed snapshot. */
export function applyTopicSnapshot(topics: TopicTable, value: unknown): { updated: number; deleted: number } {
  const table = (value as { topicConfigTable?: unknown } | null)?.topicConfigTable;
  if (typeof table !== 'object' || table === null || Array.isArray(table)) throw new Error('snapshot has no topicConfigTable object');
  const configs: TopicConfig[] = [];
  for (const [name, entry] of Object.entries(table)) {
    const config = topicConfigFromJson(name, entry);
    if (!config.ok) throw new Error(config.error);
    configs.push(config.value);
  }
  let updated = 0;
  const before = new Map(topics.list().map((t) => [t.topicName, JSON.stringify(t)]));
  for (const c of configs) {
    if (before.get(c.topicName) === JSON.stringify(c)) continue;
    const { topicName, ...init } = c;
    if (topics.update(topicName, init).ok) updated++;
  }
  const keep = new Set(configs.map((c) => c.topicName));
  let deleted = 0;
  for (const name of before.keys()) {
    if (!keep.has(name) && !topics.isSystemTopic(name) && topics.delete(name)) deleted++;
  }
  return { updated, deleted };
}
