/**
 * The operator's settings, from the environment (the chart sets them; names in
 * notes/operator-contract.md). Every problem is reported at once, so one failed start shows them all.
 */
import { hostname } from 'node:os';
import { readFileSync } from 'node:fs';
import { err, ok } from '../stdx';
import type { Result } from '../stdx';
import { isLogLevel } from '../ops';
import type { LogLevel } from '../ops';

export interface OperatorConfig {
  /** Empty: every namespace. */
  readonly watchNamespaces: readonly string[];
  readonly leaderElection: boolean;
  readonly leaderElectionNamespace: string;
  readonly leaseName: string;
  /** This replica in the Lease and in Events (POD_NAME). */
  readonly identity: string;
  readonly metricsPort: number;
  readonly logLevel: LogLevel;
  readonly resyncSeconds: number;
  readonly failoverTickMs: number;
  readonly leaseDurationSeconds: number;
  readonly renewDeadlineSeconds: number;
  readonly retryPeriodSeconds: number;
}

/** Where Kubernetes mounts the pod's namespace for its service account. */
export const SERVICE_ACCOUNT_NAMESPACE_FILE = '/var/run/secrets/kubernetes.io/serviceaccount/namespace';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

export type Env = Readonly<Record<string, string | undefined>>;

/** `readNamespaceFile` is injected so tests do not depend on the service-account mount. */
export function loadOperatorConfig(env: Env, readNamespaceFile: () => string | undefined = readServiceAccountNamespace): Result<OperatorConfig, string[]> {
  const problems: string[] = [];
  const text = (name: string, fallback: string): string => {
    const value = env[name]?.trim();
    return value === undefined || value === '' ? fallback : value;
  };
  const int = (name: string, fallback: number, min: number, max: number): number => {
    const raw = text(name, String(fallback));
    if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
      problems.push(`${name}=${raw}: expected an integer from ${min} to ${max}`);
      return fallback;
    }
    return Number(raw);
  };
  const bool = (name: string, fallback: boolean): boolean => {
    const raw = text(name, String(fallback)).toLowerCase();
    if (raw !== 'true' && raw !== 'false') problems.push(`${name}=${raw}: expected true or false`);
    return raw === 'true';
  };

  const watchNamespaces = text('WATCH_NAMESPACES', '')
    .split(',')
    .map((n) => n.trim())
    .filter((n) => n !== '');
  for (const ns of watchNamespaces) {
    if (!DNS_LABEL.test(ns) || ns.length > 63) problems.push(`WATCH_NAMESPACES: "${ns}" is not a namespace name`);
  }
  const leaderElection = bool('LEADER_ELECTION', true);
  const leaderElectionNamespace = text('LEADER_ELECTION_NAMESPACE', text('POD_NAMESPACE', readNamespaceFile()?.trim() ?? ''));
  if (leaderElection && leaderElectionNamespace === '') {
    problems.push('LEADER_ELECTION_NAMESPACE: not set and the pod namespace is unknown (set POD_NAMESPACE or LEADER_ELECTION=false)');
  } else if (leaderElectionNamespace !== '' && !DNS_LABEL.test(leaderElectionNamespace)) {
    problems.push(`LEADER_ELECTION_NAMESPACE: "${leaderElectionNamespace}" is not a namespace name`);
  }
  const leaseName = text('LEASE_NAME', 'rocketcluster-operator');
  if (!DNS_SUBDOMAIN.test(leaseName) || leaseName.length > 253) problems.push(`LEASE_NAME: "${leaseName}" is not a valid object name`);
  const logLevel = text('LOG_LEVEL', 'info');
  if (!isLogLevel(logLevel)) problems.push(`LOG_LEVEL=${logLevel}: expected error, warn, info or debug`);
  const config: OperatorConfig = {
    watchNamespaces,
    leaderElection,
    leaderElectionNamespace,
    leaseName,
    identity: text('POD_NAME', hostname()),
    metricsPort: int('METRICS_PORT', 8080, 0, 65535), // 0: any free port (tests)
    logLevel: isLogLevel(logLevel) ? logLevel : 'info',
    resyncSeconds: int('RECONCILE_RESYNC_SECONDS', 30, 1, 86_400),
    failoverTickMs: int('FAILOVER_TICK_MS', 1000, 50, 60_000),
    leaseDurationSeconds: int('LEASE_DURATION_SECONDS', 15, 2, 300),
    renewDeadlineSeconds: int('RENEW_DEADLINE_SECONDS', 10, 1, 299),
    retryPeriodSeconds: int('RETRY_PERIOD_SECONDS', 2, 1, 298),
  };
  if (!(config.leaseDurationSeconds > config.renewDeadlineSeconds && config.renewDeadlineSeconds > config.retryPeriodSeconds)) {
    problems.push('leader election timings: need LEASE_DURATION_SECONDS > RENEW_DEADLINE_SECONDS > RETRY_PERIOD_SECONDS');
  }
  return problems.length === 0 ? ok(config) : err(problems);
}

function readServiceAccountNamespace(): string | undefined {
  try {
    return readFileSync(SERVICE_ACCOUNT_NAMESPACE_FILE, 'utf8');
  } catch {
    return undefined;
  }
}
