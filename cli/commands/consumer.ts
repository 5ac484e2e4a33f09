/** `rocketctl consumer progress <group>`: per-queue broker and committed offsets, lag, and the total. */
import { ExitCode } from '../errors';
import type { Column } from '../format/table';
import { formatCount, formatTimestamp, renderTable } from '../format/table';
import type { Output } from '../output';
import { toJson } from '../output';
import type { AdminApi, ConsumerProgress, QueueProgress } from './admin-api';

/** Messages the group has not consumed from a queue; a group without a committed offset lags by the whole queue. */
export function queueLag(q: QueueProgress): number {
  return Math.max(0, q.brokerOffset - Math.max(0, q.consumerOffset));
}

export function totalLag(progress: ConsumerProgress): number {
  return progress.queues.reduce((sum, q) => sum + queueLag(q), 0);
}

function sortQueues(queues: readonly QueueProgress[]): QueueProgress[] {
  return [...queues].sort((a, b) => (a.topic !== b.topic ? (a.topic < b.topic ? -1 : 1) : a.brokerName !== b.brokerName ? (a.brokerName < b.brokerName ? -1 : 1) : a.queueId - b.queueId));
}

export function progressLines(progress: ConsumerProgress): string[] {
  const columns: Column<QueueProgress>[] = [
    { header: 'TOPIC', value: (q) => q.topic },
    { header: 'BROKER', value: (q) => q.brokerName },
    { header: 'QUEUE', value: (q) => q.queueId },
    { header: 'BROKER OFFSET', value: (q) => q.brokerOffset },
    { header: 'CONSUMER OFFSET', value: (q) => (q.consumerOffset < 0 ? '-' : q.consumerOffset), align: 'right' },
    { header: 'LAG', value: queueLag },
    { header: 'LAST CONSUMED', value: (q) => formatTimestamp(q.lastTimestamp), align: 'left' },
  ];
  const tps = progress.consumeTps === undefined ? '' : `, ${progress.consumeTps.toFixed(1)} msg/s`;
  return [...renderTable(columns, sortQueues(progress.queues)), '', `group ${progress.group}: total lag ${formatCount(totalLag(progress))}${tps}`];
}

export async function consumerProgressShow(admin: AdminApi, group: string, out: Output, json: boolean): Promise<ExitCode> {
  const progress = await admin.consumerProgress(group);
  if (json) {
    out.out(toJson({ group: progress.group, consumeTps: progress.consumeTps ?? null, totalLag: totalLag(progress), queues: sortQueues(progress.queues).map((q) => ({ ...q, lag: queueLag(q) })) }));
  } else {
    progressLines(progress).forEach((l) => out.out(l));
  }
  return ExitCode.ok;
}
