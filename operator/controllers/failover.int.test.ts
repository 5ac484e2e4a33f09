import type { JsonObject, RequestInfo } from '../testing/fake-kube';
import { cleanupTempDirs } from '../../testing/temp';
import { Harness } from './harness.test-util';
import { brokerRole, conditionOf, groupOf, isReady, rocketCluster, statusOf } from './fixtures.test-util';

let h: Harness;
beforeAll(async () => {
  h = await Harness.start(['ns-f', 'ns-r', 'ns-z', 'ns-n']);
});
afterAll(async () => {
  await h.close();
  cleanupTempDirs();
});

const other = (pod: string) => (pod.endsWith('-0') ? pod.replace(/-0$/, '-1') : pod.replace(/-1$/, '-0'));

/** The status PUT that first recorded `master` at `epoch` for broker-0. */
function statusWrite(ns: string, master: string, epoch: number): RequestInfo | undefined {
  return h.fake.operations((r) => r.method === 'PUT' && r.subresource === 'status' && r.namespace === ns && (r.code ?? 0) < 300).find((r) => {
    const groups = (((r.body as JsonObject | undefined)?.status as JsonObject | undefined)?.groups ?? []) as JsonObject[];
    return groups.some((g) => g.name === 'broker-0' && g.master === master && g.epoch === epoch);
  });
}

test('failover: a master down past the delay is replaced at a new epoch, recorded before any broker is told, and fenced when it returns', async () => {
  const key = { namespace: 'ns-f', name: 'c' };
  h.fake.create(rocketCluster('ns-f', 'c', { failover: { masterDownAfterSeconds: 60 } }));
  const op = h.startOperator();
  await h.until(op, [key], () => isReady(h, 'ns-f', 'c'), 'cluster Ready');
  const before = groupOf(h, 'ns-f', 'c', 'broker-0')!;
  const oldMaster = before.master!;
  const candidate = other(oldMaster);
  await h.until(op, [key], () => groupOf(h, 'ns-f', 'c', 'broker-0')!.inSyncReplicas.length === 2, 'both replicas in sync');

  await h.killPod('ns-f', oldMaster, { holdDown: true });
  for (let i = 0; i < 3; i++) await h.pass(op, [key]);
  // Not yet down for masterDownAfterSeconds: no decision.
  expect(groupOf(h, 'ns-f', 'c', 'broker-0')).toMatchObject({ master: oldMaster, epoch: 1 });

  h.clock.offsetMs += 61_000;
  await h.until(op, [key], () => brokerRole(h, 'ns-f', candidate)?.role === 'master', 'the slave promoted');
  const after = groupOf(h, 'ns-f', 'c', 'broker-0')!;
  expect(after).toMatchObject({ master: candidate, epoch: 2, inSyncReplicas: [candidate] });
  expect(brokerRole(h, 'ns-f', candidate)).toEqual({ role: 'master', epoch: 2, writable: true });
  expect(statusOf(h, 'ns-f', 'c').failovers).toBe(1);
  expect(h.metrics.failovers).toEqual(['ns-f/c/broker-0']);
  expect(h.events.filter((e) => e.involved === 'ns-f/c' && e.reason === 'Failover')).toHaveLength(1);

  // Status first: the decision's PUT precedes the first role command of the new epoch.
  const write = statusWrite('ns-f', candidate, 2);
  const firstCommand = h.roleCalls.find((c) => c.pod === `ns-f/${candidate}` && c.command.epoch === 2);
  expect(write).toBeDefined();
  expect(firstCommand).toBeDefined();
  expect(write!.seq).toBeLessThanOrEqual(firstCommand!.afterSeq);

  // The old master comes back (same store): it is made a slave of the new epoch, never a master again.
  h.release('ns-f', oldMaster);
  await h.until(op, [key], () => brokerRole(h, 'ns-f', oldMaster)?.role === 'slave' && brokerRole(h, 'ns-f', oldMaster)?.epoch === 2, 'old master fenced as a slave');
  expect(h.roleCalls.filter((c) => c.pod === `ns-f/${oldMaster}` && c.command.epoch >= 2).every((c) => c.command.role === 'slave')).toBe(true);
  expect(groupOf(h, 'ns-f', 'c', 'broker-0')).toMatchObject({ master: candidate, epoch: 2 });
  await h.until(op, [key], () => {
    const labels = (p: string) => ((h.fake.get('pods', 'ns-f', p)?.metadata as JsonObject | undefined)?.labels as Record<string, string> | undefined)?.['rocketcluster.io/role'];
    return labels(candidate) === 'master' && labels(oldMaster) === 'slave';
  }, 'role labels follow');
  await op.stop();
});

test('operator restart mid-failover: a new instance carries on from the decision in status', async () => {
  const key = { namespace: 'ns-r', name: 'c' };
  h.fake.create(rocketCluster('ns-r', 'c', { failover: { masterDownAfterSeconds: 60 } }));
  let crashed = false;
  const first = h.startOperator({ refuseRoleCalls: () => crashed });
  await h.until(first, [key], () => isReady(h, 'ns-r', 'c'), 'cluster Ready');
  await h.until(first, [key], () => groupOf(h, 'ns-r', 'c', 'broker-0')!.inSyncReplicas.length === 2, 'both replicas in sync');
  const oldMaster = groupOf(h, 'ns-r', 'c', 'broker-0')!.master!;
  const candidate = other(oldMaster);

  await h.killPod('ns-r', oldMaster, { holdDown: true });
  await h.pass(first, [key]);
  h.clock.offsetMs += 61_000;
  crashed = true; // from here on the first operator records decisions but dies before telling brokers
  await h.until(first, [key], () => groupOf(h, 'ns-r', 'c', 'broker-0')!.epoch === 2, 'the decision recorded');
  await first.stop();
  expect(groupOf(h, 'ns-r', 'c', 'broker-0')).toMatchObject({ master: candidate, epoch: 2 });
  expect(brokerRole(h, 'ns-r', candidate)).toMatchObject({ role: 'slave', epoch: 1 });

  const second = h.startOperator();
  await h.until(second, [key], () => brokerRole(h, 'ns-r', candidate)?.role === 'master', 'the recorded master promoted by the new instance');
  expect(brokerRole(h, 'ns-r', candidate)).toEqual({ role: 'master', epoch: 2, writable: true });
  // Carried on, not decided again: same epoch, one failover.
  expect(groupOf(h, 'ns-r', 'c', 'broker-0')).toMatchObject({ master: candidate, epoch: 2 });
  expect(statusOf(h, 'ns-r', 'c').failovers).toBe(1);
  h.release('ns-r', oldMaster);
  await h.until(second, [key], () => brokerRole(h, 'ns-r', oldMaster)?.role === 'slave', 'old master back as a slave');
  expect(brokerRole(h, 'ns-r', oldMaster)?.epoch).toBe(2);
  await second.stop();
});

test('a master whose pod is not Ready is replaced; its still-running broker is fenced, then made a slave once Ready', async () => {
  const key = { namespace: 'ns-z', name: 'c' };
  h.fake.create(rocketCluster('ns-z', 'c', { failover: { masterDownAfterSeconds: 60 } }));
  const op = h.startOperator();
  await h.until(op, [key], () => isReady(h, 'ns-z', 'c'), 'cluster Ready');
  await h.until(op, [key], () => groupOf(h, 'ns-z', 'c', 'broker-0')!.inSyncReplicas.length === 2, 'both replicas in sync');
  const oldMaster = groupOf(h, 'ns-z', 'c', 'broker-0')!.master!;
  const candidate = other(oldMaster);

  h.markNotReady('ns-z', oldMaster);
  await h.pass(op, [key]);
  h.clock.offsetMs += 61_000;
  await h.until(op, [key], () => brokerRole(h, 'ns-z', candidate)?.role === 'master', 'the slave promoted');
  await h.until(op, [key], () => brokerRole(h, 'ns-z', oldMaster)?.writable === false, 'the unready old master fenced');
  expect(brokerRole(h, 'ns-z', oldMaster)).toEqual({ role: 'master', epoch: 1, writable: false });
  expect(h.events.some((e) => e.involved === 'ns-z/c' && e.reason === 'OldMasterFenced')).toBe(true);

  h.release('ns-z', oldMaster);
  await h.until(op, [key], () => brokerRole(h, 'ns-z', oldMaster)?.role === 'slave', 'old master demoted once Ready');
  expect(brokerRole(h, 'ns-z', oldMaster)?.epoch).toBe(2);
  expect(groupOf(h, 'ns-z', 'c', 'broker-0')).toMatchObject({ master: candidate, epoch: 2 });
  await op.stop();
});

test('failover disabled: a dead master is reported (Degraded) but never replaced; it takes its role back when it returns', async () => {
  const key = { namespace: 'ns-n', name: 'c' };
  h.fake.create(rocketCluster('ns-n', 'c', { failover: { enabled: false } }));
  const op = h.startOperator();
  await h.until(op, [key], () => isReady(h, 'ns-n', 'c'), 'cluster Ready');
  const master = groupOf(h, 'ns-n', 'c', 'broker-0')!.master!;
  await h.killPod('ns-n', master, { holdDown: true });
  h.clock.offsetMs += 3_600_000;
  await h.until(op, [key], () => conditionOf(h, 'ns-n', 'c', 'Degraded')?.reason === 'MasterDown', 'Degraded: MasterDown');
  for (let i = 0; i < 3; i++) await h.pass(op, [key]);
  expect(groupOf(h, 'ns-n', 'c', 'broker-0')).toMatchObject({ master, epoch: 1 });
  expect(brokerRole(h, 'ns-n', other(master))).toMatchObject({ role: 'slave', epoch: 1 });

  h.release('ns-n', master);
  await h.until(op, [key], () => brokerRole(h, 'ns-n', master)?.role === 'master' && isReady(h, 'ns-n', 'c'), 'the master back');
  expect(groupOf(h, 'ns-n', 'c', 'broker-0')?.master).toBe(master);
  expect(statusOf(h, 'ns-n', 'c').failovers).toBe(0);
  await op.stop();
});
