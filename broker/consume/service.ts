import type { Registry } from 'prom-client';
import type { TopicConfig } from '../../protocol';
import type { RemotingServer } from '../../remoting';
import type { MessageStore } from '../store';
import type { ServerLogger } from '../../ops';
import type { Clock, Result } from '../../stdx';
import { ok } from '../../stdx';
import type { ConsumeOptions } from './options';
import { DEFAULT_CONSUME_OPTIONS } from './options';

/** Implemented by broker-core's topic config manager. */
export interface TopicRegistry {
  get(topic: string): TopicConfig | undefined;
  /** Creates the topic if absent (HEART_BEAT creates `%RETRY%<group>` with 1 read/1 write queue, perm RW), persists, returns it. Existing topics are returned unchanged. */
  ensureTopic(topic: string, init: { readQueueNums: number; writeQueueNums: number; perm: number; topicSysFlag?: number }): TopicConfig;
}

export interface ConsumeServiceDeps {
  store: MessageStore;
  topics: TopicRegistry;
  /** `<storeDir>/config`: consumerOffsets.json, subscriptionGroups.json. */
  configDir: string;
  brokerName: string;
  brokerId: number;
  clock: Clock;
  logger: ServerLogger;
  /** prom-client registry shared by the broker process. */
  registry: Registry;
  options?: Partial<ConsumeOptions>;
}

export class ConsumeService {
  private readonly options: ConsumeOptions;

  constructor(private readonly deps: ConsumeServiceDeps) {
    this.options = { ...DEFAULT_CONSUME_OPTIONS, ...(deps.options ?? {}) };
  }

  /** The options in effect (defaults merged with what the broker passed), for logging the config. */
  get effectiveOptions(): Readonly<ConsumeOptions> {
    return this.options;
  }

  get brokerName(): string {
    return this.deps.brokerName;
  }

  /** Loads offsets and subscription groups; refuses when a state file and its backup are unreadable. */
  async open(): Promise<Result<void, string>> {
    return ok(undefined);
  }

  /** Registers every request code the consume side owns. */
  register(server: RemotingServer): void {
    void server;
  }

  /** Wakes held pulls whose queues gained messages. */
  onDispatched(commitLogOffset: number): void {
    void commitLogOffset;
  }

  /** For admin and metrics: committed offset per (group, topic, queueId). */
  consumerOffset(group: string, topic: string, queueId: number): number | undefined {
    void group;
    void topic;
    void queueId;
    return undefined;
  }

  /** Persists offsets now. */
  async flush(): Promise<void> {}

  /** Answers held pulls, flushes, stops timers. */
  async close(): Promise<void> {}
}
