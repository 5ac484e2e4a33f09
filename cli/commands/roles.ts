/**
 * `rocketctl switchover <group> [--to <broker>]` and `rocketctl failover <group>`: ask the controller
 * of a running `rocketctl up` (never the brokers directly: the controller's record decides roles),
 * follow its events as progress, and print the group's roles once the new master takes writes.
 * The judging of progress and the tables are pure; `runRoleChange` does the polling.
 */
import type { BrokerObservation } from '../../controller';
import type { Clock } from '../../stdx';
import type { ControlEvent, GroupView, RoleIntentKind } from '../controller-host';
import { CliError, ExitCode } from '../errors';
import { renderTable } from '../format/table';
import type { Output } from '../output';
import { toJson } from '../output';
import type { ControlApi } from './control-client';

export interface RoleChangeRequest {
  readonly kind: RoleIntentKind;
  readonly group: string;
  /** Switchover only: replica name or remoting address. */
  readonly to?: string;
  readonly timeoutMs: number;
}

export interface MasterRef {
  readonly masterId: string;
  readonly epoch: number;
}

export type RoleChangeProgress =
  | { readonly kind: 'waiting'; readonly detail: string }
  /** `settled`: every other reachable replica follows the new master at its epoch. */
  | { readonly kind: 'done'; readonly master: MasterRef; readonly settled: boolean }
  | { readonly kind: 'failed'; readonly reason: string };

/** A switchover target given as a replica name or as its remoting address → the replica name. */
export function resolveTarget(to: string, view: Pick<GroupView, 'group' | 'replicas'>): string {
  const r = view.replicas.find((x) => x.replicaId === to || x.address === to);
  if (r === undefined) throw new CliError(`${to} is not a broker of ${view.group} (its brokers: ${view.replicas.map((x) => `${x.replicaId} ${x.address}`).join(', ')})`);
  return r.replicaId;
}

function serving(view: GroupView, masterId: string, epoch: number): boolean {
  const m = view.observed.find((b) => b.replicaId === masterId);
  return m?.reachable === true && m.role === 'master' && !m.fenced && m.epoch === epoch;
}

/** Where a requested change stands, from the controller's view and the events seen since the request. */
export function judgeRoleChange(kind: RoleIntentKind, before: MasterRef, targetId: string | undefined, view: GroupView, events: readonly ControlEvent[]): RoleChangeProgress {
  const s = view.state;
  if (s === null) return { kind: 'failed', reason: 'the controller has no record of the group' };
  if (s.epoch === before.epoch && s.masterId === before.masterId) {
    if (s.pending !== null) return { kind: 'waiting', detail: `${s.pending.fromId} fenced; waiting for ${s.pending.toId} to hold everything it has` };
    if (kind === 'failover') return { kind: 'waiting', detail: 'waiting for the controller to record the failover' };
    const aborted = [...events].reverse().find((e) => e.kind === 'switchover-aborted');
    return { kind: 'failed', reason: aborted?.message ?? `the switchover was abandoned; ${before.masterId} is still master at epoch ${before.epoch}` };
  }
  if (s.masterId === null || s.masterId === before.masterId) return { kind: 'failed', reason: `the controller kept ${s.masterId ?? 'no broker'} as master, now at epoch ${s.epoch}` };
  if (targetId !== undefined && s.masterId !== targetId) return { kind: 'failed', reason: `${s.masterId} became master at epoch ${s.epoch}, not ${targetId}` };
  if (!serving(view, s.masterId, s.epoch)) return { kind: 'waiting', detail: `${s.masterId} is recorded master at epoch ${s.epoch}; waiting for it to take writes` };
  const settled = view.observed.every((b) => b.replicaId === s.masterId || !b.reachable || (b.role === 'slave' && b.epoch === s.epoch));
  return { kind: 'done', master: { masterId: s.masterId, epoch: s.epoch }, settled };
}

/**
 * Why no replica (or not the named one) can take over, judged from the controller's own view before
 * asking it: only a reachable member of the recorded in-sync set may become master. The controller
 * checks again when it acts; this is for a clear message, not a decision.
 */
export function eligibilityProblem(view: GroupView, targetId: string | undefined): string | undefined {
  const s = view.state;
  if (s === null || s.masterId === null) return undefined;
  const why = (replicaId: string): string | undefined => {
    const b = view.observed.find((x) => x.replicaId === replicaId);
    if (b === undefined) return undefined;
    if (!b.reachable) return `${replicaId} is unreachable`;
    if (!s.inSyncReplicaIds.includes(replicaId)) return `${replicaId} is not in sync (in-sync set: ${s.inSyncReplicaIds.join(', ')})`;
    return undefined;
  };
  if (targetId !== undefined) {
    const problem = why(targetId);
    return problem === undefined ? undefined : `${targetId} cannot take over: ${problem}`;
  }
  const others = view.replicas.map((r) => r.replicaId).filter((id) => id !== s.masterId);
  const problems = others.map(why);
  if (others.length > 0 && problems.every((p) => p !== undefined)) return `no eligible target: ${problems.join('; ')}`;
  return undefined;
}

export interface RoleRow {
  readonly replicaId: string;
  readonly role: string;
  readonly epoch?: number;
  readonly address: string;
  readonly maxCommitLogOffset?: number;
  readonly confirmedOffset?: number;
  readonly lagBytes?: number;
  readonly inSync: boolean;
}

function roleText(b: BrokerObservation | undefined): string {
  if (b === undefined) return 'unknown';
  if (!b.reachable) return 'unreachable';
  return b.role === 'master' && b.fenced ? 'master (fenced)' : b.role;
}

/** Each replica of the group as last observed, with its lag behind the recorded master and its in-sync membership. */
export function roleRows(view: GroupView): RoleRow[] {
  const masterId = view.state?.masterId ?? null;
  const master = view.observed.find((b) => b.replicaId === masterId);
  const masterMax = master?.reachable === true ? master.maxCommitLogOffset : undefined;
  const inSync = new Set(view.state?.inSyncReplicaIds ?? []);
  if (master?.reachable === true && master.inSyncReplicaIds !== undefined) master.inSyncReplicaIds.forEach((id) => inSync.add(id));
  return view.replicas.map((r) => {
    const b = view.observed.find((x) => x.replicaId === r.replicaId);
    const seen = b?.reachable === true ? b : undefined;
    return {
      replicaId: r.replicaId,
      role: roleText(b),
      address: r.address,
      inSync: inSync.has(r.replicaId),
      ...(seen !== undefined ? { epoch: seen.epoch, maxCommitLogOffset: seen.maxCommitLogOffset } : {}),
      ...(seen?.confirmedOffset !== undefined ? { confirmedOffset: seen.confirmedOffset } : {}),
      ...(seen !== undefined && masterMax !== undefined ? { lagBytes: Math.max(0, masterMax - seen.maxCommitLogOffset) } : {}),
    };
  });
}

export function roleLines(view: GroupView): string[] {
  return renderTable<RoleRow>(
    [
      { header: 'BROKER', value: (r) => r.replicaId },
      { header: 'ROLE', value: (r) => r.role },
      { header: 'EPOCH', value: (r) => r.epoch, align: 'right' },
      { header: 'ADDRESS', value: (r) => r.address },
      { header: 'MAX OFFSET', value: (r) => r.maxCommitLogOffset, align: 'right' },
      { header: 'CONFIRMED', value: (r) => r.confirmedOffset, align: 'right' },
      { header: 'LAG', value: (r) => r.lagBytes, align: 'right' },
      { header: 'IN SYNC', value: (r) => (r.inSync ? 'yes' : 'no') },
    ],
    roleRows(view),
  );
}

export interface RoleChangeDeps {
  readonly out: Output;
  readonly clock: Clock;
  readonly json: boolean;
  readonly pollMs?: number;
}

/** After the new master takes writes, how long to wait for the others to follow it before printing. */
const SETTLE_MS = 5_000;
const DEFAULT_POLL_MS = 100;

function describeTarget(kind: RoleIntentKind, targetId: string | undefined): string {
  return targetId ?? (kind === 'switchover' ? 'the most advanced in-sync slave' : 'the best in-sync slave');
}

async function firstView(api: ControlApi, group: string): Promise<GroupView> {
  const view = await api.view(group, 0);
  if (view !== undefined) return view;
  const groups = await api.groups();
  throw new CliError(`unknown group ${group} (the controller manages: ${groups.join(', ') || 'none'})`);
}

export async function runRoleChange(api: ControlApi, req: RoleChangeRequest, deps: RoleChangeDeps): Promise<ExitCode> {
  const { out, clock } = deps;
  const first = await firstView(api, req.group);
  const recorded = first.state;
  if (recorded?.masterId == null) throw new CliError(`${req.group} has no master yet; wait for the controller's first election`);
  const before: MasterRef = { masterId: recorded.masterId, epoch: recorded.epoch };
  const targetId = req.to === undefined ? undefined : resolveTarget(req.to, first);
  if (targetId === before.masterId) throw new CliError(`${targetId} is already the master of ${req.group}`);
  const problem = eligibilityProblem(first, targetId);
  if (problem !== undefined) throw new CliError(`${req.kind} of ${req.group} impossible: ${problem}`);
  out.err(`${req.kind} ${req.group}: master ${before.masterId} (epoch ${before.epoch}) -> ${describeTarget(req.kind, targetId)}`);
  const startedMs = clock.nowMs();
  const reply = await api.request(req.group, req.kind, targetId);
  if (!reply.accepted) throw new CliError(`${req.kind} of ${req.group} refused: ${reply.reason}`);
  out.err(`controller: ${reply.reason}`);
  let lastPrinted = reply.reason;
  const events: ControlEvent[] = [];
  let seq = first.lastSeq;
  let doneAtMs: number | undefined;
  for (;;) {
    const view = await api.view(req.group, seq);
    if (view === undefined) throw new CliError(`group ${req.group} disappeared from the controller`);
    for (const e of view.events) {
      // The request's own reply is often the first note too: say each thing once.
      if (e.message !== lastPrinted) out.err(`controller: ${e.message}`);
      lastPrinted = e.message;
    }
    events.push(...view.events);
    seq = Math.max(seq, view.lastSeq);
    const p = judgeRoleChange(req.kind, before, targetId, view, events);
    const nowMs = clock.nowMs();
    if (p.kind === 'failed') throw new CliError(`${req.kind} of ${req.group} failed: ${p.reason}`);
    if (p.kind === 'done') {
      doneAtMs ??= nowMs;
      if (p.settled || nowMs - doneAtMs >= SETTLE_MS) {
        const aborted = req.kind === 'switchover' ? events.find((e) => e.kind === 'switchover-aborted') : undefined;
        // A switchover abandoned half-way and then a failover (the fenced master stopped answering)
        // ends with the same master, but not with the switchover's zero-loss guarantee: say so.
        if (aborted !== undefined) out.err(`warning: ${aborted.message}; the controller then failed over on its own (only in-sync replicas are elected)`);
        return report(req, before, p.master, doneAtMs - startedMs, view, deps);
      }
    } else if (nowMs - startedMs > req.timeoutMs) {
      throw new CliError(`${req.kind} of ${req.group} not finished after ${Math.round(req.timeoutMs / 1000)} s: ${p.detail}`);
    }
    await new Promise((resolve) => setTimeout(resolve, deps.pollMs ?? DEFAULT_POLL_MS));
  }
}

function report(req: RoleChangeRequest, before: MasterRef, after: MasterRef, elapsedMs: number, view: GroupView, deps: RoleChangeDeps): ExitCode {
  if (deps.json) {
    deps.out.out(toJson({ group: req.group, kind: req.kind, from: before, to: after, elapsedMs, replicas: roleRows(view) }));
    return ExitCode.ok;
  }
  deps.out.out(`${req.kind} of ${req.group} done in ${(elapsedMs / 1000).toFixed(1)} s: ${after.masterId} is master at epoch ${after.epoch} (was ${before.masterId} at epoch ${before.epoch})`);
  deps.out.out('');
  roleLines(view).forEach((l) => deps.out.out(l));
  return ExitCode.ok;
}
