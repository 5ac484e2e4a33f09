/**
 * The admin operations rocketctl's commands need, in the shapes they print. The commands depend on
 * this narrow interface, not on the SDK class (STYLE habit 3); `admin-adapter.ts` implements it with
 * the client's AdminClient, and tests can run the commands against any implementation.
 */
import type { ReceivedMessage } from '../../client';

export const TopicMessageTypes = ['NORMAL', 'FIFO', 'DELAY', 'TRANSACTION'] as const;
export type TopicMessageType = (typeof TopicMessageTypes)[number];

export interface TopicSettings {
  readonly readQueueNums: number;
  readonly writeQueueNums: number;
  /** RocketMQ permission bits: 4 read, 2 write, 1 inherit (FACTS 5.4). */
  readonly perm: number;
  readonly messageType: TopicMessageType;
}

/** Where a topic is created: every master of a cluster, or one broker group. */
export type TopicTarget = { readonly clusterName: string } | { readonly brokerName: string } | Record<string, never>;

export interface TopicBrokerEntry {
  readonly brokerName: string;
  readonly readQueueNums: number;
  readonly writeQueueNums: number;
  readonly perm: number;
}

export interface QueueStatus {
  readonly brokerName: string;
  readonly queueId: number;
  readonly minOffset: number;
  readonly maxOffset: number;
  /** Store time of the last message, 0 when the queue is empty. */
  readonly lastUpdateTimestamp: number;
}

export interface TopicDescription {
  readonly topic: string;
  readonly brokers: readonly TopicBrokerEntry[];
  readonly queues: readonly QueueStatus[];
}

export interface BrokerView {
  readonly clusterName: string;
  readonly brokerName: string;
  readonly brokerId: number;
  readonly addr: string;
  /** From the broker's runtime info when it answered; undefined otherwise. */
  readonly version?: string;
  readonly runtime?: Readonly<Record<string, string>>;
}

export interface QueueProgress {
  readonly topic: string;
  readonly brokerName: string;
  readonly queueId: number;
  /** Max queue offset on the broker. */
  readonly brokerOffset: number;
  /** The group's committed offset; -1 when it has none. */
  readonly consumerOffset: number;
  /** Store time of the last consumed message, 0 when unknown. */
  readonly lastTimestamp: number;
}

export interface ConsumerProgress {
  readonly group: string;
  readonly queues: readonly QueueProgress[];
  /** Messages per second consumed, when the broker reports it. */
  readonly consumeTps?: number;
}

export interface QueryByKey {
  readonly topic: string;
  readonly key: string;
  readonly beginMs: number;
  readonly endMs: number;
  readonly maxResults: number;
}

export interface AdminApi {
  createOrUpdateTopic(topic: string, settings: TopicSettings, target: TopicTarget): Promise<readonly string[]>;
  /** Current settings of a topic, per broker; empty when the topic does not exist. */
  topicBrokers(topic: string): Promise<readonly TopicBrokerEntry[]>;
  deleteTopic(topic: string): Promise<void>;
  listTopics(): Promise<readonly string[]>;
  /** Cluster and broker group names (brokers register a topic named after each, as RocketMQ's do). */
  clusterNames(): Promise<{ readonly clusters: readonly string[]; readonly brokerNames: readonly string[] }>;
  describeTopic(topic: string): Promise<TopicDescription>;
  cluster(): Promise<readonly BrokerView[]>;
  consumerProgress(group: string): Promise<ConsumerProgress>;
  viewMessage(offsetMsgId: string): Promise<ReceivedMessage>;
  queryMessageByKey(query: QueryByKey): Promise<readonly ReceivedMessage[]>;
  close(): Promise<void>;
}
