/**
 * Queue locks for ordered consumption (FACTS 6.6): LOCK_BATCH_MQ / UNLOCK_BATCH_MQ. A lock belongs
 * to a client id within a consumer group and lapses `LOCK_EXPIRY_MS` after its last renewal (clients
 * renew every 20 s). A client gets a queue when nobody holds it, when it already holds it (renewal),
 * or when the holder's lock has lapsed; the answer lists the queues it holds now.
 */
import type { MessageQueue } from '../../protocol';

/** Upstream's rocketmq.broker.rebalance.lockMaxLiveTime. */
export const LOCK_EXPIRY_MS = 60_000;
/** Queues in one lock request at most. */
export const MAX_LOCK_BATCH = 10_000;
/** Locks held per group at most (a group cannot hold more queues than exist). */
export const MAX_LOCKS_PER_GROUP = 100_000;

interface LockEntry {
  clientId: string;
  lastUpdateMs: number;
}

function queueKey(mq: MessageQueue): string {
  return `${mq.topic}@${mq.brokerName}@${mq.queueId}`;
}

export class QueueLockTable {
  private readonly groups = new Map<string, Map<string, LockEntry>>();

  constructor(private readonly monotonicMs: () => number) {}

  /** Locks what can be locked for `clientId`; returns the queues it holds afterwards. */
  lock(group: string, clientId: string, queues: readonly MessageQueue[]): MessageQueue[] {
    const now = this.monotonicMs();
    let locks = this.groups.get(group);
    if (locks === undefined) {
      locks = new Map();
      this.groups.set(group, locks);
    }
    const granted: MessageQueue[] = [];
    for (const mq of queues) {
      const key = queueKey(mq);
      const entry = locks.get(key);
      if (entry === undefined) {
        if (locks.size >= MAX_LOCKS_PER_GROUP) this.dropExpired(locks, now);
        if (locks.size >= MAX_LOCKS_PER_GROUP) continue;
        locks.set(key, { clientId, lastUpdateMs: now });
      } else if (entry.clientId === clientId || now - entry.lastUpdateMs > LOCK_EXPIRY_MS) {
        entry.clientId = clientId;
        entry.lastUpdateMs = now;
      } else {
        continue;
      }
      granted.push(mq);
    }
    if (locks.size === 0) this.groups.delete(group);
    return granted;
  }

  /** Releases the queues `clientId` holds among `queues`; others' locks stay. */
  unlock(group: string, clientId: string, queues: readonly MessageQueue[]): void {
    const locks = this.groups.get(group);
    if (locks === undefined) return;
    for (const mq of queues) {
      const key = queueKey(mq);
      if (locks.get(key)?.clientId === clientId) locks.delete(key);
    }
    if (locks.size === 0) this.groups.delete(group);
  }

  /** Who holds a queue now (undefined when free or lapsed). */
  holder(group: string, mq: MessageQueue): string | undefined {
    const entry = this.groups.get(group)?.get(queueKey(mq));
    if (entry === undefined || this.monotonicMs() - entry.lastUpdateMs > LOCK_EXPIRY_MS) return undefined;
    return entry.clientId;
  }

  /** Forgets lapsed locks of every group (the service's periodic scan). */
  sweep(): void {
    const now = this.monotonicMs();
    for (const [group, locks] of this.groups) {
      this.dropExpired(locks, now);
      if (locks.size === 0) this.groups.delete(group);
    }
  }

  private dropExpired(locks: Map<string, LockEntry>, now: number): void {
    for (const [key, entry] of locks) if (now - entry.lastUpdateMs > LOCK_EXPIRY_MS) locks.delete(key);
  }
}
