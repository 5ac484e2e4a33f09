/**
 * What to do when a child exits without being asked to. `never`: the cluster is stopped and `up`
 * exits non-zero (the default: a local cluster that silently lost a process is worse than one that
 * stops and says why). `on-failure`: restart with exponential backoff, giving up when the process
 * keeps dying (more than `maxRestarts` within `windowMs`). Pure.
 */

export const RestartPolicies = ['never', 'on-failure'] as const;
export type RestartPolicy = (typeof RestartPolicies)[number];

export interface RestartLimits {
  readonly maxRestarts: number;
  readonly windowMs: number;
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
}

export const DEFAULT_RESTART_LIMITS: RestartLimits = { maxRestarts: 5, windowMs: 60_000, initialDelayMs: 500, maxDelayMs: 10_000 };

export type RestartDecision =
  | { readonly restart: true; readonly delayMs: number; readonly attempt: number }
  | { readonly restart: false; readonly reason: string };

/**
 * `recentRestartsMs`: monotonic times of this process's earlier restarts. The delay doubles with
 * each restart still inside the window, so a crash loop slows down before it gives up.
 */
export function decideRestart(policy: RestartPolicy, recentRestartsMs: readonly number[], nowMs: number, limits = DEFAULT_RESTART_LIMITS): RestartDecision {
  if (policy === 'never') return { restart: false, reason: 'restart policy is "never"' };
  const inWindow = recentRestartsMs.filter((t) => nowMs - t < limits.windowMs).length;
  if (inWindow >= limits.maxRestarts) {
    return { restart: false, reason: `restarted ${inWindow} times within ${Math.round(limits.windowMs / 1000)} s` };
  }
  const delayMs = Math.min(limits.maxDelayMs, limits.initialDelayMs * 2 ** inWindow);
  return { restart: true, delayMs, attempt: inWindow + 1 };
}
