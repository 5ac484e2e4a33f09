/** `rocketctl consume` flags → what to consume and when to stop. Pure. */
import { CliError, ExitCode } from '../errors';
import { choiceFlag, intFlag } from './flags';

export interface ConsumeFlags {
  readonly group?: string;
  readonly tags?: string;
  readonly count?: string;
  readonly from?: string;
  readonly quiet?: boolean;
  readonly timeout?: string;
  readonly broadcast?: boolean;
}

export interface ConsumePlan {
  readonly topic: string;
  readonly group: string;
  readonly tagExpression: string;
  /** undefined = until stopped. */
  readonly count: number | undefined;
  readonly from: 'first' | 'last';
  readonly quiet: boolean;
  readonly timeoutMs: number | undefined;
  readonly broadcast: boolean;
}

export function planConsume(topic: string, flags: ConsumeFlags): ConsumePlan {
  if (flags.group === undefined || flags.group.trim() === '') throw new CliError('--group is required', ExitCode.usage);
  const count = flags.count === undefined ? undefined : intFlag('count', flags.count, 1, 1, Number.MAX_SAFE_INTEGER);
  const timeoutS = flags.timeout === undefined ? undefined : intFlag('timeout', flags.timeout, 0, 1, 86_400);
  return {
    topic,
    group: flags.group,
    tagExpression: flags.tags ?? '*',
    count,
    from: choiceFlag('from', flags.from, ['first', 'last'] as const, 'last'),
    quiet: flags.quiet === true,
    timeoutMs: timeoutS === undefined ? undefined : timeoutS * 1000,
    broadcast: flags.broadcast === true,
  };
}
