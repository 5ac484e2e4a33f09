import type { ClientError } from './errors';
import type { ConsumeContext, DispatcherOptions, MessageHandler } from './dispatcher';
import { ConsumeDispatcher } from './dispatcher';
import { ProcessQueue } from './process-queue';
import { parseTagExpression } from './tags';
import type { MessageQueue, ReceivedMessage } from './types';

const QUEUE: MessageQueue = { topic: 'T', brokerName: 'b', queueId: 0 };

function processQueue(queue: MessageQueue = QUEUE): ProcessQueue {
  return new ProcessQueue(queue, { topic: queue.topic, filter: parseTagExpression('*'), version: 1 }, 0);
}

function messages(pq: ProcessQueue, from: number, count: number): ReceivedMessage[] {
  return Array.from({ length: count }, (_, i) => ({ queueOffset: from + i, queue: pq.queue }) as unknown as ReceivedMessage);
}

interface Recorder {
  readonly dispatcher: ConsumeDispatcher;
  readonly done: number[];
  readonly failed: [number, boolean][];
}

function dispatcher(options: Partial<DispatcherOptions> = {}): Recorder {
  const done: number[] = [];
  const failed: [number, boolean][] = [];
  const d = new ConsumeDispatcher({
    concurrency: 4,
    orderly: false,
    maxReconsumeTimes: 1,
    retryDelayMs: 1,
    done: (message) => done.push(message.queueOffset),
    failed: (_error: ClientError, delivery, willRetry) => failed.push([delivery.message.queueOffset, willRetry]),
    ...options,
  });
  return { dispatcher: d, done, failed };
}

async function waitFor(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 2));
  expect(condition()).toBe(true);
}

describe('ConsumeDispatcher (concurrent mode)', () => {
  test('a batch of synchronous handlers runs in order, each acknowledged at once, with the first attempt and the queue as context', () => {
    const r = dispatcher();
    const pq = processQueue();
    const seen: [number, ConsumeContext][] = [];
    r.dispatcher.submitAll(messages(pq, 0, 10), pq, (m, context) => void seen.push([m.queueOffset, context]));
    expect(seen.map(([offset]) => offset)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(seen.every(([, context]) => context.attempt === 1 && context.queue === QUEUE)).toBe(true);
    expect(r.done).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(r.dispatcher.runningCount).toBe(0);
  });

  test('asynchronous handlers run at most `concurrency` at once; the rest of the batch waits, in order', async () => {
    const r = dispatcher({ concurrency: 3 });
    const pq = processQueue();
    const started: number[] = [];
    const releases: (() => void)[] = [];
    const handler: MessageHandler = (m) => {
      started.push(m.queueOffset);
      return new Promise<void>((resolve) => releases.push(resolve));
    };
    r.dispatcher.submitAll(messages(pq, 0, 5), pq, handler);
    expect(started).toEqual([0, 1, 2]);
    // A second batch queues behind the first, even synchronous handlers.
    const pq2 = processQueue({ ...QUEUE, queueId: 1 });
    r.dispatcher.submitAll(messages(pq2, 100, 2), pq2, (m) => void started.push(m.queueOffset));
    expect(started).toEqual([0, 1, 2]);
    releases[0]!();
    await waitFor(() => started.length === 4);
    expect(started).toEqual([0, 1, 2, 3]);
    await waitFor(() => {
      for (const release of releases) release();
      return r.done.length === 7;
    });
    expect(started).toEqual([0, 1, 2, 3, 4, 100, 101]);
    expect(new Set(r.done)).toEqual(new Set([0, 1, 2, 3, 4, 100, 101]));
  });

  test('a handler that throws is reported and retried later; the batch goes on meanwhile', async () => {
    const r = dispatcher({ maxReconsumeTimes: 1 });
    const pq = processQueue();
    const attempts: [number, number][] = [];
    r.dispatcher.submitAll(messages(pq, 0, 3), pq, (m, context) => {
      attempts.push([m.queueOffset, context.attempt]);
      if (m.queueOffset === 1) throw new Error('boom');
    });
    expect(attempts).toEqual([[0, 1], [1, 1], [2, 1]]);
    expect(r.failed).toEqual([[1, true]]);
    expect(r.done).toEqual([0, 2]);
    await waitFor(() => r.done.length === 3);
    expect(attempts).toEqual([[0, 1], [1, 1], [2, 1], [1, 2]]);
    expect(r.failed).toEqual([[1, true], [1, false]]);
  });

  test('a handler that drops its queue stops the rest of the batch; one that stops the dispatcher too', () => {
    const dropping = dispatcher();
    const pq = processQueue();
    const ran: number[] = [];
    dropping.dispatcher.submitAll(messages(pq, 0, 5), pq, (m) => {
      ran.push(m.queueOffset);
      if (m.queueOffset === 1) pq.drop();
    });
    expect(ran).toEqual([0, 1]);
    const stopping = dispatcher();
    const pq2 = processQueue();
    const ran2: number[] = [];
    stopping.dispatcher.submitAll(messages(pq2, 0, 5), pq2, (m) => {
      ran2.push(m.queueOffset);
      if (m.queueOffset === 2) stopping.dispatcher.stop();
    });
    expect(ran2).toEqual([0, 1, 2]);
    stopping.dispatcher.submitAll(messages(pq2, 5, 2), pq2, (m) => void ran2.push(m.queueOffset));
    expect(ran2).toEqual([0, 1, 2]);
  });

  test('idle() resolves once the last asynchronous handler finishes', async () => {
    const r = dispatcher();
    const pq = processQueue();
    let release!: () => void;
    r.dispatcher.submitAll(messages(pq, 0, 1), pq, () => new Promise<void>((resolve) => (release = resolve)));
    let idle = false;
    const waiting = r.dispatcher.idle(10_000).then(() => (idle = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(idle).toBe(false);
    release();
    await waiting;
    expect(r.done).toEqual([0]);
  });
});

describe('ConsumeDispatcher (orderly mode)', () => {
  test('each queue runs one message at a time in order, queues side by side', async () => {
    const r = dispatcher({ orderly: true, concurrency: 2 });
    const a = processQueue();
    const b = processQueue({ ...QUEUE, queueId: 1 });
    const log: string[] = [];
    const releases = new Map<string, () => void>();
    const handler: MessageHandler = (m) => {
      const key = `${m.queue.queueId}:${m.queueOffset}`;
      log.push(key);
      return new Promise<void>((resolve) => releases.set(key, resolve));
    };
    r.dispatcher.submitAll(messages(a, 0, 2), a, handler);
    r.dispatcher.submitAll(messages(b, 0, 2), b, handler);
    expect(log).toEqual(['0:0', '1:0']);
    releases.get('0:0')!();
    await waitFor(() => log.length === 3);
    expect(log).toEqual(['0:0', '1:0', '0:1']);
  });
});
