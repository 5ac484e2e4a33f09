/**
 * Reconcile tests' world: the fake API server (operator/testing/fake-kube) with the RocketCluster
 * CRD and its mock controllers (StatefulSets make pods and PVCs, Deployments report ready, the
 * kubelet runs pods, terminates them gracefully and gives each an IP), plus one step of our own: a
 * broker pod that runs gets a REAL in-process broker, and only then is reported Ready. The
 * operator's reconcilers are driven pass by pass. A pod is killed by stopping its broker and
 * force-deleting it; `holdDown` keeps the re-created pod from starting its broker.
 * The controller's clock is the real one plus an offset tests move forward (no waiting out delays).
 */
import { buildCrd } from '../api';
import { HttpKubeClient, KubeTransport, Manager } from '../kube';
import type { ClusterKey, ClusterMetrics, EventRecorder, KubeObject, Reconciler } from '../kube';
import { FakeKube } from '../testing/fake-kube';
import type { JsonObject } from '../testing/fake-kube';
import type { LogLevel, ServerLogger } from '../../ops';
import { createRootLogger, isLogLevel, silentLogger } from '../../ops';
import type { Clock } from '../../stdx';
import { err } from '../../stdx';
import type { BrokerRoleCommand } from '../../controller';
import type { BrokerAdminClient, BrokerEndpoints } from '../brokers';
import { HttpBrokerAdminClient, RemotingBrokerDrainClient } from '../brokers';
import { PodBrokers } from '../brokers/pod-brokers.test-util';
import { createReconcilers } from './index';
import type { Nameserver } from '../../nameserver';
import { startNameserver } from '../../nameserver';
import { tempDir } from '../../testing/temp';

const level = process.env.ROCKET_TEST_LOG;
const testLogger: ServerLogger = level !== undefined && isLogLevel(level) ? createRootLogger({ service: 'operator-test', level: level as LogLevel, stream: process.stderr }) : silentLogger;

export class OffsetClock implements Clock {
  offsetMs = 0;
  nowMs(): number {
    return Date.now() + this.offsetMs;
  }
  monotonicMs(): number {
    return performance.now() + this.offsetMs;
  }
}

export class RecordingMetrics implements ClusterMetrics {
  readonly failovers: string[] = [];
  readonly switchovers: string[] = [];
  readonly ready = new Map<string, boolean>();
  readonly forgotten: string[] = [];
  failover(namespace: string, cluster: string, group: string): void {
    this.failovers.push(`${namespace}/${cluster}/${group}`);
  }
  switchover(namespace: string, cluster: string, group: string): void {
    this.switchovers.push(`${namespace}/${cluster}/${group}`);
  }
  clusterReady(namespace: string, cluster: string, ready: boolean): void {
    this.ready.set(`${namespace}/${cluster}`, ready);
  }
  forgetCluster(namespace: string, cluster: string): void {
    this.forgotten.push(`${namespace}/${cluster}`);
  }
}

export interface RecordedEvent {
  readonly involved: string;
  readonly type: string;
  readonly reason: string;
  readonly message: string;
}

/** One operator instance: its own reconcilers (and failover hosts) over the shared fake and brokers. */
export interface Operator {
  readonly reconcilers: readonly Reconciler[];
  stop(): Promise<void>;
}

/** Every POST /role the operator sends, with the fake API server's request count at that moment. */
export interface RoleCall {
  readonly pod: string;
  readonly command: BrokerRoleCommand;
  /** seq of the last API request logged before this call. */
  readonly afterSeq: number;
}

export class Harness {
  readonly clock = new OffsetClock();
  readonly metrics = new RecordingMetrics();
  readonly events: RecordedEvent[] = [];
  readonly roleCalls: RoleCall[] = [];
  readonly held = new Set<string>();
  /** Real name servers of the nameserver pods, by `ns/pod`. */
  readonly nameservers = new Map<string, Nameserver>();
  private readonly operators: Operator[] = [];

  private constructor(
    readonly fake: FakeKube,
    readonly kube: HttpKubeClient,
    readonly brokers: PodBrokers,
    readonly drain: RemotingBrokerDrainClient,
  ) {}

  static async start(namespaces: readonly string[]): Promise<Harness> {
    const fake = await FakeKube.start({ namespaces: ['default', ...namespaces] });
    fake.create(buildCrd() as unknown as JsonObject);
    fake.enableMocks({ statefulSets: true, deployments: { createPods: true }, pvcs: true, kubelet: { autoReady: false, podIp: () => '127.0.0.1' } });
    const kube = new HttpKubeClient(KubeTransport.create(fake.kubeConfig(), 5000));
    return new Harness(fake, kube, new PodBrokers('', { autoCreateTopicEnable: true }), new RemotingBrokerDrainClient());
  }

  /** A new operator instance (a restart or a second replica): fresh reconcilers, no memory. */
  /** The reconcilers of a new operator instance, for a Manager to run. */
  startOperator(options: { refuseRoleCalls?: () => boolean } = {}): Operator {
    const recorder: EventRecorder = {
      record: async (involved: KubeObject, type, reason, message) => {
        this.events.push({ involved: `${involved.metadata?.namespace}/${involved.metadata?.name}`, type, reason, message });
      },
    };
    const real = new HttpBrokerAdminClient({ timeoutMs: 1000 });
    const admin: BrokerAdminClient = {
      status: (ep, token) => real.status(ep, token),
      setRole: async (ep: BrokerEndpoints, token: string, command: BrokerRoleCommand) => {
        const ops = this.fake.operations();
        // An operator that "dies" right after saving its decision never gets to tell the brokers.
        if (options.refuseRoleCalls?.() === true) return err('operator crashed before telling the brokers');
        this.roleCalls.push({ pod: this.podAt(ep), command, afterSeq: ops.length === 0 ? 0 : ops[ops.length - 1]!.seq });
        return real.setRole(ep, token, command);
      },
    };
    const reconcilers = createReconcilers({
      kube: this.kube,
      cache: { get: () => undefined, list: () => [] },
      events: recorder,
      metrics: this.metrics,
      clock: this.clock,
      logger: testLogger,
      settings: { failoverTickMs: 500, identity: 'test' },
      enqueue: () => undefined,
      brokers: {
        admin,
        drain: this.drain,
        resolver: this.brokers.resolver,
        nameserverResolver: (pod) => {
          const n = this.nameservers.get(`${pod.namespace}/${pod.name}`);
          return n === undefined ? null : `${n.address.host}:${n.address.port}`;
        },
      },
    });
    const op: Operator = { reconcilers, stop: async () => void (await Promise.all(reconcilers.map((r) => r.stop?.()))) };
    this.operators.push(op);
    return op;
  }

  private podAt(ep: BrokerEndpoints): string {
    for (const ns of this.namespacesWithPods()) {
      for (const pod of this.fake.list('pods', ns)) {
        const name = (pod.metadata as JsonObject).name as string;
        if (this.brokers.get(ns, name)?.endpoints?.httpUrl === ep.httpUrl) return `${ns}/${name}`;
      }
    }
    return ep.httpUrl;
  }

  private namespacesWithPods(): string[] {
    return [...new Set(this.fake.list('pods').map((p) => (p.metadata as JsonObject).namespace as string))];
  }

  /** Runs an operator under the real Manager (informers, work queues, resync) over the fake. */
  async startManager(namespaces: readonly string[]): Promise<{ manager: Manager; stop: () => Promise<void> }> {
    const op = this.startOperator();
    const manager = new Manager({ kubeConfig: this.fake.kubeConfig(), client: this.kube, reconcilers: op.reconcilers, logger: testLogger, namespaces, resyncMs: 2_000 });
    await manager.start();
    return { manager, stop: () => manager.stop() };
  }

  /** Our kubelet step on its own, every 50 ms (for Manager-driven tests). */
  startMockLoop(): () => Promise<void> {
    let running: Promise<void> = Promise.resolve();
    let stopped = false;
    const timer = setInterval(() => {
      running = running.then(async () => {
        if (stopped) return;
        await this.reapBrokers();
        await this.syncWorkloads();
      }).catch(() => undefined);
    }, 50);
    return async () => {
      stopped = true;
      clearInterval(timer);
      await running;
    };
  }

  /** Our kubelet step: running pods get their real name server or broker (name servers first), then Ready. */
  async syncWorkloads(): Promise<void> {
    const pods = this.fake.list('pods');
    const isNameserver = (p: JsonObject) => ((p.metadata as JsonObject).labels as Record<string, string> | undefined)?.['app.kubernetes.io/component'] === 'nameserver';
    for (const pod of pods.filter(isNameserver)) await this.kubelet(pod);
    for (const pod of pods.filter((p) => !isNameserver(p))) await this.kubelet(pod);
  }

  /** The running name servers of a cluster, `host:port`. */
  nameserverAddrs(namespace: string, cluster: string): string[] {
    return this.fake
      .list('pods', namespace, `rocketcluster.io/cluster=${cluster},app.kubernetes.io/component=nameserver`)
      .flatMap((p) => {
        const n = this.nameservers.get(`${namespace}/${(p.metadata as JsonObject).name as string}`);
        return n === undefined ? [] : [`${n.address.host}:${n.address.port}`];
      });
  }

  private async kubelet(pod: JsonObject): Promise<void> {
    const m = pod.metadata as JsonObject;
    const ns = m.namespace as string;
    const name = m.name as string;
    const labels = (m.labels ?? {}) as Record<string, string>;
    const status = (pod.status ?? {}) as JsonObject;
    const ready = ((status.conditions as JsonObject[] | undefined) ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
    if (ready || status.phase !== 'Running' || m.deletionTimestamp !== undefined || this.held.has(`${ns}/${name}`)) return;
    if (labels['app.kubernetes.io/component'] === 'nameserver' && !this.nameservers.has(`${ns}/${name}`)) {
      this.nameservers.set(`${ns}/${name}`, await startNameserver({ dataDir: tempDir('op-namesrv-'), logger: silentLogger }));
    }
    if (labels['app.kubernetes.io/component'] === 'broker') {
      // The pod's env takes the token from the cluster's Secret, as the StatefulSet template says.
      const cluster = labels['rocketcluster.io/cluster']!;
      const secret = this.fake.get('secrets', ns, `${cluster}-admin-token`);
      const b64 = (secret?.data as Record<string, string> | undefined)?.token;
      const token = b64 === undefined ? '' : Buffer.from(b64, 'base64').toString('utf8');
      await this.brokers.start(ns, name, labels['rocketcluster.io/broker-group']!, token, this.nameserverAddrs(ns, cluster));
    }
    this.fake.setPodReady(ns, name, true);
  }

  /** Brokers (and name servers) whose pod is gone or terminating stop (a deleted pod's process dies). */
  async reapBrokers(): Promise<void> {
    for (const [k, n] of [...this.nameservers]) {
      const [ns, name] = k.split('/') as [string, string];
      const pod = this.fake.get('pods', ns, name);
      if (pod !== undefined && (pod.metadata as JsonObject).deletionTimestamp === undefined) continue;
      this.nameservers.delete(k);
      await n.close();
    }
    for (const [ns, name] of this.brokers.running()) {
      const pod = this.fake.get('pods', ns, name);
      if (pod === undefined || (pod.metadata as JsonObject).deletionTimestamp !== undefined) await this.brokers.stop(ns, name);
    }
  }

  /** The pod's process dies and the pod object goes (the StatefulSet re-creates it next sync). */
  async killPod(namespace: string, pod: string, options: { holdDown?: boolean } = {}): Promise<void> {
    if (options.holdDown === true) this.held.add(`${namespace}/${pod}`);
    await this.brokers.stop(namespace, pod);
    this.fake.killPod(namespace, pod);
  }

  /** The pod turns NotReady (its node is unreachable, say) while its broker keeps running; held until released. */
  markNotReady(namespace: string, pod: string): void {
    this.held.add(`${namespace}/${pod}`);
    this.fake.setPodReady(namespace, pod, false);
  }

  release(namespace: string, pod: string): void {
    this.held.delete(`${namespace}/${pod}`);
  }

  /** Mock controllers, then every reconciler of `op` once for each cluster. */
  async pass(op: Operator, keys: readonly ClusterKey[]): Promise<void> {
    await this.reapBrokers();
    await this.syncWorkloads();
    const ctx = { logger: testLogger, signal: new AbortController().signal };
    for (const key of keys) for (const r of op.reconcilers) await r.reconcile(key, ctx);
    await this.reapBrokers();
  }

  /** Passes until `cond` holds; bounded by `maxPasses` (no fixed sleeps: a short pause lets brokers talk). */
  async until(op: Operator, keys: readonly ClusterKey[], cond: () => boolean | Promise<boolean>, what: string, maxPasses = 200): Promise<void> {
    for (let i = 0; i < maxPasses; i++) {
      if (await cond()) return;
      await this.pass(op, keys);
      if (await cond()) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const dump = keys.map((k) => JSON.stringify(this.fake.get('rocketclusters.rocketcluster.io', k.namespace, k.name)?.status ?? null));
    throw new Error(`not reached after ${maxPasses} passes: ${what}\nstatus: ${dump.join('\n')}\nevents: ${JSON.stringify(this.events.slice(-10))}`);
  }

  cluster(ns: string, name: string): JsonObject {
    const c = this.fake.get('rocketclusters.rocketcluster.io', ns, name);
    if (c === undefined) throw new Error(`no cluster ${ns}/${name}`);
    return c;
  }

  async close(): Promise<void> {
    for (const op of this.operators) await op.stop();
    await this.brokers.closeAll();
    for (const n of this.nameservers.values()) await n.close();
    this.nameservers.clear();
    await this.drain.close();
    await this.fake.stop();
  }
}

