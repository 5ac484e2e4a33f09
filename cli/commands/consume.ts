/**
 * `rocketctl consume <topic> --group <g>`: joins the group as a push consumer and prints each
 * message (a line, or a JSON object per line with `--json`), or only counts with `--quiet`. Exits
 * after `--count N` messages, on Ctrl-C, or (with `--timeout`) when time runs out. Messages are
 * handled one at a time, so the printed order is the delivery order and nothing past the N-th
 * message is acknowledged: the group's committed offsets stop right after what was printed.
 */
import type { ReceivedMessage } from '../../client';
import { PushConsumer } from '../../client';
import type { Clock } from '../../stdx';
import { ExitCode } from '../errors';
import { Progress } from '../format/progress';
import { formatCount, formatDuration, formatThroughput } from '../format/table';
import type { Output } from '../output';
import type { SignalSource } from '../supervisor/up';
import type { ConsumePlan } from './consume-plan';
import { messageJson, messageLine } from './message-format';

export interface ConsumeContext {
  readonly out: Output;
  readonly namesrv: string;
  readonly json: boolean;
  readonly clock: Clock;
  readonly signals: SignalSource;
}

/** Why consuming ended. */
type Stop = 'count' | 'signal' | 'timeout';

export async function runConsume(plan: ConsumePlan, ctx: ConsumeContext): Promise<ExitCode> {
  const consumer = new PushConsumer({
    namesrvAddr: ctx.namesrv,
    groupName: plan.group,
    consumeFromWhere: plan.from,
    consumeConcurrency: 1,
    messageModel: plan.broadcast ? 'broadcasting' : 'clustering',
  });
  const progress = new Progress(ctx.out.progress, ctx.clock);
  let received = 0;
  let bytes = 0;
  let stop: (why: Stop) => void = () => undefined;
  const stopped = new Promise<Stop>((resolve) => (stop = resolve));
  let done = false;
  const warnings = new Set<string>();
  consumer.on('warning', (e) => {
    // Background failures repeat (every pull, every heartbeat); show each distinct one once.
    if (warnings.size < 20 && !warnings.has(e.message)) {
      warnings.add(e.message);
      progress.log(`warning: ${e.message}`);
    }
  });
  const startMs = ctx.clock.monotonicMs();
  consumer.subscribe(plan.topic, plan.tagExpression, (m: ReceivedMessage) => {
    // Past the last wanted message: refuse it, so it is neither printed nor acknowledged.
    if (done) throw new Error('rocketctl consume is stopping');
    received++;
    bytes += m.body.length;
    if (!plan.quiet) {
      ctx.out.out(ctx.json ? JSON.stringify(messageJson(m)) : messageLine(m));
    } else {
      progress.report(() => `received ${formatCount(received)} (${formatThroughput(received, bytes, ctx.clock.monotonicMs() - startMs)})`);
    }
    if (plan.count !== undefined && received >= plan.count) {
      done = true;
      stop('count');
    }
  });
  const unsubscribe = ctx.signals(() => {
    done = true;
    stop('signal');
  });
  const timer = plan.timeoutMs === undefined ? undefined : setTimeout(() => stop('timeout'), plan.timeoutMs);
  try {
    await consumer.start();
    const why = await stopped;
    done = true;
    const elapsedMs = ctx.clock.monotonicMs() - startMs;
    progress.finish();
    if (plan.quiet || !ctx.json) {
      const summary = `received ${formatCount(received)} messages in ${formatDuration(elapsedMs)} (${formatThroughput(received, bytes, elapsedMs)})`;
      if (plan.quiet) ctx.out.out(summary);
      else ctx.out.err(summary);
    }
    if (why === 'timeout') {
      ctx.out.err(`timed out: received ${formatCount(received)} of ${plan.count === undefined ? 'unbounded' : formatCount(plan.count)} messages`);
      return plan.count === undefined ? ExitCode.ok : ExitCode.failure;
    }
    return ExitCode.ok;
  } finally {
    if (timer !== undefined) clearTimeout(timer);
    unsubscribe();
    await consumer.shutdown();
  }
}
