/**
 * The broker's admin API (docs/replication.md) in the controller's words (admin-api.ts),
 * both ways. They differ in naming: the broker names peers by address (`inSyncSet`, a slave's
 * `masterAddress` is the master's HA address) and says `writable`, the controller names replicas
 * by replicaId and says `fenced`. The host knows every replica of a group (its process specs), so
 * addresses map back to replicaIds through that directory. Pure.
 */
import type { ControllerAction, ReachableBroker } from './types';
import { observationFromStatus } from './admin-api';
import type { Result } from '../stdx';
import { err, ok } from '../stdx';

/** One replica of a group as the host launched it. */
export interface ReplicaEndpoint {
  /** The process name: the controller's replicaId. */
  readonly replicaId: string;
  readonly group: string;
  /** Admin base URL, `http://host:port`. */
  readonly httpUrl: string;
  /** Remoting `host:port`. */
  readonly address: string;
  /** HA `host:port`. */
  readonly haAddress: string;
  /** The id it registers with while a slave (>= 1, unique in the group). */
  readonly slaveBrokerId: number;
}

/** The `POST /role` body the broker accepts (broker/admin/role-request.ts). */
export type BrokerRoleCommand =
  | {
      readonly role: 'master';
      readonly epoch: number;
      readonly writable: boolean;
      /**
       * The controller's in-sync set as remoting addresses, and its epoch: sync replication counts
       * only acks from slaves in this set, so every acknowledged message is on a replica the
       * controller may elect. Absent on a fence.
       */
      readonly inSyncSet?: readonly string[];
      readonly syncStateSetEpoch?: number;
    }
  | { readonly role: 'slave'; readonly epoch: number; readonly masterAddress: string; readonly brokerId: number };

function byAddress(replicas: readonly ReplicaEndpoint[], address: string): ReplicaEndpoint | undefined {
  return replicas.find((r) => r.address === address);
}

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

/**
 * A broker's `GET /status` body → the controller's observation of `replicaId`. Problems in the
 * body are reported by name (the controller's validation runs on the translated body).
 */
export function observationFromBrokerStatus(body: unknown, replicaId: string, replicas: readonly ReplicaEndpoint[]): Result<ReachableBroker, string> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return err('status body is not an object');
  const b = body as Record<string, unknown>;
  if (b.role === 'master' && typeof b.writable !== 'boolean') return err('bad status: writable must be a boolean on a master');
  const isMaster = b.role === 'master';
  const isSlave = b.role === 'slave';
  const idOf = (address: string) => byAddress(replicas, address)?.replicaId;
  // A slave reports its master's HA address; the controller wants the remoting one.
  const masterHa = typeof b.masterAddress === 'string' ? b.masterAddress : null;
  const master = masterHa === null ? undefined : replicas.find((r) => r.haAddress === masterHa);
  const slaves = Array.isArray(b.slaves) ? (b.slaves as Record<string, unknown>[]) : [];
  const translated = {
    brokerName: b.brokerName,
    brokerId: b.brokerId,
    replicaId,
    role: b.role,
    epoch: b.epoch,
    fenced: isMaster && b.writable === false,
    address: b.address,
    haAddress: b.haAddress,
    maxCommitLogOffset: b.maxCommitLogOffset,
    ...(typeof b.confirmedOffset === 'number' ? { confirmedCommitLogOffset: b.confirmedOffset } : {}),
    masterAddress: isSlave && masterHa !== null ? (master?.address ?? masterHa) : null,
    ...(isMaster
      ? {
          slaves: slaves.flatMap((s) => {
            const id = typeof s.address === 'string' ? idOf(s.address) : undefined;
            return id === undefined ? [] : [{ replicaId: id, address: s.address as string, ackOffset: Number(s.ackOffset ?? 0), inSync: s.inSync === true }];
          }),
          inSyncReplicaIds: strings(b.inSyncSet).flatMap((a) => {
            const id = idOf(a);
            return id === undefined ? [] : [id];
          }),
          // Only a broker that holds a confirmed set reports its epoch; 0 means none yet.
          ...(typeof b.syncStateSetEpoch === 'number' && b.syncStateSetEpoch > 0 ? { syncStateSetEpoch: b.syncStateSetEpoch } : {}),
        }
      : {}),
  };
  return observationFromStatus(translated);
}

/** A controller action → the broker's `POST /role` body, or why it cannot be sent. */
export function roleCommandFor(action: ControllerAction, replicas: readonly ReplicaEndpoint[]): Result<BrokerRoleCommand, string> {
  switch (action.kind) {
    case 'promote':
    case 'confirm-sync-set': {
      // writable:true also lifts a fence. Replicas the host does not know cannot be named to the broker.
      const inSyncSet = action.inSyncReplicaIds.flatMap((id) => {
        const r = replicas.find((x) => x.replicaId === id);
        return r === undefined ? [] : [r.address];
      });
      return ok({ role: 'master', epoch: action.epoch, writable: true, inSyncSet, syncStateSetEpoch: action.syncStateSetEpoch });
    }
    case 'fence':
      return ok({ role: 'master', epoch: action.epoch, writable: false });
    case 'demote':
    case 'repoint': {
      const target = replicas.find((r) => r.replicaId === action.replicaId);
      if (target === undefined) return err(`unknown replica ${action.replicaId}`);
      return ok({ role: 'slave', epoch: action.epoch, masterAddress: action.masterHaAddress, brokerId: target.slaveBrokerId });
    }
  }
}
