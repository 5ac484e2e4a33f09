import { PassThrough } from 'node:stream';
import { createRootLogger } from '../ops';
import { loadOperatorConfig } from './config';
import { RocketOperator } from './main';
import { OperatorMetrics } from './metrics';
import type { ClusterKey, ReconcileContext, Reconciler } from './kube';
import { cluster, startFake, until } from './kube/kube.test-util';
import type { KubeFixture } from './kube/kube.test-util';

/** Two operator processes' worth of objects in one test process, against one fake API server. */
describe('rocket-operator: two instances, leader election, probes and metrics', () => {
  let k: KubeFixture;
  const operators: RocketOperator[] = [];
  const lines: Record<string, unknown>[] = [];

  beforeAll(async () => {
    k = await startFake();
  });
  afterAll(async () => {
    await Promise.all(operators.map((o) => o.stop()));
    await k.fake.stop();
  });

  interface Instance {
    readonly operator: RocketOperator;
    readonly reconciled: string[];
    terms: number;
  }

  function instance(identity: string): Instance {
    const loaded = loadOperatorConfig({ POD_NAME: identity, POD_NAMESPACE: 'default', METRICS_PORT: '0', LOG_LEVEL: 'debug' });
    if (!loaded.ok) throw new Error(loaded.error.join('; '));
    const stream = new PassThrough();
    stream.on('data', (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n')) if (line !== '') lines.push(JSON.parse(line) as Record<string, unknown>);
    });
    const inst: Instance = { operator: undefined as unknown as RocketOperator, reconciled: [], terms: 0 };
    const reconciler: Reconciler = {
      name: 'recorder',
      reconcile: async (key: ClusterKey, ctx: ReconcileContext) => {
        inst.reconciled.push(`${key.namespace}/${key.name}`);
        ctx.logger.info('reconciled by test', { by: identity });
        return {};
      },
    };
    const operator = new RocketOperator({
      config: loaded.value,
      kubeConfig: k.fake.kubeConfig(),
      logger: createRootLogger({ service: 'rocket-operator', level: 'debug', stream }),
      host: '127.0.0.1',
      metrics: new OperatorMetrics(),
      leaseTimingsMs: { leaseDurationMs: 1000, renewDeadlineMs: 600, retryPeriodMs: 100 },
      manager: { informerRestartBaseMs: 20 },
      createReconcilers: () => {
        inst.terms++;
        return [reconciler];
      },
    });
    (inst as { operator: RocketOperator }).operator = operator;
    operators.push(operator);
    return inst;
  }

  async function get(op: RocketOperator, path: string): Promise<{ status: number; text: string }> {
    const res = await fetch(`http://127.0.0.1:${op.port}${path}`);
    return { status: res.status, text: await res.text() };
  }

  it('one instance leads and reconciles, the other stands by ready; a clean stop hands over', async () => {
    const a = instance('op-a');
    const b = instance('op-b');
    await a.operator.start();
    await until(() => a.operator.isLeader(), 'op-a leads');
    await b.operator.start();
    k.fake.create(cluster('c1'));
    await until(() => a.reconciled.includes('ns/c1'), 'leader reconciles');
    await a.operator.settled();
    expect(b.operator.isLeader()).toBe(false);
    expect(b.terms).toBe(0);
    expect(b.reconciled).toEqual([]);

    await until(async () => (await get(a.operator, '/readyz')).status === 200, 'leader ready');
    expect((await get(b.operator, '/readyz')).status).toBe(200);
    expect((await get(b.operator, '/healthz')).status).toBe(200);
    const metricsA = (await get(a.operator, '/metrics')).text;
    expect(metricsA).toMatch(/^rocketcluster_operator_is_leader 1$/m);
    expect(metricsA).toMatch(/^rocketcluster_operator_reconciles_total\{controller="recorder",result="success"\} [1-9]/m);
    expect(metricsA).toMatch(/^rocketcluster_operator_reconcile_duration_seconds_count\{controller="recorder"\} [1-9]/m);
    expect(metricsA).toMatch(/^rocketcluster_operator_managed_clusters 1$/m);
    expect((await get(b.operator, '/metrics')).text).toMatch(/^rocketcluster_operator_is_leader 0$/m);

    // Every line a reconcile writes names its cluster and namespace.
    const fromReconcile = lines.filter((l) => l.message === 'reconciled by test');
    expect(fromReconcile.length).toBeGreaterThan(0);
    for (const l of fromReconcile) expect(l).toMatchObject({ namespace: 'ns', cluster: 'c1', controller: 'recorder', service: 'rocket-operator' });

    await a.operator.stop();
    await until(() => b.operator.isLeader(), 'op-b takes over');
    k.fake.create(cluster('c2'));
    await until(() => b.reconciled.includes('ns/c1') && b.reconciled.includes('ns/c2'), 'new leader reconciles both clusters');
    expect(a.reconciled).not.toContain('ns/c2');
    expect(b.terms).toBe(1);
  });

  it('a leader that finds the Lease taken stops reconciling at once; without election the Manager just runs', async () => {
    await Promise.all(operators.map((o) => o.stop())); // the first test's leader releases the Lease
    const c = instance('op-c');
    await c.operator.start();
    await until(() => c.operator.isLeader(), 'op-c leads');
    await until(() => c.reconciled.length > 0, 'op-c reconciles');
    await c.operator.settled();
    // Someone else holds the Lease now (as after a partition): op-c must stand down on its next round.
    k.fake.update('leases', 'default', 'rocketcluster-operator', (o) => {
      (o.spec as Record<string, unknown>).holderIdentity = 'intruder';
      (o.spec as Record<string, unknown>).leaseDurationSeconds = 3600;
    });
    await until(() => !c.operator.isLeader() && c.operator.currentManager() === undefined, 'op-c stands down');
    await c.operator.settled();
    const seen = c.reconciled.length;
    k.fake.create(cluster('c3'));
    expect((await get(c.operator, '/metrics')).text).toMatch(/^rocketcluster_operator_is_leader 0$/m);
    expect((await get(c.operator, '/readyz')).status).toBe(200);
    await c.operator.stop();
    expect(c.reconciled.length).toBe(seen);

    const loaded = loadOperatorConfig({ POD_NAME: 'solo', LEADER_ELECTION: 'false', METRICS_PORT: '0' }, () => undefined);
    if (!loaded.ok) throw new Error(loaded.error.join('; '));
    const solo: string[] = [];
    const operator = new RocketOperator({
      config: loaded.value,
      kubeConfig: k.fake.kubeConfig(),
      logger: createRootLogger({ service: 'rocket-operator', stream: new PassThrough() }),
      host: '127.0.0.1',
      metrics: new OperatorMetrics(),
      createReconcilers: () => [{ name: 'solo', reconcile: async (key) => (solo.push(key.name), {}) }],
    });
    operators.push(operator);
    await operator.start();
    await until(() => solo.includes('c3'), 'reconciles without election');
    await until(async () => (await get(operator, '/readyz')).status === 200, 'ready');
  });
});
