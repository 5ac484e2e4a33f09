/**
 * The broker admin API as the controller's ports see it: the JSON of `GET /status` and of
 * `POST /role`, and the pure translations between them and the controller's types. The hosts do
 * the HTTP; the broker implements the other side (see README "Broker admin API contract").
 */
import type { Result } from '../stdx';
import { err, ok } from '../stdx';
import type { BrokerRole, ControllerAction, ReachableBroker } from './types';

/** One slave as the master sees it. */
export interface SlaveStatusBody {
  readonly replicaId: string;
  readonly address: string;
  readonly ackOffset: number;
  readonly inSync: boolean;
}

/** `GET /status` response body. */
export interface BrokerStatusBody {
  readonly brokerName: string;
  /** The nameserver id it registers with: 0 as master, >= 1 as slave. */
  readonly brokerId: number;
  readonly replicaId: string;
  readonly role: BrokerRole;
  readonly epoch: number;
  readonly fenced: boolean;
  readonly address: string;
  readonly haAddress: string;
  readonly maxCommitLogOffset: number;
  readonly confirmedCommitLogOffset?: number;
  /** Slave: the master it was told to follow (remoting address), null otherwise. */
  readonly masterAddress?: string | null;
  /** Master: its slaves (connected or recently seen). */
  readonly slaves?: readonly SlaveStatusBody[];
  /** Master: replicas it counts as in sync. */
  readonly inSyncReplicaIds?: readonly string[];
  /** Master: the syncStateSetEpoch of the in-sync set last confirmed by the controller. */
  readonly syncStateSetEpoch?: number;
  /** Lower wins; default 2147483647 like RocketMQ. */
  readonly electionPriority?: number;
}

/** `POST /role` request body. */
export interface RoleRequestBody {
  readonly role: 'master' | 'slave';
  readonly epoch: number;
  /** Master: refuse writes while keeping replication going. */
  readonly fenced?: boolean;
  /** Master: the in-sync set the controller recorded, and its epoch. */
  readonly inSyncReplicaIds?: readonly string[];
  readonly syncStateSetEpoch?: number;
  /** Slave: whom to follow. */
  readonly masterReplicaId?: string;
  readonly masterAddress?: string;
  readonly masterHaAddress?: string;
}

export const DEFAULT_ELECTION_PRIORITY = 2_147_483_647;

/** The body to POST to `/role` of `action.replicaId` for one controller action. */
export function roleRequestFor(action: ControllerAction): RoleRequestBody {
  switch (action.kind) {
    case 'promote':
    case 'confirm-sync-set':
      return { role: 'master', epoch: action.epoch, fenced: false, inSyncReplicaIds: action.inSyncReplicaIds, syncStateSetEpoch: action.syncStateSetEpoch };
    case 'fence':
      return { role: 'master', epoch: action.epoch, fenced: true };
    case 'demote':
    case 'repoint':
      return {
        role: 'slave',
        epoch: action.epoch,
        masterReplicaId: action.masterReplicaId,
        masterAddress: action.masterAddress,
        masterHaAddress: action.masterHaAddress,
      };
  }
}

const ROLES: readonly string[] = ['master', 'slave', 'none'];

/** Validates a `GET /status` body (untrusted JSON) into an observation, naming every bad field. */
export function observationFromStatus(body: unknown): Result<ReachableBroker, string> {
  if (typeof body !== 'object' || body === null) return err('status body is not an object');
  const b = body as Record<string, unknown>;
  const problems = statusProblems(b);
  if (problems.length > 0) return err(`bad status: ${problems.join('; ')}`);
  return ok({
    reachable: true,
    replicaId: b.replicaId as string,
    address: b.address as string,
    haAddress: b.haAddress as string,
    role: b.role as BrokerRole,
    epoch: b.epoch as number,
    fenced: b.fenced === true,
    maxCommitLogOffset: b.maxCommitLogOffset as number,
    ...(b.confirmedCommitLogOffset !== undefined ? { confirmedOffset: b.confirmedCommitLogOffset as number } : {}),
    ...(b.masterAddress !== undefined ? { masterAddress: b.masterAddress as string | null } : {}),
    ...(b.inSyncReplicaIds !== undefined ? { inSyncReplicaIds: b.inSyncReplicaIds as string[] } : {}),
    ...(b.syncStateSetEpoch !== undefined ? { syncStateSetEpoch: b.syncStateSetEpoch as number } : {}),
    priority: (b.electionPriority as number | undefined) ?? DEFAULT_ELECTION_PRIORITY,
  });
}

function statusProblems(b: Record<string, unknown>): string[] {
  const problems: string[] = [];
  for (const k of ['replicaId', 'address', 'haAddress']) {
    if (typeof b[k] !== 'string' || b[k] === '') problems.push(`${k} must be a non-empty string`);
  }
  if (typeof b.role !== 'string' || !ROLES.includes(b.role)) problems.push('role must be master, slave or none');
  for (const k of ['epoch', 'maxCommitLogOffset']) if (!isOffset(b[k])) problems.push(`${k} must be a non-negative integer`);
  for (const k of ['confirmedCommitLogOffset', 'syncStateSetEpoch']) {
    if (b[k] !== undefined && !isOffset(b[k])) problems.push(`${k} must be a non-negative integer`);
  }
  if (b.fenced !== undefined && typeof b.fenced !== 'boolean') problems.push('fenced must be a boolean');
  const inSync = b.inSyncReplicaIds;
  if (inSync !== undefined && !(Array.isArray(inSync) && inSync.every((x) => typeof x === 'string'))) problems.push('inSyncReplicaIds must be strings');
  if (b.masterAddress !== undefined && b.masterAddress !== null && typeof b.masterAddress !== 'string') problems.push('masterAddress must be a string or null');
  if (b.electionPriority !== undefined && !Number.isSafeInteger(b.electionPriority)) problems.push('electionPriority must be an integer');
  return problems;
}

function isOffset(v: unknown): boolean {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}
