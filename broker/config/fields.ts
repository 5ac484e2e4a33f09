/**
 * The config keys as data: kind, bounds and help text of each, plus the names RocketMQ's
 * `broker.conf` uses for the same setting. Loading (load.ts) reads every source through this one
 * table, so a key is described once and its env variable and flag are derived from its name.
 */
import { LogLevels } from '../../ops';
import type { BrokerConfig } from './broker-config';
import { BrokerRoleName, FlushDiskType, IoModeName, ReplicationModeName, RoleSource } from './broker-config';

export type ConfigKey = keyof BrokerConfig;

export type FieldSpec =
  | { readonly kind: 'string'; readonly help: string }
  | { readonly kind: 'int'; readonly help: string; readonly min: number; readonly max: number }
  | { readonly kind: 'bool'; readonly help: string }
  | { readonly kind: 'enum'; readonly help: string; readonly values: readonly string[] }
  | { readonly kind: 'list'; readonly help: string }
  /** Text that must not be printed (config.Secret). */
  | { readonly kind: 'secret'; readonly help: string };

/** RocketMQ's brokerRole values, read as ours (SYNC_MASTER also means replicationMode sync). */
export const JAVA_BROKER_ROLES = { ASYNC_MASTER: 'master', SYNC_MASTER: 'master', SLAVE: 'slave' } as const;

const MAX_INT = Number.MAX_SAFE_INTEGER;
const GiB = 1024 * 1024 * 1024;

export const CONFIG_FIELDS: { readonly [K in ConfigKey]: FieldSpec } = {
  brokerClusterName: { kind: 'string', help: 'cluster name (default DefaultCluster)' },
  brokerName: { kind: 'string', help: 'broker group name (default: host name)' },
  brokerId: { kind: 'int', help: '0 = master, >= 1 = slave', min: 0, max: MAX_INT },
  listenHost: { kind: 'string', help: 'bind address of the remoting and HTTP servers (default 0.0.0.0)' },
  listenPort: { kind: 'int', help: 'remoting port (default 10911; 0 = any free port)', min: 0, max: 65535 },
  haListenPort: { kind: 'int', help: 'HA port, reserved (default listenPort + 1)', min: 0, max: 65535 },
  httpPort: { kind: 'int', help: 'HTTP /metrics, /healthz port (default listenPort + 2)', min: 0, max: 65535 },
  brokerIP1: { kind: 'string', help: 'advertised IP (default: first non-internal IPv4, else 127.0.0.1)' },
  brokerIP2: { kind: 'string', help: 'advertised HA IP (default brokerIP1)' },
  namesrvAddr: { kind: 'list', help: 'name servers, host:port;host:port' },
  storePathRootDir: { kind: 'string', help: 'data directory (default $HOME/store)' },
  autoCreateTopicEnable: { kind: 'bool', help: 'create unknown topics on first send from TBW102 (default true)' },
  autoCreateSubscriptionGroup: { kind: 'bool', help: 'create unknown consumer groups (default true)' },
  defaultTopicQueueNums: { kind: 'int', help: 'queues of the auto-create template TBW102 (default 8)', min: 1, max: 1024 },
  maxMessageSize: { kind: 'int', help: 'largest message (and batch) body in bytes (default 4194304)', min: 1, max: 15 * 1024 * 1024 },
  flushDiskType: { kind: 'enum', help: 'ASYNC_FLUSH or SYNC_FLUSH (default ASYNC_FLUSH)', values: Object.values(FlushDiskType) },
  syncFlushTimeoutMs: { kind: 'int', help: 'SYNC_FLUSH: reply FLUSH_DISK_TIMEOUT after this (default 5000)', min: 1, max: MAX_INT },
  flushIntervalCommitLogMs: { kind: 'int', help: 'ASYNC_FLUSH: commit log flush period (default 500)', min: 1, max: MAX_INT },
  registerIntervalMs: { kind: 'int', help: 'name server re-registration period (default 30000)', min: 100, max: 3_600_000 },
  registerTimeoutMs: { kind: 'int', help: 'timeout of one registration (default 6000)', min: 1, max: 600_000 },
  commitLogSegmentBytes: { kind: 'int', help: 'commit log segment size (default 1 GiB)', min: 4096, max: 64 * GiB },
  consumeQueueEntriesPerFile: { kind: 'int', help: 'entries per consume-queue file (default 300000)', min: 1, max: 100_000_000 },
  ioMode: { kind: 'enum', help: 'mmap (native addon) or fs (default mmap when the addon loads)', values: Object.values(IoModeName) },
  fileReservedTimeHours: { kind: 'int', help: 'commit log retention in hours (default 72)', min: 1, max: 100_000 },
  diskMaxUsedSpaceRatio: { kind: 'int', help: 'disk usage % above which old segments go early (default 75)', min: 1, max: 100 },
  diskFullRatio: { kind: 'int', help: 'disk usage % at which writes are refused (default 90)', min: 1, max: 100 },
  messageIndexEnable: { kind: 'bool', help: 'index message keys for QUERY_MESSAGE (default true)' },
  maxHashSlotNum: { kind: 'int', help: 'hash slots per index file (default 5000000)', min: 1, max: 50_000_000 },
  maxIndexNum: { kind: 'int', help: 'entries per index file (default 20000000)', min: 1, max: 200_000_000 },
  longPollingEnable: { kind: 'bool', help: 'hold pulls until messages arrive (default true)' },
  shortPollingTimeMs: { kind: 'int', help: 'hold time of pulls when long polling is off (default 1000)', min: 1, max: 600_000 },
  logLevel: { kind: 'enum', help: 'error, warn, info or debug (default info)', values: LogLevels },
  roleSource: { kind: 'enum', help: 'static (brokerRole at start) or controller (role none until POST /role) (default static)', values: Object.values(RoleSource) },
  brokerRole: {
    kind: 'enum',
    help: 'static role: auto (master if brokerId is 0, else slave), master, slave, none; RocketMQ ASYNC_MASTER, SYNC_MASTER, SLAVE accepted (default auto)',
    values: [...Object.values(BrokerRoleName), ...Object.keys(JAVA_BROKER_ROLES)],
  },
  haMasterAddress: { kind: 'string', help: 'static slave: the master HA address host:port (default none)' },
  replicationMode: { kind: 'enum', help: 'async or sync: acknowledge sends once minInSyncReplicas slaves hold them (default async)', values: Object.values(ReplicationModeName) },
  minInSyncReplicas: { kind: 'int', help: 'sync replication: slaves that must hold a message (default 1)', min: 0, max: 16 },
  syncReplicationTimeoutMs: { kind: 'int', help: 'sync replication: FLUSH_SLAVE_TIMEOUT after this (default 3000)', min: 1, max: 600_000 },
  haMaxLagBytes: { kind: 'int', help: 'a slave further behind leaves the in-sync set (default 4194304)', min: 1, max: 64 * GiB },
  haMaxLagTimeMs: { kind: 'int', help: 'a slave not caught up for this long leaves the in-sync set (default 15000)', min: 1, max: 3_600_000 },
  haHeartbeatIntervalMs: { kind: 'int', help: 'heartbeat period of idle HA connections (default 1000)', min: 10, max: 600_000 },
  haPeerTimeoutMs: { kind: 'int', help: 'an HA peer silent this long is dropped (default 5000)', min: 20, max: 3_600_000 },
  haMetadataSyncIntervalMs: { kind: 'int', help: 'period of copying consumer offsets and subscription groups to slaves, and slave-taken offsets back (default 5000)', min: 10, max: 3_600_000 },
  remotingSpinAfterWriteUs: { kind: 'int', help: 'µs the remoting server keeps polling for the next request after answering; lower latency for some CPU (default 100, 0 = off)', min: 0, max: 10_000 },
  adminToken: { kind: 'secret', help: 'bearer token for GET /status and POST /role (default: none, open)' },
};

export const CONFIG_KEYS = Object.keys(CONFIG_FIELDS) as ConfigKey[];

/** RocketMQ `broker.conf` names of our keys, accepted in config files. */
export const JAVA_KEY_ALIASES: Readonly<Record<string, ConfigKey>> = {
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

/** RocketMQ settings we accept in a `broker.conf` but do not act on; they are reported, not refused. */
export const IGNORED_JAVA_KEYS: ReadonlySet<string> = new Set([
  'deleteWhen',
  'brokerPermission',
  'sendMessageThreadPoolNums',
  'pullMessageThreadPoolNums',
  'useReentrantLockWhenPutMessage',
  'waitTimeMillsInSendQueue',
  'osPageCacheBusyTimeOutMills',
  'transientStorePoolEnable',
  'mappedFileSizeConsumeQueue',
  'enablePropertyFilter',
  'traceTopicEnable',
  'aclEnable',
  'enableDLegerCommitLog',
  'messageDelayLevel',
]);

/** brokerIP1 -> BROKER_IP1, namesrvAddr -> NAMESRV_ADDR. */
export function envNameOf(key: ConfigKey): string {
  return `ROCKET_BROKER_${key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase()}`;
}

/** brokerIP1 -> --broker-ip1, namesrvAddr -> --namesrv-addr. */
export function flagNameOf(key: ConfigKey): string {
  return `--${key.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase()}`;
}
