/**
 * A broker's replication state from its admin API (`GET /status` on its HTTP port, listen port + 2;
 * docs/replication.md), in the few fields rocketctl shows, and the per-group figures derived from
 * the master's view: a slave's lag and whether it is in sync. Parsing and derivation are pure; the
 * fetch is the one function with I/O.
 */

export const REPLICA_ROLES = ['master', 'slave', 'none'] as const;
export type ReplicaRole = (typeof REPLICA_ROLES)[number];

export interface SlaveEntry {
  readonly address: string;
  readonly ackOffset: number;
  readonly lagBytes: number;
  readonly inSync: boolean;
}

export interface ReplicaStatus {
  readonly brokerName: string;
  readonly clusterName?: string;
  /** The id it registers with (0 as master). */
  readonly brokerId: number;
  /** Remoting `host:port`. */
  readonly address: string;
  readonly role: ReplicaRole;
  readonly epoch: number;
  /** A master that refuses writes (fenced) says false. */
  readonly writable: boolean;
  readonly maxCommitLogOffset: number;
  readonly confirmedOffset: number;
  /** Slave: its master's HA address. */
  readonly masterAddress: string | null;
  /** Master: its own address, then the in-sync slaves'. */
  readonly inSyncSet: readonly string[];
  readonly slaves: readonly SlaveEntry[];
}

/** `GET /status` fetches give up after this long: a status is a few hundred bytes from memory. */
export const STATUS_TIMEOUT_MS = 1500;

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const isText = (v: unknown): v is string => typeof v === 'string' && v !== '';

/** The status body, or undefined when it is not one (something else answered on that port). */
export function parseReplicaStatus(body: unknown): ReplicaStatus | undefined {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return undefined;
  const b = body as Record<string, unknown>;
  if (!isText(b.brokerName) || !isText(b.address) || !(REPLICA_ROLES as readonly unknown[]).includes(b.role)) return undefined;
  if (!isCount(b.epoch) || !isCount(b.maxCommitLogOffset) || !isCount(b.brokerId)) return undefined;
  const slaves = Array.isArray(b.slaves) ? (b.slaves as unknown[]) : [];
  return {
    brokerName: b.brokerName,
    ...(isText(b.clusterName) ? { clusterName: b.clusterName } : {}),
    brokerId: b.brokerId,
    address: b.address,
    role: b.role as ReplicaRole,
    epoch: b.epoch,
    writable: b.writable === true,
    maxCommitLogOffset: b.maxCommitLogOffset,
    confirmedOffset: isCount(b.confirmedOffset) ? b.confirmedOffset : 0,
    masterAddress: isText(b.masterAddress) ? b.masterAddress : null,
    inSyncSet: Array.isArray(b.inSyncSet) ? b.inSyncSet.filter(isText) : [],
    slaves: slaves.flatMap((s) => {
      if (typeof s !== 'object' || s === null) return [];
      const e = s as Record<string, unknown>;
      if (!isText(e.address)) return [];
      return [{ address: e.address, ackOffset: isCount(e.ackOffset) ? e.ackOffset : 0, lagBytes: isCount(e.lagBytes) ? e.lagBytes : 0, inSync: e.inSync === true }];
    }),
  };
}

/** The admin URL of a broker by the convention `up` and the operator follow: listen port + 2. */
export function adminUrlOf(address: string): string | undefined {
  const m = /^(.+):(\d{1,5})$/.exec(address);
  if (m === null) return undefined;
  const port = Number(m[2]) + 2;
  return port > 65535 ? undefined : `http://${m[1]!.includes(':') ? `[${m[1]!}]` : m[1]!}:${port}`;
}

/** Fetches a status body; throws when the broker does not answer 200 in time. */
export type StatusFetcher = (httpUrl: string) => Promise<unknown>;

export function httpStatusFetcher(token: string | undefined): StatusFetcher {
  return async (httpUrl) => {
    const headers: Record<string, string> = token !== undefined && token !== '' ? { authorization: `Bearer ${token}` } : {};
    const res = await fetch(`${httpUrl}/status`, { headers, signal: AbortSignal.timeout(STATUS_TIMEOUT_MS) });
    if (res.status !== 200) throw new Error(`GET /status answered ${res.status}`);
    return res.json();
  };
}

/** What a replica's row shows beyond its own status, from its group's master. */
export interface ReplicaStanding {
  /** Bytes behind the master; 0 for the master; undefined when unknown. */
  readonly lagBytes?: number;
  /** In the master's in-sync set (the master itself is); undefined when no master answered. */
  readonly inSync?: boolean;
}

/** The master a group's statuses agree on: the writable one, else the master of the highest epoch. */
export function groupMaster(statuses: readonly ReplicaStatus[]): ReplicaStatus | undefined {
  const masters = statuses.filter((s) => s.role === 'master').sort((a, b) => Number(b.writable) - Number(a.writable) || b.epoch - a.epoch);
  return masters[0];
}

export function standingOf(status: ReplicaStatus, master: ReplicaStatus | undefined): ReplicaStanding {
  if (master === undefined) return {};
  if (status.address === master.address) return { lagBytes: 0, inSync: true };
  const seen = master.slaves.find((s) => s.address === status.address);
  const lagBytes = seen?.lagBytes ?? Math.max(0, master.maxCommitLogOffset - status.maxCommitLogOffset);
  return { lagBytes, inSync: master.inSyncSet.includes(status.address) };
}

/** The role as shown: a master refusing writes is marked fenced. */
export function roleLabel(status: ReplicaStatus): string {
  return status.role === 'master' && !status.writable ? 'master (fenced)' : status.role;
}
