/**
 * A producer that sends continuously and keeps the books: every attempt, and every acknowledged
 * send (SEND_OK) with where the broker said it stored it. The tests compare those books with what
 * the brokers hold after each failover.
 */
import type { SendResult } from '../../../client';
import { AdminClient, Producer, SendStatus } from '../../../client';
import type { DecodedMessage } from '../../../message';
import { until } from './cluster';

export interface AckedMessage {
  readonly msgId: string;
  readonly queueId: number;
  readonly queueOffset: number;
  readonly body: string;
  /** How many kills came before the acknowledgement (0: before the first). */
  readonly round: number;
  readonly ackedAtMs: number;
}

export interface LoadOptions {
  readonly namesrv: string;
  readonly topic: string;
  /** Concurrent send loops. */
  readonly concurrency: number;
  /** Prefix of every body, so bodies of different tests never mix. */
  readonly bodyPrefix: string;
  /** Pause of each loop after an acknowledged send, to keep the volume the checks re-read small. */
  readonly pauseMs?: number;
}

/** Creates the topic (retried until a master takes it). */
export async function createTopic(namesrv: string, topic: string, queues: number, timeoutMs: number): Promise<void> {
  const admin = new AdminClient({ namesrvAddr: namesrv });
  await admin.start();
  try {
    await until(() => admin.createTopic(topic, { readQueueNums: queues, writeQueueNums: queues }).then(() => true, () => undefined), () => `topic ${topic} created`, timeoutMs);
  } finally {
    await admin.close();
  }
}

export class LoadProducer {
  readonly acked: AckedMessage[] = [];
  /** Every body ever sent, acknowledged or not: anything a broker holds must be one of these. */
  readonly attempted = new Set<string>();
  /** Sends answered with a status other than SEND_OK, by status (stored, not replicated). */
  readonly notOk = new Map<string, number>();
  failures = 0;
  round = 0;
  private readonly producer: Producer;
  private seq = 0;
  private running = false;
  private loops: Promise<void>[] = [];

  constructor(private readonly options: LoadOptions) {
    this.producer = new Producer({ namesrvAddr: options.namesrv, groupName: `${options.bodyPrefix}-producer`, sendTimeoutMs: 2000, retryTimesWhenSendFailed: 0, routeRefreshIntervalMs: 500 });
  }

  async start(): Promise<void> {
    await this.producer.start();
    this.running = true;
    this.loops = Array.from({ length: this.options.concurrency }, () => this.loop());
  }

  /** When the first send started in `round` or later was acknowledged, if one was yet. */
  firstAckFrom(round: number): number | undefined {
    return this.acked.find((a) => a.round >= round)?.ackedAtMs;
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
    await this.producer.shutdown().catch(() => undefined);
  }

  private async loop(): Promise<void> {
    while (this.running) {
      const body = `${this.options.bodyPrefix}-${this.seq++}`;
      const round = this.round;
      this.attempted.add(body);
      let r: SendResult | undefined;
      try {
        r = await this.producer.send({ topic: this.options.topic, body });
      } catch {
        this.failures++;
        // A failed send (no master, connection refused) returns at once: do not spin.
        await new Promise((resolve) => setTimeout(resolve, 20));
        continue;
      }
      if (r.sendStatus !== SendStatus.SEND_OK) {
        this.notOk.set(r.sendStatus, (this.notOk.get(r.sendStatus) ?? 0) + 1);
        await new Promise((resolve) => setTimeout(resolve, 20));
        continue;
      }
      const now = Date.now();
      // The round is the one the send started in: an ack that straddles a kill counts before it.
      this.acked.push({ msgId: r.msgId, queueId: r.messageQueue.queueId, queueOffset: r.queueOffset, body, round, ackedAtMs: now });
      if (this.options.pauseMs !== undefined) await new Promise((resolve) => setTimeout(resolve, this.options.pauseMs));
    }
  }
}

/** How an acknowledged message compares with what a broker holds at its queue offset. */
export type AckCheck = 'ok' | 'missing' | 'different';

export function checkAck(a: AckedMessage, queues: readonly (readonly DecodedMessage[])[]): AckCheck {
  const held = queues[a.queueId];
  // Queues are read from offset 0 and the store keeps everything in these short runs: index = offset.
  const m = held?.[a.queueOffset];
  if (m === undefined) return 'missing';
  return m.queueOffset === a.queueOffset && m.body.toString('utf8') === a.body ? 'ok' : 'different';
}

/**
 * Structural problems of what a broker holds: queue offsets not contiguous from 0, bodies nobody
 * sent, one body at two places. Empty when the queues are sound.
 */
export function queueProblems(queues: readonly (readonly DecodedMessage[])[], attempted: ReadonlySet<string>): string[] {
  const problems: string[] = [];
  const seen = new Map<string, string>();
  queues.forEach((messages, queueId) => {
    messages.forEach((m, i) => {
      const body = m.body.toString('utf8');
      const where = `${queueId}@${m.queueOffset}`;
      if (m.queueOffset !== i) problems.push(`queue ${queueId}: entry ${i} has queue offset ${m.queueOffset}`);
      if (!attempted.has(body)) problems.push(`${where}: body ${JSON.stringify(body.slice(0, 60))} was never sent`);
      const twice = seen.get(body);
      if (twice !== undefined) problems.push(`${where}: body ${body} also at ${twice}`);
      seen.set(body, where);
    });
  });
  return problems;
}
