/**
 * The name server's route table (FACTS 5): which brokers are alive, which broker groups form which
 * cluster, and which queues each topic has on which broker group. Pure: no I/O, no timers; time comes
 * from the injected clock and expiry runs when the owner calls `scanExpired`.
 *
 * Tables, in RocketMQ's vocabulary:
 * - topic -> brokerName -> QueueData (queue counts, perm, sysFlag), written only from master
 *   registrations (brokerId 0) and only when the broker's dataVersion changed or it is new;
 * - brokerName -> broker group (cluster, brokerId -> brokerAddr; 0 is the master);
 * - cluster -> brokerNames;
 * - brokerAddr -> live registration (identity, haServerAddr, dataVersion, last heard, connection).
 *
 * A broker that has not re-registered for its timeout (120 s unless the broker asked otherwise) is
 * removed, as is every broker registered over a connection that closed. When a broker group loses its
 * last address, its queue data goes with it, and topics left without queue data disappear.
 *
 * Deviation from RocketMQ, on purpose: removing a broker removes `brokerAddrs[brokerId]` only while
 * that id still maps to the broker's own address. After a failover the new master owns id 0; a late
 * unregister or expiry of the old master must not take the new master out of the route.
 */
import type { BrokerData, ClusterInfo, DataVersion, QueueData, TopicRouteData } from '../protocol';
import { MASTER_ID, PERM_WRITE } from '../protocol';
import type { Clock } from '../stdx';
import { assert } from '../stdx';

/** Broker silent for this long is dropped (`DEFAULT_BROKER_CHANNEL_EXPIRED_TIME`). */
export const DEFAULT_BROKER_EXPIRY_MS = 120_000;

/** The slice of a broker's TopicConfig the route needs. */
export interface TopicQueueConfig {
  readonly topicName: string;
  readonly readQueueNums: number;
  readonly writeQueueNums: number;
  readonly perm: number;
  readonly topicSysFlag: number;
}

export interface BrokerIdentity {
  readonly clusterName: string;
  readonly brokerAddr: string;
  readonly brokerName: string;
  readonly brokerId: number;
}

export interface BrokerRegistration extends BrokerIdentity {
  /** `brokerIP2:haListenPort`; handed to slaves as their master's HA address. */
  readonly haServerAddr: string;
  readonly topicConfigs: readonly TopicQueueConfig[];
  readonly dataVersion: DataVersion;
  readonly filterServerList?: readonly string[];
  /** 5.x brokers may ask for their own expiry; otherwise the table's default applies. */
  readonly heartbeatTimeoutMs?: number;
  readonly enableActingMaster?: boolean;
  readonly zoneName?: string;
  /** The connection the registration came over; closing it removes the broker. */
  readonly channelId?: number;
}

export type RegisterOutcome =
  /** Registered; `masterAddr`/`haServerAddr` are set for a slave whose master is registered. */
  | { readonly kind: 'registered'; readonly firstRegistration: boolean; readonly topicsUpdated: boolean; readonly masterAddr?: string; readonly haServerAddr?: string }
  /**
   * Refused: another address holds this brokerId with a newer stateVersion (a master from an older
   * epoch re-registering after failover). RocketMQ 5 ignores such registrations the same way.
   */
  | { readonly kind: 'stale'; readonly currentAddr: string };

export interface RemovedBroker extends BrokerIdentity {
  readonly reason: 'unregistered' | 'expired' | 'channel-closed' | 'replaced';
  /** True when the broker group lost its last address and its queue data was removed. */
  readonly brokerNameRemoved: boolean;
}

export interface LiveBrokerInfo extends BrokerIdentity {
  readonly haServerAddr: string;
  readonly dataVersion: DataVersion;
  readonly lastUpdateMs: number;
  readonly timeoutMs: number;
}

export interface RouteTableOptions {
  readonly clock: Clock;
  readonly brokerExpiryMs?: number;
  /**
   * When a master registers a new dataVersion, drop the queue data of topics it no longer lists
   * (RocketMQ 5's `deleteTopicWithBrokerRegistration`, off by default there too).
   */
  readonly deleteTopicWithBrokerRegistration?: boolean;
}

export interface RouteTableStats {
  /** Live broker addresses. */
  readonly brokers: number;
  readonly brokerNames: number;
  readonly clusters: number;
  readonly topics: number;
}

interface BrokerGroup {
  readonly cluster: string;
  readonly brokerName: string;
  readonly brokerAddrs: Map<number, string>;
  enableActingMaster: boolean;
  zoneName: string | undefined;
}

interface LiveBroker {
  identity: BrokerIdentity;
  haServerAddr: string;
  dataVersion: DataVersion;
  lastUpdateMs: number;
  timeoutMs: number;
  channelId: number | undefined;
  filterServerList: readonly string[];
}

function sameDataVersion(a: DataVersion, b: DataVersion): boolean {
  return a.counter === b.counter && a.timestamp === b.timestamp && a.stateVersion === b.stateVersion;
}

function sameQueueData(a: QueueData, b: QueueData): boolean {
  return (
    a.readQueueNums === b.readQueueNums &&
    a.writeQueueNums === b.writeQueueNums &&
    a.perm === b.perm &&
    a.topicSysFlag === b.topicSysFlag
  );
}

function byName(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export class RouteTable {
  private readonly clock: Clock;
  private readonly brokerExpiryMs: number;
  private readonly deleteTopicWithBrokerRegistration: boolean;
  private readonly topicQueues = new Map<string, Map<string, QueueData>>();
  private readonly brokerGroups = new Map<string, BrokerGroup>();
  private readonly clusters = new Map<string, Set<string>>();
  /** Keyed by brokerAddr: one address is one broker process. */
  private readonly live = new Map<string, LiveBroker>();

  constructor(options: RouteTableOptions) {
    this.clock = options.clock;
    this.brokerExpiryMs = options.brokerExpiryMs ?? DEFAULT_BROKER_EXPIRY_MS;
    this.deleteTopicWithBrokerRegistration = options.deleteTopicWithBrokerRegistration ?? false;
    assert(Number.isSafeInteger(this.brokerExpiryMs) && this.brokerExpiryMs > 0, 'brokerExpiryMs must be a positive integer');
  }

  // ------------------------------------------------------------------------------------ registration

  register(reg: BrokerRegistration): RegisterOutcome {
    assert(Number.isSafeInteger(reg.brokerId), `brokerId must be an integer, got ${reg.brokerId}`);
    const previous = this.live.get(reg.brokerAddr);
    // The same address under another name or cluster is a reconfigured broker: forget the old identity.
    if (previous !== undefined && (previous.identity.brokerName !== reg.brokerName || previous.identity.clusterName !== reg.clusterName)) {
      this.removeLive(previous, 'replaced');
    }
    const stale = this.staleHolderOf(reg);
    if (stale !== undefined) {
      // Like RocketMQ 5: the refused address also loses its live entry.
      const own = this.live.get(reg.brokerAddr);
      if (own !== undefined) this.removeLive(own, 'replaced');
      return { kind: 'stale', currentAddr: stale };
    }

    const firstRegistration = this.joinGroup(reg);
    const liveBefore = this.live.get(reg.brokerAddr);
    const versionChanged = liveBefore === undefined || !sameDataVersion(liveBefore.dataVersion, reg.dataVersion);
    let topicsUpdated = false;
    if (reg.brokerId === MASTER_ID && (versionChanged || firstRegistration)) {
      this.applyTopicConfigs(reg.brokerName, reg.topicConfigs);
      topicsUpdated = true;
    }
    this.recordLive(reg);
    if (reg.brokerId === MASTER_ID) return { kind: 'registered', firstRegistration, topicsUpdated };
    const masterAddr = this.brokerGroups.get(reg.brokerName)?.brokerAddrs.get(MASTER_ID);
    const master = masterAddr === undefined ? undefined : this.live.get(masterAddr);
    if (masterAddr === undefined || master === undefined) return { kind: 'registered', firstRegistration, topicsUpdated };
    return { kind: 'registered', firstRegistration, topicsUpdated, masterAddr, haServerAddr: master.haServerAddr };
  }

  /** Puts the address into its cluster and broker group; true when the group or the id is new. */
  private joinGroup(reg: BrokerRegistration): boolean {
    const clusterBrokers = this.clusters.get(reg.clusterName) ?? new Set<string>();
    clusterBrokers.add(reg.brokerName);
    this.clusters.set(reg.clusterName, clusterBrokers);
    let group = this.brokerGroups.get(reg.brokerName);
    const newGroup = group === undefined;
    if (group === undefined) {
      group = { cluster: reg.clusterName, brokerName: reg.brokerName, brokerAddrs: new Map(), enableActingMaster: false, zoneName: undefined };
      this.brokerGroups.set(reg.brokerName, group);
    }
    group.enableActingMaster = reg.enableActingMaster === true;
    if (reg.zoneName !== undefined) group.zoneName = reg.zoneName;
    // A slave promoted to master (or the reverse) re-registers the same address under a new id:
    // one address keeps one entry.
    for (const [id, addr] of group.brokerAddrs) {
      if (addr === reg.brokerAddr && id !== reg.brokerId) group.brokerAddrs.delete(id);
    }
    const oldAddr = group.brokerAddrs.get(reg.brokerId);
    group.brokerAddrs.set(reg.brokerId, reg.brokerAddr);
    return newGroup || oldAddr === undefined;
  }

  private recordLive(reg: BrokerRegistration): void {
    this.live.set(reg.brokerAddr, {
      identity: { clusterName: reg.clusterName, brokerAddr: reg.brokerAddr, brokerName: reg.brokerName, brokerId: reg.brokerId },
      haServerAddr: reg.haServerAddr,
      dataVersion: { ...reg.dataVersion },
      lastUpdateMs: this.clock.monotonicMs(),
      timeoutMs: reg.heartbeatTimeoutMs !== undefined && reg.heartbeatTimeoutMs > 0 ? reg.heartbeatTimeoutMs : this.brokerExpiryMs,
      channelId: reg.channelId,
      filterServerList: [...(reg.filterServerList ?? [])],
    });
  }

  /**
   * The address already holding `reg.brokerId` in its group, when that holder is alive and carries a
   * newer stateVersion than the registration: the registration comes from a superseded epoch.
   */
  private staleHolderOf(reg: BrokerRegistration): string | undefined {
    const holder = this.brokerGroups.get(reg.brokerName)?.brokerAddrs.get(reg.brokerId);
    if (holder === undefined || holder === reg.brokerAddr) return undefined;
    const holderLive = this.live.get(holder);
    if (holderLive === undefined) return undefined;
    return holderLive.dataVersion.stateVersion > reg.dataVersion.stateVersion ? holder : undefined;
  }

  private applyTopicConfigs(brokerName: string, configs: readonly TopicQueueConfig[]): void {
    const listed = new Set<string>();
    for (const config of configs) {
      listed.add(config.topicName);
      const queue: QueueData = {
        brokerName,
        readQueueNums: config.readQueueNums,
        writeQueueNums: config.writeQueueNums,
        perm: config.perm,
        topicSysFlag: config.topicSysFlag,
      };
      const byBroker = this.topicQueues.get(config.topicName) ?? new Map<string, QueueData>();
      const existing = byBroker.get(brokerName);
      if (existing === undefined || !sameQueueData(existing, queue)) byBroker.set(brokerName, queue);
      this.topicQueues.set(config.topicName, byBroker);
    }
    if (!this.deleteTopicWithBrokerRegistration) return;
    for (const [topic, byBroker] of this.topicQueues) {
      if (listed.has(topic) || !byBroker.delete(brokerName)) continue;
      if (byBroker.size === 0) this.topicQueues.delete(topic);
    }
  }

  /** UNREGISTER_BROKER: the broker leaves. Returns what was removed, if the address was known. */
  unregister(identity: BrokerIdentity): RemovedBroker | undefined {
    const live = this.live.get(identity.brokerAddr);
    if (live !== undefined) return this.removeLive(live, 'unregistered');
    // Not live (expired already), but a group entry may remain from a registration we never timed out.
    return this.removeIdentity(identity, 'unregistered');
  }

  /** Every broker registered over this connection, removed (the connection closed). */
  removeByChannel(channelId: number): RemovedBroker[] {
    const removed: RemovedBroker[] = [];
    for (const live of [...this.live.values()]) {
      if (live.channelId === channelId) removed.push(this.removeLive(live, 'channel-closed'));
    }
    return removed;
  }

  /** Removes brokers not heard from within their timeout. `nowMs` is on the clock's monotonic scale. */
  scanExpired(nowMs: number = this.clock.monotonicMs()): RemovedBroker[] {
    const removed: RemovedBroker[] = [];
    for (const live of [...this.live.values()]) {
      if (live.lastUpdateMs + live.timeoutMs < nowMs) removed.push(this.removeLive(live, 'expired'));
    }
    return removed;
  }

  /** Refreshes a live broker (QUERY_DATA_VERSION with no change, BROKER_HEARTBEAT). False when unknown. */
  touch(brokerAddr: string): boolean {
    const live = this.live.get(brokerAddr);
    if (live === undefined) return false;
    live.lastUpdateMs = this.clock.monotonicMs();
    return true;
  }

  /** The dataVersion the broker last registered, if it is live. */
  dataVersionOf(brokerAddr: string): DataVersion | undefined {
    const live = this.live.get(brokerAddr);
    return live === undefined ? undefined : { ...live.dataVersion };
  }

  /** Whether a registration with `dataVersion` would carry news (QUERY_DATA_VERSION). */
  isTopicConfigChanged(brokerAddr: string, dataVersion: DataVersion): boolean {
    const live = this.live.get(brokerAddr);
    return live === undefined || !sameDataVersion(live.dataVersion, dataVersion);
  }

  private removeLive(live: LiveBroker, reason: RemovedBroker['reason']): RemovedBroker {
    this.live.delete(live.identity.brokerAddr);
    return this.removeIdentity(live.identity, reason);
  }

  private removeIdentity(identity: BrokerIdentity, reason: RemovedBroker['reason']): RemovedBroker {
    const group = this.brokerGroups.get(identity.brokerName);
    let brokerNameRemoved = false;
    if (group !== undefined) {
      if (group.brokerAddrs.get(identity.brokerId) === identity.brokerAddr) group.brokerAddrs.delete(identity.brokerId);
      if (group.brokerAddrs.size === 0) {
        this.brokerGroups.delete(identity.brokerName);
        brokerNameRemoved = true;
        this.forgetBrokerName(group.cluster, identity.brokerName);
      }
    }
    return { ...identity, reason, brokerNameRemoved };
  }

  private forgetBrokerName(cluster: string, brokerName: string): void {
    const names = this.clusters.get(cluster);
    if (names !== undefined) {
      names.delete(brokerName);
      if (names.size === 0) this.clusters.delete(cluster);
    }
    for (const [topic, byBroker] of this.topicQueues) {
      if (byBroker.delete(brokerName) && byBroker.size === 0) this.topicQueues.delete(topic);
    }
  }

  // ----------------------------------------------------------------------------------------- queries

  /** GET_ROUTEINFO_BY_TOPIC; undefined means TOPIC_NOT_EXIST (no queue data or no live broker group). */
  routeOf(topic: string): TopicRouteData | undefined {
    const byBroker = this.topicQueues.get(topic);
    if (byBroker === undefined || byBroker.size === 0) return undefined;
    const brokerNames = [...byBroker.keys()].sort(byName);
    const brokerDatas: BrokerData[] = [];
    const filterServerTable: Record<string, string[]> = {};
    for (const brokerName of brokerNames) {
      const group = this.brokerGroups.get(brokerName);
      if (group === undefined) continue;
      brokerDatas.push(this.brokerDataOf(group));
      for (const addr of group.brokerAddrs.values()) {
        const filters = this.live.get(addr)?.filterServerList ?? [];
        if (filters.length > 0) filterServerTable[addr] = [...filters];
      }
    }
    if (brokerDatas.length === 0) return undefined;
    return {
      queueDatas: brokerNames.map((name) => ({ ...(byBroker.get(name) as QueueData) })),
      brokerDatas,
      filterServerTable,
    };
  }

  /** GET_BROKER_CLUSTER_INFO. */
  clusterInfo(): ClusterInfo {
    const brokerAddrTable: Record<string, BrokerData> = {};
    for (const name of [...this.brokerGroups.keys()].sort(byName)) brokerAddrTable[name] = this.brokerDataOf(this.brokerGroups.get(name) as BrokerGroup);
    const clusterAddrTable: Record<string, string[]> = {};
    for (const cluster of [...this.clusters.keys()].sort(byName)) clusterAddrTable[cluster] = [...(this.clusters.get(cluster) as Set<string>)].sort(byName);
    return { brokerAddrTable, clusterAddrTable };
  }

  /** GET_ALL_TOPIC_LIST_FROM_NAMESERVER. */
  topicList(): string[] {
    return [...this.topicQueues.keys()].sort(byName);
  }

  /** GET_TOPICS_BY_CLUSTER: topics with queues on any broker group of the cluster. */
  topicsByCluster(cluster: string): string[] {
    const names = this.clusters.get(cluster);
    if (names === undefined) return [];
    const topics: string[] = [];
    for (const [topic, byBroker] of this.topicQueues) {
      if ([...byBroker.keys()].some((name) => names.has(name))) topics.push(topic);
    }
    return topics.sort(byName);
  }

  liveBrokers(): LiveBrokerInfo[] {
    return [...this.live.values()]
      .map((live) => ({ ...live.identity, haServerAddr: live.haServerAddr, dataVersion: { ...live.dataVersion }, lastUpdateMs: live.lastUpdateMs, timeoutMs: live.timeoutMs }))
      .sort((a, b) => byName(a.brokerAddr, b.brokerAddr));
  }

  stats(): RouteTableStats {
    return { brokers: this.live.size, brokerNames: this.brokerGroups.size, clusters: this.clusters.size, topics: this.topicQueues.size };
  }

  private brokerDataOf(group: BrokerGroup): BrokerData {
    const brokerAddrs: Record<number, string> = {};
    for (const id of [...group.brokerAddrs.keys()].sort((a, b) => a - b)) brokerAddrs[id] = group.brokerAddrs.get(id) as string;
    const data: BrokerData = { cluster: group.cluster, brokerName: group.brokerName, brokerAddrs, enableActingMaster: group.enableActingMaster };
    if (group.zoneName !== undefined) data.zoneName = group.zoneName;
    return data;
  }

  // ------------------------------------------------------------------------------------------ admin

  /**
   * WIPE_WRITE_PERM_OF_BROKER: clears the write bit of every queue the broker group serves, so
   * producers stop choosing it (scale-down, maintenance). Survives re-registrations with an unchanged
   * dataVersion; a new dataVersion from the master restores the broker's own perms. Returns the
   * number of topics changed.
   */
  wipeWritePerm(brokerName: string): number {
    return this.updatePerm(brokerName, (perm) => perm & ~PERM_WRITE);
  }

  /** ADD_WRITE_PERM_OF_BROKER: the reverse of `wipeWritePerm`. */
  addWritePerm(brokerName: string): number {
    return this.updatePerm(brokerName, (perm) => perm | PERM_WRITE);
  }

  private updatePerm(brokerName: string, change: (perm: number) => number): number {
    let count = 0;
    for (const byBroker of this.topicQueues.values()) {
      const queue = byBroker.get(brokerName);
      if (queue === undefined) continue;
      byBroker.set(brokerName, { ...queue, perm: change(queue.perm) });
      count++;
    }
    return count;
  }

  /**
   * DELETE_TOPIC_IN_NAMESRV: with a cluster name only that cluster's queue data goes, otherwise the
   * whole topic. Returns whether anything was removed. A master re-registering the topic with a new
   * dataVersion brings it back, as in RocketMQ: delete it on the brokers first.
   */
  deleteTopic(topic: string, clusterName?: string): boolean {
    const byBroker = this.topicQueues.get(topic);
    if (byBroker === undefined) return false;
    if (clusterName === undefined) return this.topicQueues.delete(topic);
    const names = this.clusters.get(clusterName);
    if (names === undefined) return false;
    let removed = false;
    for (const name of names) removed = byBroker.delete(name) || removed;
    if (byBroker.size === 0) this.topicQueues.delete(topic);
    return removed;
  }
}
