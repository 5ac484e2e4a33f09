/**
 * TopicConfig values: construction with RocketMQ's defaults, validation of configs that come from
 * outside (admin requests, topics.json), the system topics a broker registers at start, and the JSON
 * form (fastjson's alphabetical field order, so files and bodies look like a Java broker's).
 */
import type { TopicConfig } from '../../protocol';
import { PERM_INHERIT, PERM_READ, PERM_WRITE } from '../../protocol';
import { SystemTopic, isSystemTopic as isBuiltInSystemTopic, validateTopicName } from '../../message';
import type { Result } from '../../stdx';
import { err, ok } from '../../stdx';
import { validateAttributes } from './topic-attributes';

export const TopicFilterType = { SINGLE_TAG: 'SINGLE_TAG', MULTI_TAG: 'MULTI_TAG' } as const;

/** RocketMQ's TopicConfig default queue counts. */
export const DEFAULT_QUEUE_NUMS = 16;
/** A bound on queues per topic; RocketMQ's largest built-in topic (BenchmarkTest) has 1024. */
export const MAX_QUEUE_NUMS = 65_536;
const PERM_RW = PERM_READ | PERM_WRITE;
const PERM_ALL = 0xf;
/** RocketMQ names the request-reply topic of a cluster `<cluster>_REPLY_TOPIC`. */
export const REPLY_TOPIC_SUFFIX = '_REPLY_TOPIC';

export interface TopicInit {
  readonly readQueueNums?: number;
  readonly writeQueueNums?: number;
  readonly perm?: number;
  readonly topicFilterType?: string;
  readonly topicSysFlag?: number;
  readonly order?: boolean;
  readonly attributes?: Readonly<Record<string, string>>;
}

/** A frozen TopicConfig with fields in fastjson order. */
export function makeTopicConfig(topicName: string, init: TopicInit = {}): TopicConfig {
  return Object.freeze({
    attributes: Object.freeze({ ...(init.attributes ?? {}) }) as Record<string, string>,
    order: init.order ?? false,
    perm: init.perm ?? PERM_RW,
    readQueueNums: init.readQueueNums ?? DEFAULT_QUEUE_NUMS,
    topicFilterType: init.topicFilterType ?? TopicFilterType.SINGLE_TAG,
    topicName,
    topicSysFlag: init.topicSysFlag ?? 0,
    writeQueueNums: init.writeQueueNums ?? DEFAULT_QUEUE_NUMS,
  });
}

function checkInt(problems: string[], name: string, value: unknown, min: number, max: number): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    problems.push(`${name} must be an integer in ${min}..${max}, got ${JSON.stringify(value)}`);
  }
}

/** Every problem of a config, joined; ok when it may be stored. */
export function validateTopicConfig(c: TopicConfig): Result<void, string> {
  const problems: string[] = [];
  const name = validateTopicName(c.topicName);
  if (!name.ok) problems.push(name.error);
  checkInt(problems, 'readQueueNums', c.readQueueNums, 0, MAX_QUEUE_NUMS);
  checkInt(problems, 'writeQueueNums', c.writeQueueNums, 0, MAX_QUEUE_NUMS);
  if (problems.length === 0 && c.readQueueNums + c.writeQueueNums === 0) problems.push('a topic needs at least one read or write queue');
  checkInt(problems, 'perm', c.perm, 0, PERM_ALL);
  checkInt(problems, 'topicSysFlag', c.topicSysFlag, 0, 0x7fff_ffff);
  if (c.topicFilterType !== TopicFilterType.SINGLE_TAG && c.topicFilterType !== TopicFilterType.MULTI_TAG) {
    problems.push(`topicFilterType must be SINGLE_TAG or MULTI_TAG, got ${JSON.stringify(c.topicFilterType)}`);
  }
  if (typeof c.order !== 'boolean') problems.push('order must be a boolean');
  const attributes = validateAttributes(c.attributes);
  if (!attributes.ok) problems.push(attributes.error);
  return problems.length === 0 ? ok(undefined) : err(`topic ${JSON.stringify(c.topicName)}: ${problems.join('; ')}`);
}

/** Reads one topics.json entry; `key` is the table key, which must match the topic name. */
export function topicConfigFromJson(key: string, value: unknown): Result<TopicConfig, string> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return err(`topic ${JSON.stringify(key)}: not an object`);
  const o = value as Record<string, unknown>;
  const topicName = o.topicName ?? key;
  if (topicName !== key) return err(`topic ${JSON.stringify(key)}: topicName ${JSON.stringify(topicName)} differs from its key`);
  const attributes = o.attributes ?? {};
  if (typeof attributes !== 'object' || attributes === null || Array.isArray(attributes) || Object.values(attributes).some((v) => typeof v !== 'string')) {
    return err(`topic ${JSON.stringify(key)}: attributes must map strings to strings`);
  }
  const config = makeTopicConfig(key, {
    readQueueNums: o.readQueueNums as number | undefined,
    writeQueueNums: o.writeQueueNums as number | undefined,
    perm: o.perm as number | undefined,
    topicFilterType: o.topicFilterType as string | undefined,
    topicSysFlag: o.topicSysFlag as number | undefined,
    order: o.order as boolean | undefined,
    attributes: attributes as Record<string, string>,
  });
  const valid = validateTopicConfig(config);
  return valid.ok ? ok(config) : valid;
}

export interface SystemTopicOptions {
  readonly brokerClusterName: string;
  readonly brokerName: string;
  readonly autoCreateTopicEnable: boolean;
  /** Queues of TBW102. */
  readonly defaultTopicQueueNums: number;
}

/** The topics a RocketMQ broker registers at start (TopicConfigManager's constructor). */
export function systemTopicConfigs(o: SystemTopicOptions): TopicConfig[] {
  const one = { readQueueNums: 1, writeQueueNums: 1 };
  const configs = [
    makeTopicConfig(SystemTopic.SELF_TEST, one),
    makeTopicConfig(SystemTopic.BENCHMARK, { readQueueNums: 1024, writeQueueNums: 1024 }),
    // Cluster and broker-name topics let clients send to "any broker of the cluster" / "this broker".
    makeTopicConfig(o.brokerClusterName, { perm: PERM_INHERIT | PERM_RW }),
    makeTopicConfig(o.brokerName, { ...one, perm: PERM_INHERIT | PERM_RW }),
    makeTopicConfig(SystemTopic.OFFSET_MOVED_EVENT, one),
    // One queue per delay level (18 by default).
    makeTopicConfig(SystemTopic.SCHEDULE, { readQueueNums: 18, writeQueueNums: 18 }),
    makeTopicConfig(o.brokerClusterName + REPLY_TOPIC_SUFFIX, one),
  ];
  if (o.autoCreateTopicEnable) {
    // The auto-create template: INHERIT tells clients and the send path that new topics may copy it.
    configs.push(makeTopicConfig(SystemTopic.AUTO_CREATE, {
      readQueueNums: o.defaultTopicQueueNums,
      writeQueueNums: o.defaultTopicQueueNums,
      perm: PERM_INHERIT | PERM_RW,
    }));
  }
  return configs;
}

/** Built-in system topics plus this broker's cluster, name and reply topics. */
export function isSystemTopicOf(o: Pick<SystemTopicOptions, 'brokerClusterName' | 'brokerName'>, topic: string): boolean {
  return isBuiltInSystemTopic(topic) || topic === o.brokerClusterName || topic === o.brokerName || topic === o.brokerClusterName + REPLY_TOPIC_SUFFIX;
}

/** `{"<topic>":{...},...}` in the given (sorted) order; keys are written as data, never as object properties. */
export function topicTableJson(configs: Iterable<TopicConfig>): string {
  const parts: string[] = [];
  for (const c of configs) parts.push(`${JSON.stringify(c.topicName)}:${JSON.stringify(c)}`);
  return `{${parts.join(',')}}`;
}
