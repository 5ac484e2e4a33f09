/**
 * broker/consume: everything a consumer talks to the broker about. Pulls with long polling, consumer
 * groups and their connections, committed offsets, subscription groups, ordered-consumption locks and
 * the consumer metrics. broker-core wires it: it builds the store with
 * `onDispatched: (o) => consume.onDispatched(o)`, implements `TopicRegistry`, and calls
 * `open()`, `register(server)` and `close()`. This file is the folder's only door.
 */
export type { TopicRegistry, ConsumeServiceDeps } from './service';
export { ConsumeService, CONSUMER_OFFSETS_FILE, SUBSCRIPTION_GROUPS_FILE, MAX_HELD_PULLS, MAX_PULL_BYTES_LIMIT } from './service';
export type { ConsumeOptions } from './options';
export { DEFAULT_CONSUME_OPTIONS } from './options';
export type { SubscriptionGroupConfig } from './subscription-groups';
