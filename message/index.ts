/**
 * message/: pure codecs for RocketMQ's message record and everything around it (properties, ids,
 * hosts, names, batch bodies). Shared by the store, the wire protocol and the client SDK; imports
 * only node builtins and stdx. This file is the folder's only door.
 */
export {
  NAME_VALUE_SEPARATOR,
  PROPERTY_SEPARATOR,
  KEY_SEPARATOR,
  TRANSIENT_PROPERTY_PREFIX,
  PropertyKey,
  encodeProperties,
  decodeProperties,
  decodePropertiesFromBytes,
} from './properties';
export type { PropertiesInput } from './properties';

export { javaStringHashCode, tagsCodeOf, javaHashOfUtf8 } from './java-hash';

export { parseHostAddress, formatHostAddress, hostFromSocket, isIPv6, hostBytesLength } from './host';
export type { HostAddress } from './host';

export {
  MessageMagic,
  SysFlag,
  BLANK_MARKER_BYTES,
  RECORD_CRC_BYTES,
  MAX_PROPERTIES_BYTES,
  MAX_V1_TOPIC_BYTES,
  MAX_V2_TOPIC_BYTES,
  MIN_RECORD_BYTES,
  RecordPos,
  storeTimestampPos,
  recordLength,
  magicForTopic,
  storedPropertiesLength,
  effectiveSysFlag,
  encodedRecordLength,
  encodeRecord,
  writeBlankMarker,
} from './record';
export type { RecordFields, EncodeOptions } from './record';
export { zlibCrc32 } from './crc';
export type { Crc32 } from './crc';

export { checkRecord } from './record-check';
export type { RecordCheck, CheckOptions } from './record-check';

export { readDispatchInfo, decodeRecord, decodeRecords, scanDispatchProperties } from './record-read';
export { dispatchPropertiesOf, readDispatchProperties } from './dispatch-properties';
export type { DispatchProperties } from './dispatch-properties';
export type { DispatchInfo, DispatchPropertyValues, DecodedMessage, DecodeRecordsOptions } from './record-read';

export { encodeOffsetMsgId, decodeOffsetMsgId, OffsetMsgIdJoiner, UniqIdGenerator } from './message-id';
export type { OffsetMsgId, UniqIdOptions } from './message-id';

export {
  TOPIC_MAX_LENGTH,
  RETRY_OR_DLQ_TOPIC_MAX_LENGTH,
  GROUP_MAX_LENGTH,
  RETRY_TOPIC_PREFIX,
  DLQ_TOPIC_PREFIX,
  SYSTEM_TOPIC_PREFIX,
  SystemTopic,
  validateTopicName,
  validateGroupName,
  isSystemTopic,
  isNotAllowedSendTopic,
  retryTopicOf,
  dlqTopicOf,
  isRetryTopic,
  isDlqTopic,
} from './topic';

export { encodeBatchBody, decodeBatchBody } from './batch';
export type { BatchMessage, BatchItem } from './batch';
