/**
 * The controller's host inside `rocketctl up`: observe = `GET /status` of every replica over HTTP,
 * act = `POST /role`, store = a JSON file per group under `<data-dir>/controller/`. Runs a
 * ControllerLoop every 500 ms with a 2 s master-down period, so a killed master is replaced within
 * about 3 s. Every loop event goes to the logger; role changes also go to `onRoleChange` (the
 * terminal).
 */
import * as path from 'node:path';
import type { BrokerObservation, ControllerAction, ControllerPolicy, GroupObservation, GroupState } from '../../controller';
import { ControllerLoop } from '../../controller';
import type { ServerLogger } from '../../ops';
import type { Result } from '../../stdx';
import { err, ok, systemClock } from '../../stdx';
import { FileGroupStateStore } from './file-store';
import type { ReplicaEndpoint } from '../../controller';
import { observationFromBrokerStatus, roleCommandFor } from '../../controller';
import type { GroupView, IntentReply, RoleIntentKind } from './control-api';
import { GroupJournal } from './journal';

export const CONTROLLER_TIMING = { intervalMs: 500, masterDownAfterMs: 2_000, requestTimeoutMs: 1_000 } as const;

export interface ControllerHostOptions {
  readonly dataDir: string;
  readonly replicas: readonly ReplicaEndpoint[];
  /** Bearer token for the admin API, when the brokers have one. */
  readonly adminToken?: string;
  readonly logger: ServerLogger;
  /** One line per decision that changes a group's master or epoch. */
  readonly onRoleChange?: (line: string) => void;
  readonly policy?: Partial<ControllerPolicy>;
}

export interface ControllerHost {
  readonly loop: ControllerLoop;
  readonly stateDir: string;
  /** True once every group has a recorded master that reports itself master and writable; false after `timeoutMs`. */
  untilMasters(timeoutMs: number): Promise<boolean>;
  /** Resolves once the record no longer names `replicaId` as master (or after `timeoutMs`). */
  untilNotMaster(replicaId: string, timeoutMs: number): Promise<void>;
  /** The groups this controller manages. */
  readonly groups: readonly string[];
  /** A group's record, last observations and events after `sinceSeq`; undefined for an unknown group. */
  view(group: string, sinceSeq: number): Promise<GroupView | undefined>;
  /** Queues a switchover or failover; settles once a tick records (or refuses) it. */
  request(group: string, kind: RoleIntentKind, targetId?: string): Promise<IntentReply>;
  stop(): Promise<void>;
}

function headers(token: string | undefined, json: boolean): Record<string, string> {
  return { ...(token !== undefined && token !== '' ? { authorization: `Bearer ${token}` } : {}), ...(json ? { 'content-type': 'application/json' } : {}) };
}

async function observeReplica(r: ReplicaEndpoint, all: readonly ReplicaEndpoint[], token: string | undefined): Promise<BrokerObservation> {
  try {
    const res = await fetch(`${r.httpUrl}/status`, { headers: headers(token, false), signal: AbortSignal.timeout(CONTROLLER_TIMING.requestTimeoutMs) });
    if (res.status !== 200) return { reachable: false, replicaId: r.replicaId, reason: `GET /status answered ${res.status}` };
    const observed = observationFromBrokerStatus(await res.json(), r.replicaId, all.filter((x) => x.group === r.group));
    return observed.ok ? observed.value : { reachable: false, replicaId: r.replicaId, reason: observed.error };
  } catch (e) {
    return { reachable: false, replicaId: r.replicaId, reason: (e as Error).message };
  }
}

async function sendAction(action: ControllerAction, all: readonly ReplicaEndpoint[], token: string | undefined): Promise<Result<void, string>> {
  const target = all.find((r) => r.replicaId === action.replicaId);
  if (target === undefined) return err(`unknown replica ${action.replicaId}`);
  const command = roleCommandFor(action, all.filter((r) => r.group === target.group));
  if (!command.ok) return command;
  try {
    const res = await fetch(`${target.httpUrl}/role`, {
      method: 'POST',
      headers: headers(token, true),
      body: JSON.stringify(command.value),
      signal: AbortSignal.timeout(CONTROLLER_TIMING.requestTimeoutMs),
    });
    if (res.status === 200) return ok(undefined);
    const text = await res.text();
    return err(`POST /role ${JSON.stringify(command.value)} answered ${res.status}: ${text.slice(0, 300)}`);
  } catch (e) {
    return err(`POST /role: ${(e as Error).message}`);
  }
}

/** The concise terminal line for a saved decision, or undefined when master and epoch did not move. */
export function describeDecision(group: string, from: GroupState | null, to: GroupState): string | undefined {
  if (from !== null && from.masterId === to.masterId && from.epoch === to.epoch) return undefined;
  if (to.masterId === null) return undefined;
  const was = from?.masterId ?? null;
  const change = was === null ? '' : was === to.masterId ? ` (re-elected after a restart)` : ` (was ${was})`;
  return `controller: ${group} master is ${to.masterId} at epoch ${to.epoch}${change}`;
}

/** A saved decision as the control endpoint's event history tells it. */
function journalLine(group: string, to: GroupState, roleChange: string | undefined): string {
  if (roleChange !== undefined) return roleChange.replace(/^controller: /, '');
  if (to.pending !== null) return `recorded: switchover ${to.pending.fromId} -> ${to.pending.toId} pending at epoch ${to.epoch}`;
  return `recorded: ${group} master ${to.masterId ?? '(none)'} at epoch ${to.epoch}, in sync ${to.inSyncReplicaIds.join(', ')}`;
}

export function startControllerHost(options: ControllerHostOptions): ControllerHost {
  const { replicas, adminToken: token, logger } = options;
  const stateDir = path.join(options.dataDir, 'controller');
  const store = new FileGroupStateStore(stateDir);
  let stopped = false;
  const groups = [...new Set(replicas.map((r) => r.group))];
  const perGroup = Math.min(...groups.map((g) => replicas.filter((r) => r.group === g).length));
  const journal = new GroupJournal(systemClock);
  const loop = new ControllerLoop(
    {
      observe: async (): Promise<GroupObservation[]> => {
        const observed = await Promise.all(replicas.map((r) => observeReplica(r, replicas, token)));
        const byGroup = groups.map((group) => ({ group, brokers: observed.filter((_, i) => replicas[i]!.group === group) }));
        byGroup.forEach((g) => journal.observed(g.group, g.brokers));
        return byGroup;
      },
      act: (action) => sendAction(action, replicas, token),
      store,
    },
    {
      clock: systemClock,
      intervalMs: CONTROLLER_TIMING.intervalMs,
      // Bootstrap waits for every replica: the first master is then the most advanced one.
      policy: { masterDownAfterMs: CONTROLLER_TIMING.masterDownAfterMs, minReplicasToBootstrap: perGroup, ...options.policy },
    },
  );
  loop.on('decision', (group, from, to) => {
    logger.info('decision', { group, from, to });
    const line = describeDecision(group, from, to);
    journal.add(group, 'decision', journalLine(group, to, line));
    if (line !== undefined) options.onRoleChange?.(line);
  });
  loop.on('action', (action, result) => {
    if (result.ok) logger.info('action sent', { action });
    else logger.warn('action failed', { action, error: result.error });
    journal.add(action.group, result.ok ? 'action' : 'action-failed', `${action.kind} ${action.replicaId} at epoch ${action.epoch}${result.ok ? '' : `: ${result.error}`}`);
  });
  loop.on('note', (group, note) => {
    logger.info('note', { group, note: note.kind, message: note.message });
    journal.add(group, note.kind, note.message);
  });
  loop.on('conflict', (group, reason) => logger.warn('store conflict', { group, reason }));
  loop.on('violation', (group, problem) => logger.warn('violation', { group, problem }));
  loop.on('failure', (where, group, message) => logger.warn('port failure', { where, group, message }));
  loop.start();
  logger.info('controller started', { groups, replicas: replicas.map((r) => r.replicaId), stateDir, ...CONTROLLER_TIMING });
  return {
    loop,
    stateDir,
    untilMasters: async (timeoutMs) => {
      const deadline = Date.now() + timeoutMs;
      const serving = async (group: string): Promise<boolean> => {
        const stored = await store.load(group).catch(() => null);
        const master = replicas.find((r) => r.replicaId === stored?.state.masterId);
        if (master === undefined) return false;
        const seen = await observeReplica(master, replicas, token);
        return seen.reachable && seen.role === 'master' && !seen.fenced && seen.epoch === stored!.state.epoch;
      };
      while (!stopped && Date.now() < deadline) {
        if ((await Promise.all(groups.map(serving))).every(Boolean)) return true;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      return false;
    },
    untilNotMaster: async (replicaId, timeoutMs) => {
      const group = replicas.find((r) => r.replicaId === replicaId)?.group;
      if (group === undefined) return;
      const deadline = Date.now() + timeoutMs;
      while (!stopped && Date.now() < deadline) {
        const stored = await store.load(group).catch(() => null);
        if (stored !== null && stored.state.masterId !== replicaId) return;
        await new Promise((resolve) => setTimeout(resolve, CONTROLLER_TIMING.intervalMs / 2));
      }
    },
    groups,
    view: async (group, sinceSeq) => {
      if (!groups.includes(group)) return undefined;
      const stored = await store.load(group);
      const infos = replicas.filter((r) => r.group === group).map(({ replicaId, address, haAddress, httpUrl }) => ({ replicaId, address, haAddress, httpUrl }));
      return { group, replicas: infos, state: stored?.state ?? null, ...journal.view(group, sinceSeq) };
    },
    request: (group, kind, targetId) => {
      if (!groups.includes(group)) return Promise.resolve({ accepted: false, reason: `unknown group ${group}` });
      return kind === 'failover' ? loop.requestFailover(group) : loop.requestSwitchover(group, targetId);
    },
    stop: async () => {
      stopped = true;
      await loop.stop();
      logger.info('controller stopped');
    },
  };
}
