/**
 * What the request handlers of this folder share. The service builds it once; handlers receive it
 * instead of the service, so each handler file sees only the parts it uses.
 */
import type { ServerLogger } from '../../ops';
import type { Clock } from '../../stdx';
import type { MessageStore } from '../store';
import type { ConsumerManager } from './consumer-manager';
import type { QueueLockTable } from './locks';
import type { ConsumeMetrics } from './metrics';
import type { ConsumerOffsetTable } from './offsets';
import type { ConsumeOptions } from './options';
import type { TopicRegistry } from './service';
import type { SubscriptionGroupTable } from './subscription-groups';

export interface ConsumeContext {
  readonly store: MessageStore;
  readonly topics: TopicRegistry;
  readonly groups: SubscriptionGroupTable;
  readonly consumers: ConsumerManager;
  readonly offsets: ConsumerOffsetTable;
  readonly locks: QueueLockTable;
  readonly metrics: ConsumeMetrics;
  readonly options: ConsumeOptions;
  readonly logger: ServerLogger;
  readonly clock: Clock;
  readonly brokerName: string;
  readonly isSlave: boolean;
  /** Writes subscriptionGroups.json now (admin changes are persisted before they are acknowledged). */
  persistGroups(): Promise<void>;
  /** Writes consumerOffsets.json now. */
  persistOffsets(): Promise<void>;
  /** Messages per second per `topic@group` over the last sampling window. */
  consumeTps(topic: string, group: string): number;
}
