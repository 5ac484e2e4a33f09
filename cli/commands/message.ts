/** `rocketctl message show <offsetMsgId>` and `rocketctl message query --topic --key`. */
import type { ReceivedMessage } from '../../client';
import type { Clock } from '../../stdx';
import { ExitCode, usageError } from '../errors';
import type { Column } from '../format/table';
import { bodyPreview, formatTimestamp, renderTable } from '../format/table';
import type { Output } from '../output';
import { toJson } from '../output';
import type { AdminApi, QueryByKey } from './admin-api';
import { intFlag, timeFlag } from './flags';
import { messageDetails, messageJson } from './message-format';

export async function messageShow(admin: AdminApi, offsetMsgId: string, out: Output, json: boolean): Promise<ExitCode> {
  if (!/^[0-9A-Fa-f]{32}$|^[0-9A-Fa-f]{56}$/.test(offsetMsgId)) {
    throw usageError(`"${offsetMsgId}" is not an offset message id (32 hex digits for IPv4 brokers, 56 for IPv6; it is the offsetMsgId of a send result)`);
  }
  const m = await admin.viewMessage(offsetMsgId.toUpperCase());
  if (json) out.out(toJson(messageJson(m)));
  else messageDetails(m).forEach((l) => out.out(l));
  return ExitCode.ok;
}

export interface QueryFlags {
  readonly topic?: string;
  readonly key?: string;
  readonly begin?: string;
  readonly end?: string;
  readonly max?: string;
}

export const DEFAULT_QUERY_MAX = 64;

export function planQuery(flags: QueryFlags, clock: Clock): QueryByKey {
  if (flags.topic === undefined || flags.topic === '') throw usageError('--topic is required');
  if (flags.key === undefined || flags.key === '') throw usageError('--key is required');
  const now = clock.nowMs();
  const beginMs = timeFlag('begin', flags.begin, 0, now);
  const endMs = timeFlag('end', flags.end, now, now);
  if (endMs < beginMs) throw usageError('--end is before --begin');
  return { topic: flags.topic, key: flags.key, beginMs, endMs, maxResults: intFlag('max', flags.max, DEFAULT_QUERY_MAX, 1, 2048) };
}

export function queryLines(messages: readonly ReceivedMessage[]): string[] {
  const sorted = [...messages].sort((a, b) => a.storeTimestamp - b.storeTimestamp);
  const columns: Column<ReceivedMessage>[] = [
    { header: 'STORED', value: (m) => formatTimestamp(m.storeTimestamp) },
    { header: 'QUEUE', value: (m) => `${m.queue.brokerName}:${m.queue.queueId}` },
    { header: 'OFFSET', value: (m) => m.queueOffset },
    { header: 'OFFSET MSG ID', value: (m) => m.offsetMsgId },
    { header: 'TAGS', value: (m) => m.tags },
    { header: 'KEYS', value: (m) => m.keys.join(' ') },
    { header: 'BODY', value: (m) => bodyPreview(m.body, 40) },
  ];
  return [...renderTable(columns, sorted), '', `${sorted.length} message${sorted.length === 1 ? '' : 's'}`];
}

export async function messageQuery(admin: AdminApi, query: QueryByKey, out: Output, json: boolean): Promise<ExitCode> {
  const found = await admin.queryMessageByKey(query);
  if (json) out.out(toJson(found.map(messageJson)));
  else queryLines(found).forEach((l) => out.out(l));
  return ExitCode.ok;
}
