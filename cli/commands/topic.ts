/**
 * `rocketctl topic create|update|list|describe|delete`. Settings are resolved from the flags (and,
 * for update, from the topic's current settings) by pure functions; the run functions call the
 * admin API and print.
 */
import { CliError, ExitCode, usageError } from '../errors';
import type { Column } from '../format/table';
import { formatCount, formatTimestamp, renderTable } from '../format/table';
import type { Output } from '../output';
import { toJson } from '../output';
import type { AdminApi, QueueStatus, TopicBrokerEntry, TopicMessageType, TopicSettings, TopicTarget } from './admin-api';
import { TopicMessageTypes } from './admin-api';
import { choiceFlag, intFlag } from './flags';

export const Perm = { INHERIT: 1, WRITE: 2, READ: 4, PRIORITY: 8 } as const;
/** mqadmin's default for new topics. */
export const DEFAULT_TOPIC_QUEUES = 8;
export const MAX_TOPIC_QUEUES = 1024;

export interface TopicFlags {
  readonly queues?: string;
  readonly readQueues?: string;
  readonly writeQueues?: string;
  readonly type?: string;
  readonly perm?: string;
  readonly cluster?: string;
  readonly broker?: string;
}

/** "RW", "R", "W", "r-", "--" or a number 0..7 → permission bits. */
export function parsePerm(text: string): number {
  const t = text.trim();
  if (/^[0-7]$/.test(t)) return Number(t);
  if (!/^[RWXrwx-]{1,3}$/.test(t)) throw usageError(`--perm must be a number 0..7 or letters like RW, R, W, got "${text}"`);
  const upper = t.toUpperCase();
  return (upper.includes('R') ? Perm.READ : 0) | (upper.includes('W') ? Perm.WRITE : 0) | (upper.includes('X') ? Perm.INHERIT : 0);
}

/** Permission bits as RocketMQ tools print them: R/W letters, '-' for a missing one (inherit as X). */
export function permString(perm: number): string {
  return `${perm & Perm.READ ? 'R' : '-'}${perm & Perm.WRITE ? 'W' : '-'}${perm & Perm.INHERIT ? 'X' : ''}`;
}

export function topicTarget(flags: TopicFlags): TopicTarget {
  if (flags.cluster !== undefined && flags.broker !== undefined) throw usageError('use --cluster or --broker, not both');
  if (flags.cluster !== undefined) return { clusterName: flags.cluster };
  if (flags.broker !== undefined) return { brokerName: flags.broker };
  return {};
}

/**
 * The settings to apply. For `create` unspecified flags take the defaults; for `update` they keep
 * the topic's current values (`current`, from its first broker).
 */
export function resolveTopicSettings(flags: TopicFlags, current: TopicBrokerEntry | undefined, currentType: TopicMessageType = 'NORMAL'): TopicSettings {
  const both = flags.queues === undefined ? undefined : intFlag('queues', flags.queues, 0, 1, MAX_TOPIC_QUEUES);
  const readQueueNums = intFlag('read-queues', flags.readQueues, both ?? current?.readQueueNums ?? DEFAULT_TOPIC_QUEUES, 1, MAX_TOPIC_QUEUES);
  const writeQueueNums = intFlag('write-queues', flags.writeQueues, both ?? current?.writeQueueNums ?? DEFAULT_TOPIC_QUEUES, 1, MAX_TOPIC_QUEUES);
  const perm = flags.perm === undefined ? (current?.perm ?? Perm.READ | Perm.WRITE) : parsePerm(flags.perm);
  const messageType = choiceFlag('type', flags.type, TopicMessageTypes, currentType);
  return { readQueueNums, writeQueueNums, perm, messageType };
}

export async function topicCreate(admin: AdminApi, topic: string, flags: TopicFlags, out: Output, mode: 'create' | 'update'): Promise<ExitCode> {
  const target = topicTarget(flags);
  const existing = await admin.topicBrokers(topic);
  if (mode === 'create' && existing.length > 0) throw new CliError(`topic ${topic} already exists (on ${existing.map((b) => b.brokerName).join(', ')}); use "topic update"`);
  if (mode === 'update' && existing.length === 0) throw new CliError(`topic ${topic} does not exist; use "topic create"`);
  const settings = resolveTopicSettings(flags, existing[0]);
  const brokers = await admin.createOrUpdateTopic(topic, settings, target);
  out.out(
    `${mode === 'create' ? 'created' : 'updated'} topic ${topic} on ${brokers.join(', ')}: ` +
      `${settings.readQueueNums} read / ${settings.writeQueueNums} write queues, perm ${permString(settings.perm)}, type ${settings.messageType}`,
  );
  return ExitCode.ok;
}

/** RocketMQ's system topics (MixAll / TopicValidator): hidden from `topic list` unless --all. */
const SYSTEM_TOPICS = new Set([
  'TBW102',
  'SCHEDULE_TOPIC_XXXX',
  'BenchmarkTest',
  'RMQ_SYS_TRANS_HALF_TOPIC',
  'RMQ_SYS_TRACE_TOPIC',
  'RMQ_SYS_TRANS_OP_HALF_TOPIC',
  'TRANS_CHECK_MAX_TIME_TOPIC',
  'SELF_TEST_TOPIC',
  'OFFSET_MOVED_EVENT',
  'CHECKPOINT_TOPIC',
]);
const SYSTEM_PREFIX = /^(%RETRY%|%DLQ%|rmq_sys_|RMQ_SYS_)/;

/** System topics, retry/DLQ topics, and the topics brokers register under their cluster and group names. */
export function isSystemTopicName(topic: string, clusterAndBrokerNames: ReadonlySet<string> = new Set()): boolean {
  return SYSTEM_TOPICS.has(topic) || SYSTEM_PREFIX.test(topic) || clusterAndBrokerNames.has(topic);
}

export async function topicList(admin: AdminApi, out: Output, json: boolean, all: boolean): Promise<ExitCode> {
  let topics = [...(await admin.listTopics())];
  if (!all) {
    const names = await admin.clusterNames();
    const own = new Set([...names.clusters, ...names.brokerNames]);
    topics = topics.filter((t) => !isSystemTopicName(t, own));
  }
  topics.sort();
  if (json) out.out(toJson(topics));
  else topics.forEach((t) => out.out(t));
  return ExitCode.ok;
}

/** Messages a queue holds: max - min, never negative. */
export function queueMessages(q: QueueStatus): number {
  return Math.max(0, q.maxOffset - q.minOffset);
}

export function describeLines(description: { topic: string; brokers: readonly TopicBrokerEntry[]; queues: readonly QueueStatus[] }): string[] {
  const brokerColumns: Column<TopicBrokerEntry>[] = [
    { header: 'BROKER', value: (b) => b.brokerName },
    { header: 'READ', value: (b) => b.readQueueNums },
    { header: 'WRITE', value: (b) => b.writeQueueNums },
    { header: 'PERM', value: (b) => permString(b.perm) },
  ];
  const queues = [...description.queues].sort((a, b) => (a.brokerName === b.brokerName ? a.queueId - b.queueId : a.brokerName < b.brokerName ? -1 : 1));
  const queueColumns: Column<QueueStatus>[] = [
    { header: 'BROKER', value: (q) => q.brokerName },
    { header: 'QUEUE', value: (q) => q.queueId },
    { header: 'MIN', value: (q) => q.minOffset },
    { header: 'MAX', value: (q) => q.maxOffset },
    { header: 'MESSAGES', value: (q) => queueMessages(q) },
    { header: 'LAST STORED', value: (q) => formatTimestamp(q.lastUpdateTimestamp), align: 'left' },
  ];
  const total = queues.reduce((sum, q) => sum + queueMessages(q), 0);
  return [
    `topic ${description.topic}`,
    '',
    ...renderTable(brokerColumns, description.brokers),
    '',
    ...renderTable(queueColumns, queues),
    '',
    `${queues.length} queues, ${formatCount(total)} messages`,
  ];
}

export async function topicDescribe(admin: AdminApi, topic: string, out: Output, json: boolean): Promise<ExitCode> {
  const description = await admin.describeTopic(topic);
  if (json) {
    const total = description.queues.reduce((sum, q) => sum + queueMessages(q), 0);
    out.out(toJson({ ...description, totalMessages: total }));
  } else {
    describeLines(description).forEach((l) => out.out(l));
  }
  return ExitCode.ok;
}

export async function topicDelete(admin: AdminApi, topic: string, out: Output): Promise<ExitCode> {
  const existing = await admin.topicBrokers(topic);
  if (existing.length === 0) throw new CliError(`topic ${topic} does not exist`);
  await admin.deleteTopic(topic);
  out.out(`deleted topic ${topic} from ${existing.map((b) => b.brokerName).join(', ')}`);
  return ExitCode.ok;
}
