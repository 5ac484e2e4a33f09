/**
 * Glue between the commander tree and the role commands: flags → a request, the running `up`
 * found from `--data-dir`, its control endpoint, and `cluster`'s local replicas.
 */
import * as path from 'node:path';
import type { Clock } from '../../stdx';
import type { RoleIntentKind } from '../controller-host';
import type { ExitCode } from '../errors';
import { CliError } from '../errors';
import type { Output } from '../output';
import type { LocalReplica } from './cluster';
import type { ControlApi } from './control-client';
import { httpControlApi } from './control-client';
import { intFlag } from './flags';
import type { RoleChangeRequest } from './roles';
import { runRoleChange } from './roles';
import { findRunningUp } from './up-state';

export interface RoleCommandFlags {
  readonly dataDir: string;
  readonly timeout?: string;
  readonly to?: string;
}

export function planRoleChange(kind: RoleIntentKind, group: string, flags: RoleCommandFlags): RoleChangeRequest {
  const timeoutMs = intFlag('timeout', flags.timeout, 60, 1, 3600) * 1000;
  return { kind, group, timeoutMs, ...(flags.to !== undefined ? { to: flags.to } : {}) };
}

/** The control endpoint of the `up` running on `dataDir`, or a CliError saying why there is none. */
export function controlApiOf(dataDir: string): ControlApi {
  const found = findRunningUp(dataDir);
  if (found.kind === 'absent') throw new CliError(found.reason);
  if (found.up.control === undefined && found.up.replicated) throw new CliError(`the controller of the rocketctl up on ${dataDir} is still starting; try again in a moment`);
  if (found.up.control === undefined) {
    throw new CliError(`the rocketctl up on ${dataDir} runs no controller: its broker groups are not replicated (start it with --replicas 2 or more)`);
  }
  return httpControlApi(found.up.control.url, found.up.control.token);
}

export async function runRoleCommand(req: RoleChangeRequest, flags: RoleCommandFlags, deps: { out: Output; cwd: string; clock: Clock }, json: boolean): Promise<ExitCode> {
  const api = controlApiOf(path.resolve(deps.cwd, flags.dataDir));
  return runRoleChange(api, req, { out: deps.out, clock: deps.clock, json });
}

/** The brokers of a local `up` on `dataDir`, when one runs and serves one of the `--namesrv` addresses. */
export function localReplicasFor(dataDir: string, cwd: string, namesrv: string): LocalReplica[] {
  const found = findRunningUp(path.resolve(cwd, dataDir));
  if (found.kind === 'absent') return [];
  const addrs = namesrv.split(';').map((a) => a.trim());
  return addrs.includes(found.up.namesrvAddr) ? [...found.up.replicas] : [];
}
