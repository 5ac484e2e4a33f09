/**
 * Broker-side queue locks for ordered consumption (FACTS 6.6). A member consumes a queue in order
 * only while it holds the queue's lock on the broker's master: LOCK_BATCH_MQ when it takes the queue,
 * renewed every 20 s, UNLOCK_BATCH_MQ when it lets go. A lock not renewed for `LOCK_VALID_MS` counts
 * as lost on this side (the broker keeps it for 60 s), so a member cut off from a broker stops
 * consuming well before another member can take the queue over.
 */
import type { RemotingClient } from '../remoting';
import type { Clock } from '../stdx';
import { lockQueues, unlockQueues } from './consumer-api';
import { ClientError, ClientErrorCode } from './errors';
import type { ProcessQueue } from './process-queue';
import type { MessageQueue } from './types';
import { queueKey } from './types';

/** Java's rocketmq.client.rebalance.lockMaxLiveTime. */
export const LOCK_VALID_MS = 30_000;

export interface QueueLockerDeps {
  readonly remoting: RemotingClient;
  readonly group: string;
  readonly clientId: string;
  readonly timeoutMs: number;
  readonly clock: Clock;
  masterOf(brokerName: string): string | undefined;
}

export function holdsLock(pq: ProcessQueue, nowMs: number): boolean {
  return pq.lockedUntilMs > nowMs;
}

export class QueueLocker {
  constructor(private readonly deps: QueueLockerDeps) {}

  /** Locks the queues of `pqs` on their brokers and updates each `lockedUntilMs`; failures reject per broker. */
  async lock(pqs: readonly ProcessQueue[]): Promise<void> {
    const failures: unknown[] = [];
    await Promise.all(
      [...byBroker(pqs, (pq) => pq.queue)].map(async ([brokerName, group]) => {
        const startedMs = this.deps.clock.monotonicMs();
        try {
          const granted = new Set((await lockQueues(this.deps.remoting, this.addrOf(brokerName), this.deps.group, this.deps.clientId, group.map((pq) => pq.queue), this.deps.timeoutMs)).map(queueKey));
          for (const pq of group) pq.lockedUntilMs = granted.has(queueKey(pq.queue)) ? startedMs + LOCK_VALID_MS : 0;
        } catch (error) {
          failures.push(error);
        }
      }),
    );
    if (failures.length > 0) throw failures[0];
  }

  /** Locks one queue; returns until when it counts as held (0 = someone else holds it). */
  async lockOne(queue: MessageQueue): Promise<number> {
    const startedMs = this.deps.clock.monotonicMs();
    const granted = await lockQueues(this.deps.remoting, this.addrOf(queue.brokerName), this.deps.group, this.deps.clientId, [queue], this.deps.timeoutMs);
    return granted.some((q) => queueKey(q) === queueKey(queue)) ? startedMs + LOCK_VALID_MS : 0;
  }

  /** Gives the locks back (best effort: unreturned locks lapse on the broker). */
  async unlock(queues: readonly MessageQueue[]): Promise<void> {
    await Promise.all(
      [...byBroker(queues, (q) => q)].map(([brokerName, group]) => unlockQueues(this.deps.remoting, this.addrOf(brokerName), this.deps.group, this.deps.clientId, group, this.deps.timeoutMs)),
    );
  }

  private addrOf(brokerName: string): string {
    const addr = this.deps.masterOf(brokerName);
    if (addr === undefined) throw new ClientError(ClientErrorCode.NO_AVAILABLE_QUEUE, `broker ${brokerName} has no master to lock queues on`);
    return addr;
  }
}

function byBroker<T>(items: readonly T[], queueOf: (item: T) => MessageQueue): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const name = queueOf(item).brokerName;
    const list = out.get(name);
    if (list === undefined) out.set(name, [item]);
    else list.push(item);
  }
  return out;
}
