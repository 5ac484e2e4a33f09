/** Builders for controller unit tests (excluded from the build). */
import type { ControllerPolicy, GroupState, ReachableBroker, UnreachableBroker } from './types';
import { defaultControllerPolicy } from './types';

export const G = 'broker-a';

export function up(replicaId: string, fields: Partial<Omit<ReachableBroker, 'reachable' | 'replicaId'>> = {}): ReachableBroker {
  return {
    reachable: true,
    replicaId,
    address: `${replicaId}:10911`,
    haAddress: `${replicaId}:10912`,
    role: 'none',
    epoch: 0,
    fenced: false,
    maxCommitLogOffset: 0,
    priority: 0,
    ...fields,
  };
}

export function master(replicaId: string, epoch: number, fields: Partial<Omit<ReachableBroker, 'reachable' | 'replicaId'>> = {}): ReachableBroker {
  return up(replicaId, { role: 'master', epoch, masterAddress: null, ...fields });
}

export function slave(replicaId: string, of: string, epoch: number, fields: Partial<Omit<ReachableBroker, 'reachable' | 'replicaId'>> = {}): ReachableBroker {
  return up(replicaId, { role: 'slave', epoch, masterAddress: `${of}:10911`, ...fields });
}

export function down(replicaId: string, lastSeenMs?: number): UnreachableBroker {
  return lastSeenMs === undefined ? { reachable: false, replicaId } : { reachable: false, replicaId, lastSeenMs };
}

export function state(fields: Partial<GroupState> = {}): GroupState {
  const masterId = fields.masterId === undefined ? 'b-0' : fields.masterId;
  return {
    group: G,
    masterId,
    epoch: 1,
    inSyncReplicaIds: masterId === null ? [] : [masterId],
    syncStateSetEpoch: 1,
    pending: null,
    decidedAtMs: 0,
    ...fields,
  };
}

export const policy: ControllerPolicy = { ...defaultControllerPolicy, masterDownAfterMs: 2_000 };

/** Actions reduced to `kind replicaId@epoch[->master]` for readable assertions. */
export function brief(actions: readonly { kind: string; replicaId: string; epoch: number; masterReplicaId?: string }[]): string[] {
  return actions.map((a) => `${a.kind} ${a.replicaId}@${a.epoch}${a.masterReplicaId === undefined ? '' : `->${a.masterReplicaId}`}`);
}
