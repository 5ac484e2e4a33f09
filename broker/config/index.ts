/**
 * broker/config: the typed BrokerConfig, its defaults (RocketMQ's where one exists) and loading from
 * file, environment and flags with every problem reported at once. The folder's only door.
 */
export type { BrokerConfig } from './broker-config';
export {
  BrokerRoleName,
  FlushDiskType,
  IoModeName,
  ReplicationModeName,
  RoleSource,
  defaultBrokerConfig,
  defaultBrokerIP,
  derivedPort,
  splitNamesrvAddr,
  staticRoleOf,
} from './broker-config';
export { Secret, secret } from './secret';
export type { ConfigKey, FieldSpec } from './fields';
export { CONFIG_FIELDS, CONFIG_KEYS, JAVA_KEY_ALIASES, envNameOf, flagNameOf } from './fields';
export type { ConfigSource, LoadOptions, LoadOutcome } from './load';
export { loadBrokerConfig, validateBrokerConfig } from './load';
export { storeConfigOf } from './store-config';
