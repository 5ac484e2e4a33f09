/**
 * One consumer drains a topic from its first offset with our SDK, used the way an application would:
 * a PushConsumer with a synchronous handler (progress committed by the consumer itself, with pulls
 * and on shutdown). BENCH_CONSUMER picks the API, BENCH_PULL_BATCH the messages per pull (a normal
 * consumer option, RocketMQ's pullBatchSize).
 */
import { PushConsumer } from './sdk';

export interface DrainOptions {
  readonly namesrvAddr: string;
  readonly topic: string;
  readonly group: string;
  readonly expected: number;
  readonly maxSeconds: number;
  readonly onFirst: () => void;
}

export interface DrainResult {
  readonly count: number;
  readonly bytes: number;
  /** Which API and settings drained it. */
  readonly api: string;
  /** hrtime when the last message reached the handler: the rate's end. */
  readonly lastAt: bigint;
  /** Shutdown (final offset commit, unregister), after the last message; not part of the rate. */
  readonly shutdownMs: number;
}

const PULL_BATCH = Number(process.env.BENCH_PULL_BATCH ?? 32);

export async function drainTopic(o: DrainOptions): Promise<DrainResult> {
  return drainWithPush(o);
}

async function drainWithPush(o: DrainOptions): Promise<DrainResult> {
  const consumer = new PushConsumer({ namesrvAddr: o.namesrvAddr, groupName: o.group, consumeFromWhere: 'first', pullBatchSize: PULL_BATCH });
  let count = 0;
  let bytes = 0;
  let lastAt = process.hrtime.bigint();
  let resolveDone!: () => void;
  const done = new Promise<void>((resolve) => (resolveDone = resolve));
  consumer.subscribe(o.topic, '*', (message) => {
    if (count === 0) o.onFirst();
    count++;
    bytes += message.body.length;
    if (count === o.expected) {
      lastAt = process.hrtime.bigint();
      resolveDone();
    }
  });
  await consumer.start();
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([done, new Promise<void>((resolve) => (timer = setTimeout(resolve, o.maxSeconds * 1000)))]);
  clearTimeout(timer);
  if (count < o.expected) lastAt = process.hrtime.bigint();
  const t0 = Date.now();
  await consumer.shutdown();
  return { count, bytes, api: `PushConsumer pullBatchSize ${PULL_BATCH}`, lastAt, shutdownMs: Date.now() - t0 };
}
