/**
 * Topic and group names under RocketMQ's rules (`TopicValidator`, client `Validators`): the
 * charset `^[%|a-zA-Z0-9_-]+$`, topics up to 127 chars, retry/DLQ topics up to 255, groups up
 * to 255 (the 4.x client limit; RocketMQ 5's broker-side check allows only 120).
 */
import { err, ok } from '../stdx';
import type { Result } from '../stdx';

export const TOPIC_MAX_LENGTH = 127;
export const RETRY_OR_DLQ_TOPIC_MAX_LENGTH = 255;
export const GROUP_MAX_LENGTH = 255;
export const RETRY_TOPIC_PREFIX = '%RETRY%';
export const DLQ_TOPIC_PREFIX = '%DLQ%';
export const NAME_CHARSET_RULE = '^[%|a-zA-Z0-9_-]+$';

/** RocketMQ's built-in topics (`TopicValidator`). */
export const SystemTopic = {
  AUTO_CREATE: 'TBW102',
  SCHEDULE: 'SCHEDULE_TOPIC_XXXX',
  BENCHMARK: 'BenchmarkTest',
  TRANS_HALF: 'RMQ_SYS_TRANS_HALF_TOPIC',
  TRACE: 'RMQ_SYS_TRACE_TOPIC',
  TRANS_OP_HALF: 'RMQ_SYS_TRANS_OP_HALF_TOPIC',
  TRANS_CHECK_MAX_TIME: 'TRANS_CHECK_MAX_TIME_TOPIC',
  SELF_TEST: 'SELF_TEST_TOPIC',
  OFFSET_MOVED_EVENT: 'OFFSET_MOVED_EVENT',
  ROCKSDB_OFFSET: 'CHECKPOINT_TOPIC',
} as const;
/** Any topic starting with this is a system topic too. */
export const SYSTEM_TOPIC_PREFIX = 'rmq_sys_';

const SYSTEM_TOPICS: ReadonlySet<string> = new Set<string>(Object.values(SystemTopic));
/** System topics clients may not send to directly. */
const NOT_ALLOWED_SEND_TOPICS: ReadonlySet<string> = new Set<string>([
  SystemTopic.SCHEDULE,
  SystemTopic.TRANS_HALF,
  SystemTopic.TRANS_OP_HALF,
  SystemTopic.TRANS_CHECK_MAX_TIME,
  SystemTopic.SELF_TEST,
  SystemTopic.OFFSET_MOVED_EVENT,
]);

function isNameChar(code: number): boolean {
  return (
    (code >= 0x30 && code <= 0x39) || // 0-9
    (code >= 0x41 && code <= 0x5a) || // A-Z
    (code >= 0x61 && code <= 0x7a) || // a-z
    code === 0x25 || // %
    code === 0x7c || // |
    code === 0x5f || // _
    code === 0x2d // -
  );
}

function hasOnlyNameChars(name: string): boolean {
  for (let i = 0; i < name.length; i++) if (!isNameChar(name.charCodeAt(i))) return false;
  return true;
}

function validateName(kind: string, name: string, maxLength: number): Result<void, string> {
  if (name.length === 0) return err(`the ${kind} name is empty`);
  if (!hasOnlyNameChars(name)) return err(`the ${kind} name ${JSON.stringify(name)} contains illegal characters; allowed: ${NAME_CHARSET_RULE}`);
  if (name.length > maxLength) return err(`the ${kind} name is ${name.length} chars, longer than the maximum ${maxLength}`);
  return ok(undefined);
}

export function isRetryTopic(topic: string): boolean {
  return topic.startsWith(RETRY_TOPIC_PREFIX);
}

export function isDlqTopic(topic: string): boolean {
  return topic.startsWith(DLQ_TOPIC_PREFIX);
}

/** Charset `^[%|a-zA-Z0-9_-]+$`; at most 127 chars, or 255 for `%RETRY%`/`%DLQ%` topics. */
export function validateTopicName(name: string): Result<void, string> {
  const max = isRetryTopic(name) || isDlqTopic(name) ? RETRY_OR_DLQ_TOPIC_MAX_LENGTH : TOPIC_MAX_LENGTH;
  return validateName('topic', name, max);
}

/** Charset `^[%|a-zA-Z0-9_-]+$`; at most 255 chars. */
export function validateGroupName(name: string): Result<void, string> {
  return validateName('group', name, GROUP_MAX_LENGTH);
}

export function isSystemTopic(topic: string): boolean {
  return SYSTEM_TOPICS.has(topic) || topic.startsWith(SYSTEM_TOPIC_PREFIX);
}

export function isNotAllowedSendTopic(topic: string): boolean {
  return NOT_ALLOWED_SEND_TOPICS.has(topic);
}

export function retryTopicOf(group: string): string {
  return RETRY_TOPIC_PREFIX + group;
}

export function dlqTopicOf(group: string): string {
  return DLQ_TOPIC_PREFIX + group;
}
