/**
 * broker/metadata: the topic table (TopicConfigManager, the TopicRegistry broker/consume uses),
 * system topics, topic validation and RocketMQ 5 topic attributes. The folder's only door.
 */
export type { TopicConfigManagerOptions } from './topic-config-manager';
export { TOPICS_FILE_NAME, TopicConfigManager } from './topic-config-manager';
export type { SystemTopicOptions, TopicInit } from './topic-config';
export {
  DEFAULT_QUEUE_NUMS,
  MAX_QUEUE_NUMS,
  REPLY_TOPIC_SUFFIX,
  TopicFilterType,
  isSystemTopicOf,
  makeTopicConfig,
  systemTopicConfigs,
  topicConfigFromJson,
  topicTableJson,
  validateTopicConfig,
} from './topic-config';
export type { AttributeChanges } from './topic-attributes';
export {
  MESSAGE_TYPE_ATTRIBUTE,
  TopicMessageType,
  applyAttributeChanges,
  messageTypeOf,
  parseAttributeChanges,
  validateAttributes,
} from './topic-attributes';
