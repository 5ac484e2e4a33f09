/**
 * FakeKube: an in-process Kubernetes API server over real HTTP on 127.0.0.1 for tests that use
 * @kubernetes/client-node unchanged. See README.md in operator/testing for the contract.
 */
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import { randomBytes } from 'node:crypto';
import { KubeConfig } from '@kubernetes/client-node';
import { KubeCore } from './api';
import type { DeleteOptions, KindHooks } from './api';
import { builtinHooks } from './builtins';
import { typesFromCrd } from './crd';
import { invalid } from './errors';
import { deepCopy } from './patch';
import type { JsonObject } from './patch';
import { builtinTypes, resolveRef, storageKey, typeForKind } from './resources';
import type { ResourceType } from './resources';
import { parseLabelSelector } from './selectors';
import { handle } from './server';
import type { Fault, Hold, RequestInfo, ServerContext } from './server';
import { sweep } from './gc';
import type { WatchStream } from './watch';
import { MockControllers, setReadiness } from './mocks';
import type { MockOptions } from './mocks';

export interface FakeKubeOptions {
  /** Events kept for watch resumption; older resourceVersions get 410 Gone. Default 10000. */
  readonly maxHistory?: number;
  /** Run the garbage collector and namespace controller. Default true (a real cluster always does). */
  readonly gc?: boolean;
  /** Namespaces that exist from the start. Default default, kube-system, kube-public, kube-node-lease. */
  readonly namespaces?: readonly string[];
}

export interface FailOptions {
  readonly code: number;
  /** How many matching requests fail. Default 1. */
  readonly count?: number;
  readonly message?: string;
}

export class FakeKube {
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private readonly ctx: ServerContext;
  private types: ResourceType[] = builtinTypes();
  private readonly hooks: Record<string, KindHooks>;
  private seq = 0;
  private ipCounter = 0;
  private sweepScheduled = false;
  private stopped = false;
  private mocks: MockControllers | undefined;
  private readonly releaseAll: (() => void)[] = [];
  private readonly gcEnabled: boolean;
  readonly core: KubeCore;
  url = '';

  private constructor(opts: FakeKubeOptions) {
    this.gcEnabled = opts.gc ?? true;
    this.hooks = builtinHooks({ crdsChanged: () => this.refreshTypes(), allocateClusterIp: () => this.allocateClusterIp() });
    this.core = new KubeCore(() => this.types, {
      maxHistory: opts.maxHistory ?? 10000,
      now: () => new Date(),
      hooksFor: (t) => this.hooksFor(t),
      gracePeriod: (t, obj) => this.podGracePeriod(t, obj),
    });
    this.ctx = { core: this.core, token: randomBytes(16).toString('hex'), log: [], faults: [], holds: [], watches: new Set<WatchStream>(), nextSeq: () => ++this.seq };
    // A request the client abandoned mid-body has nobody left to answer; it must not become an unhandled rejection.
    this.server = createServer((req, res) => void handle(this.ctx, req, res).catch(() => res.destroy()));
    this.server.on('connection', (s: Socket) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    this.core.store.subscribe(() => this.scheduleSweep());
    for (const ns of opts.namespaces ?? ['default', 'kube-system', 'kube-public', 'kube-node-lease']) this.ensureNamespace(ns);
  }

  static async start(opts: FakeKubeOptions = {}): Promise<FakeKube> {
    const fake = new FakeKube(opts);
    await new Promise<void>((resolve) => fake.server.listen(0, '127.0.0.1', resolve));
    const addr = fake.server.address();
    if (addr === null || typeof addr === 'string') throw new Error('fake kube server has no TCP address');
    fake.url = `http://127.0.0.1:${addr.port}`;
    return fake;
  }

  /** A KubeConfig pointing at this server (plain HTTP, bearer token); pass it to makeApiClient, Watch, makeInformer. */
  kubeConfig(): KubeConfig {
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'fake', server: this.url, skipTLSVerify: true }],
      users: [{ name: 'fake', token: this.ctx.token }],
      contexts: [{ name: 'fake', cluster: 'fake', user: 'fake', namespace: 'default' }],
      currentContext: 'fake',
    });
    return kc;
  }

  private hooksFor(t: ResourceType): KindHooks | undefined {
    if (t.builtin) return this.hooks[storageKey(t)];
    const schema = t.schema;
    if (!schema) return undefined;
    return {
      create: (obj) => schema.admit(obj),
      update: (old, next) => schema.admit(next, old),
    };
  }

  /** With a (mock) kubelet, a pod on a node terminates gracefully, as on a real cluster; without one it goes at once. */
  private podGracePeriod(t: ResourceType, obj: JsonObject): number | undefined {
    if (!this.mocks?.runsPods() || t.group !== '' || t.plural !== 'pods') return undefined;
    const spec = (obj.spec ?? {}) as JsonObject;
    if (!spec.nodeName) return undefined;
    return (spec.terminationGracePeriodSeconds as number | undefined) ?? 30;
  }

  private refreshTypes(): void {
    const crdType = this.type('customresourcedefinitions.apiextensions.k8s.io');
    const crds = this.core.list(crdType, undefined).filter((c) => !(c.metadata as JsonObject).deletionTimestamp);
    this.types = [...builtinTypes(), ...crds.flatMap((c) => typesFromCrd(c))];
    // Custom resources whose CRD is gone go with it (the API server deletes them before the CRD).
    const live = new Set(this.types.map(storageKey));
    for (const key of this.core.store.keys()) {
      if (live.has(key)) continue;
      const [group, plural] = key.split('/');
      const ghost: ResourceType = { ...crdType, group, plural, builtin: false, status: false, generation: 'none' };
      for (const o of this.core.store.list(key)) this.core.finalize(ghost, o);
    }
  }

  private allocateClusterIp(): string {
    this.ipCounter++;
    return `10.96.${Math.floor(this.ipCounter / 250)}.${(this.ipCounter % 250) + 1}`;
  }

  private scheduleSweep(): void {
    if (!this.gcEnabled || this.sweepScheduled || this.stopped) return;
    this.sweepScheduled = true;
    setImmediate(() => {
      this.sweepScheduled = false;
      if (!this.stopped) sweep(this.core);
    });
  }

  // ---- test-side access ----

  /** Resolves `pods`, `statefulsets.apps`, `StatefulSet`, `sts`, `rocketclusters.rocketcluster.io`. */
  type(ref: string): ResourceType {
    const t = resolveRef(this.types, ref);
    if (!t) throw new Error(`fake kube: unknown resource ${ref}`);
    return t;
  }

  /** The stored object (a copy), or undefined. Cluster-scoped kinds ignore the namespace. */
  get(ref: string, namespace: string, name: string): JsonObject | undefined {
    const t = this.type(ref);
    const o = this.core.store.get(storageKey(t), t.namespaced ? namespace : '', name);
    return o;
  }

  list(ref: string, namespace?: string, labelSelector?: string): JsonObject[] {
    const t = this.type(ref);
    const sel = parseLabelSelector(labelSelector);
    return this.core.list(t, namespace).filter((o) => sel((o.metadata as JsonObject).labels as Record<string, string>));
  }

  /** Creates through the same admission as a POST (defaults, validation, events). */
  create(obj: JsonObject): JsonObject {
    const t = this.typeOf(obj);
    return this.core.create(t, ((obj.metadata as JsonObject | undefined)?.namespace as string | undefined) ?? '', obj);
  }

  /** Reads, mutates and writes back the main resource (or its status) with the current resourceVersion. */
  update(ref: string, namespace: string, name: string, mutate: (o: JsonObject) => void, subresource: '' | 'status' = ''): JsonObject {
    const t = this.type(ref);
    const cur = this.core.get(t, namespace, name);
    mutate(cur);
    return this.core.replace(t, namespace, name, cur, subresource);
  }

  updateStatus(ref: string, namespace: string, name: string, mutate: (status: JsonObject) => void): JsonObject {
    return this.update(ref, namespace, name, (o) => {
      const status = (o.status ?? {}) as JsonObject;
      mutate(status);
      o.status = status;
    }, 'status');
  }

  delete(ref: string, namespace: string, name: string, opts: DeleteOptions = {}): JsonObject {
    return this.core.remove(this.type(ref), namespace, name, opts);
  }

  ensureNamespace(name: string): void {
    const t = this.type('namespaces');
    if (!this.core.store.get(storageKey(t), '', name)) this.core.create(t, '', { metadata: { name } });
  }

  private typeOf(obj: JsonObject): ResourceType {
    const t = typeForKind(this.types, String(obj.apiVersion), String(obj.kind));
    if (!t) throw invalid('', String(obj.kind), '', [{ reason: 'FieldValueNotSupported', message: `no kind "${String(obj.kind)}" is registered for version "${String(obj.apiVersion)}"` }]);
    return t;
  }

  // ---- mock controllers ----

  /**
   * Switches on mock controllers (all of them when called without options): StatefulSet pods and
   * PVCs, Deployment status (and optionally pods), a kubelet that runs pods and gives them IPs, and
   * a PVC binder. Nothing runs pods unless this is called, as in an API server without nodes.
   */
  enableMocks(opts: MockOptions = { statefulSets: true, deployments: true, kubelet: true, pvcs: true }): void {
    this.mocks?.stop();
    this.mocks = new MockControllers(this.core, opts);
  }

  /** The kubelet's readiness report for a pod: Ready and ContainersReady conditions, container statuses. */
  setPodReady(namespace: string, name: string, ready: boolean): JsonObject {
    const t = this.type('pods');
    const pod = this.core.get(t, namespace, name);
    setReadiness(pod, ready, this.core.now());
    return this.core.replace(t, namespace, name, pod, 'status');
  }

  /**
   * Deletes a pod at once (a force delete, grace period 0, as after a node failure); a StatefulSet
   * mock recreates it from the current template. A client's DELETE instead terminates it gracefully
   * when the kubelet mock runs (deletionTimestamp, Ready=False, then gone on the next turn).
   */
  killPod(namespace: string, name: string): void {
    this.core.remove(this.type('pods'), namespace, name, { gracePeriodSeconds: 0 });
  }

  // ---- operation log, faults, watches ----

  /** Every request in arrival order (discovery included), with the HTTP status it got. */
  operations(filter?: (r: RequestInfo) => boolean): RequestInfo[] {
    return filter ? this.ctx.log.filter(filter) : [...this.ctx.log];
  }

  clearOperations(): void {
    this.ctx.log.length = 0;
  }

  /** The next `count` requests matching `match` fail with `code` (a metav1.Status body) and are not executed. */
  failNext(match: (r: RequestInfo) => boolean, opts: FailOptions): void {
    const f: Fault = { match, code: opts.code, message: opts.message ?? `injected failure (${opts.code})`, remaining: opts.count ?? 1 };
    this.ctx.faults.push(f);
  }

  clearFaults(): void {
    this.ctx.faults.length = 0;
  }

  /**
   * Parks the next request matching `match` before it executes (it is logged, nothing is written)
   * until `release()`: for "the operator crashed while this write was in flight" and client timeouts.
   * `arrived` resolves when the request is parked.
   */
  holdNext(match: (r: RequestInfo) => boolean): { readonly arrived: Promise<RequestInfo>; release(): void } {
    let release!: () => void;
    let arrived!: (r: RequestInfo) => void;
    const arrivedP = new Promise<RequestInfo>((r) => (arrived = r));
    const released = new Promise<void>((r) => (release = r));
    const hold: Hold = { match, taken: false, arrived, released };
    this.ctx.holds.push(hold);
    this.releaseAll.push(release);
    return {
      arrived: arrivedP,
      release: () => {
        const i = this.ctx.holds.indexOf(hold);
        if (i >= 0) this.ctx.holds.splice(i, 1);
        release();
      },
    };
  }

  /** Ends every open watch stream (clients see a normal end of stream and must re-watch). */
  dropWatches(): void {
    for (const w of [...this.ctx.watches]) w.end();
  }

  /** Open watch streams. */
  watchCount(): number {
    return this.ctx.watches.size;
  }

  /** Forgets the event history: resuming a watch from any earlier resourceVersion gets 410 Gone. */
  compact(): void {
    this.core.store.compact();
  }

  /** Sends a BOOKMARK to watchers that asked for them (allowWatchBookmarks=true). */
  sendBookmarks(): void {
    for (const w of this.ctx.watches) w.bookmark();
  }

  resourceVersion(): number {
    return this.core.store.currentRv();
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.mocks?.stop();
    for (const r of this.releaseAll) r();
    this.dropWatches();
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const s of this.sockets) s.destroy();
    await closed;
  }

  /** Deep copy helper for tests that build objects from stored ones. */
  static copy<T>(v: T): T {
    return deepCopy(v);
  }
}
