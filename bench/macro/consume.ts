/**
 * One consumer drains a topic from its first offset with our SDK, used the way an application would,
 * progress committed by the SDK itself (with pulls, periodically and on close):
 * - `push`: a PushConsumer with a synchronous handler;
 * - `pull`: a PullConsumer `for await` stream (`messages({ from: 'first' })`, auto-commit).
 * BENCH_PULL_BATCH sets the messages per pull (RocketMQ's pullBatchSize, a normal consumer option).
 */
import { PullConsumer, PushConsumer } from './sdk';

export const ConsumerApis = ['push', 'pull'] as const;
export type ConsumerApi = (typeof ConsumerApis)[number];

export interface DrainOptions {
  readonly api: ConsumerApi;
  readonly pullBatchSize: number;
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
  /** hrtime when the last message reached the application: the rate's end. */
  readonly lastAt: bigint;
  /** Shutdown (final offset commit, unregister), after the last message; not part of the rate. */
  readonly shutdownMs: number;
}

export function drainTopic(o: DrainOptions): Promise<DrainResult> {
  return o.api === 'pull' ? drainWithPullStream(o) : drainWithPush(o);
}

async function drainWithPush(o: DrainOptions): Promise<DrainResult> {
  const consumer = new PushConsumer({ namesrvAddr: o.namesrvAddr, groupName: o.group, consumeFromWhere: 'first', pullBatchSize: o.pullBatchSize });
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
  const timer = setTimeout(resolveDone, o.maxSeconds * 1000);
  await done;
  clearTimeout(timer);
  if (count < o.expected) lastAt = process.hrtime.bigint();
  const t0 = Date.now();
  await consumer.shutdown();
  return { count, bytes, api: `PushConsumer, pullBatchSize ${o.pullBatchSize}`, lastAt, shutdownMs: Date.now() - t0 };
}

async function drainWithPullStream(o: DrainOptions): Promise<DrainResult> {
  const consumer = new PullConsumer({ namesrvAddr: o.namesrvAddr, groupName: o.group, pullBatchSize: o.pullBatchSize });
  await consumer.start();
  const stream = consumer.messages({ topic: o.topic, from: 'first' });
  const timer = setTimeout(() => void stream.close(), o.maxSeconds * 1000);
  let count = 0;
  let bytes = 0;
  let lastAt = process.hrtime.bigint();
  for await (const message of stream) {
    if (count === 0) o.onFirst();
    count++;
    bytes += message.body.length;
    if (count === o.expected) {
      lastAt = process.hrtime.bigint();
      break; // closes the stream, committing its progress
    }
  }
  clearTimeout(timer);
  if (count < o.expected) lastAt = process.hrtime.bigint();
  const t0 = Date.now();
  await consumer.shutdown();
  return { count, bytes, api: `PullConsumer stream, pullBatchSize ${o.pullBatchSize}`, lastAt, shutdownMs: Date.now() - t0 };
}
