/**
 * Queue allocation among the members of a consumer group (RocketMQ's AllocateMessageQueueAveragely,
 * FACTS 6.1). Every member computes the same answer from the same inputs because both lists are
 * sorted first: queues by topic, broker name and queue id; client ids lexicographically. The queues
 * are cut into contiguous blocks; when they do not divide evenly the first members get one more.
 */
import type { MessageQueue } from './types';
import { compareQueues } from './types';

/** Java `String.compareTo` for the ASCII client ids RocketMQ uses: UTF-16 code-unit order. */
function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The queues `clientId` should own; empty when it is not among `clientIds`. */
export function allocateAveragely(
  queues: readonly MessageQueue[],
  clientIds: readonly string[],
  clientId: string,
): MessageQueue[] {
  const sortedQueues = [...queues].sort(compareQueues);
  const sortedIds = [...new Set(clientIds)].sort(compareIds);
  const index = sortedIds.indexOf(clientId);
  if (index < 0 || sortedQueues.length === 0) return [];
  const n = sortedQueues.length;
  const m = sortedIds.length;
  const mod = n % m;
  const base = Math.floor(n / m);
  const size = n <= m ? 1 : mod > 0 && index < mod ? base + 1 : base;
  const start = mod > 0 && index < mod ? index * size : index * size + mod;
  const count = Math.min(size, n - start);
  return count > 0 ? sortedQueues.slice(start, start + count) : [];
}
