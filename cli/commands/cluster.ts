/**
 * `rocketctl cluster`: the brokers the name server knows, with addresses, roles and versions, and,
 * where brokers answer their admin API, each replica's replication role, epoch, offsets, lag and
 * in-sync membership. A local `rocketctl up` also contributes replicas the name server does not
 * list (role none, or down), and the exact admin ports.
 */
import { ExitCode } from '../errors';
import type { Column } from '../format/table';
import { renderTable } from '../format/table';
import type { Output } from '../output';
import { toJson } from '../output';
import type { AdminApi, BrokerView } from './admin-api';
import type { ReplicaStanding, ReplicaStatus, StatusFetcher } from './replica-status';
import { adminUrlOf, groupMaster, parseReplicaStatus, roleLabel, standingOf } from './replica-status';

/** The role a broker reports in its runtime info, else the one its id implies (0 = master, FACTS 5.4). */
export function brokerRole(b: BrokerView): string {
  const reported = b.runtime?.brokerRole;
  if (reported !== undefined && reported !== '') return reported;
  return b.brokerId === 0 ? 'MASTER' : 'SLAVE';
}

/** A broker process of a local `rocketctl up` (its state file). */
export interface LocalReplica {
  readonly name: string;
  readonly brokerName: string;
  /** Remoting `host:port`. */
  readonly address: string;
  readonly httpUrl: string;
}

/** Where the replication columns come from; with no status at all the table is the plain one. */
export interface RoleSources {
  /** By remoting address. */
  readonly statuses: ReadonlyMap<string, ReplicaStatus>;
  readonly local: readonly LocalReplica[];
}

export interface ClusterRow {
  readonly clusterName: string;
  readonly brokerName: string;
  /** The id registered with the name server; undefined when it is not registered. */
  readonly brokerId?: number;
  readonly addr: string;
  readonly version?: string;
  readonly runtime?: Readonly<Record<string, string>>;
  readonly registered: boolean;
  readonly process?: string;
  readonly status?: ReplicaStatus;
  readonly standing: ReplicaStanding;
}

function compareRows(a: ClusterRow, b: ClusterRow): number {
  const byText = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);
  return (
    byText(a.clusterName, b.clusterName) ||
    byText(a.brokerName, b.brokerName) ||
    (a.brokerId ?? Number.MAX_SAFE_INTEGER) - (b.brokerId ?? Number.MAX_SAFE_INTEGER) ||
    byText(a.addr, b.addr)
  );
}

/** Registered brokers and local replicas merged by address, sorted, with each replica's standing in its group. */
export function clusterRows(brokers: readonly BrokerView[], roles: RoleSources = { statuses: new Map(), local: [] }): ClusterRow[] {
  const localOf = (addr: string) => roles.local.find((l) => l.address === addr);
  const rows: Omit<ClusterRow, 'standing'>[] = brokers.map((b) => {
    const status = roles.statuses.get(b.addr);
    const process = localOf(b.addr)?.name;
    return { ...b, registered: true, ...(process !== undefined ? { process } : {}), ...(status !== undefined ? { status } : {}) };
  });
  for (const l of roles.local) {
    if (rows.some((r) => r.addr === l.address)) continue;
    const status = roles.statuses.get(l.address);
    const clusterName = status?.clusterName ?? rows.find((r) => r.brokerName === l.brokerName)?.clusterName ?? '-';
    rows.push({ clusterName, brokerName: l.brokerName, addr: l.address, registered: false, process: l.name, ...(status !== undefined ? { status } : {}) });
  }
  const mastersByGroup = new Map<string, ReplicaStatus | undefined>();
  for (const name of new Set(rows.map((r) => r.brokerName))) {
    mastersByGroup.set(name, groupMaster(rows.flatMap((r) => (r.brokerName === name && r.status !== undefined ? [r.status] : []))));
  }
  return rows.map((r) => ({ ...r, standing: r.status === undefined ? {} : standingOf(r.status, mastersByGroup.get(r.brokerName)) })).sort(compareRows);
}

function roleOf(r: ClusterRow): string {
  if (r.status !== undefined) return roleLabel(r.status);
  if (!r.registered) return 'down';
  return brokerRole({ ...r, brokerId: r.brokerId ?? -1 });
}

const yesNo = (v: boolean | undefined) => (v === undefined ? undefined : v ? 'yes' : 'no');

/** The table: the plain columns, plus the replication ones when any replica answered its admin API. */
export function clusterLines(brokers: readonly BrokerView[], roles?: RoleSources): string[] {
  const rows = clusterRows(brokers, roles);
  const withRoles = rows.some((r) => r.status !== undefined);
  const columns: Column<ClusterRow>[] = [
    { header: 'CLUSTER', value: (r) => r.clusterName },
    { header: 'BROKER', value: (r) => r.brokerName },
    { header: 'ID', value: (r) => r.brokerId, align: 'right' },
    { header: 'ROLE', value: withRoles ? roleOf : (r) => brokerRole({ ...r, brokerId: r.brokerId ?? -1 }) },
    { header: 'ADDRESS', value: (r) => r.addr },
    { header: 'VERSION', value: (r) => r.version ?? (r.runtime === undefined ? (r.registered ? 'unreachable' : 'not registered') : undefined) },
    { header: 'PUT TPS', value: (r) => firstNumber(r.runtime?.putTps), align: 'right' },
  ];
  if (withRoles) {
    columns.push(
      { header: 'EPOCH', value: (r) => r.status?.epoch, align: 'right' },
      { header: 'MAX OFFSET', value: (r) => r.status?.maxCommitLogOffset, align: 'right' },
      { header: 'CONFIRMED', value: (r) => r.status?.confirmedOffset, align: 'right' },
      { header: 'LAG', value: (r) => r.standing.lagBytes, align: 'right' },
      { header: 'IN SYNC', value: (r) => yesNo(r.standing.inSync) },
    );
    if (rows.some((r) => r.process !== undefined)) columns.push({ header: 'PROCESS', value: (r) => r.process });
  }
  return renderTable(columns, rows);
}

/** RocketMQ's runtime info gives TPS as "10.0 9.8 9.9" (10 s, 1 min, 10 min windows); show the first. */
function firstNumber(text: string | undefined): string | undefined {
  return text?.trim().split(/\s+/)[0];
}

/** The JSON shape: the plain broker fields and `role`, plus `ha` where the admin API answered. */
export function clusterJson(brokers: readonly BrokerView[], roles?: RoleSources): unknown[] {
  return clusterRows(brokers, roles).map((r) => {
    const { status, standing, registered, process, ...plain } = r;
    const ha =
      status === undefined
        ? undefined
        : {
            role: status.role,
            epoch: status.epoch,
            writable: status.writable,
            maxCommitLogOffset: status.maxCommitLogOffset,
            confirmedOffset: status.confirmedOffset,
            masterAddress: status.masterAddress,
            ...(standing.lagBytes !== undefined ? { lagBytes: standing.lagBytes } : {}),
            ...(standing.inSync !== undefined ? { inSync: standing.inSync } : {}),
          };
    const role = status !== undefined ? status.role : registered ? brokerRole({ ...plain, brokerId: plain.brokerId ?? -1 }) : 'down';
    return { ...plain, role, registered, ...(process !== undefined ? { process } : {}), ...(ha !== undefined ? { ha } : {}) };
  });
}

/**
 * Each replica's status, by address: local replicas at their known admin URL, others at listen
 * port + 2. A body naming another address (something else on that port) is ignored.
 */
export async function collectStatuses(addresses: readonly string[], local: readonly LocalReplica[], fetchStatus: StatusFetcher): Promise<Map<string, ReplicaStatus>> {
  const found = new Map<string, ReplicaStatus>();
  await Promise.all(
    [...new Set(addresses)].map(async (addr) => {
      const url = local.find((l) => l.address === addr)?.httpUrl ?? adminUrlOf(addr);
      if (url === undefined) return;
      const status = parseReplicaStatus(await fetchStatus(url).catch(() => undefined));
      if (status !== undefined && status.address === addr) found.set(addr, status);
    }),
  );
  return found;
}

export interface ClusterShowOptions {
  readonly json: boolean;
  readonly local: readonly LocalReplica[];
  readonly fetchStatus: StatusFetcher;
}

export async function clusterShow(admin: AdminApi, out: Output, options: ClusterShowOptions): Promise<ExitCode> {
  const brokers = await admin.cluster();
  const statuses = await collectStatuses([...brokers.map((b) => b.addr), ...options.local.map((l) => l.address)], options.local, options.fetchStatus);
  const roles: RoleSources = { statuses, local: options.local };
  if (options.json) out.out(toJson(clusterJson(brokers, roles)));
  else if (brokers.length === 0 && options.local.length === 0) out.out('no brokers registered');
  else clusterLines(brokers, roles).forEach((l) => out.out(l));
  return ExitCode.ok;
}
