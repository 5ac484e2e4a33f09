/**
 * A broker's part in its replica group: its role (none, master, slave) and epoch, the write gate the
 * send path asks, the HA server (serving slaves while this broker is master) and the link to a master
 * (while it is a slave), sync-replication waits, and the status the controller reads.
 *
 * Roles are given, never guessed: by a role command (POST /role from the controller) or, with
 * `roleSource: static`, once at start. Role changes run one at a time. Stopping writes never waits:
 * `fence()` and the first step of every demotion take effect before anything is awaited.
 */
import type { ServerLogger } from '../../ops';
import { ResponseCode } from '../../protocol';
import type { Clock, Result } from '../../stdx';
import { err, ok } from '../../stdx';
import type { EpochEntry } from './epoch';
import { lastEpoch, lastEntry } from './epoch';
import { EpochFile } from './epoch-file';
import { HA_PROTOCOL_VERSION } from './frames';
import { isInSync, kthHighest } from './in-sync';
import type { MasterState, RawLogReader, SlaveConnection } from './master-link';
import { HaServer } from './master-link';
import type { ReplicaMetadata } from './metadata-sync';
import { DEFAULT_METADATA_SYNC_INTERVAL_MS, MetadataSync } from './metadata-sync';
import type { RawLogWriter } from './slave-link';
import { SlaveLink } from './slave-link';
import { ReplicationWaiters, WaitOutcome } from './sync-waiters';
import type { ReplicationStatus, SlaveStatus } from './status';

export const Role = { NONE: 'none', MASTER: 'master', SLAVE: 'slave' } as const;
export type Role = (typeof Role)[keyof typeof Role];

export const ReplicationMode = { ASYNC: 'async', SYNC: 'sync' } as const;
export type ReplicationMode = (typeof ReplicationMode)[keyof typeof ReplicationMode];

/** Sends waiting for slaves at most; beyond, a send is answered FLUSH_SLAVE_TIMEOUT at once. */
export const MAX_SYNC_WAITERS = 100_000;

export interface ReplicationOptions {
  readonly brokerName: string;
  /** This broker's id in its group (config brokerId): the id it registers with as a slave. */
  readonly replicaBrokerId: number;
  readonly segmentBytes: number;
  readonly replicationMode: ReplicationMode;
  readonly minInSyncReplicas: number;
  readonly syncReplicationTimeoutMs: number;
  readonly haMaxLagBytes: number;
  readonly haMaxLagTimeMs: number;
  readonly haHeartbeatIntervalMs: number;
  readonly haPeerTimeoutMs: number;
  /** Period of consumer-state copies to slaves and of slave commits sent back; default 5000. */
  readonly metadataSyncIntervalMs?: number;
}

/** Replication's narrow view of the store. */
export interface ReplicaStore extends RawLogReader, RawLogWriter {
  readonly dispatchedOffset: number;
  /** The end of the last whole record: below the log end while a replicated record is still arriving. */
  readonly wholeRecordsEnd: number;
}

export interface ReplicationDeps {
  readonly store: ReplicaStore;
  readonly epochFilePath: string;
  readonly clock: Clock;
  readonly logger: ServerLogger;
  /** `ip:port` of this broker's remoting server. */
  brokerAddr(): string;
  /** Role or registered id changed: re-register with the name servers. */
  onRoleChange(): void;
  /** Metadata copied to slaves (topics, consumer offsets, subscription groups) and slave commits taken back. */
  readonly metadata?: ReplicaMetadata;
}

export type RoleCommand =
  | {
      readonly role: 'master';
      readonly epoch: number;
      readonly writable?: boolean;
      /**
       * The in-sync set the controller confirmed (remoting addresses; the master's own may be among
       * them) and its syncStateSetEpoch; given together or not at all.
       */
      readonly inSyncSet?: readonly string[];
      readonly syncStateSetEpoch?: number;
    }
  | { readonly role: 'slave'; readonly epoch: number; readonly masterAddress?: string; readonly brokerId?: number };

/** An in-sync set the controller confirmed to this master. */
interface ConfirmedSet {
  readonly members: readonly string[];
  readonly syncStateSetEpoch: number;
}

export interface RoleError {
  readonly status: 400 | 409 | 503;
  readonly message: string;
}

export class ReplicationService {
  private role: Role = Role.NONE;
  /** Newest epoch this broker was told of or met (a role command, a slave's handshake). */
  private knownEpoch = 0;
  private writable = false;
  private slaveBrokerId: number | undefined;
  private registeredId: number;
  /** The epoch of the role last taken; registration's stateVersion (a stepped-down master keeps its old one). */
  private roleEpoch = 0;
  private epochStartOffset = 0;
  private confirmed = 0;
  private fencedReason: string | undefined;
  /**
   * The in-sync set the controller confirmed for the current master epoch; undefined until one is
   * given. Once given, only slaves in it count for sync replication: the controller elects only from
   * its set, so an ack from a slave outside it protects nothing.
   */
  private confirmedSet: ConfirmedSet | undefined;
  private readonly epochs: EpochFile;
  private readonly server: HaServer;
  private link: SlaveLink | undefined;
  private readonly waiters: ReplicationWaiters;
  private transitions: Promise<unknown> = Promise.resolve();
  private haPort = 0;
  private readonly logger: ServerLogger;
  private readonly metadata: MetadataSync;

  constructor(
    private readonly options: ReplicationOptions,
    private readonly deps: ReplicationDeps,
  ) {
    this.logger = deps.logger;
    this.registeredId = options.replicaBrokerId;
    this.epochs = new EpochFile(deps.epochFilePath);
    this.waiters = new ReplicationWaiters(deps.clock, options.syncReplicationTimeoutMs, MAX_SYNC_WAITERS);
    this.metadata = new MetadataSync(deps.metadata, {
      role: () => this.role,
      broadcast: (json) => this.server.broadcastMetadata(json),
      sendToMaster: (json) => this.link?.sendReplicaOffsets(json) ?? false,
      logger: deps.logger,
    });
    this.server = new HaServer(
      deps.store,
      {
        brokerName: options.brokerName,
        segmentBytes: options.segmentBytes,
        masterState: () => this.masterState(),
        newerEpochSeen: (epoch, slave) => this.fence(`slave ${slave} knows the newer epoch ${epoch}`, epoch),
        progressed: () => this.onProgress(),
        metadataJson: () => this.metadata.handshakeSnapshot(),
        replicaOffsets: (value, slave) => this.metadata.replicaOffsets(value, slave),
        warn: (m, meta) => this.logger.warn(m, meta),
        info: (m, meta) => this.logger.info(m, meta),
      },
      deps.clock,
      { heartbeatIntervalMs: options.haHeartbeatIntervalMs, peerTimeoutMs: options.haPeerTimeoutMs },
    );
  }

  /** Loads the epoch file, dropping entries that begin beyond the (recovered) log. */
  async open(): Promise<Result<void, string>> {
    const loaded = await this.epochs.load();
    if (!loaded.ok) return err(`cannot load the epoch file: ${loaded.error}`);
    await this.epochs.clampTo(this.deps.store.commitLogMaxOffset);
    this.knownEpoch = lastEpoch(this.epochs.entries);
    return ok(undefined);
  }

  async listen(port: number, host: string): Promise<Result<number, string>> {
    const listening = await this.server.listen(port, host);
    if (!listening.ok) return listening;
    this.haPort = listening.value;
    this.metadata.start(this.options.metadataSyncIntervalMs ?? DEFAULT_METADATA_SYNC_INTERVAL_MS);
    return listening;
  }

  get haListenPort(): number {
    return this.haPort;
  }

  get currentRole(): Role {
    return this.role;
  }

  /** The id to register with: 0 as master, the slave id as slave, the last one otherwise. */
  get registeredBrokerId(): number {
    return this.registeredId;
  }

  /** The newest epoch this broker knows. */
  get epoch(): number {
    return this.currentEpoch();
  }

  /**
   * The stateVersion to register with: the epoch of the role held. A master that stepped down on
   * meeting a newer epoch keeps its old one, so a name server refuses it once the new master holds
   * id 0, instead of letting it take id 0 back.
   */
  get registrationEpoch(): number {
    return this.roleEpoch;
  }

  /** The newest epoch told, met, or held in the log (a slave records its master's epochs as data arrives). */
  private currentEpoch(): number {
    return Math.max(this.knownEpoch, lastEpoch(this.epochs.entries));
  }

  get epochEntries(): readonly EpochEntry[] {
    return this.epochs.entries;
  }

  /**
   * `roleSource: static`: the role from the config, taken once at start. A static master keeps the
   * epoch it has (epoch 1 on a fresh store): without a controller there is nobody to fence.
   */
  async startStatic(role: Role, haMasterAddress: string | undefined): Promise<Result<void, RoleError>> {
    if (role === Role.MASTER) return this.setRole({ role: 'master', epoch: Math.max(1, this.knownEpoch), writable: true }, true);
    if (role === Role.SLAVE) return this.setRole({ role: 'slave', epoch: this.knownEpoch, masterAddress: haMasterAddress || undefined }, true);
    return ok(undefined);
  }

  /**
   * Applies a role command after the ones before it. A command with a newer epoch stops this
   * master's writes at once, before waiting for its turn.
   */
  setRole(command: RoleCommand, sameEpochAllowed = false): Promise<Result<void, RoleError>> {
    if (this.role === Role.MASTER && this.writable && command.epoch > this.currentEpoch()) {
      this.writable = false;
      this.waiters.abandonAll();
    }
    const run = this.transitions.then(() => (command.role === 'master' ? this.becomeMaster(command, sameEpochAllowed) : this.becomeSlave(command)));
    this.transitions = run.catch(() => undefined);
    return run;
  }

  /** Stops writes at once (a newer epoch exists); the broker waits for a role command. */
  fence(reason: string, newerEpoch?: number): void {
    if (newerEpoch !== undefined && newerEpoch > this.knownEpoch) this.knownEpoch = newerEpoch;
    if (this.role !== Role.MASTER) return;
    this.logger.warn('stepping down: writes stopped', { reason, epoch: this.knownEpoch });
    this.writable = false;
    this.role = Role.NONE;
    this.fencedReason = reason;
    this.waiters.abandonAll();
    this.server.closeAll('stepped down');
    this.deps.onRoleChange();
  }

  /** Why a write must be refused now; undefined when this broker takes writes. */
  writeRefusal(): string | undefined {
    if (this.role !== Role.MASTER) return `not master (role ${this.role}, epoch ${this.currentEpoch()}${this.fencedReason ? `: ${this.fencedReason}` : ''})`;
    if (!this.writable) return `not master: writes are fenced at epoch ${this.knownEpoch}`;
    return undefined;
  }

  /**
   * After a record ending at `endCommitLogOffset` was stored: the response code replication allows.
   * Async (or nothing required): SUCCESS at once, without a promise.
   */
  replicated(endCommitLogOffset: number): number | Promise<number> {
    const k = this.options.minInSyncReplicas;
    if (this.options.replicationMode === ReplicationMode.ASYNC || k === 0) return ResponseCode.SUCCESS;
    if (this.role !== Role.MASTER) return ResponseCode.FLUSH_SLAVE_TIMEOUT;
    const acks = this.inSyncAcks();
    if (acks.length < k) return ResponseCode.SLAVE_NOT_AVAILABLE;
    const reached = kthHighest(acks, k);
    if (reached >= endCommitLogOffset) return ResponseCode.SUCCESS;
    return this.waiters.wait(endCommitLogOffset, reached).then((o) => (o === WaitOutcome.REPLICATED ? ResponseCode.SUCCESS : ResponseCode.FLUSH_SLAVE_TIMEOUT));
  }

  /** The store dispatched up to `commitLogOffset`: slaves get the new bytes. */
  onDispatched(commitLogOffset: number): void {
    void commitLogOffset;
    if (this.role === Role.MASTER) this.server.wake();
  }

  /** The topic table changed on this master: slaves get the new snapshot. */
  onMetadataChanged(): void {
    this.metadata.topicsChanged();
  }

  status(): ReplicationStatus {
    const store = this.deps.store;
    const slaves = this.role === Role.MASTER ? this.slaveStatuses() : [];
    const link = this.link?.status();
    return {
      role: this.role,
      epoch: this.currentEpoch(),
      writable: this.role === Role.MASTER && this.writable,
      epochEntries: [...this.epochs.entries],
      maxCommitLogOffset: store.commitLogMaxOffset,
      minCommitLogOffset: store.commitLogMinOffset,
      confirmedOffset: this.confirmedOffset(),
      dispatchedOffset: store.dispatchedOffset,
      masterAddress: link?.masterAddress ?? null,
      replicationMode: this.options.replicationMode,
      minInSyncReplicas: this.options.minInSyncReplicas,
      slaves,
      inSyncSet: this.role === Role.MASTER ? [this.deps.brokerAddr(), ...slaves.filter((s) => s.inSync).map((s) => s.address)] : [],
      confirmedInSyncSet: this.role === Role.MASTER && this.confirmedSet !== undefined ? [...this.confirmedSet.members] : null,
      syncStateSetEpoch: this.role === Role.MASTER ? (this.confirmedSet?.syncStateSetEpoch ?? 0) : 0,
      countedInSyncSet: this.role === Role.MASTER ? [this.deps.brokerAddr(), ...slaves.filter((s) => s.counted).map((s) => s.address)] : [],
      link: link === undefined ? null : { ...link, masterEpoch: link.masterEpoch ?? null, masterBrokerAddr: link.masterBrokerAddr ?? null, masterMaxOffset: link.masterMaxOffset ?? null, lastError: link.lastError ?? null },
      fencedReason: this.fencedReason ?? null,
    };
  }

  async close(): Promise<void> {
    this.metadata.stop();
    await this.transitions;
    this.writable = false;
    this.waiters.abandonAll();
    await this.link?.close();
    this.link = undefined;
    await this.server.close();
  }

  // ------------------------------------------------------------------------------------ transitions

  private async becomeMaster(c: Extract<RoleCommand, { role: 'master' }>, sameEpochAllowed: boolean): Promise<Result<void, RoleError>> {
    const writable = c.writable ?? true;
    const known = this.currentEpoch();
    if (this.role === Role.MASTER && c.epoch === known) {
      // The same command again (a controller retrying), a switchover fencing/unfencing writes, or a
      // newly confirmed in-sync set.
      if (this.writable && !writable) this.waiters.abandonAll();
      this.writable = writable;
      this.takeConfirmedSet(c);
      return ok(undefined);
    }
    const newer = c.epoch > known || (sameEpochAllowed && c.epoch === known);
    if (!newer) return err({ status: 409, message: `epoch ${c.epoch} is not newer than ${known}` });
    await this.dropLink();
    const store = this.deps.store;
    if (store.wholeRecordsEnd < store.commitLogMaxOffset) {
      // The link stopped inside a record: the torn tail goes, so new records follow whole ones.
      this.logger.warn('cutting an incomplete replicated record before taking writes', { from: store.wholeRecordsEnd, to: store.commitLogMaxOffset });
      await store.truncateTo(store.wholeRecordsEnd);
      await this.epochs.clampTo(store.commitLogMaxOffset);
    }
    const entries = this.epochs.entries;
    const last = lastEntry(entries);
    if (last === undefined || last.epoch < c.epoch) {
      // A fresh history claims the data already here; a later epoch begins at the log end.
      const start = last === undefined ? store.commitLogMinOffset : store.commitLogMaxOffset;
      const appended = await this.epochs.append({ epoch: c.epoch, startCommitLogOffset: start }).catch((e: Error) => err(e.message));
      if (!appended.ok) return err({ status: 503, message: `cannot record epoch ${c.epoch}: ${appended.error}` });
    }
    this.knownEpoch = c.epoch;
    this.roleEpoch = c.epoch;
    this.epochStartOffset = lastEntry(this.epochs.entries)!.startCommitLogOffset;
    this.confirmed = store.commitLogMaxOffset;
    this.role = Role.MASTER;
    this.writable = writable;
    this.registeredId = 0;
    this.fencedReason = undefined;
    // A set confirmed for an earlier epoch says nothing about this one.
    this.confirmedSet = undefined;
    this.takeConfirmedSet(c);
    this.logger.info('role: master', { epoch: c.epoch, epochStartOffset: this.epochStartOffset, writable, replicationMode: this.options.replicationMode });
    this.deps.onRoleChange();
    return ok(undefined);
  }

  private async becomeSlave(c: Extract<RoleCommand, { role: 'slave' }>): Promise<Result<void, RoleError>> {
    const known = this.currentEpoch();
    if (c.epoch < known || (this.role === Role.MASTER && c.epoch === known)) {
      const what = this.role === Role.MASTER ? `not newer than this master's epoch ${known}` : `older than ${known}`;
      return err({ status: 409, message: `epoch ${c.epoch} is ${what}` });
    }
    const slaveId = c.brokerId ?? this.slaveBrokerId ?? this.options.replicaBrokerId;
    if (slaveId < 1) return err({ status: 400, message: 'a slave registers with brokerId >= 1: give brokerId in the command or in the config' });
    if (this.role === Role.SLAVE && c.epoch === known && c.masterAddress === this.link?.masterAddress && slaveId === this.slaveBrokerId) {
      return ok(undefined);
    }
    // Writes stop before anything is awaited.
    const wasMaster = this.role === Role.MASTER;
    this.role = Role.SLAVE;
    this.writable = false;
    this.confirmedSet = undefined;
    this.waiters.abandonAll();
    if (wasMaster) this.server.closeAll('stepped down to slave');
    this.knownEpoch = c.epoch;
    this.roleEpoch = c.epoch;
    this.slaveBrokerId = slaveId;
    this.registeredId = slaveId;
    this.fencedReason = undefined;
    await this.dropLink();
    if (c.masterAddress !== undefined) this.startLink(c.masterAddress);
    else this.logger.warn('role: slave without a master address; waiting for one');
    this.logger.info('role: slave', { epoch: c.epoch, master: c.masterAddress, brokerId: slaveId });
    this.deps.onRoleChange();
    return ok(undefined);
  }

  /** Takes the in-sync set a master command carries, unless an equal or newer one is already held. */
  private takeConfirmedSet(c: Extract<RoleCommand, { role: 'master' }>): void {
    if (c.inSyncSet === undefined || c.syncStateSetEpoch === undefined) return;
    const held = this.confirmedSet;
    if (held !== undefined && c.syncStateSetEpoch < held.syncStateSetEpoch) {
      this.logger.warn('ignoring an in-sync set older than the one confirmed', { given: c.syncStateSetEpoch, held: held.syncStateSetEpoch });
      return;
    }
    this.confirmedSet = { members: [...new Set(c.inSyncSet)], syncStateSetEpoch: c.syncStateSetEpoch };
    if (held === undefined || held.syncStateSetEpoch !== c.syncStateSetEpoch || held.members.join() !== this.confirmedSet.members.join()) {
      this.logger.info('in-sync set confirmed', { inSyncSet: this.confirmedSet.members, syncStateSetEpoch: c.syncStateSetEpoch });
    }
    // A larger set may count acks already received.
    this.onProgress();
  }

  private startLink(masterAddress: string): void {
    const link = new SlaveLink({
      masterAddress,
      log: this.deps.store,
      epochs: this.epochs,
      clock: this.deps.clock,
      heartbeatIntervalMs: this.options.haHeartbeatIntervalMs,
      peerTimeoutMs: this.options.haPeerTimeoutMs,
      identity: () => ({
        protocol: HA_PROTOCOL_VERSION,
        brokerName: this.options.brokerName,
        brokerId: this.slaveBrokerId ?? this.options.replicaBrokerId,
        brokerAddr: this.deps.brokerAddr(),
        roleEpoch: this.knownEpoch,
        segmentBytes: this.options.segmentBytes,
      }),
      onMetadata: (value) => this.metadata.apply(value),
      warn: (m, meta) => this.logger.warn(m, meta),
      info: (m, meta) => this.logger.info(m, meta),
    });
    this.link = link;
    link.start();
  }

  private async dropLink(): Promise<void> {
    const link = this.link;
    this.link = undefined;
    await link?.close();
  }

  // ------------------------------------------------------------------------------------ master side

  private masterState(): MasterState | undefined {
    if (this.role !== Role.MASTER) return undefined;
    return { epoch: this.knownEpoch, entries: this.epochs.entries, confirmedOffset: this.confirmedOffset(), brokerAddr: this.deps.brokerAddr() };
  }

  private inSync(c: SlaveConnection, nowMs: number, maxOffset: number): boolean {
    return c.transferring && isInSync(c, maxOffset, this.epochStartOffset, nowMs, { maxLagBytes: this.options.haMaxLagBytes, maxLagTimeMs: this.options.haMaxLagTimeMs });
  }

  /** In the set the controller confirmed, or no set confirmed yet (static roles, or a controller that sends none). */
  private inConfirmedSet(c: SlaveConnection): boolean {
    return this.confirmedSet === undefined || this.confirmedSet.members.includes(c.hello!.brokerAddr);
  }

  /** Whether sync replication counts this slave's acks: in sync, and confirmed. */
  private counted(c: SlaveConnection, nowMs: number, maxOffset: number): boolean {
    return this.inSync(c, nowMs, maxOffset) && this.inConfirmedSet(c);
  }

  private inSyncAcks(): number[] {
    const now = this.deps.clock.monotonicMs();
    const max = this.deps.store.commitLogMaxOffset;
    return this.server.slaves().filter((c) => this.counted(c, now, max)).map((c) => c.ackOffset);
  }

  private onProgress(): void {
    if (this.role !== Role.MASTER) return;
    const acks = this.inSyncAcks();
    const k = this.options.minInSyncReplicas;
    if (this.options.replicationMode === ReplicationMode.SYNC && k > 0 && acks.length >= k) this.waiters.advance(kthHighest(acks, k));
    if (acks.length > 0) this.confirmed = Math.max(this.confirmed, Math.min(this.deps.store.commitLogMaxOffset, ...acks));
  }

  /**
   * Master: its log end when no replication is required; otherwise the least any in-sync slave
   * acknowledged (never moving back). Slave: what its master last reported, within its own log.
   */
  private confirmedOffset(): number {
    const max = this.deps.store.commitLogMaxOffset;
    if (this.role === Role.SLAVE) return this.link?.status().confirmedOffset ?? Math.min(this.confirmed, max);
    if (this.role !== Role.MASTER) return Math.min(this.confirmed, max);
    if (this.options.replicationMode === ReplicationMode.ASYNC || this.options.minInSyncReplicas === 0) return max;
    return Math.min(this.confirmed, max);
  }

  private slaveStatuses(): SlaveStatus[] {
    const now = this.deps.clock.monotonicMs();
    const max = this.deps.store.commitLogMaxOffset;
    return this.server.slaves().map((c) => ({
      brokerId: c.hello!.brokerId,
      address: c.hello!.brokerAddr,
      haRemoteAddress: c.remoteAddress,
      ackOffset: c.ackOffset,
      lagBytes: Math.max(0, max - c.ackOffset),
      inSync: this.inSync(c, now, max),
      counted: this.counted(c, now, max),
      lastAckAgoMs: Math.round(now - c.lastAckMs),
    }));
  }
}
