/**
 * `rocketctl send <topic>`: one message (prints where it was stored), or `--count N` messages with
 * up to `--concurrency` in flight, a progress line and a final throughput figure (the plan is built
 * in send-plan.ts).
 */
import type { SendResult } from '../../client';
import { Producer } from '../../client';
import type { Clock } from '../../stdx';
import { ExitCode } from '../errors';
import { Progress } from '../format/progress';
import { formatBytes, formatCount, formatDuration, formatThroughput, renderKeyValues } from '../format/table';
import type { Output } from '../output';
import { toJson } from '../output';
import type { SignalSource } from '../supervisor/up';
import type { SendPlan } from './send-plan';

export interface SendContext {
  readonly out: Output;
  readonly namesrv: string;
  readonly json: boolean;
  readonly clock: Clock;
  /** Ctrl-C stops a `--count` run early, still printing what was sent. */
  readonly signals: SignalSource;
}

function showResult(r: SendResult): string[] {
  return renderKeyValues([
    ['status', r.sendStatus],
    ['msgId', r.msgId],
    ['offsetMsgId', r.offsetMsgId],
    ['queue', `${r.messageQueue.brokerName}:${r.messageQueue.queueId}`],
    ['queueOffset', r.queueOffset],
  ]);
}

export interface SendTotals {
  sent: number;
  failed: number;
  firstError: string | undefined;
}

/**
 * Sends `plan.count` messages with `plan.concurrency` workers; reports after each completion. Once
 * `stopped()` is true no new send starts (the ones in flight finish).
 */
export async function sendAll(producer: Pick<Producer, 'send'>, plan: SendPlan, onDone: (t: SendTotals) => void, stopped: () => boolean = () => false): Promise<SendTotals> {
  const totals: SendTotals = { sent: 0, failed: 0, firstError: undefined };
  let next = 0;
  const worker = async () => {
    while (next < plan.count && !stopped()) {
      const i = next++;
      try {
        await producer.send(plan.message(i));
        totals.sent++;
      } catch (e) {
        totals.failed++;
        totals.firstError ??= e instanceof Error ? e.message : String(e);
      }
      onDone(totals);
    }
  };
  await Promise.all(Array.from({ length: plan.concurrency }, worker));
  return totals;
}

export async function runSend(plan: SendPlan, ctx: SendContext): Promise<ExitCode> {
  const producer = new Producer({ namesrvAddr: ctx.namesrv, groupName: 'rocketctl-producer' });
  await producer.start();
  try {
    if (plan.count === 1) {
      const result = await producer.send(plan.message(0));
      if (ctx.json) ctx.out.out(toJson(result));
      else showResult(result).forEach((l) => ctx.out.out(l));
      return ExitCode.ok;
    }
    const progress = new Progress(ctx.out.progress, ctx.clock);
    const startMs = ctx.clock.monotonicMs();
    const rate = (done: number) => formatThroughput(done, done * plan.bodyBytes, ctx.clock.monotonicMs() - startMs);
    let interrupted = false;
    const unsubscribe = ctx.signals(() => (interrupted = true));
    let totals: SendTotals;
    try {
      const report = (t: SendTotals) => progress.report(() => `sent ${formatCount(t.sent)}/${formatCount(plan.count)} (${rate(t.sent)})${t.failed > 0 ? `, ${formatCount(t.failed)} failed` : ''}`);
      totals = await sendAll(producer, plan, report, () => interrupted);
    } finally {
      unsubscribe();
    }
    const elapsedMs = ctx.clock.monotonicMs() - startMs;
    progress.finish();
    if (ctx.json) {
      const perS = elapsedMs > 0 ? (totals.sent * 1000) / elapsedMs : undefined;
      ctx.out.out(toJson({ sent: totals.sent, failed: totals.failed, bodyBytes: plan.bodyBytes, elapsedMs: Math.round(elapsedMs), messagesPerSecond: perS === undefined ? null : Math.round(perS), firstError: totals.firstError ?? null }));
    } else {
      ctx.out.out(`sent ${formatCount(totals.sent)} messages of ${formatBytes(plan.bodyBytes)} in ${formatDuration(elapsedMs)}: ${formatThroughput(totals.sent, totals.sent * plan.bodyBytes, elapsedMs)}`);
      if (totals.failed > 0) ctx.out.err(`${formatCount(totals.failed)} sends failed; first error: ${totals.firstError}`);
    }
    if (interrupted) {
      ctx.out.err(`interrupted after ${formatCount(totals.sent + totals.failed)} of ${formatCount(plan.count)} sends`);
      return ExitCode.interrupted;
    }
    return totals.failed > 0 ? ExitCode.failure : ExitCode.ok;
  } finally {
    await producer.shutdown();
  }
}
