/**
 * The controller's GroupStateStore backed by the RocketCluster's `status.groups[]`: the decision of
 * each broker group lives in the resource itself, so a new operator instance (a restart, another
 * replica taking the lease) carries on from it.
 *
 * Compare-and-set: the version handed to the loop is the resource's resourceVersion at load time,
 * and a save is a PUT of the status subresource with a resourceVersion. Other writers (conditions,
 * replica offsets) also bump the resourceVersion; a save that meets a newer resource re-reads it and
 * goes on only if the group's own record is still what was loaded, so unrelated status writes never
 * starve failover, and a concurrent decision on the same group is always a conflict.
 */
import type { GroupStatus, RocketCluster, RocketClusterStatus } from '../api';
import type { GroupState, GroupStateStore, SaveOutcome, StoredGroupState } from '../../controller';
import { sameGroupState } from '../../controller';
import type { ClusterKey, KubeClient, KubeObject } from '../kube';
import { readCluster } from './objects';
import { classifyDecision } from './decisions';

export function stateFromStatus(g: GroupStatus): GroupState {
  const p = g.pendingSwitchover;
  return {
    group: g.name,
    masterId: g.master,
    epoch: g.epoch,
    inSyncReplicaIds: [...g.inSyncReplicas],
    syncStateSetEpoch: g.syncStateSetEpoch,
    pending: p == null ? null : { kind: 'switchover', fromId: p.from, toId: p.to, epoch: p.epoch, startedAtMs: Date.parse(p.startedAt) },
    decidedAtMs: g.masterSince == null ? null : Date.parse(g.masterSince),
  };
}

/** The group's status with the decision fields replaced; phase and replicas are kept. */
export function statusWithState(previous: GroupStatus | undefined, s: GroupState): GroupStatus {
  const p = s.pending;
  return {
    name: s.group,
    phase: previous?.phase ?? 'Active',
    master: s.masterId,
    epoch: s.epoch,
    inSyncReplicas: [...s.inSyncReplicaIds],
    syncStateSetEpoch: s.syncStateSetEpoch,
    pendingSwitchover: p === null ? null : { from: p.fromId, to: p.toId, epoch: p.epoch, startedAt: new Date(p.startedAtMs).toISOString() },
    masterSince: s.decidedAtMs === null ? null : new Date(s.decidedAtMs).toISOString(),
    replicas: previous?.replicas ?? [],
  };
}

function findGroup(cluster: RocketCluster, group: string): GroupStatus | undefined {
  return cluster.status?.groups?.find((g) => g.name === group);
}

function sameStored(a: GroupState | null, b: GroupState | null): boolean {
  return a === null || b === null ? a === b : sameGroupState(a, b);
}

const SAVE_ATTEMPTS = 5;

export class StatusGroupStateStore implements GroupStateStore {
  /** What `load` returned per group, by version: the base a save compares against. */
  private readonly loaded = new Map<string, { version: string; state: GroupState | null }>();
  private primed: RocketCluster | null = null;

  constructor(
    private readonly kube: KubeClient,
    private readonly key: ClusterKey,
    /** The cluster's uid when the host was made: a re-created namesake is another cluster. */
    private readonly uid: string | undefined,
  ) {}

  /**
   * A copy of the resource read at the start of a controller pass; `load` uses it instead of one GET
   * per group. Safe: a save always re-reads, and only the group's own record decides a conflict.
   */
  prime(cluster: RocketCluster | null): void {
    this.primed = cluster;
  }

  async load(group: string): Promise<StoredGroupState | null> {
    const cluster = this.primed ?? (await this.read());
    const version = cluster.metadata.resourceVersion ?? '';
    const g = findGroup(cluster, group);
    const state = g === undefined ? null : stateFromStatus(g);
    this.loaded.set(group, { version, state });
    return state === null ? null : { version, state };
  }

  async save(group: string, expectedVersion: string | null, state: GroupState): Promise<SaveOutcome> {
    const base = this.loaded.get(group);
    const expectedState = base !== undefined && (expectedVersion === null || base.version === expectedVersion) ? base.state : undefined;
    if (expectedVersion !== null && expectedState === undefined) return { kind: 'conflict', reason: `version ${expectedVersion} was not loaded by this store` };
    for (let attempt = 0; attempt < SAVE_ATTEMPTS; attempt++) {
      const cluster = await this.read();
      const current = findGroup(cluster, group);
      const currentState = current === undefined ? null : stateFromStatus(current);
      if (!sameStored(currentState, expectedState ?? null)) return { kind: 'conflict', reason: `status.groups[${group}] changed since it was read` };
      const written = await this.kube.replaceStatus<KubeObject>({ ...(cluster as unknown as KubeObject), status: this.nextStatus(cluster, current, state) } as KubeObject);
      if (written.ok) {
        const version = written.value.metadata?.resourceVersion ?? '';
        this.loaded.set(group, { version, state });
        return { kind: 'saved', version };
      }
      if (written.error.kind !== 'conflict') throw new Error(`saving ${group} to status: ${written.error.message}`);
    }
    return { kind: 'conflict', reason: `status kept changing over ${SAVE_ATTEMPTS} attempts` };
  }

  private nextStatus(cluster: RocketCluster, current: GroupStatus | undefined, state: GroupState): RocketClusterStatus {
    const status = cluster.status ?? {};
    const groups = [...(status.groups ?? [])].filter((g) => g.name !== state.group);
    groups.push(statusWithState(current, state));
    groups.sort((a, b) => a.name.localeCompare(b.name, 'en', { numeric: true }));
    const kind = classifyDecision(current === undefined ? null : stateFromStatus(current), state);
    // Counted in the same write as the decision: a retried save cannot count one failover twice.
    const failovers = (status.failovers ?? 0) + (kind === 'failover' ? 1 : 0);
    return { ...status, groups, failovers };
  }

  /** The resource, checked to be the one this store was made for. */
  async read(): Promise<RocketCluster> {
    const cluster = await readCluster(this.kube, this.key);
    if (cluster === null) throw new Error(`RocketCluster ${this.key.namespace}/${this.key.name} is gone`);
    if (this.uid !== undefined && cluster.metadata.uid !== undefined && cluster.metadata.uid !== this.uid) {
      throw new Error(`RocketCluster ${this.key.namespace}/${this.key.name} was re-created (uid ${cluster.metadata.uid})`);
    }
    return cluster;
  }
}
