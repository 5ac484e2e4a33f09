/**
 * A returning old master with a divergent tail, with real processes: a nameserver and two brokers
 * (async replication) started by the test with `rocketctl up`'s command lines, and the controller
 * hosted in the test with the policy `allowUncleanElection` (what an operator opts into when it
 * prefers a writable group to waiting for a lost master).
 *
 * How the tail diverges: the slave is killed (kill -9), the master goes on acknowledging writes
 * alone (async replication needs no slave) and the controller records the in-sync set as the master
 * alone; then the master is killed too. The slave comes back first: nobody of the in-sync set is
 * reachable, so the controller elects it uncleanly at a new epoch, and it takes writes at the
 * offsets where the old master's tail was. When the old master returns, the controller makes it a
 * slave of the new epoch; it must cut its log at the end of the last epoch both share, and then
 * hold exactly the new master's bytes: compared file by file once both are stopped.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ControllerHost } from '../../cli/controller-host';
import { startControllerHost } from '../../cli/controller-host';
import type { ClusterLayout } from '../../cli/supervisor/specs';
import { controlledReplicas } from '../../cli/supervisor/specs';
import { createRootLogger } from '../../ops';
import { ResponseCode } from '../../protocol';
import type { RemotingClient } from '../../remoting';
import { cleanupTempDirs, tempDir } from '../../testing/temp';
import type { BrokerStatus } from './kit';
import { ManualCluster, SMALL_STORE_ENV, brokerStatus, createTopic, directClient, freeBasePort, sendDirect, until } from './kit';

const TOPIC = 'DivergeTopic';
const QUEUES = 4;
/** Small segments, so the tail spans a segment boundary and truncation deletes a whole segment. */
const SEGMENT_BYTES = 256 * 1024;
const BODY_PAD = 'x'.repeat(1000);

let cluster: ManualCluster | undefined;
let controller: ControllerHost | undefined;

afterEach(async () => {
  await controller?.stop();
  await cluster?.stopAll();
  controller = cluster = undefined;
});
afterAll(() => cleanupTempDirs());

/** Bytes [from, to) of a stopped broker's commit log, from its segment files (missing file = zeros). */
function readCommitLog(storeDir: string, from: number, to: number): Buffer {
  const out = Buffer.alloc(to - from);
  for (let seg = from - (from % SEGMENT_BYTES); seg < to; seg += SEGMENT_BYTES) {
    const file = path.join(storeDir, 'commitlog', String(seg).padStart(20, '0'));
    if (!fs.existsSync(file)) continue;
    const start = Math.max(from, seg);
    const end = Math.min(to, seg + SEGMENT_BYTES);
    const fd = fs.openSync(file, 'r');
    try {
      fs.readSync(fd, out, start - from, end - start, start - seg);
    } finally {
      fs.closeSync(fd);
    }
  }
  return out;
}

async function sendAll(client: RemotingClient, addr: string, phase: string, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const r = await sendDirect(client, addr, TOPIC, i % QUEUES, `${phase}-${i}-${BODY_PAD}`, 5000);
    if (r.code !== ResponseCode.SUCCESS) throw new Error(`${phase} send ${i} to ${addr}: ${r.code} ${r.remark ?? r.error ?? ''}`);
  }
}

function statusOf(m: ManualCluster, name: string): Promise<BrokerStatus | undefined> {
  return brokerStatus(m.spec(name).ports.httpPort);
}

function recordedInSync(dataDir: string): readonly string[] | undefined {
  try {
    return (JSON.parse(fs.readFileSync(path.join(dataDir, 'controller', 'broker-a.json'), 'utf8')) as { state: { inSyncReplicaIds: string[] } }).state.inSyncReplicaIds;
  } catch {
    return undefined;
  }
}

test('an old master with a divergent tail rejoins as a slave, cuts the tail and then holds the new master\'s commit log byte for byte', async () => {
  const dataDir = tempDir('ha-diverge-');
  const layout: ClusterLayout = { dataDir, basePort: await freeBasePort(2), host: '127.0.0.1', clusterName: 'DefaultCluster', brokerGroups: 1, replicasPerGroup: 2, restart: 'never', replicationMode: 'async' };
  // Segments must exceed the largest message by 64 KiB: small messages, small segments.
  const m = new ManualCluster(layout, { ...SMALL_STORE_ENV, ROCKET_BROKER_COMMIT_LOG_SEGMENT_BYTES: String(SEGMENT_BYTES), ROCKET_BROKER_MAX_MESSAGE_SIZE: String(64 * 1024) });
  cluster = m;
  const names = ['broker-a-0', 'broker-a-1'];
  await m.start('nameserver');
  await Promise.all(names.map((n) => m.start(n)));
  const controllerLog = path.join(dataDir, 'logs', 'controller.log');
  const stream = fs.createWriteStream(controllerLog, { flags: 'a' });
  controller = startControllerHost({
    dataDir,
    replicas: controlledReplicas(m.specs, layout),
    logger: createRootLogger({ service: 'e2e-controller', stream }),
    policy: { allowUncleanElection: true },
  });
  const diagnostics = () => `${names.map((n) => m.logTail(n, 10)).join('\n')}\ncontroller.log:\n${fs.existsSync(controllerLog) ? fs.readFileSync(controllerLog, 'utf8').split('\n').slice(-20).join('\n') : ''}`;
  const client = directClient();
  let facts: { oldStore: string; newStore: string; common: number; oldEnd: number; newEnd: number; divergentTail: Buffer } | undefined;
  try {
    // The first master, its slave following at epoch 1.
    const first = await until(
      async () => {
        const s = await Promise.all(names.map((n) => statusOf(m, n)));
        const i = s.findIndex((x) => x?.role === 'master' && x.writable);
        return i >= 0 && s[1 - i]?.role === 'slave' && s[1 - i]?.link?.connected === true ? { old: names[i]!, slave: names[1 - i]! } : undefined;
      },
      () => `a master with a connected slave; ${diagnostics()}`,
      30_000,
    );
    const oldAddr = m.spec(first.old).ports;
    const slaveAddr = m.spec(first.slave).ports;
    const oldStore = m.spec(first.old).dataDir;
    const newStore = m.spec(first.slave).dataDir;
    await createTopic(`127.0.0.1:${layout.basePort}`, TOPIC, QUEUES, 20_000);

    // Common history, on both.
    await sendAll(client, `127.0.0.1:${oldAddr.remotingPort}`, 'common', 200);
    const common = await until(
      async () => {
        const [o, s] = await Promise.all([statusOf(m, first.old), statusOf(m, first.slave)]);
        return o !== undefined && s !== undefined && s.maxCommitLogOffset === o.maxCommitLogOffset ? s.maxCommitLogOffset : undefined;
      },
      () => `the slave to catch up; ${diagnostics()}`,
      20_000,
    );

    // The controller records the slave in sync first: otherwise the check below could pass on the
    // bootstrap record ({master} alone) and the controller adopt the slave only after it died.
    await until(() => (recordedInSync(dataDir)?.length === 2 ? true : undefined), () => `the controller to record both in sync; ${diagnostics()}`, 20_000);
    // The slave dies; the master, alone in the in-sync set, writes a tail nobody else gets.
    await m.kill(first.slave);
    await until(() => (recordedInSync(dataDir)?.join() === first.old ? true : undefined), () => `the controller to record ${first.old} alone in sync; ${diagnostics()}`, 20_000);
    await sendAll(client, `127.0.0.1:${oldAddr.remotingPort}`, 'tail', 300);
    const oldEnd = (await statusOf(m, first.old))!.maxCommitLogOffset;
    expect(oldEnd).toBeGreaterThan(common);
    await m.kill(first.old);
    const divergentTail = readCommitLog(oldStore, common, oldEnd);

    // The slave returns first and is elected uncleanly at epoch 2; it writes over the old tail's offsets.
    await m.start(first.slave);
    const promoted = await until(
      async () => {
        const s = await statusOf(m, first.slave);
        return s?.role === 'master' && s.writable && s.epoch > 1 ? s : undefined;
      },
      () => `${first.slave} to be elected; ${diagnostics()}`,
      30_000,
    );
    expect(promoted.maxCommitLogOffset).toBe(common);
    expect(fs.readFileSync(controllerLog, 'utf8')).toContain('UNCLEAN');
    await sendAll(client, `127.0.0.1:${slaveAddr.remotingPort}`, 'new', 150);
    const newEnd = (await statusOf(m, first.slave))!.maxCommitLogOffset;

    // The old master returns: a slave of epoch 2, cut back to the common point, then caught up.
    await m.start(first.old);
    const rejoined = await until(
      async () => {
        const s = await statusOf(m, first.old);
        return s?.role === 'slave' && s.epoch === promoted.epoch && s.maxCommitLogOffset === newEnd && s.dispatchedOffset === newEnd ? s : undefined;
      },
      () => `${first.old} to follow ${first.slave} up to ${newEnd}; ${diagnostics()}`,
      30_000,
    );
    const master = (await statusOf(m, first.slave))!;
    expect(rejoined.epochEntries).toEqual(master.epochEntries);
    expect(master.maxCommitLogOffset).toBe(newEnd);
    facts = { oldStore, newStore, common, oldEnd, newEnd, divergentTail };
    process.stdout.write(
      `divergent tail: ${first.old} held ${oldEnd - common} bytes (300 acknowledged async sends) past the common point ${common}; ` +
        `${first.slave} elected uncleanly at epoch ${promoted.epoch} and wrote ${newEnd - common} bytes there; ${first.old} rejoined, cut its tail and matches up to ${newEnd}\n`,
    );
  } finally {
    await client.close();
    await controller.stop();
    controller = undefined;
  }

  // Quiesced: both stopped cleanly, then the commit logs compared as files.
  for (const n of names) expect(await m.stop(n)).toBe(0);
  const f = facts!;
  const onNew = readCommitLog(f.newStore, 0, f.newEnd);
  const onOld = readCommitLog(f.oldStore, 0, Math.max(f.newEnd, f.oldEnd));
  expect(onOld.subarray(0, f.newEnd).equals(onNew)).toBe(true);
  // Past the new end, what is left of the old tail is zeros (cut, never to be revived).
  expect(onOld.subarray(f.newEnd).every((b) => b === 0)).toBe(true);
  // And the divergent tail really was different from what now stands at its offsets.
  const overlap = Math.min(f.newEnd, f.oldEnd) - f.common;
  expect(f.divergentTail.subarray(0, overlap).equals(onNew.subarray(f.common, f.common + overlap))).toBe(false);
  expect(fs.readdirSync(path.join(f.oldStore, 'commitlog')).sort()).toEqual(fs.readdirSync(path.join(f.newStore, 'commitlog')).sort());
}, 120_000);
