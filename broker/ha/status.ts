/** The replication part of a broker's `GET /status` (docs/replication.md lists every field). */
import type { EpochEntry } from './epoch';

/** One attached slave, as its master sees it. */
export interface SlaveStatus {
  /** The id the slave registers with (>= 1). */
  readonly brokerId: number;
  /** The slave's remoting address (`ip:port`): its identity for the controller. */
  readonly address: string;
  /** The slave's end of the HA connection. */
  readonly haRemoteAddress: string;
  readonly ackOffset: number;
  readonly lagBytes: number;
  /** Lag under `haMaxLagBytes` and caught up within `haMaxLagTimeMs` (computed by the master). */
  readonly inSync: boolean;
  /** Sync replication counts its acks: in sync, and in the controller's confirmed set once there is one. */
  readonly counted: boolean;
  readonly lastAckAgoMs: number;
}

/** A slave's link to its master. */
export interface LinkStatus {
  readonly masterAddress: string;
  readonly state: string;
  readonly connected: boolean;
  readonly masterEpoch: number | null;
  readonly masterBrokerAddr: string | null;
  readonly masterMaxOffset: number | null;
  readonly confirmedOffset: number;
  readonly connects: number;
  readonly lastError: string | null;
}

export interface ReplicationStatus {
  readonly role: 'none' | 'master' | 'slave';
  /** The newest epoch this broker acts in or knows of. */
  readonly epoch: number;
  /** True only on a master that takes writes. */
  readonly writable: boolean;
  readonly epochEntries: readonly EpochEntry[];
  readonly maxCommitLogOffset: number;
  readonly minCommitLogOffset: number;
  readonly confirmedOffset: number;
  readonly dispatchedOffset: number;
  /** Slave: the master's HA address it follows; null otherwise. */
  readonly masterAddress: string | null;
  readonly replicationMode: 'async' | 'sync';
  readonly minInSyncReplicas: number;
  /** Master: attached slaves; empty otherwise. */
  readonly slaves: readonly SlaveStatus[];
  /** Master: its own address, then the addresses of in-sync slaves (its own computation); empty otherwise. */
  readonly inSyncSet: readonly string[];
  /** Master: the in-sync set the controller last confirmed for this epoch (as given); null before any, or not master. */
  readonly confirmedInSyncSet: readonly string[] | null;
  /** Master: the syncStateSetEpoch of `confirmedInSyncSet`; 0 before any, or not master. */
  readonly syncStateSetEpoch: number;
  /** Master: its own address, then the slaves whose acks sync replication counts now; empty otherwise. */
  readonly countedInSyncSet: readonly string[];
  readonly link: LinkStatus | null;
  /** Why this broker stopped being master on its own (a newer epoch met), if it did. */
  readonly fencedReason: string | null;
}
