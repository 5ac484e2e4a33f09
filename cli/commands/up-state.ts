/**
 * Finding a running `rocketctl up` from its data directory: the state file it keeps while running
 * (`rocketctl-up.json`: pids, ready lines, the control endpoint) and the control token beside it.
 * The pure part turns the state into what commands need; the reader checks the supervisor is alive.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isProcessAlive } from '../../stdx';
import { CONTROL_TOKEN_FILE } from '../controller-host';
import { numberField } from '../supervisor/log-lines';
import type { UpState } from '../supervisor/up';
import { STATE_FILE } from '../supervisor/up';
import type { LocalReplica } from './cluster';

export interface RunningUp {
  readonly dataDir: string;
  readonly pid: number;
  readonly namesrvAddr: string;
  readonly replicas: readonly LocalReplica[];
  /** It runs slaves, so a controller (which may still be starting). */
  readonly replicated: boolean;
  /** The controller's endpoint; undefined for a cluster without replicated groups. */
  readonly control?: { readonly url: string; readonly token: string };
}

export type UpLookup = { readonly kind: 'running'; readonly up: RunningUp } | { readonly kind: 'absent'; readonly reason: string };

/** The broker processes of a state file, with the addresses and admin URLs their ready lines reported. */
export function localReplicasOf(state: Pick<UpState, 'namesrvAddr' | 'processes'>): LocalReplica[] {
  const host = state.namesrvAddr.replace(/:\d+$/, '');
  return state.processes.flatMap((p) => {
    const brokerName = p.ready.brokerName;
    const httpPort = numberField(p.ready, 'httpPort');
    const remotingPort = numberField(p.ready, 'remotingPort');
    if (p.role === 'nameserver' || typeof brokerName !== 'string' || httpPort === undefined || remotingPort === undefined) return [];
    const address = typeof p.ready.brokerAddr === 'string' ? p.ready.brokerAddr : `${host}:${remotingPort}`;
    return [{ name: p.name, brokerName, address, httpUrl: `http://${host}:${httpPort}` }];
  });
}

/** The `up` running on `dataDir`, or why there is none. */
export function findRunningUp(dataDir: string): UpLookup {
  const file = path.join(dataDir, STATE_FILE);
  let state: Partial<UpState>;
  try {
    state = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<UpState>;
  } catch (e) {
    const missing = (e as NodeJS.ErrnoException).code === 'ENOENT';
    return { kind: 'absent', reason: missing ? `no rocketctl up is running on ${dataDir} (no ${STATE_FILE}); start one with rocketctl up, or name its --data-dir` : `${file}: ${(e as Error).message}` };
  }
  if (typeof state.pid !== 'number' || typeof state.namesrvAddr !== 'string' || !Array.isArray(state.processes)) return { kind: 'absent', reason: `${file} is not a rocketctl up state file` };
  if (!isProcessAlive(state.pid)) return { kind: 'absent', reason: `the rocketctl up of ${dataDir} (pid ${state.pid}) is not running` };
  const replicas = localReplicasOf({ namesrvAddr: state.namesrvAddr, processes: state.processes });
  const up = { dataDir, pid: state.pid, namesrvAddr: state.namesrvAddr, replicas, replicated: state.processes.some((p) => p.role === 'slave') };
  if (state.control === undefined) return { kind: 'running', up };
  let token: string;
  try {
    token = fs.readFileSync(path.join(dataDir, CONTROL_TOKEN_FILE), 'utf8').trim();
  } catch (e) {
    return { kind: 'absent', reason: `cannot read the control token ${path.join(dataDir, CONTROL_TOKEN_FILE)}: ${(e as Error).message}` };
  }
  return { kind: 'running', up: { ...up, control: { url: state.control.url, token } } };
}
