/**
 * `rocketctl up` flags → a validated configuration, every problem reported at once, and the
 * ready table. Pure.
 */
import * as path from 'node:path';
import type { Result } from '../../stdx';
import { err, ok } from '../../stdx';
import type { Column } from '../format/table';
import { renderTable } from '../format/table';
import type { LaunchMode } from './launch';
import { LaunchModes } from './launch';
import { numberField } from './log-lines';
import { DEFAULT_BASE_PORT, checkBasePort } from './ports';
import type { ClusterLayout, ProcessSpec } from './specs';
import type { ReplicationMode } from './specs';
import { DEFAULT_CLUSTER_NAME, MAX_BROKER_GROUPS, MAX_REPLICAS_PER_GROUP, ReplicationModes } from './specs';

export interface UpFlags {
  readonly dataDir?: string;
  readonly basePort?: string;
  readonly host?: string;
  readonly clusterName?: string;
  readonly groups?: string;
  readonly replicas?: string;
  readonly restart?: boolean;
  readonly replication?: string;
  readonly launch?: string;
  readonly readyTimeout?: string;
  readonly stopGrace?: string;
}

export interface UpConfig {
  readonly layout: ClusterLayout;
  readonly launchMode: LaunchMode;
  readonly readyTimeoutMs: number;
  readonly stopGraceMs: number;
}

export const UP_DEFAULTS = {
  dataDir: './data',
  host: '127.0.0.1',
  readyTimeoutS: 60,
  stopGraceS: 10,
} as const;

function intFlag(name: string, text: string | undefined, fallback: number, min: number, max: number, problems: string[]): number {
  if (text === undefined) return fallback;
  // Decimal digits only: Number() would take "" as 0 and "1e3" or "0x10" as numbers.
  const n = /^\d{1,9}$/.test(text) ? Number(text) : NaN;
  if (!Number.isInteger(n) || n < min || n > max) {
    problems.push(`--${name} must be an integer from ${min} to ${max}, got "${text}"`);
    return fallback;
  }
  return n;
}

export function parseUpFlags(flags: UpFlags, cwd: string): Result<UpConfig, string[]> {
  const problems: string[] = [];
  const basePort = intFlag('base-port', flags.basePort, DEFAULT_BASE_PORT, 1, 65535, problems);
  const brokerGroups = intFlag('groups', flags.groups, 1, 1, MAX_BROKER_GROUPS, problems);
  const replicasPerGroup = intFlag('replicas', flags.replicas, 1, 1, MAX_REPLICAS_PER_GROUP, problems);
  const readyTimeoutS = intFlag('ready-timeout', flags.readyTimeout, UP_DEFAULTS.readyTimeoutS, 1, 3600, problems);
  const stopGraceS = intFlag('stop-grace', flags.stopGrace, UP_DEFAULTS.stopGraceS, 0, 600, problems);
  const portProblem = checkBasePort(basePort, brokerGroups * replicasPerGroup);
  if (portProblem !== undefined) problems.push(portProblem);
  const launch = flags.launch ?? 'auto';
  if (!(LaunchModes as readonly string[]).includes(launch)) problems.push(`--launch must be one of ${LaunchModes.join(', ')}, got "${launch}"`);
  const host = flags.host ?? UP_DEFAULTS.host;
  if (host.trim() === '' || host.includes(':')) problems.push(`--host must be an IPv4 address or host name, got "${host}"`);
  const clusterName = flags.clusterName ?? DEFAULT_CLUSTER_NAME;
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(clusterName)) problems.push(`--cluster-name may hold letters, digits, '-' and '_' (1..64), got "${clusterName}"`);
  const replication = flags.replication;
  if (replication !== undefined && !(ReplicationModes as readonly string[]).includes(replication)) problems.push(`--replication must be one of ${ReplicationModes.join(', ')}, got "${replication}"`);
  // A single-replica group has nothing to replicate to; silently ignoring the flag would mislead.
  if (replication !== undefined && replicasPerGroup < 2 && (ReplicationModes as readonly string[]).includes(replication)) problems.push(`--replication needs --replicas 2 or more, got ${replicasPerGroup}`);
  if (problems.length > 0) return err(problems);
  return ok({
    layout: {
      dataDir: path.resolve(cwd, flags.dataDir ?? UP_DEFAULTS.dataDir),
      basePort,
      host,
      clusterName,
      brokerGroups,
      replicasPerGroup,
      restart: flags.restart === true ? 'on-failure' : 'never',
      ...(replication !== undefined ? { replicationMode: replication as ReplicationMode } : {}),
    },
    launchMode: launch as LaunchMode,
    readyTimeoutMs: readyTimeoutS * 1000,
    stopGraceMs: stopGraceS * 1000,
  });
}

export interface ReadyRow {
  readonly spec: ProcessSpec;
  readonly pid: number;
  readonly ready: Readonly<Record<string, unknown>>;
}

/** The table printed when the cluster is up; ports as the processes reported them in their ready lines. */
export function readyTable(rows: readonly ReadyRow[], cwd: string): string[] {
  const port = (r: ReadyRow, field: 'remotingPort' | 'haPort' | 'httpPort') => numberField(r.ready, field) ?? r.spec.ports[field];
  const columns: Column<ReadyRow>[] = [
    { header: 'PROCESS', value: (r) => r.spec.name },
    { header: 'ROLE', value: (r) => r.spec.role },
    { header: 'PID', value: (r) => r.pid },
    { header: 'REMOTING', value: (r) => port(r, 'remotingPort') },
    { header: 'HA', value: (r) => port(r, 'haPort'), align: 'right' },
    { header: 'HTTP', value: (r) => port(r, 'httpPort') },
    { header: 'LOG', value: (r) => shortPath(r.spec.logFile, cwd) },
  ];
  return renderTable(columns, rows);
}

/** Relative to `cwd` when inside it (the common `./data`), absolute otherwise. */
export function shortPath(file: string, cwd: string): string {
  const rel = path.relative(cwd, file);
  return rel === '' || rel.startsWith('..') || path.isAbsolute(rel) ? file : rel;
}
