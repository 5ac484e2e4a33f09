/**
 * Helpers for the ali-ons compatibility tests: bounded waits, sample messages, queue fences and the
 * exactly-once check.
 */
import { createHash } from 'node:crypto';
import type { AliOnsProcess, OutgoingMessage, SendOutcome } from './ali-ons-process';

export type SentOk = Extract<SendOutcome, { ok: true }>;

/** Polls `check` every 25 ms until it holds; fails after `timeoutMs` with `what` and `diagnose()`. */
export async function until(check: () => boolean | Promise<boolean>, what: string, diagnose: () => string = () => '', timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}\n${diagnose()}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** ali-ons's warnings and errors from every process, for failure messages. */
export function logsOf(procs: readonly AliOnsProcess[]): string {
  return procs.map((p) => `--- ${p.label} ---\n${p.logs.slice(-30).join('\n')}`).join('\n');
}

/** Every outcome succeeded (else the test fails here with the error); returns them narrowed. */
export function allOk(outcomes: readonly SendOutcome[]): SentOk[] {
  const failed = outcomes.filter((o) => !o.ok);
  if (failed.length > 0) throw new Error(`sends failed: ${JSON.stringify(failed)}`);
  return outcomes as SentOk[];
}

const TAGS = ['TagA', 'TagB', 'TagC'] as const;

/**
 * `count` messages with tags TagA, TagB, TagC in turn, two keys each and binary bodies (every byte
 * value); message 5 is 6000 bytes, over ali-ons's 4096-byte threshold, so it travels deflated.
 */
export function sampleMessages(topic: string, count: number, prefix: string): OutgoingMessage[] {
  const allBytes = Buffer.from(Array.from({ length: 256 }, (_, b) => b));
  return Array.from({ length: count }, (_, i) => {
    const head = Buffer.from(`${prefix}-${i}|é€|`, 'utf8');
    const body = i === 5 ? Buffer.concat([head, Buffer.alloc(6000 - head.length, i)]) : Buffer.concat([head, allBytes]);
    return { topic, tags: TAGS[i % TAGS.length]!, keys: [`${prefix}-${i}`, `shared-${i % 3}`], body };
  });
}

/**
 * Sends one message to every queue of the topic (ali-ons's round robin visits each queue once per
 * `queueCount` consecutive sends). A consumer delivers each queue in order, so once it has the
 * fence of every queue it has been handed everything sent to the topic before the fence.
 */
export async function sendFence(producer: AliOnsProcess, producerName: string, topic: string, queueCount: number, tag = 'TagA'): Promise<SentOk[]> {
  const messages = Array.from({ length: queueCount }, (_, i) => ({ topic, tags: tag, keys: [`fence-${i}`], body: Buffer.from(`fence-${i}`) }));
  const sent = allOk(await producer.send(producerName, messages));
  const queues = new Set(sent.map((s) => `${s.brokerName}/${s.queueId}`));
  if (queues.size !== queueCount) throw new Error(`the fence reached ${queues.size} of ${queueCount} queues: ${[...queues].join(', ')}`);
  return sent;
}

/** Sorted ids, so comparing them shows duplicates, extras and gaps at once. */
export function ids(messages: readonly { msgId: string }[]): string[] {
  return messages.map((m) => m.msgId).sort();
}

export function hasAll(delivered: readonly { msgId: string }[], expected: readonly { msgId: string }[]): boolean {
  const got = new Set(delivered.map((m) => m.msgId));
  return expected.every((e) => got.has(e.msgId));
}

/** `IPv4 hex (8) + port hex (8) + commit-log offset hex (16)`, as ali-ons computes it from a pull body. */
export function decodeOffsetMsgId(msgId: string): { addr: string; commitLogOffset: number } {
  const bytes = Buffer.from(msgId, 'hex');
  return { addr: `${bytes[0]}.${bytes[1]}.${bytes[2]}.${bytes[3]}:${bytes.readInt32BE(4)}`, commitLogOffset: Number(bytes.readBigInt64BE(8)) };
}

/** The queue index ali-ons picks for a sharding key among `queueCount` distinct queue ids. */
export function shardingIndex(key: string, queueCount: number): number {
  return createHash('md5').update(key).digest().readUInt32BE(0) % queueCount;
}

export function queueKey(m: { brokerName: string; queueId: number }): string {
  return `${m.brokerName}/${m.queueId}`;
}
