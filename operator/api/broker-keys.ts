/**
 * Which broker.conf keys a user may override in `spec.broker.config` and which the operator sets
 * itself. The table is keyed by the broker's own ConfigKey type, so a key added to the broker fails
 * the typecheck here until someone decides who owns it. An override of an operator key would break
 * the cluster silently (a pod IP, the role source, the data dir), so validation refuses it and says
 * which spec field to use instead.
 */
import type { ConfigKey } from '../../broker/config';

export type KeyOwner = { readonly owner: 'user' } | { readonly owner: 'operator'; readonly instead: string };

const USER = { owner: 'user' } as const;
function operator(instead: string): KeyOwner {
  return { owner: 'operator', instead };
}

const SET_BY_OPERATOR = 'set by the operator for every pod';

export const BROKER_KEY_OWNERS: { readonly [K in ConfigKey]: KeyOwner } = {
  brokerClusterName: operator('the cluster name is the RocketCluster name'),
  brokerName: operator('group names are broker-0 .. broker-<n-1>; change spec.broker.groups'),
  brokerId: operator('ids are assigned by the operator at each election'),
  listenHost: operator(SET_BY_OPERATOR),
  listenPort: operator('ports are fixed (10911 remoting, 10912 HA, 10913 HTTP)'),
  haListenPort: operator('ports are fixed (10911 remoting, 10912 HA, 10913 HTTP)'),
  httpPort: operator('ports are fixed (10911 remoting, 10912 HA, 10913 HTTP)'),
  brokerIP1: operator('the pod IP is advertised'),
  brokerIP2: operator('the pod IP is advertised'),
  namesrvAddr: operator("the cluster's nameserver Service is used"),
  storePathRootDir: operator('data lives on the PVC at /data; see spec.broker.storage'),
  autoCreateTopicEnable: USER,
  autoCreateSubscriptionGroup: USER,
  defaultTopicQueueNums: USER,
  maxMessageSize: USER,
  flushDiskType: operator('use spec.broker.flushMode'),
  syncFlushTimeoutMs: USER,
  flushIntervalCommitLogMs: USER,
  registerIntervalMs: USER,
  registerTimeoutMs: USER,
  commitLogSegmentBytes: USER,
  consumeQueueEntriesPerFile: USER,
  ioMode: USER,
  fileReservedTimeHours: USER,
  diskMaxUsedSpaceRatio: USER,
  diskFullRatio: USER,
  messageIndexEnable: USER,
  maxHashSlotNum: USER,
  maxIndexNum: USER,
  longPollingEnable: USER,
  shortPollingTimeMs: USER,
  logLevel: USER,
  roleSource: operator('roles are decided by the operator (roleSource=controller)'),
  brokerRole: operator('roles are decided by the operator (roleSource=controller)'),
  haMasterAddress: operator('roles are decided by the operator (roleSource=controller)'),
  replicationMode: operator('use spec.broker.replicationMode'),
  minInSyncReplicas: operator('use spec.broker.minInSyncReplicas'),
  syncReplicationTimeoutMs: USER,
  haMaxLagBytes: USER,
  haMaxLagTimeMs: USER,
  haHeartbeatIntervalMs: USER,
  haPeerTimeoutMs: USER,
  haMetadataSyncIntervalMs: USER,
  remotingSpinAfterWriteUs: USER,
  adminToken: operator('the token comes from the <cluster>-admin-token Secret'),
};

/**
 * RocketMQ's broker.conf spellings the broker also accepts, mapped to our key. A copy of
 * broker/config's JAVA_KEY_ALIASES, which a test keeps equal: importing the value through
 * broker/config's index would load the store (and its native addon) into the operator.
 */
export const BROKER_KEY_ALIASES: Readonly<Record<string, ConfigKey>> = {
  mappedFileSizeCommitLog: 'commitLogSegmentBytes',
  fileReservedTime: 'fileReservedTimeHours',
  registerNameServerPeriod: 'registerIntervalMs',
  syncFlushTimeout: 'syncFlushTimeoutMs',
  flushIntervalCommitLog: 'flushIntervalCommitLogMs',
  shortPollingTimeMills: 'shortPollingTimeMs',
  storePathCommitLog: 'storePathRootDir',
  haSendHeartbeatInterval: 'haHeartbeatIntervalMs',
  haHousekeepingInterval: 'haPeerTimeoutMs',
  haSlaveFallbehindMax: 'haMaxLagBytes',
  haMaxTimeSlaveNotCatchup: 'haMaxLagTimeMs',
};

export const BROKER_CONFIG_KEYS = Object.keys(BROKER_KEY_OWNERS) as ConfigKey[];

/**
 * Why an override key is refused, or undefined when it is allowed. Unknown keys are refused too:
 * the broker refuses to start on them, and a crash-looping StatefulSet is a worse place to learn it.
 */
export function overrideKeyProblem(key: string): string | undefined {
  const ours = Object.prototype.hasOwnProperty.call(BROKER_KEY_OWNERS, key) ? (key as ConfigKey) : BROKER_KEY_ALIASES[key];
  if (ours === undefined) return `unknown broker config key ${JSON.stringify(key)}`;
  const owner = BROKER_KEY_OWNERS[ours];
  if (owner.owner === 'user') return undefined;
  const alias = ours === key ? '' : ` (RocketMQ's name for ${ours})`;
  return `${JSON.stringify(key)}${alias} is controlled by the operator: ${owner.instead}`;
}

/** The keys users may not set, our names and their RocketMQ aliases, for the CRD's CEL rule. */
export function operatorOwnedKeys(): string[] {
  const keys = BROKER_CONFIG_KEYS.filter((k) => BROKER_KEY_OWNERS[k].owner === 'operator') as string[];
  const aliases = Object.keys(BROKER_KEY_ALIASES).filter((a) => BROKER_KEY_OWNERS[BROKER_KEY_ALIASES[a]].owner === 'operator');
  return [...keys, ...aliases].sort();
}
