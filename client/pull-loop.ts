/**
 * The pull loop of one queue, shared by the push consumer and the pull consumer's message streams:
 * wait for room, pick the replica to pull from, long-poll, hand the result to the owner, repeat until
 * the queue is dropped. Failures are reported and retried after a delay; nothing here throws.
 */
import type { RemotingClient } from '../remoting';
import type { Clock } from '../stdx';
import { ClientError, ClientErrorCode } from './errors';
import type { ProcessQueue } from './process-queue';
import { PullStatus, pullMessages } from './pull';
import type { PullResult } from './pull';
import type { RouteCache } from './route';
import { pullTarget } from './route';
import type { ReceivedMessage } from './types';
import { queueKey } from './types';

export interface PullLoopHost {
  readonly remoting: RemotingClient;
  readonly routes: RouteCache;
  readonly clock: Clock;
  readonly group: string;
  readonly pullBatchSize: number;
  readonly suspendMs: number;
  readonly requestTimeoutMs: number;
  readonly pullDelayOnErrorMs: number;
  readonly checkBodyCrc: boolean;
  /** The consumer offset to piggy-back on a pull to `brokerId`, if any. */
  commitOffsetFor(pq: ProcessQueue, brokerId: number): number | undefined;
  /** Whether the queue must wait (too many messages in flight); it is woken through `pq.wake()`. */
  overLimit(pq: ProcessQueue): boolean;
  /** New messages, already recorded in `pq.tracker`. */
  deliver(pq: ProcessQueue, messages: readonly ReceivedMessage[]): void;
  /** The broker moved the offset (the tracker has been reset to it). */
  offsetMoved(pq: ProcessQueue, result: PullResult): Promise<void>;
  /** After every pull outcome, for offset bookkeeping. */
  pulled(pq: ProcessQueue): void;
  warn(error: unknown): void;
}

export async function runPullLoop(pq: ProcessQueue, host: PullLoopHost): Promise<void> {
  while (!pq.dropped) {
    while (!pq.dropped && host.overLimit(pq)) await pq.sleep(Infinity);
    if (pq.dropped) return;
    const route = host.routes.cached(pq.queue.topic);
    const target = route === undefined ? undefined : pullTarget(route.brokers, pq.queue.brokerName, pq.suggestedBrokerId);
    if (target === undefined) {
      host.warn(new ClientError(ClientErrorCode.NO_AVAILABLE_QUEUE, `no broker to pull ${queueKey(pq.queue)} from`));
      await pq.sleep(host.pullDelayOnErrorMs);
      continue;
    }
    const commitOffset = host.commitOffsetFor(pq, target.brokerId);
    const startedMs = host.clock.monotonicMs();
    let result: PullResult;
    try {
      result = await pullMessages(
        host.remoting,
        target.addr,
        {
          group: host.group,
          queue: pq.queue,
          offset: pq.tracker.nextOffset,
          maxNums: host.pullBatchSize,
          filter: pq.subscription.filter,
          subVersion: pq.subscription.version,
          suspendMs: host.suspendMs,
          checkBodyCrc: host.checkBodyCrc,
          ...(commitOffset === undefined ? {} : { commitOffset }),
        },
        // Java waits 30 s for a 15 s suspend: room for a busy broker after the hold expires.
        host.suspendMs + host.requestTimeoutMs + 12_000,
      );
    } catch (error) {
      if (pq.dropped) return;
      host.warn(error);
      await pq.sleep(host.pullDelayOnErrorMs);
      continue;
    }
    if (pq.dropped) return;
    await handleResult(pq, host, result, host.clock.monotonicMs() - startedMs);
  }
}

async function handleResult(pq: ProcessQueue, host: PullLoopHost, result: PullResult, elapsedMs: number): Promise<void> {
  pq.suggestedBrokerId = result.suggestWhichBrokerId;
  switch (result.status) {
    case PullStatus.FOUND: {
      const messages = result.messages;
      const last = messages.length > 0 ? messages[messages.length - 1]!.queueOffset + 1 : pq.tracker.nextOffset;
      // After damage, pull again from the first damaged record rather than skip past it.
      const next = result.corruption === undefined ? result.nextBeginOffset : last;
      pq.tracker.onPulledMessages(messages, Math.max(next, pq.tracker.nextOffset));
      host.deliver(pq, messages);
      host.pulled(pq);
      if (result.corruption !== undefined) {
        host.warn(result.corruption);
        await pq.sleep(host.pullDelayOnErrorMs);
      }
      return;
    }
    case PullStatus.NO_NEW_MSG:
    case PullStatus.NO_MATCHED_MSG:
      pq.tracker.onPulled([], Math.max(result.nextBeginOffset, pq.tracker.nextOffset));
      host.pulled(pq);
      // A broker that does not hold pulls would otherwise be polled in a tight loop.
      if (result.status === PullStatus.NO_NEW_MSG && elapsedMs < 50) await pq.sleep(host.suspendMs > 0 ? 100 : 1000);
      return;
    case PullStatus.OFFSET_ILLEGAL:
      host.warn(
        new ClientError(
          ClientErrorCode.BAD_RESPONSE,
          `offset ${pq.tracker.nextOffset} of ${queueKey(pq.queue)} is out of range [${result.minOffset}, ${result.maxOffset}]; moving to ${result.nextBeginOffset}`,
        ),
      );
      await host.offsetMoved(pq, result);
      return;
  }
}
