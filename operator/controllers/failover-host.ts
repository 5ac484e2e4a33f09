/**
 * One RocketCluster's failover controller: the controller/ ControllerLoop with the operator's ports.
 * - observe: the cluster's broker StatefulSets name each group's replicas (`<sts>-<ordinal>`); a
 *   replica is reachable when its pod exists, is Ready and not terminating, and answers `GET /status`
 *   (translated by controller/broker-admin.ts). Pod IPs give the addresses (the injected resolver).
 * - store: `status.groups[]` of the resource (StatusGroupStateStore).
 * - act: `POST /role` to the pod, with the cluster's admin token.
 * The loop saves every decision before it sends a single command. The host is driven by the
 * failover reconciler (`tick()`), never by its own timers, so it stops with the Manager.
 */
import type { ControllerAction, ControllerPolicy, GroupObservation, GroupState, IntentOutcome, ReplicaEndpoint, TickReport, BrokerObservation } from '../../controller';
import { ControllerLoop, observationFromBrokerStatus, roleCommandFor } from '../../controller';
import type { ServerLogger } from '../../ops';
import type { Clock, Result } from '../../stdx';
import { err, ok } from '../../stdx';
import type { BrokerAdminClient, BrokerEndpointResolver, BrokerEndpoints } from '../brokers';
import type { ClusterKey, ClusterMetrics, EventRecorder, KubeClient, KubeObject } from '../kube';
import { classifyDecision } from './decisions';
import { adminTokenSecretName } from '../specs';
import { ADMIN_TOKEN_KEY, LABELS, clusterIdentity, clusterObject, podName, podOrdinal } from './names';
import type { PodObject } from './objects';
import { brokerPodRef, groupOf, isPodReady, listBrokerPods, listBrokerSets } from './objects';
import { StatusGroupStateStore } from './status-store';

export interface FailoverHostDeps {
  readonly kube: KubeClient;
  readonly events: EventRecorder;
  readonly metrics: ClusterMetrics;
  readonly clock: Clock;
  readonly admin: BrokerAdminClient;
  readonly resolver: BrokerEndpointResolver;
  /** Asks every reconciler to look at the cluster soon (a decision changes conditions and rollout gates). */
  readonly enqueue?: (key: ClusterKey) => void;
}

export interface FailoverHostConfig {
  readonly key: ClusterKey;
  readonly uid: string | undefined;
  readonly policy: Partial<ControllerPolicy>;
  readonly logger: ServerLogger;
}

/** One replica as last observed, with its pod's readiness, for status. */
export interface ReplicaSnapshot {
  readonly replicaId: string;
  readonly podReady: boolean;
  readonly observation: BrokerObservation;
}

export interface GroupSnapshot {
  readonly group: string;
  readonly atMs: number;
  readonly replicas: readonly ReplicaSnapshot[];
}

interface GroupDirectory {
  readonly group: string;
  readonly replicaIds: readonly string[];
  /** Replicas that can be reached now, with their addresses. */
  readonly endpoints: readonly ReplicaEndpoint[];
  /** Pods that exist but are not Ready, with an address: counted as down, but maybe still running. */
  readonly unready: readonly ReplicaEndpoint[];
}

/** Ticks a switchover request may take to be recorded or refused. */
const REQUEST_TICKS = 3;

export class FailoverHost {
  readonly loop: ControllerLoop;
  private readonly store: StatusGroupStateStore;
  private directory: readonly GroupDirectory[] = [];
  private pods: readonly PodObject[] = [];
  private token = '';
  private readonly snapshots = new Map<string, GroupSnapshot>();
  private stopped = false;

  constructor(
    private readonly deps: FailoverHostDeps,
    readonly config: FailoverHostConfig,
  ) {
    const store = new StatusGroupStateStore(deps.kube, config.key, config.uid);
    this.store = store;
    this.loop = new ControllerLoop(
      { observe: () => this.observe(), act: (a) => this.act(a), store },
      // Never started: the reconciler calls tick(), so intervalMs only satisfies the constructor.
      { clock: deps.clock, intervalMs: 1_000, policy: config.policy },
    );
    this.wireEvents();
  }

  /** One pass: observe, decide, save, act; then the pods' role labels follow the record. */
  async tick(): Promise<TickReport> {
    let report: TickReport;
    try {
      report = await this.loop.tick();
    } finally {
      this.store.prime(null);
    }
    if (!this.stopped) await this.fenceUnreadyMasters(report);
    if (!this.stopped) await this.labelPods(report);
    return report;
  }

  /** A switchover to `targetId`, settled within a few ticks (recorded, or refused with a reason). */
  async requestSwitchover(group: string, targetId: string): Promise<IntentOutcome> {
    let settled: IntentOutcome | null = null;
    const pending = this.loop.requestSwitchover(group, targetId).then((o) => (settled = o));
    for (let i = 0; i < REQUEST_TICKS && settled === null && !this.stopped; i++) await this.tick();
    if (settled === null) {
      // Not settled yet (saves kept conflicting): it stays queued, and a later pass applies or
      // refuses it against fresh observations; the caller sees the outcome in status.
      void pending;
      return { accepted: false, reason: 'the request was not taken up yet' };
    }
    return settled;
  }

  snapshot(group: string): GroupSnapshot | undefined {
    return this.snapshots.get(group);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop.stop();
  }

  private async observe(): Promise<GroupObservation[]> {
    const { kube, resolver } = this.deps;
    const key = this.config.key;
    const [sets, pods, cluster] = await Promise.all([listBrokerSets(kube, key), listBrokerPods(kube, key), this.store.read()]);
    this.store.prime(cluster);
    this.token = await this.readToken();
    this.pods = pods;
    const byName = new Map(pods.map((p) => [p.metadata?.name ?? '', p]));
    const directory: GroupDirectory[] = [];
    for (const sts of sets) {
      const group = groupOf(sts);
      if (group === undefined) continue;
      const replicas = sts.spec?.replicas ?? 0;
      const replicaIds = Array.from({ length: replicas }, (_, k) => podName(key.name, group, k));
      const endpoints: ReplicaEndpoint[] = [];
      const unready: ReplicaEndpoint[] = [];
      for (const id of replicaIds) {
        const pod = byName.get(id);
        if (pod === undefined || pod.metadata?.deletionTimestamp != null) continue;
        const ep = resolver(brokerPodRef(key, sts, group, pod));
        if (ep !== null) (isPodReady(pod) ? endpoints : unready).push(replicaEndpoint(id, group, ep));
      }
      directory.push({ group, replicaIds, endpoints, unready });
    }
    directory.sort((a, b) => a.group.localeCompare(b.group, 'en', { numeric: true }));
    this.directory = directory;
    return Promise.all(directory.map((d) => this.observeGroup(d, byName)));
  }

  private async observeGroup(d: GroupDirectory, pods: ReadonlyMap<string, PodObject>): Promise<GroupObservation> {
    const brokers = await Promise.all(
      d.replicaIds.map(async (id): Promise<BrokerObservation> => {
        const ep = d.endpoints.find((e) => e.replicaId === id);
        if (ep === undefined) return { reachable: false, replicaId: id, reason: pods.has(id) ? 'pod not ready' : 'no pod' };
        const body = await this.deps.admin.status(ep, this.token);
        if (!body.ok) return { reachable: false, replicaId: id, reason: body.error };
        const seen = observationFromBrokerStatus(body.value, id, d.endpoints);
        return seen.ok ? seen.value : { reachable: false, replicaId: id, reason: seen.error };
      }),
    );
    const replicas = brokers.map((observation) => {
      const pod = pods.get(observation.replicaId);
      return { replicaId: observation.replicaId, podReady: pod !== undefined && isPodReady(pod), observation };
    });
    this.snapshots.set(d.group, { group: d.group, atMs: this.deps.clock.nowMs(), replicas });
    return { group: d.group, brokers };
  }

  private async act(action: ControllerAction): Promise<Result<void, string>> {
    if (this.stopped) return err('the failover host stopped');
    const d = this.directory.find((g) => g.group === action.group);
    const target = d?.endpoints.find((e) => e.replicaId === action.replicaId);
    if (d === undefined || target === undefined) return err(`${action.replicaId} has no reachable pod`);
    const command = roleCommandFor(action, d.endpoints);
    if (!command.ok) return command;
    const sent = await this.deps.admin.setRole(target, this.token, command.value);
    return sent.ok ? ok(undefined) : err(sent.error);
  }

  private async readToken(): Promise<string> {
    const key = this.config.key;
    const secret = await this.deps.kube.get<KubeObject & { data?: Record<string, string> }>({ apiVersion: 'v1', kind: 'Secret', namespace: key.namespace, name: adminTokenSecretName(clusterIdentity(key)) });
    const b64 = secret?.data?.[ADMIN_TOKEN_KEY];
    return b64 === undefined ? '' : Buffer.from(b64, 'base64').toString('utf8');
  }

  /**
   * A pod that is not Ready counts as down, but its broker may still run and take writes from
   * clients holding an old route. Once a newer epoch is recorded (saved before this runs), such a
   * broker still reporting master at an older epoch is told to stop writes at its own epoch; when
   * its pod is Ready again, the controller's ordinary convergence makes it a slave.
   */
  private async fenceUnreadyMasters(report: TickReport): Promise<void> {
    for (const g of report.groups) {
      const state = g.state;
      const d = this.directory.find((x) => x.group === g.group);
      if (state === null || state.masterId === null || d === undefined) continue;
      for (const ep of d.unready) {
        if (ep.replicaId === state.masterId) continue;
        const body = await this.deps.admin.status(ep, this.token);
        if (!body.ok) continue;
        const b = body.value as { role?: unknown; epoch?: unknown; writable?: unknown };
        if (b.role !== 'master' || typeof b.epoch !== 'number' || b.epoch >= state.epoch || b.writable !== true) continue;
        const fenced = await this.deps.admin.setRole(ep, this.token, { role: 'master', epoch: b.epoch, writable: false });
        this.config.logger.warn('unready old master fenced', { group: g.group, replica: ep.replicaId, itsEpoch: b.epoch, recordedEpoch: state.epoch, ok: fenced.ok, ...(fenced.ok ? {} : { error: fenced.error }) });
        if (fenced.ok) void this.deps.events.record(this.involved(), 'Warning', 'OldMasterFenced', `${g.group}: ${ep.replicaId} (not ready) still served as master at epoch ${b.epoch}; writes stopped (master is ${state.masterId} at ${state.epoch})`);
      }
    }
  }

  /** `rocketcluster.io/role` on each pod from the recorded master (informational, for kubectl and Services). */
  private async labelPods(report: TickReport): Promise<void> {
    const key = this.config.key;
    for (const g of report.groups) {
      const masterId = g.state?.masterId ?? null;
      if (masterId === null) continue;
      for (const pod of this.pods) {
        const name = pod.metadata?.name ?? '';
        if (groupOf(pod) !== g.group || pod.metadata?.deletionTimestamp != null) continue;
        const role = name === masterId ? 'master' : 'slave';
        if (pod.metadata?.labels?.[LABELS.role] === role) continue;
        const patched = await this.deps.kube.mergePatch({ apiVersion: 'v1', kind: 'Pod', namespace: key.namespace, name }, { metadata: { labels: { [LABELS.role]: role } } });
        if (!patched.ok && patched.error.kind !== 'notFound') this.config.logger.warn('pod role label not set', { pod: name, error: patched.error.message });
      }
    }
  }

  private involved(): KubeObject {
    return clusterObject({ metadata: { ...this.config.key, ...(this.config.uid !== undefined ? { uid: this.config.uid } : {}) } });
  }


  private wireEvents(): void {
    const { logger, key } = this.config;
    const { events, metrics } = this.deps;
    this.loop.on('decision', (group, from, to) => {
      const kind = classifyDecision(from, to);
      logger.info('controller decision', { group, kind, master: to.masterId, epoch: to.epoch, inSync: to.inSyncReplicaIds, pending: to.pending });
      const text = describe(group, kind, from, to);
      this.deps.enqueue?.(key);
      if (kind === 'failover') {
        metrics.failover(key.namespace, key.name, group);
        void events.record(this.involved(), 'Warning', 'Failover', text);
      } else if (kind === 'switchover') {
        metrics.switchover(key.namespace, key.name, group);
        void events.record(this.involved(), 'Normal', 'Switchover', text);
      } else if (kind === 'bootstrap' || kind === 'reelected') {
        void events.record(this.involved(), 'Normal', 'MasterElected', text);
      }
    });
    this.loop.on('note', (group, note) => {
      logger.info('controller note', { group, note: note.kind, message: note.message });
      if (note.kind === 'master-down' || note.kind === 'no-eligible' || note.kind === 'split-brain') {
        void events.record(this.involved(), 'Warning', eventReason(note.kind), `${group}: ${note.message}`);
      }
    });
    this.loop.on('action', (action, result) => {
      if (result.ok) logger.info('role command sent', { group: action.group, replica: action.replicaId, kind: action.kind, epoch: action.epoch });
      else logger.warn('role command failed', { group: action.group, replica: action.replicaId, kind: action.kind, epoch: action.epoch, error: result.error });
    });
    this.loop.on('conflict', (group, reason) => logger.info('controller store conflict', { group, reason }));
    this.loop.on('violation', (group, problem) => logger.warn('controller invariant violated', { group, problem }));
    this.loop.on('failure', (where, group, message) => logger.warn('controller port failure', { where, group, message }));
  }
}

function eventReason(kind: string): string {
  return kind === 'master-down' ? 'MasterDown' : kind === 'no-eligible' ? 'NoEligibleMaster' : 'SplitBrain';
}

function describe(group: string, kind: string, from: GroupState | null, to: GroupState): string {
  const was = from?.masterId == null ? '' : ` (was ${from.masterId} at epoch ${from.epoch})`;
  return `${group}: ${kind}: ${to.masterId ?? '(none)'} is master at epoch ${to.epoch}${was}`;
}

function replicaEndpoint(replicaId: string, group: string, ep: BrokerEndpoints): ReplicaEndpoint {
  // Slaves register with brokerId ordinal + 1 (a master always registers as 0).
  return { replicaId, group, httpUrl: ep.httpUrl, address: ep.address, haAddress: ep.haAddress, slaveBrokerId: (podOrdinal(replicaId) ?? 0) + 1 };
}
