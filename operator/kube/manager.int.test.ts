import { silentLogger } from '../../ops';
import { Manager, clusterKeyOf, CLUSTER_KIND } from './manager';
import type { ManagerOptions } from './manager';
import type { ClusterKey, Reconciler, ReconcileContext } from './types';
import { cluster, configMap, startFake, until } from './kube.test-util';
import type { KubeFixture } from './kube.test-util';

class Recorder implements Reconciler {
  readonly calls: string[] = [];
  readonly signals: AbortSignal[] = [];
  failuresLeft = 0;
  stopped = false;
  constructor(readonly name: string) {}
  async reconcile(key: ClusterKey, ctx: ReconcileContext): Promise<{ requeueAfterMs?: number }> {
    this.calls.push(`${key.namespace}/${key.name}`);
    this.signals.push(ctx.signal);
    if (this.failuresLeft-- > 0) throw new Error('transient');
    return {};
  }
  async stop(): Promise<void> {
    this.stopped = true;
  }
  count(key: string): number {
    return this.calls.filter((c) => c === key).length;
  }
}

describe('Manager against the fake API server', () => {
  let k: KubeFixture;
  let manager: Manager | undefined;
  beforeEach(async () => {
    k = await startFake();
  });
  afterEach(async () => {
    await manager?.stop();
    manager = undefined;
    await k.fake.stop();
  });

  function startManager(reconcilers: Reconciler[], extra: Partial<ManagerOptions> = {}): Promise<void> {
    const metrics = { reconciled: jest.fn(), managedClusters: jest.fn() };
    manager = new Manager({
      kubeConfig: k.kubeConfig,
      client: k.client,
      reconcilers,
      logger: silentLogger,
      metrics,
      informerRestartBaseMs: 20,
      queue: { baseDelayMs: 10 },
      ...extra,
    });
    return manager.start();
  }

  it('reconciles each cluster per reconciler when it or an object labelled with it changes; the cache serves reads', async () => {
    k.fake.create(cluster('c1'));
    const a = new Recorder('a');
    const b = new Recorder('b');
    await startManager([a, b]);
    expect(manager?.synced()).toBe(true);
    await until(() => a.count('ns/c1') >= 1 && b.count('ns/c1') >= 1, 'first reconcile');
    const before = a.count('ns/c1');
    k.fake.create(configMap('c1-broker-config', { x: '1' }, 'ns', { 'rocketcluster.io/cluster': 'c1' }));
    await until(() => a.count('ns/c1') > before, 'reconcile after owned object change');
    await until(() => manager?.cache.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'ns', name: 'c1-broker-config' }) !== undefined, 'cache');
    // Unlabelled objects are not watched at all.
    k.fake.create(configMap('unrelated', { x: '1' }));
    expect(manager?.cache.list('v1', 'ConfigMap', 'ns').map((c) => c.metadata?.name)).toEqual(['c1-broker-config']);
    expect(manager?.cache.list('rocketcluster.io/v1alpha1', 'RocketCluster').map((c) => c.metadata?.name)).toEqual(['c1']);
  });

  it('watches only WATCH_NAMESPACES when given', async () => {
    k.fake.create(cluster('in', 'ns'));
    k.fake.create(cluster('out', 'other'));
    const a = new Recorder('a');
    await startManager([a], { namespaces: ['ns'] });
    await until(() => a.count('ns/in') >= 1, 'reconcile of the watched namespace');
    await manager?.idle();
    expect(a.count('other/out')).toBe(0);
  });

  it('re-watches after the server ends the watches, and relists after 410 Gone', async () => {
    const a = new Recorder('a');
    await startManager([a]);
    k.fake.dropWatches();
    k.fake.create(cluster('after-drop'));
    await until(() => a.count('ns/after-drop') >= 1, 'event after a dropped watch');
    // Move the store past every informer's resourceVersion, forget history, and end the streams:
    // each re-watch from its old resourceVersion gets 410 and must list again.
    k.fake.create(configMap('bump', {}, 'default'));
    k.fake.compact();
    k.fake.clearOperations();
    k.fake.dropWatches();
    k.fake.create(cluster('after-gone'));
    await until(() => a.count('ns/after-gone') >= 1, 'event after 410');
    const relists = k.fake.operations((r) => r.verb === 'list' && r.resource === 'rocketclusters');
    expect(relists.length).toBeGreaterThanOrEqual(1);
  });

  it('restarts a watch that failed with a server error (client-node informers stop for good on errors)', async () => {
    const a = new Recorder('a');
    await startManager([a]);
    k.fake.failNext((r) => r.verb === 'watch' && r.resource === 'rocketclusters', { code: 500, count: 2 });
    k.fake.dropWatches();
    await until(() => k.fake.operations((r) => r.verb === 'watch' && r.resource === 'rocketclusters' && r.code === 500).length === 2, 'failed watches');
    k.fake.create(cluster('after-error'));
    await until(() => a.count('ns/after-error') >= 1, 'event after a failed watch was restarted');
  });

  it('retries a reconcile that throws, with backoff', async () => {
    k.fake.create(cluster('flaky'));
    const a = new Recorder('a');
    a.failuresLeft = 2;
    await startManager([a]);
    await until(() => a.count('ns/flaky') >= 3, 'two retries');
  });

  it('stop aborts the reconcile signal, stops the reconcilers, and reconciles nothing more', async () => {
    k.fake.create(cluster('c2'));
    const a = new Recorder('a');
    await startManager([a]);
    await until(() => a.count('ns/c2') >= 1, 'first reconcile');
    await manager?.stop();
    expect(a.signals.every((s) => s.aborted)).toBe(true);
    expect(a.stopped).toBe(true);
    const calls = a.calls.length;
    k.fake.create(cluster('c3'));
    await new Promise((r) => setImmediate(r));
    expect(a.calls.length).toBe(calls);
  });

  it('a stop while the informers are still listing leaves no watch open', async () => {
    manager = new Manager({ kubeConfig: k.kubeConfig, client: k.client, reconcilers: [new Recorder('a')], logger: silentLogger });
    const starting = manager.start();
    await manager.stop();
    await starting;
    await until(() => k.fake.watchCount() === 0, 'watches closed');
  });

  it('clusterKeyOf maps objects by the cluster label or a RocketCluster owner reference', () => {
    const podKind = { apiVersion: 'v1', kind: 'Pod' };
    expect(clusterKeyOf(podKind, { metadata: { name: 'p', namespace: 'ns', labels: { 'rocketcluster.io/cluster': 'c' } } })).toEqual({ namespace: 'ns', name: 'c' });
    const owned = { metadata: { name: 's', namespace: 'ns', ownerReferences: [{ apiVersion: 'rocketcluster.io/v1alpha1', kind: 'RocketCluster', name: 'c9', uid: 'u' }] } };
    expect(clusterKeyOf(podKind, owned)).toEqual({ namespace: 'ns', name: 'c9' });
    expect(clusterKeyOf(podKind, { metadata: { name: 'x', namespace: 'ns' } })).toBeUndefined();
    expect(clusterKeyOf(CLUSTER_KIND, { metadata: { name: 'rc', namespace: 'ns' } })).toEqual({ namespace: 'ns', name: 'rc' });
  });
});
