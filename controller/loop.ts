/**
 * The controller loop: each tick observes every group, runs the pure reconcile step, saves the
 * decision (compare-and-set) and only then sends the actions, in order, stopping at the first
 * failure. It keeps no decision in memory that is not in the store, so dropping a loop at any
 * point and starting another from the same store is always safe. No I/O of its own: everything
 * goes through the ports; the host logs the events.
 */
import { EventEmitter } from 'node:events';
import type { Clock, Result } from '../stdx';
import { assert, err } from '../stdx';
import { validateInvariants, validateState, validateTransition } from './invariants';
import type { ControllerPorts, StoredGroupState, Timers } from './ports';
import { systemTimers } from './ports';
import type { IntentOutcome, Reconciliation } from './reconcile';
import { reconcileGroup } from './reconcile';
import type { BrokerObservation, ControllerAction, ControllerIntent, ControllerNote, ControllerPolicy, GroupObservation, GroupState } from './types';
import { defaultControllerPolicy } from './types';

/** Limits (STYLE habit 5): a host reporting more is misconfigured, not a big cluster. */
export const MAX_GROUPS = 1024;
export const MAX_REPLICAS_PER_GROUP = 32;

export interface ControllerLoopOptions {
  readonly clock: Clock;
  readonly intervalMs: number;
  readonly policy?: Partial<ControllerPolicy>;
  readonly timers?: Timers;
}

export interface GroupTickReport {
  readonly group: string;
  readonly changed: boolean;
  /** The decision could not be saved (a lost compare-and-set race, or the store failed); nothing was sent. */
  readonly conflict: boolean;
  readonly actionsSent: number;
  readonly actionFailed: boolean;
  readonly state: GroupState | null;
}

export interface TickReport {
  readonly atMs: number;
  readonly groups: readonly GroupTickReport[];
}

export interface ControllerLoopEvents {
  /** A new decision was saved. */
  decision: [group: string, from: GroupState | null, to: GroupState];
  /** A note that was not already reported on the previous tick. */
  note: [group: string, note: ControllerNote];
  action: [action: ControllerAction, result: Result<void, string>];
  conflict: [group: string, reason: string];
  /** Brokers report something the rules forbid (the step repairs it); once per episode. */
  violation: [group: string, problem: string];
  /** A port threw or failed; the group (or the whole tick) is retried next time. */
  failure: [where: 'observe' | 'load' | 'save', group: string | null, message: string];
  tick: [report: TickReport];
}

interface QueuedIntent {
  readonly intent: ControllerIntent;
  readonly resolve: (outcome: IntentOutcome) => void;
}

export class ControllerLoop extends EventEmitter<ControllerLoopEvents> {
  private readonly policy: ControllerPolicy;
  private readonly timers: Timers;
  private readonly lastSeenMs = new Map<string, number>();
  private readonly lastReported = new Map<string, Set<string>>();
  private readonly intents = new Map<string, QueuedIntent>();
  private firstTickMs: number | null = null;
  private running: Promise<TickReport> | null = null;
  private timer: unknown = null;
  private started = false;
  /** Set by stop() until the next start(): no tick will come to settle a new request. */
  private stopped = false;

  constructor(
    private readonly ports: ControllerPorts,
    private readonly options: ControllerLoopOptions,
  ) {
    super();
    assert(options.intervalMs > 0, 'intervalMs must be positive');
    this.policy = { ...defaultControllerPolicy, ...options.policy };
    this.timers = options.timers ?? systemTimers;
  }

  /** Ticks now and then every `intervalMs` after the previous tick ends. */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.stopped = false;
    this.schedule(0);
  }

  /** Stops scheduling, waits for a tick in progress, refuses queued requests. */
  async stop(): Promise<void> {
    this.started = false;
    this.stopped = true;
    if (this.timer !== null) this.timers.clearTimeout(this.timer);
    this.timer = null;
    if (this.running !== null) await this.running.catch(() => undefined);
    for (const [group, q] of this.intents) {
      this.intents.delete(group);
      q.resolve({ accepted: false, reason: 'the controller stopped' });
    }
  }

  /** Asks for a switchover; settles once the next tick records it (or refuses it). */
  requestSwitchover(group: string, targetId?: string): Promise<IntentOutcome> {
    return this.request(group, targetId === undefined ? { kind: 'switchover' } : { kind: 'switchover', targetId });
  }

  /** Asks for a failover away from the current master, alive or not. */
  requestFailover(group: string): Promise<IntentOutcome> {
    return this.request(group, { kind: 'failover' });
  }

  private request(group: string, intent: ControllerIntent): Promise<IntentOutcome> {
    if (this.stopped) return Promise.resolve({ accepted: false, reason: 'the controller stopped' });
    if (this.intents.has(group)) return Promise.resolve({ accepted: false, reason: `another request for ${group} is waiting` });
    return new Promise((resolve) => this.intents.set(group, { intent, resolve }));
  }

  /** One pass over every group. Concurrent calls share the pass in progress. */
  tick(): Promise<TickReport> {
    if (this.running === null) {
      this.running = this.runTick().finally(() => {
        this.running = null;
      });
    }
    return this.running;
  }

  private schedule(delayMs: number): void {
    if (!this.started) return;
    this.timer = this.timers.setTimeout(() => {
      this.timer = null;
      void this.tick().finally(() => this.schedule(this.options.intervalMs));
    }, delayMs);
  }

  private async runTick(): Promise<TickReport> {
    const atMs = this.options.clock.nowMs();
    this.firstTickMs ??= atMs;
    let observed: readonly GroupObservation[];
    try {
      observed = await this.ports.observe();
    } catch (e) {
      this.emit('failure', 'observe', null, messageOf(e));
      return this.finish({ atMs, groups: [] });
    }
    assert(observed.length <= MAX_GROUPS, `observe returned ${observed.length} groups, limit ${MAX_GROUPS}`);
    const groups: GroupTickReport[] = [];
    for (const g of observed) groups.push(await this.reconcileOne(g, this.options.clock.nowMs()));
    this.rejectIntentsForUnknownGroups(observed);
    return this.finish({ atMs, groups });
  }

  private finish(report: TickReport): TickReport {
    this.emit('tick', report);
    return report;
  }

  private async reconcileOne(g: GroupObservation, nowMs: number): Promise<GroupTickReport> {
    assert(g.brokers.length <= MAX_REPLICAS_PER_GROUP, `group ${g.group} has ${g.brokers.length} replicas, limit ${MAX_REPLICAS_PER_GROUP}`);
    const brokers = this.withLastSeen(g, nowMs);
    const idle = { group: g.group, changed: false, conflict: false, actionsSent: 0, actionFailed: false, state: null };
    let loaded: StoredGroupState | null;
    try {
      loaded = await this.ports.store.load(g.group);
    } catch (e) {
      this.emit('failure', 'load', g.group, messageOf(e));
      return idle;
    }
    const prev = loaded?.state ?? null;
    const unusable = prev === null ? [] : [...validateState(prev), ...(prev.group === g.group ? [] : [`it belongs to group ${prev.group}`])];
    if (unusable.length > 0) {
      // Someone edited the record by hand: deciding from it could break the rules, so wait.
      this.emit('failure', 'load', g.group, `stored state is not usable: ${unusable.join('; ')}`);
      return idle;
    }
    this.reportViolations(g.group, validateInvariants(prev, brokers));
    const queued = this.intents.get(g.group);
    const r = reconcileGroup({ group: g.group, state: prev, brokers, nowMs, policy: this.policy, intent: queued?.intent ?? null });
    this.reportNotes(g.group, r.notes);
    if (r.changed) {
      const saved = await this.save(g.group, loaded?.version ?? null, prev, r);
      if (!saved) return { ...idle, changed: true, conflict: true, state: prev };
    }
    this.settleIntent(g.group, queued, r);
    const sent = await this.sendActions(r.actions);
    return { group: g.group, changed: r.changed, conflict: false, actionsSent: sent.count, actionFailed: sent.failed, state: r.state };
  }

  /** Saves a decision; false when the compare-and-set lost or the store failed (retry next tick). */
  private async save(group: string, version: string | null, prev: GroupState | null, r: Reconciliation): Promise<boolean> {
    const problems = validateTransition(prev, r.state);
    assert(problems.length === 0, `controller would record a forbidden transition for ${group}: ${problems.join('; ')}`);
    try {
      const outcome = await this.ports.store.save(group, version, r.state);
      if (outcome.kind === 'conflict') {
        this.emit('conflict', group, outcome.reason ?? 'the stored state changed');
        return false;
      }
    } catch (e) {
      this.emit('failure', 'save', group, messageOf(e));
      return false;
    }
    this.emit('decision', group, prev, r.state);
    return true;
  }

  private async sendActions(actions: readonly ControllerAction[]): Promise<{ count: number; failed: boolean }> {
    let count = 0;
    for (const action of actions) {
      let result: Result<void, string>;
      try {
        result = await this.ports.act(action);
      } catch (e) {
        result = err(messageOf(e));
      }
      count += 1;
      this.emit('action', action, result);
      // Later actions assume earlier ones landed (demote before promote before re-point).
      if (!result.ok) return { count, failed: true };
    }
    return { count, failed: false };
  }

  private settleIntent(group: string, queued: QueuedIntent | undefined, r: Reconciliation): void {
    if (queued === undefined || r.intent === undefined) return;
    this.intents.delete(group);
    queued.resolve(r.intent);
  }

  private rejectIntentsForUnknownGroups(observed: readonly GroupObservation[]): void {
    const known = new Set(observed.map((g) => g.group));
    for (const [group, q] of this.intents) {
      if (known.has(group)) continue;
      this.intents.delete(group);
      q.resolve({ accepted: false, reason: `unknown group ${group}` });
    }
  }

  /** Fills in when unreachable brokers were last seen, from this loop's own observations. */
  private withLastSeen(g: GroupObservation, nowMs: number): BrokerObservation[] {
    return g.brokers.map((b) => {
      const key = `${g.group}\u0000${b.replicaId}`;
      if (b.reachable) {
        this.lastSeenMs.set(key, nowMs);
        return b;
      }
      const seen = this.lastSeenMs.get(key);
      // Never seen by this loop and the host does not know either: count from the first tick,
      // so a restarted controller waits the full masterDownAfterMs before failing over.
      const lastSeenMs = b.lastSeenMs !== undefined ? Math.max(b.lastSeenMs, seen ?? b.lastSeenMs) : (seen ?? this.firstTickMs ?? nowMs);
      return { ...b, lastSeenMs };
    });
  }

  /** Emits notes not already emitted on the previous tick (a waiting state repeats every tick). */
  private reportNotes(group: string, notes: readonly ControllerNote[]): void {
    for (const n of this.fresh(`note\u0000${group}`, notes, (x) => `${x.kind}\u0000${x.message}`)) this.emit('note', group, n);
  }

  private reportViolations(group: string, problems: readonly string[]): void {
    for (const p of this.fresh(`violation\u0000${group}`, problems, (x) => x)) this.emit('violation', group, p);
  }

  /** The items whose key was not among the previous call's for `channel`. */
  private fresh<T>(channel: string, items: readonly T[], keyOf: (item: T) => string): T[] {
    const previous = this.lastReported.get(channel) ?? new Set<string>();
    const current = new Set(items.map(keyOf));
    this.lastReported.set(channel, current);
    return items.filter((item) => !previous.has(keyOf(item)));
  }
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
