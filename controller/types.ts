/**
 * The controller's vocabulary: what it observes of brokers, what it persists per broker group,
 * what it asks brokers to do, and the policy knobs. Everything here is plain data so the same
 * decisions can run in the local supervisor and in the Kubernetes operator.
 */

/** A broker's role as it reports it. `none`: started but not yet told its role; it refuses writes. */
export const BrokerRoles = { master: 'master', slave: 'slave', none: 'none' } as const;
export type BrokerRole = (typeof BrokerRoles)[keyof typeof BrokerRoles];

/**
 * One broker as seen by a successful probe (its admin `GET /status`).
 *
 * `replicaId` is the replica's stable identity inside its group (a process name, a pod name).
 * It is not the nameserver `brokerId`: that one (0 for the master, >= 1 for slaves) follows the
 * role the controller assigns.
 */
export interface ReachableBroker {
  readonly reachable: true;
  readonly replicaId: string;
  /** Remoting address clients use, `host:port`. */
  readonly address: string;
  /** Address slaves connect to for replication, `host:port` (listen port + 1 by default). */
  readonly haAddress: string;
  readonly role: BrokerRole;
  /**
   * Master: the epoch it leads. Slave: the epoch of the master it follows. None: the last epoch
   * in its epoch file (0 when it never had one).
   */
  readonly epoch: number;
  /** Master only: it refuses writes (the first phase of a switchover). */
  readonly fenced: boolean;
  readonly maxCommitLogOffset: number;
  readonly confirmedOffset?: number;
  /** Slave only: the remoting address of the master it was told to follow. */
  readonly masterAddress?: string | null;
  /**
   * Master only: the replicas it currently counts as in sync (caught up, handshaken at its
   * epoch). It may or may not list itself; the controller adds it.
   */
  readonly inSyncReplicaIds?: readonly string[];
  /** Master only: the syncStateSetEpoch of the last in-sync set the controller confirmed to it. */
  readonly syncStateSetEpoch?: number;
  /** Election priority, lower wins (RocketMQ's brokerElectionPriority). */
  readonly priority: number;
}

/** A broker the probe could not reach (or that the host knows is down). */
export interface UnreachableBroker {
  readonly reachable: false;
  readonly replicaId: string;
  /** When it was last reachable; the loop fills it from its own memory when the host does not. */
  readonly lastSeenMs?: number;
  /** Why the probe failed, for events only. */
  readonly reason?: string;
}

export type BrokerObservation = ReachableBroker | UnreachableBroker;

/** Every replica of one broker group (one brokerName) the host knows about. */
export interface GroupObservation {
  readonly group: string;
  readonly brokers: readonly BrokerObservation[];
}

/** A switchover in progress: the old master is fenced and the target is catching up. */
export interface PendingSwitchover {
  readonly kind: 'switchover';
  readonly fromId: string;
  readonly toId: string;
  /** The epoch of the fenced master; the switchover is void once the state's epoch moves on. */
  readonly epoch: number;
  readonly startedAtMs: number;
}

/**
 * The controller's persisted decision for one group. It is the source of truth for roles: it
 * is saved (compare-and-set) before any broker is told anything, so a controller that crashes
 * and restarts carries on from it.
 */
export interface GroupState {
  readonly group: string;
  /** The replica chosen as master for `epoch`; null before the group's first election. */
  readonly masterId: string | null;
  /** The master epoch. Only ever increases; each value belongs to exactly one masterId. */
  readonly epoch: number;
  /**
   * Replicas known to hold every acknowledged message (the master included), sorted. Only these
   * may be elected (unless unclean election is allowed).
   */
  readonly inSyncReplicaIds: readonly string[];
  /** Bumped on every change of `inSyncReplicaIds`. */
  readonly syncStateSetEpoch: number;
  readonly pending: PendingSwitchover | null;
  /** When the current master was decided (wall clock), for status displays. */
  readonly decidedAtMs: number | null;
}

/** Fields every action carries. `reason` is for logs and events. */
interface ActionBase {
  readonly group: string;
  readonly replicaId: string;
  readonly epoch: number;
  readonly reason: string;
}

/**
 * Become (or stay) master at `epoch`, accepting writes, with the recorded in-sync set.
 * `confirm-sync-set` has the same payload and effect; it is sent to a serving master whose
 * confirmed set is behind the recorded one.
 */
export interface PromoteAction extends ActionBase {
  readonly kind: 'promote' | 'confirm-sync-set';
  readonly inSyncReplicaIds: readonly string[];
  readonly syncStateSetEpoch: number;
}

/** Stay master at `epoch` but refuse writes; keep serving replication (switchover phase 1). */
export interface FenceAction extends ActionBase {
  readonly kind: 'fence';
}

/** Become a slave of `masterReplicaId` at `epoch`: `demote` for a broker that reports master. */
export interface FollowAction extends ActionBase {
  readonly kind: 'demote' | 'repoint';
  readonly masterReplicaId: string;
  readonly masterAddress: string;
  readonly masterHaAddress: string;
}

export type ControllerAction = PromoteAction | FenceAction | FollowAction;

/** What a decision says about itself, for events, logs and status conditions. */
export const NoteKinds = {
  waitingForReplicas: 'waiting-for-replicas',
  bootstrapped: 'bootstrapped',
  masterUnreachable: 'master-unreachable',
  masterDown: 'master-down',
  masterLostRole: 'master-lost-role',
  stateBehind: 'state-behind',
  elected: 'elected',
  noEligible: 'no-eligible',
  splitBrain: 'split-brain',
  inSyncChanged: 'in-sync-changed',
  switchoverStarted: 'switchover-started',
  switchoverWaiting: 'switchover-waiting',
  switchoverCompleted: 'switchover-completed',
  switchoverAborted: 'switchover-aborted',
  intentRejected: 'intent-rejected',
} as const;
export type NoteKind = (typeof NoteKinds)[keyof typeof NoteKinds];

export interface ControllerNote {
  readonly kind: NoteKind;
  readonly message: string;
}

/** A request from an operator or a user (`rocketctl switchover`, `rocketctl failover`). */
export type ControllerIntent =
  | { readonly kind: 'switchover'; readonly targetId?: string }
  | { readonly kind: 'failover' };

export interface ControllerPolicy {
  /** The master is down once unreachable for this long. RocketMQ's controller uses 10 s. */
  readonly masterDownAfterMs: number;
  /** Elect outside the in-sync set when nobody in it is reachable (loses acknowledged data). */
  readonly allowUncleanElection: boolean;
  /** A switchover whose target has not caught up by then is aborted and the master unfenced. */
  readonly switchoverTimeoutMs: number;
  /** A group's first election waits until this many replicas are reachable. */
  readonly minReplicasToBootstrap: number;
}

export const defaultControllerPolicy: ControllerPolicy = {
  masterDownAfterMs: 3_000,
  allowUncleanElection: false,
  switchoverTimeoutMs: 30_000,
  minReplicasToBootstrap: 1,
};
