/**
 * `rocketctl cluster`, `switchover` and `failover` against a real `rocketctl up` (a nameserver and
 * one group of two brokers under the controller, in child processes), run in-process as a user
 * would type them: the role columns, a switchover to a named broker, a forced failover back, and
 * the errors: unknown group, unknown or current target, no eligible target (the slave stopped with
 * SIGSTOP), no cluster running.
 */
import { ExitCode, MemoryOutput, runCli } from '.';
import type { SignalSource } from '.';
import { UpCluster, until } from '../e2e/process/kit';
import { cleanupTempDirs, tempDir } from '../testing/temp';
import { controlApiOf } from './commands/role-commands';

const noSignals: SignalSource = () => () => undefined;

let up: UpCluster | undefined;

afterAll(async () => {
  await up?.stopAfterFailure();
  cleanupTempDirs();
});

async function rocketctl(...argv: string[]): Promise<{ code: ExitCode; out: MemoryOutput }> {
  const out = new MemoryOutput();
  const code = await runCli(['--namesrv', up!.namesrv, ...argv], { out, env: {}, cwd: process.cwd(), signals: noSignals });
  return { code, out };
}

test('cluster shows roles; switchover and failover move the master through the controller; errors are clear', async () => {
  const dataDir = tempDir('roles-');
  up = await UpCluster.start(dataDir, { replicas: 2, replication: 'async' });
  const cluster = up;
  await cluster.ready();
  const first = await cluster.settled(30_000);
  const master = cluster.brokers[first.index]!;
  const slave = cluster.brokers[1 - first.index]!;
  const epoch = first.status.epoch;

  // cluster: the local up's replicas with their process names, and the replication columns.
  const shown = await rocketctl('cluster', '--data-dir', dataDir);
  expect(shown.code).toBe(ExitCode.ok);
  expect(shown.out.lines[0]).toMatch(/^CLUSTER\s+BROKER\s+ID\s+ROLE\s+ADDRESS\s+VERSION\s+PUT TPS\s+EPOCH\s+MAX OFFSET\s+CONFIRMED\s+LAG\s+IN SYNC\s+PROCESS$/);
  expect(shown.out.text()).toMatch(new RegExp(`broker-a\\s+0\\s+master\\s+${master.address}\\s.*\\s${epoch}\\s.*\\syes\\s+${master.name}`));
  expect(shown.out.text()).toMatch(new RegExp(`broker-a\\s+\\d\\s+slave\\s+${slave.address}\\s.*\\s${epoch}\\s.*\\syes\\s+${slave.name}`));
  // Without the local state the admin ports follow the listen port + 2 convention: same roles.
  const remote = await rocketctl('--json', 'cluster', '--data-dir', tempDir('elsewhere-'));
  const rows = remote.out.json() as { addr: string; role: string; process?: string; ha?: { epoch: number; inSync: boolean } }[];
  expect(rows.map((r) => [r.addr, r.role, r.ha?.epoch, r.ha?.inSync, r.process])).toEqual([
    [master.address, 'master', epoch, true, undefined],
    [slave.address, 'slave', epoch, true, undefined],
  ]);

  // switchover to a named broker.
  const switched = await rocketctl('switchover', 'broker-a', '--to', slave.name, '--data-dir', dataDir);
  expect({ code: switched.code, errors: switched.out.errors.filter((l) => l.startsWith('error')) }).toEqual({ code: ExitCode.ok, errors: [] });
  // Normally epoch + 1; on a loaded machine the controller may lose sight of the fenced master, abort and fail over.
  const done = /^switchover of broker-a done in [\d.]+ s: (\S+) is master at epoch (\d+) \(was (\S+) at epoch (\d+)\)$/.exec(switched.out.lines[0] ?? '');
  expect(done?.slice(1)).toEqual([slave.name, expect.any(String), master.name, String(epoch)]);
  const epoch2 = Number(done![2]);
  expect(epoch2).toBeGreaterThan(epoch);
  if (epoch2 !== epoch + 1) process.stdout.write(`switchover took a detour:\n${switched.out.errors.join('\n')}\n`);
  expect(switched.out.lines[2]).toMatch(/^BROKER\s+ROLE\s+EPOCH\s+ADDRESS\s+MAX OFFSET\s+CONFIRMED\s+LAG\s+IN SYNC$/);
  expect(switched.out.text()).toMatch(new RegExp(`${slave.name}\\s+master\\s+${epoch2}\\s`));
  expect(switched.out.errors.join('\n')).toContain('fencing the master');

  // failover back, forced (the master is alive and well: the command replaces it anyway).
  await cluster.settled(30_000, epoch2);
  const failed = await rocketctl('--json', 'failover', 'broker-a', '--data-dir', dataDir);
  expect(failed.code).toBe(ExitCode.ok);
  const failedOver = failed.out.json() as { to: { epoch: number } };
  expect(failedOver).toMatchObject({ group: 'broker-a', kind: 'failover', from: { masterId: slave.name, epoch: epoch2 }, to: { masterId: master.name } });
  expect((await cluster.newMaster(epoch2, 10_000)).index).toBe(first.index);

  // Errors.
  const unknownGroup = await rocketctl('switchover', 'broker-x', '--data-dir', dataDir);
  expect([unknownGroup.code, unknownGroup.out.errors.at(-1)]).toEqual([ExitCode.failure, 'error: unknown group broker-x (the controller manages: broker-a)']);
  const toMaster = await rocketctl('switchover', 'broker-a', '--to', master.address, '--data-dir', dataDir);
  expect([toMaster.code, toMaster.out.errors.at(-1)]).toEqual([ExitCode.failure, `error: ${master.name} is already the master of broker-a`]);
  const toUnknown = await rocketctl('switchover', 'broker-a', '--to', 'broker-a-7', '--data-dir', dataDir);
  expect(toUnknown.code).toBe(ExitCode.failure);
  expect(toUnknown.out.errors.at(-1)).toMatch(/^error: broker-a-7 is not a broker of broker-a/);
  const notRunning = await rocketctl('failover', 'broker-a', '--data-dir', tempDir('nothing-'));
  expect([notRunning.code, notRunning.out.errors.at(-1)]).toEqual([ExitCode.failure, expect.stringMatching(/^error: no rocketctl up is running on /)]);

  // No eligible target: the only slave is stopped (SIGSTOP) and the controller sees it unreachable.
  await cluster.settled(30_000, failedOver.to.epoch);
  const slaveIndex = 1 - first.index;
  cluster.signal(slaveIndex, 'SIGSTOP');
  try {
    const control = controlApiOf(dataDir);
    await until(
      async () => ((await control.view('broker-a', 0))?.observed.find((b) => b.replicaId === slave.name)?.reachable === false ? true : undefined),
      () => `the controller to see ${slave.name} unreachable`,
      10_000,
    );
    const noTarget = await rocketctl('switchover', 'broker-a', '--data-dir', dataDir);
    expect([noTarget.code, noTarget.out.errors.at(-1)]).toEqual([ExitCode.failure, `error: switchover of broker-a impossible: no eligible target: ${slave.name} is unreachable`]);
    const noFailover = await rocketctl('failover', 'broker-a', '--data-dir', dataDir);
    expect([noFailover.code, noFailover.out.errors.at(-1)]).toEqual([ExitCode.failure, `error: failover of broker-a impossible: no eligible target: ${slave.name} is unreachable`]);
  } finally {
    cluster.signal(slaveIndex, 'SIGCONT');
  }
  expect(await cluster.stop()).toBe(0);
}, 100_000);
