/**
 * broker: the RocketMQ-compatible broker. `Broker` wires the store, topic table, consume service,
 * request processors, HTTP endpoint and name server registration; `main.ts` is the `rocket-broker`
 * process entry. Sub-folders (config, metadata, processors, registry, consume, store) open through
 * their own index files.
 */
export type { BrokerAddresses, BrokerDeps } from './broker';
export { Broker } from './broker';
export type { BrokerConfig, ConfigSource, LoadOutcome } from './config';
export { FlushDiskType, defaultBrokerConfig, loadBrokerConfig, validateBrokerConfig } from './config';
export { BrokerMetrics } from './metrics';
export { TopicConfigManager } from './metadata';
