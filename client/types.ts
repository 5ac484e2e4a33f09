/**
 * Public data shapes of the SDK: messages going out, messages coming in, queues and send results.
 * Plain objects, so they log, serialize and compare easily.
 */

/** One queue of a topic on one broker (RocketMQ's MessageQueue). */
export interface MessageQueue {
  readonly topic: string;
  readonly brokerName: string;
  readonly queueId: number;
}

/** A message to send. */
export interface Message {
  readonly topic: string;
  /** Strings are sent as UTF-8. Must not be empty. */
  readonly body: Buffer | Uint8Array | string;
  /** One tag; consumers filter on it (`TagA || TagB`). */
  readonly tags?: string;
  /** Business keys, indexed by the broker for `queryMessageByKey`. */
  readonly keys?: string | readonly string[];
  /** User properties; names must not collide with RocketMQ's reserved keys. */
  readonly properties?: Readonly<Record<string, string>>;
  /** Delay level 1..18 (1s 5s 10s 30s 1m 2m 3m 4m 5m 6m 7m 8m 9m 10m 20m 30m 1h 2h). */
  readonly delayLevel?: number;
  /** The 32-bit user flag stored with the message. */
  readonly flag?: number;
}

export const SendStatus = {
  SEND_OK: 'SEND_OK',
  /** Stored, but the flush to disk timed out (sync flush brokers). */
  FLUSH_DISK_TIMEOUT: 'FLUSH_DISK_TIMEOUT',
  /** Stored on the master, but the slave did not confirm in time (sync replication). */
  FLUSH_SLAVE_TIMEOUT: 'FLUSH_SLAVE_TIMEOUT',
  /** Stored on the master; no slave was available (sync replication). */
  SLAVE_NOT_AVAILABLE: 'SLAVE_NOT_AVAILABLE',
} as const;
export type SendStatus = (typeof SendStatus)[keyof typeof SendStatus];

export interface SendResult {
  readonly sendStatus: SendStatus;
  /** The producer-made unique id (UNIQ_KEY): what users call the message id. */
  readonly msgId: string;
  /** Where the broker stored it (store host + commit-log offset); for `AdminClient.viewMessage`. */
  readonly offsetMsgId: string;
  readonly messageQueue: MessageQueue;
  readonly queueOffset: number;
}

/** A message as a consumer receives it. */
export interface ReceivedMessage {
  readonly topic: string;
  /** Decompressed when the producer compressed it. */
  readonly body: Buffer;
  readonly tags: string | undefined;
  readonly keys: readonly string[];
  /** Every stored property, system ones (UNIQ_KEY, TAGS, ...) included. */
  readonly properties: Readonly<Record<string, string>>;
  /** UNIQ_KEY when the producer set one, else the offset id. */
  readonly msgId: string;
  readonly offsetMsgId: string;
  readonly queue: MessageQueue;
  readonly queueOffset: number;
  readonly commitLogOffset: number;
  readonly bornTimestamp: number;
  readonly storeTimestamp: number;
  /** `ip:port` of the producer connection. */
  readonly bornHost: string;
  /** `ip:port` of the broker that stored it. */
  readonly storeHost: string;
  /** How many times the broker redelivered it (retry topics). */
  readonly reconsumeTimes: number;
  readonly flag: number;
  readonly sysFlag: number;
}

export function queueKey(queue: MessageQueue): string {
  return `${queue.topic}@${queue.brokerName}@${queue.queueId}`;
}

/** RocketMQ's MessageQueue order: topic, then broker name, then queue id. */
export function compareQueues(a: MessageQueue, b: MessageQueue): number {
  if (a.topic !== b.topic) return a.topic < b.topic ? -1 : 1;
  if (a.brokerName !== b.brokerName) return a.brokerName < b.brokerName ? -1 : 1;
  return a.queueId - b.queueId;
}
