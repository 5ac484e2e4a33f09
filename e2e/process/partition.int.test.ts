/**
 * A partitioned master, with real processes (`rocketctl up --replicas 3 --restart --replication
 * sync`): the master is frozen with SIGSTOP (alive, unreachable: a network partition as the
 * controller sees it), the controller fails over to a slave, sends succeed on the new master (the
 * third broker follows it and keeps sync replication going), then the old master gets SIGCONT.
 *
 * Sends addressed straight to the old master (queued while it was frozen, and more after it
 * resumes) must never be answered SEND_OK: it is stale. It steps down once it meets the newer
 * epoch (GET /status no longer a writable master, epoch the new one), rejoins as a slave, and
 * every acknowledged message is on the new master, nothing that only the old master held.
 */
import { ResponseCode, responseCodeName } from '../../protocol';
import { cleanupTempDirs, tempDir } from '../../testing/temp';
import type { BrokerStatus, DirectSendOutcome } from './kit';
import { LoadProducer, SMALL_STORE_ENV, UpCluster, brokerStatus, checkAck, createTopic, directClient, queueProblems, readQueueAt, readTopicAt, sendDirect, until } from './kit';

const TOPIC = 'PartitionTopic';
const QUEUES = 4;

let cluster: UpCluster | undefined;

afterEach(async () => {
  await cluster?.stopAfterFailure();
  cluster = undefined;
});
afterAll(() => cleanupTempDirs());

function codeName(o: DirectSendOutcome): string {
  return o.code === undefined ? `no answer (${o.error ?? '?'})` : (responseCodeName(o.code) ?? String(o.code));
}

test('a SIGSTOPped master is replaced; after SIGCONT it acknowledges no write, steps down at the newer epoch and rejoins as a slave', async () => {
  const c = await UpCluster.start(tempDir('ha-partition-'), { replicas: 3, replication: 'sync', env: SMALL_STORE_ENV });
  cluster = c;
  await c.ready();
  const first = await c.settled(30_000);
  await createTopic(c.namesrv, TOPIC, QUEUES, 20_000);
  const load = new LoadProducer({ namesrv: c.namesrv, topic: TOPIC, concurrency: 2, bodyPrefix: 'partition', pauseMs: 5 });
  const direct = directClient();
  const reader = directClient();
  const oldIndex = first.index;
  const old = c.brokers[oldIndex]!;
  const directOutcomes: Promise<DirectSendOutcome>[] = [];
  await load.start();
  try {
    await until(() => (load.acked.length >= 50 ? true : undefined), () => `50 acknowledged sends; ${c.diagnostics()}`, 20_000);
    // Opens the direct connection while the master still runs (a pull stores nothing).
    await readQueueAt(direct, old.address, TOPIC, 0);
    c.signal(oldIndex, 'SIGSTOP');
    const stoppedAt = Date.now();
    load.round = 1;

    const promoted = await c.newMaster(first.status.epoch, 20_000);
    expect(promoted.index).not.toBe(oldIndex);
    const newEpoch = promoted.status.epoch;
    const masterAfterMs = Date.now() - stoppedAt;
    // With the third broker following the new master, sync sends are acknowledged during the partition.
    await until(() => load.firstAckFrom(1), () => `an acknowledged send on the new master; ${c.diagnostics()}`, 30_000);
    const acksDuringPartition = load.acked.filter((a) => a.round === 1).length;

    // Sends straight to the frozen master: the kernel accepts the connection and queues the requests,
    // so the broker handles them the moment it runs again, before anyone has told it anything.
    for (let i = 0; i < 20; i++) directOutcomes.push(sendDirect(direct, old.address, TOPIC, i % QUEUES, `stale-queued-${i}`, 8000));
    // The connection is open already (below), so each request is written to the socket at once; two
    // turns of the event loop let the writes reach the kernel before the broker resumes.
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
    c.signal(oldIndex, 'SIGCONT');
    const resumedAt = Date.now();
    load.round = 2;
    // And more while it has not stepped down yet.
    let stepDown: BrokerStatus | undefined;
    for (let i = 0; stepDown === undefined && i < 200; i++) {
      directOutcomes.push(sendDirect(direct, old.address, TOPIC, i % QUEUES, `stale-after-${i}`, 8000));
      const s = await brokerStatus(old.ports.httpPort);
      if (s !== undefined && s.epoch >= newEpoch && !(s.role === 'master' && s.writable)) stepDown = s;
    }
    stepDown ??= await until(
      async () => {
        const s = await brokerStatus(old.ports.httpPort);
        return s !== undefined && s.epoch >= newEpoch && !(s.role === 'master' && s.writable) ? s : undefined;
      },
      () => `the old master to step down; ${c.diagnostics()}`,
      20_000,
    );
    const stepDownAfterMs = Date.now() - resumedAt;
    expect(stepDown.epoch).toBe(newEpoch);

    const outcomes = await Promise.all(directOutcomes);
    const counts = new Map<string, number>();
    outcomes.forEach((o) => counts.set(codeName(o), (counts.get(codeName(o)) ?? 0) + 1));
    process.stdout.write(
      `partition: new master ${c.brokers[promoted.index]!.name} at epoch ${newEpoch} ${masterAfterMs} ms after SIGSTOP, ${acksDuringPartition} sends acknowledged during the partition; ` +
        `old master stepped down (${stepDown.role}, epoch ${stepDown.epoch}) ${stepDownAfterMs} ms after SIGCONT; ${outcomes.length} sends addressed to it: ${[...counts].map(([k, n]) => `${k} ${n}`).join(', ')}\n`,
    );
    expect(outcomes.filter((o) => o.code === ResponseCode.SUCCESS).map((o) => `SEND_OK at queue offset ${o.queueOffset}`)).toEqual([]);

    // The old master rejoins as a slave of the new epoch; the group settles with all three in sync.
    const settled = await c.settled(60_000, newEpoch);
    expect(settled.index).toBe(promoted.index);
    const rejoined = await brokerStatus(old.ports.httpPort);
    expect(rejoined?.role).toBe('slave');
    expect(rejoined?.masterAddress).toBe(c.brokers[promoted.index]!.haAddress);
  } finally {
    await load.stop();
    await direct.close();
  }

  // Every acknowledged send (before, during and after the partition) is on the new master; nothing
  // sent only to the old master is (such a body would be one the load producer never sent).
  const master = await c.settled(30_000);
  await c.dispatched(master.index, 10_000);
  const queues = await readTopicAt(reader, c.brokers[master.index]!.address, TOPIC, QUEUES);
  expect(queueProblems(queues, load.attempted)).toEqual([]);
  expect(load.acked.filter((a) => checkAck(a, queues) !== 'ok').map((a) => `${a.body} ${a.queueId}@${a.queueOffset}`)).toEqual([]);
  // The old master, now a slave, holds the same messages (it truncated what only it had).
  await c.dispatched(oldIndex, 10_000);
  const onOld = await readTopicAt(reader, old.address, TOPIC, QUEUES);
  await reader.close();
  expect(queueProblems(onOld, load.attempted)).toEqual([]);
  onOld.forEach((q, queueId) => {
    const mismatched = q.filter((m, i) => queues[queueId]![i]?.body.equals(m.body) !== true);
    expect(mismatched.map((m) => `${queueId}@${m.queueOffset}`)).toEqual([]);
  });
  expect(await c.stop()).toBe(0);
  cluster = undefined;
}, 150_000);
