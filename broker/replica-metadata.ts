/**
 * What a master copies to its slaves besides its log, in one place: the topic table (after each
 * handshake and each topic change), consumer offsets and subscription groups (after each handshake
 * and periodically), and, the other way, consumer offsets a slave took while its master was away
 * (docs/replication.md, "Metadata").
 */
import type { ServerLogger } from '../ops';
import type { ConsumeService } from './consume';
import type { ReplicaMetadata, TopicTable } from './ha';
import { applyTopicSnapshot, topicSnapshot } from './ha';

/** `{"a":1}` + `{"b":2}` -> `{"a":1,"b":2}` (both non-empty JSON objects, as the snapshots are). */
function joinObjects(a: string, b: string): string {
  return `${a.slice(0, -1)},${b.slice(1)}`;
}

export function replicaMetadata(topics: TopicTable, consume: () => ConsumeService | undefined, logger: ServerLogger): ReplicaMetadata {
  const consumeSnapshot = (): string => consume()?.replicaSnapshot() ?? '{}';
  return {
    snapshot: () => {
      const c = consumeSnapshot();
      return c === '{}' ? topicSnapshot(topics) : joinObjects(topicSnapshot(topics), c);
    },
    topicSnapshot: () => topicSnapshot(topics),
    consumeSnapshot,
    apply: (value) => {
      const parts = typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
      if (parts.topicConfigTable !== undefined) {
        const applied = applyTopicSnapshot(topics, value);
        if (applied.updated + applied.deleted > 0) logger.info('topic configs copied from the master', applied);
      }
      const service = consume();
      if (service !== undefined && (parts.offsetTable !== undefined || parts.subscriptionGroupTable !== undefined)) {
        const applied = service.applyReplicaSnapshot(value);
        if (applied.groupsChanged) logger.info('subscription groups copied from the master');
      }
    },
    replicaCommits: () => consume()?.replicaCommits(),
    mergeReplicaCommits: (value) => {
      consume()?.mergeReplicaCommits(value);
    },
  };
}
