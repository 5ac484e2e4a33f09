/**
 * broker: the RocketMQ-compatible broker. `Broker` wires the store, topic table, consume service,
 * request processors, HTTP endpoint and name server registration; `main.ts` is the `rocket-broker`
 * process entry. Sub-folders (config, metadata, processors, registry, consume, ha, admin, store) open
 * through their own index files.
 */
export type { BrokerAddresses, BrokerDeps, BrokerStatus } from './broker';
export { Broker } from './broker';
export type { BrokerConfig, ConfigSource, LoadOutcome } from './config';
export { BrokerRoleName, FlushDiskType, ReplicationModeName, RoleSource, Secret, defaultBrokerConfig, loadBrokerConfig, secret, validateBrokerConfig } from './config';
export type { EpochEntry, LinkStatus, ReplicationStatus, RoleCommand, SlaveStatus } from './ha';
export { BrokerMetrics } from './metrics';
export { TopicConfigManager } from './metadata';
