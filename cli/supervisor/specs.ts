/**
 * The processes of a local cluster, as data: from the `up` options to a list of specs the
 * supervisor starts in order (nameserver first, then each broker group's master, then its slaves)
 * and stops in reverse. Adding a role (a slave, a controller) means adding specs here; the
 * supervisor does not change. Pure.
 */
import * as path from 'node:path';
import type { ReplicaEndpoint } from '../../controller';
import { assert } from '../../stdx';
import type { ServerEntry } from './launch';
import { brokerPorts, nameserverPorts } from './ports';
import type { RestartPolicy } from './restart';
import { brokerArgs, nameserverArgs, READY_MESSAGES } from './server-args';

export const ProcessRoles = ['nameserver', 'master', 'slave'] as const;
export type ProcessRole = (typeof ProcessRoles)[number];

export interface ProcessSpec {
  /** Unique in the cluster; names the log file (`<name>.log`) and the data folder. */
  readonly name: string;
  readonly role: ProcessRole;
  readonly entry: ServerEntry;
  readonly args: readonly string[];
  /** Added to the supervisor's own environment. */
  readonly env: Readonly<Record<string, string>>;
  /** The `message` of the JSON log line that says the process is serving. */
  readonly readyMessage: string;
  readonly logFile: string;
  readonly dataDir: string;
  readonly restart: RestartPolicy;
  /** Ports the process was told to use, shown until its ready line reports the real ones. */
  readonly ports: Readonly<{ remotingPort: number; haPort?: number; httpPort: number }>;
  /** Broker processes only. */
  readonly broker?: Readonly<{ brokerName: string; brokerId: number }>;
}

export interface ClusterLayout {
  /** Absolute. */
  readonly dataDir: string;
  readonly basePort: number;
  /** The address processes bind to and brokers advertise. */
  readonly host: string;
  readonly clusterName: string;
  /** Broker groups (brokerName broker-a, broker-b...), each with one master. */
  readonly brokerGroups: number;
  /** Processes per group: 1 = master only; more adds slaves with brokerId 1, 2... */
  readonly replicasPerGroup: number;
  readonly restart: RestartPolicy;
  /** Replicated groups only: how a master acknowledges sends (broker default async). */
  readonly replicationMode?: ReplicationMode;
}

export const ReplicationModes = ['async', 'sync'] as const;
export type ReplicationMode = (typeof ReplicationModes)[number];

export const DEFAULT_CLUSTER_NAME = 'DefaultCluster';
/** Groups are named by letter, as RocketMQ's samples do; 26 is far beyond a laptop cluster. */
export const MAX_BROKER_GROUPS = 26;
export const MAX_REPLICAS_PER_GROUP = 4;

export function brokerGroupName(group: number): string {
  return `broker-${String.fromCharCode('a'.charCodeAt(0) + group)}`;
}

export function nameserverAddress(layout: Pick<ClusterLayout, 'host' | 'basePort'>): string {
  return `${layout.host}:${nameserverPorts(layout.basePort).remotingPort}`;
}

export function buildProcessSpecs(layout: ClusterLayout): ProcessSpec[] {
  assert(path.isAbsolute(layout.dataDir), 'dataDir must be absolute');
  assert(layout.brokerGroups >= 1 && layout.brokerGroups <= MAX_BROKER_GROUPS, `broker groups must be 1..${MAX_BROKER_GROUPS}`);
  assert(layout.replicasPerGroup >= 1 && layout.replicasPerGroup <= MAX_REPLICAS_PER_GROUP, `replicas must be 1..${MAX_REPLICAS_PER_GROUP}`);
  const logsDir = path.join(layout.dataDir, 'logs');
  const ns = nameserverPorts(layout.basePort);
  const nsDir = path.join(layout.dataDir, 'nameserver');
  const specs: ProcessSpec[] = [
    {
      name: 'nameserver',
      role: 'nameserver',
      entry: 'nameserver',
      args: nameserverArgs({ host: layout.host, ...ns, dataDir: nsDir }),
      env: {},
      readyMessage: READY_MESSAGES.nameserver,
      logFile: path.join(logsDir, 'nameserver.log'),
      dataDir: nsDir,
      restart: layout.restart,
      ports: ns,
    },
  ];
  const namesrvAddr = nameserverAddress(layout);
  let brokerIndex = 0;
  const replicated = layout.replicasPerGroup > 1;
  // Masters of every group first, then slaves: a slave's master is serving when the slave starts.
  for (let replica = 0; replica < layout.replicasPerGroup; replica++) {
    for (let group = 0; group < layout.brokerGroups; group++) {
      const brokerName = brokerGroupName(group);
      const name = `${brokerName}-${replica}`;
      const ports = brokerPorts(layout.basePort, brokerIndex++);
      const storeDir = path.join(layout.dataDir, name);
      const args = brokerArgs({ host: layout.host, ...ports, clusterName: layout.clusterName, brokerName, brokerId: replica, namesrvAddr, storeDir });
      specs.push({
        name,
        // For a replicated group this is the starting layout only: the controller decides roles.
        role: replica === 0 ? 'master' : 'slave',
        entry: 'broker',
        args: replicated ? [...args, ...controlledBrokerArgs(layout.replicationMode)] : args,
        env: {},
        readyMessage: READY_MESSAGES.broker,
        logFile: path.join(logsDir, `${name}.log`),
        dataDir: storeDir,
        restart: layout.restart,
        ports,
        broker: { brokerName, brokerId: replica },
      });
    }
  }
  return specs;
}

/** A broker of a replicated group waits for the controller's role and never takes one on its own. */
function controlledBrokerArgs(mode: ReplicationMode | undefined): string[] {
  return ['--role-source', 'controller', ...(mode !== undefined ? ['--replication-mode', mode] : [])];
}

/**
 * The brokers of replicated groups, as the controller host sees them (what it needs of each). The id a replica registers
 * with as a slave is its config brokerId, except replica 0 (brokerId 0 is the master's), which takes
 * the first id no other replica has.
 */
export function controlledReplicas(specs: readonly ProcessSpec[], layout: Pick<ClusterLayout, 'host' | 'replicasPerGroup'>): ReplicaEndpoint[] {
  if (layout.replicasPerGroup < 2) return [];
  return specs.flatMap((s) => {
    if (s.broker === undefined || s.ports.haPort === undefined) return [];
    return [
      {
        replicaId: s.name,
        group: s.broker.brokerName,
        httpUrl: `http://${layout.host}:${s.ports.httpPort}`,
        address: `${layout.host}:${s.ports.remotingPort}`,
        haAddress: `${layout.host}:${s.ports.haPort}`,
        slaveBrokerId: s.broker.brokerId === 0 ? layout.replicasPerGroup : s.broker.brokerId,
      },
    ];
  });
}
