/**
 * The broker's one typed config object (docs/ARCHITECTURE.md: defaults <- file <- environment <-
 * flags). Names and defaults follow RocketMQ's BrokerConfig / MessageStoreConfig where one exists
 * (FACTS 8.2), so `broker.conf` habits carry over; the few new knobs carry their unit in the name.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import type { LogLevel } from '../../ops';
import { defaultIoMode } from '../store';
import type { Secret } from './secret';
import { secret } from './secret';

export const FlushDiskType = { ASYNC_FLUSH: 'ASYNC_FLUSH', SYNC_FLUSH: 'SYNC_FLUSH' } as const;
export type FlushDiskType = (typeof FlushDiskType)[keyof typeof FlushDiskType];

export const IoModeName = { mmap: 'mmap', fs: 'fs' } as const;
export type IoModeName = (typeof IoModeName)[keyof typeof IoModeName];

/** Where a broker's role comes from (docs/replication.md). */
export const RoleSource = { static: 'static', controller: 'controller' } as const;
export type RoleSource = (typeof RoleSource)[keyof typeof RoleSource];

/** The role a `roleSource: static` broker takes at start; `auto` = master for brokerId 0, else slave. */
export const BrokerRoleName = { auto: 'auto', master: 'master', slave: 'slave', none: 'none' } as const;
export type BrokerRoleName = (typeof BrokerRoleName)[keyof typeof BrokerRoleName];

export const ReplicationModeName = { async: 'async', sync: 'sync' } as const;
export type ReplicationModeName = (typeof ReplicationModeName)[keyof typeof ReplicationModeName];

export interface BrokerConfig {
  readonly brokerClusterName: string;
  readonly brokerName: string;
  /** 0 = master; slaves are 1 and up. */
  readonly brokerId: number;
  /** Address the remoting and HTTP servers bind to. */
  readonly listenHost: string;
  /** Remoting port; 0 picks a free one (tests). */
  readonly listenPort: number;
  /** Reserved for replication: listenPort + 1 unless set. */
  readonly haListenPort: number;
  /** HTTP admin, /metrics and /healthz: listenPort + 2 unless set. */
  readonly httpPort: number;
  /** Advertised IP: in brokerAddr, storeHost and offset message ids. */
  readonly brokerIP1: string;
  /** Advertised IP of the HA server. */
  readonly brokerIP2: string;
  /** Name servers to register with (`host:port;host:port` in files, env and flags). */
  readonly namesrvAddr: readonly string[];
  /** Data directory: commitlog/, consumequeue/, index/, config/. */
  readonly storePathRootDir: string;
  readonly autoCreateTopicEnable: boolean;
  readonly autoCreateSubscriptionGroup: boolean;
  /** Queues of the auto-create template TBW102 (RocketMQ's broker default 8). */
  readonly defaultTopicQueueNums: number;
  /** Largest message body in bytes (and largest batch body). */
  readonly maxMessageSize: number;
  readonly flushDiskType: FlushDiskType;
  readonly syncFlushTimeoutMs: number;
  /** Async flush period of the commit log. */
  readonly flushIntervalCommitLogMs: number;
  /** Re-registration period with every name server (RocketMQ's registerNameServerPeriod). */
  readonly registerIntervalMs: number;
  readonly registerTimeoutMs: number;
  /** Commit-log segment size (RocketMQ's mappedFileSizeCommitLog). */
  readonly commitLogSegmentBytes: number;
  /** Entries per consume-queue file (300,000 = RocketMQ's 6,000,000-byte files). */
  readonly consumeQueueEntriesPerFile: number;
  readonly ioMode: IoModeName;
  /** Retention of commit-log segments (RocketMQ's fileReservedTime). */
  readonly fileReservedTimeHours: number;
  /** Disk usage percentage above which the oldest segments go early (diskMaxUsedSpaceRatio). */
  readonly diskMaxUsedSpaceRatio: number;
  /** Disk usage percentage at which writes are refused until space returns. */
  readonly diskFullRatio: number;
  /** Index of message keys and unique ids, for QUERY_MESSAGE (messageIndexEnable). */
  readonly messageIndexEnable: boolean;
  /** Hash slots per index file (maxHashSlotNum). */
  readonly maxHashSlotNum: number;
  /** Entries per index file (maxIndexNum). */
  readonly maxIndexNum: number;
  readonly longPollingEnable: boolean;
  readonly shortPollingTimeMs: number;
  readonly logLevel: LogLevel;
  /**
   * `static`: the role comes from brokerRole, once at start (one broker, tests, fixed setups).
   * `controller`: the broker starts with role none and takes no writes until POST /role says so.
   */
  readonly roleSource: RoleSource;
  /** roleSource static only. */
  readonly brokerRole: BrokerRoleName;
  /** roleSource static, slave: the master's HA address (`host:port`); empty = wait for none. */
  readonly haMasterAddress: string;
  /** `sync`: a send is acknowledged once minInSyncReplicas in-sync slaves hold it. */
  readonly replicationMode: ReplicationModeName;
  readonly minInSyncReplicas: number;
  /** sync replication: FLUSH_SLAVE_TIMEOUT after this. */
  readonly syncReplicationTimeoutMs: number;
  /** A slave further behind than this is out of the in-sync set. */
  readonly haMaxLagBytes: number;
  /** A slave that has not caught up for this long is out of the in-sync set. */
  readonly haMaxLagTimeMs: number;
  /** Heartbeats on an idle HA connection, both ways. */
  readonly haHeartbeatIntervalMs: number;
  /** An HA peer silent for this long is dropped (the slave reconnects). */
  readonly haPeerTimeoutMs: number;
  /**
   * How often a master copies consumer offsets and subscription groups to its slaves (when they
   * changed), and a slave sends back offsets committed to it that its master has not shown yet.
   */
  readonly haMetadataSyncIntervalMs: number;
  /**
   * After writing answers the remoting server keeps polling for the next request this long (µs)
   * instead of letting the process sleep: halves the synchronous send latency on VMs, at the price
   * of some CPU under moderate, irregular traffic. 0 turns it off (remoting/spin.ts).
   */
  readonly remotingSpinAfterWriteUs: number;
  /** Bearer token for the admin API (GET /status, POST /role); empty = open. */
  readonly adminToken: Secret;
}

const MiB = 1024 * 1024;

/** First non-internal IPv4 address of this host, else loopback (RocketMQ picks a site-local address likewise). */
export function defaultBrokerIP(): string {
  for (const addresses of Object.values(os.networkInterfaces())) {
    for (const a of addresses ?? []) {
      if (a.family === 'IPv4' && !a.internal) return a.address;
    }
  }
  return '127.0.0.1';
}

/** RocketMQ defaults brokerName to the host name; ours keeps only characters a topic name may hold. */
export function defaultBrokerName(): string {
  const cleaned = os.hostname().replace(/[^a-zA-Z0-9_|%-]/g, '-');
  return cleaned.length > 0 ? cleaned.slice(0, 100) : 'broker-a';
}

/**
 * Defaults for everything except the derived ports (haListenPort, httpPort), which follow the
 * effective listenPort unless set.
 */
export function defaultBrokerConfig(): Omit<BrokerConfig, 'haListenPort' | 'httpPort' | 'brokerIP2'> {
  const ip = defaultBrokerIP();
  return {
    brokerClusterName: 'DefaultCluster',
    brokerName: defaultBrokerName(),
    brokerId: 0,
    listenHost: '0.0.0.0',
    listenPort: 10911,
    brokerIP1: ip,
    namesrvAddr: [],
    storePathRootDir: path.join(os.homedir(), 'store'),
    autoCreateTopicEnable: true,
    autoCreateSubscriptionGroup: true,
    defaultTopicQueueNums: 8,
    maxMessageSize: 4 * MiB,
    flushDiskType: FlushDiskType.ASYNC_FLUSH,
    syncFlushTimeoutMs: 5000,
    flushIntervalCommitLogMs: 500,
    registerIntervalMs: 30_000,
    registerTimeoutMs: 6000,
    commitLogSegmentBytes: 1024 * MiB,
    consumeQueueEntriesPerFile: 300_000,
    ioMode: defaultIoMode() === 'mmap' ? IoModeName.mmap : IoModeName.fs,
    fileReservedTimeHours: 72,
    diskMaxUsedSpaceRatio: 75,
    diskFullRatio: 90,
    messageIndexEnable: true,
    maxHashSlotNum: 5_000_000,
    maxIndexNum: 20_000_000,
    longPollingEnable: true,
    shortPollingTimeMs: 1000,
    logLevel: 'info',
    roleSource: RoleSource.static,
    brokerRole: BrokerRoleName.auto,
    haMasterAddress: '',
    replicationMode: ReplicationModeName.async,
    minInSyncReplicas: 1,
    syncReplicationTimeoutMs: 3000,
    haMaxLagBytes: 4 * MiB,
    haMaxLagTimeMs: 15_000,
    haHeartbeatIntervalMs: 1000,
    haPeerTimeoutMs: 5000,
    haMetadataSyncIntervalMs: 5000,
    remotingSpinAfterWriteUs: 100,
    adminToken: secret(''),
  };
}

/** The derived ports: HA = listen + 1, HTTP = listen + 2 (0 stays 0 so tests get free ports). */
export function derivedPort(listenPort: number, offset: number): number {
  return listenPort === 0 ? 0 : listenPort + offset;
}

/** `host:port;host:port` (RocketMQ's separator; commas and spaces are accepted too). */
export function splitNamesrvAddr(text: string): string[] {
  return text
    .split(/[;,\s]+/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/** The role a static broker takes: brokerRole, with `auto` resolved by brokerId. */
export function staticRoleOf(c: Pick<BrokerConfig, 'brokerRole' | 'brokerId'>): 'master' | 'slave' | 'none' {
  if (c.brokerRole !== BrokerRoleName.auto) return c.brokerRole;
  return c.brokerId === 0 ? BrokerRoleName.master : BrokerRoleName.slave;
}
