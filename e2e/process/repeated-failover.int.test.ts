/**
 * Repeated kill -9 of the master under load, with real processes (`rocketctl up --replicas 2
 * --restart`). A producer sends all the time and keeps the books of every acknowledged send
 * (SEND_OK: message id, queue, queue offset, body). At a random moment the current master is
 * killed; once a new master is elected, what it holds is compared with the books; then the test
 * waits until the old master is back as an in-sync, caught-up slave before the next kill.
 *
 * - sync replication: nothing acknowledged is ever lost, 10 kills.
 * - async replication: acknowledged messages may be lost (the slave had not received them); the
 *   count is printed as a figure, and the test checks the accounting: every acknowledged message is
 *   either readable where it was acknowledged or counted lost, the lost ones of a failover are the
 *   newest acknowledgements of each queue before that kill, and nothing out of order or unknown
 *   is readable.
 *
 * Per failover it prints the time from the kill to the new master and to the first acknowledged send.
 */
import type { DecodedMessage } from '../../message';
import { cleanupTempDirs, tempDir } from '../../testing/temp';
import type { AckedMessage } from './kit';
import { LoadProducer, SMALL_STORE_ENV, UpCluster, checkAck, createTopic, directClient, queueProblems, readTopicAt, until } from './kit';

const QUEUES = 4;
let cluster: UpCluster | undefined;

afterEach(async () => {
  await cluster?.stopAfterFailure();
  cluster = undefined;
});
afterAll(() => cleanupTempDirs());

interface FailoverFigures {
  readonly masterAfterMs: number;
  readonly firstAckAfterMs: number;
}

interface RunResult {
  readonly acked: readonly AckedMessage[];
  readonly lost: readonly AckedMessage[];
  readonly failovers: readonly FailoverFigures[];
}

/** Waits for a random share of further acknowledgements, so each kill lands at a different point of the load. */
async function randomMoment(load: LoadProducer, c: UpCluster): Promise<void> {
  const target = load.acked.length + 20 + Math.floor(Math.random() * 200);
  await until(() => (load.acked.length >= target ? true : undefined), () => `${target} acknowledged sends (have ${load.acked.length}); ${c.diagnostics()}`, 30_000);
}

function describeAck(a: AckedMessage): string {
  return `${a.body} (queue ${a.queueId} offset ${a.queueOffset}, acked in round ${a.round})`;
}

/**
 * The lost messages of one failover are the newest acknowledgements of each queue: per queue, every
 * message acknowledged before the kill at a higher queue offset than a lost one is lost too.
 */
function outOfOrderLosses(before: readonly AckedMessage[], lostNow: ReadonlySet<AckedMessage>): string[] {
  const problems: string[] = [];
  for (let q = 0; q < QUEUES; q++) {
    const inQueue = before.filter((a) => a.queueId === q).sort((x, y) => x.queueOffset - y.queueOffset);
    const firstLost = inQueue.findIndex((a) => lostNow.has(a));
    if (firstLost < 0) continue;
    for (const a of inQueue.slice(firstLost)) if (!lostNow.has(a)) problems.push(`queue ${q}: ${describeAck(a)} survived although an earlier offset was lost`);
  }
  return problems;
}

async function killLoop(mode: 'sync' | 'async', kills: number): Promise<RunResult> {
  const c = await UpCluster.start(tempDir(`ha-${mode}-`), { replicas: 2, replication: mode, env: SMALL_STORE_ENV });
  cluster = c;
  const topic = `Kill${mode === 'sync' ? 'Sync' : 'Async'}Topic`;
  await c.ready();
  let settled = await c.settled(30_000);
  await createTopic(c.namesrv, topic, QUEUES, 20_000);
  const load = new LoadProducer({ namesrv: c.namesrv, topic, concurrency: 2, bodyPrefix: `kill-${mode}`, pauseMs: 5 });
  const reader = directClient();
  const lost = new Set<AckedMessage>();
  const failovers: FailoverFigures[] = [];
  await load.start();
  try {
    for (let k = 1; k <= kills; k++) {
      await randomMoment(load, c);
      const oldIndex = settled.index;
      const oldEpoch = settled.status.epoch;
      c.signal(oldIndex, 'SIGKILL');
      const killedAt = Date.now();
      load.round = k;
      const promoted = await c.newMaster(oldEpoch, 20_000);
      const masterAfterMs = Date.now() - killedAt;
      expect(promoted.index).not.toBe(oldIndex);

      // Everything acknowledged so far (before the kill, and by the new master since) against what the new master holds.
      const books = load.acked.slice();
      await c.dispatched(promoted.index, 10_000);
      const queues: DecodedMessage[][] = await readTopicAt(reader, c.brokers[promoted.index]!.address, topic, QUEUES);
      expect(queueProblems(queues, load.attempted)).toEqual([]);
      const lostNow = new Set(books.filter((a) => !lost.has(a) && checkAck(a, queues) !== 'ok'));
      if (mode === 'sync') {
        expect([...lostNow].map((a) => `${describeAck(a)}: ${checkAck(a, queues)} on ${c.brokers[promoted.index]!.name} (queue lengths ${queues.map((q) => q.length).join(', ')})`)).toEqual([]);
      } else {
        // Only what was acknowledged after the slave had caught up, before this kill, can be missing.
        expect([...lostNow].filter((a) => a.round !== k - 1 || a.ackedAtMs < settled.caughtUpAtMs).map(describeAck)).toEqual([]);
        expect(outOfOrderLosses(books.filter((a) => a.round < k), lostNow)).toEqual([]);
      }
      lostNow.forEach((a) => lost.add(a));

      // The old master is restarted by the supervisor and rejoins as a slave; the next kill waits for it to catch up.
      settled = await c.settled(60_000, promoted.status.epoch);
      expect(settled.index).toBe(promoted.index);
      const firstAck = await until(() => load.firstAckFrom(k), () => `an acknowledged send after kill ${k}; ${c.diagnostics()}`, 20_000);
      const figures = { masterAfterMs, firstAckAfterMs: firstAck - killedAt };
      failovers.push(figures);
      process.stdout.write(
        `${mode} failover ${k}/${kills}: ${c.brokers[oldIndex]!.name} killed, ${c.brokers[promoted.index]!.name} master at epoch ${promoted.status.epoch} after ${figures.masterAfterMs} ms, first acknowledged send after ${figures.firstAckAfterMs} ms; ${books.length} acknowledged so far, ${lostNow.size} lost now\n`,
      );
    }
  } finally {
    await load.stop();
  }
  // Once more at the end: the final master against the whole books.
  const final = await c.settled(30_000, settled.status.epoch);
  await c.dispatched(final.index, 10_000);
  const queues = await readTopicAt(reader, c.brokers[final.index]!.address, topic, QUEUES);
  await reader.close();
  expect(queueProblems(queues, load.attempted)).toEqual([]);
  const notOk = load.acked.filter((a) => !lost.has(a) && checkAck(a, queues) !== 'ok');
  expect(notOk.map(describeAck)).toEqual([]);
  expect(await c.stop()).toBe(0);
  cluster = undefined;
  return { acked: load.acked, lost: [...lost], failovers };
}

function summary(failovers: readonly FailoverFigures[]): string {
  const stat = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    return `median ${s[Math.floor((s.length - 1) / 2)]} ms, max ${s[s.length - 1]} ms`;
  };
  return `kill -> new master ${stat(failovers.map((f) => f.masterAfterMs))}; kill -> first acknowledged send ${stat(failovers.map((f) => f.firstAckAfterMs))}`;
}

test('sync replication, kill -9 of the master 10 times under load: every acknowledged message stays readable at its queue offset on each new master', async () => {
  const run = await killLoop('sync', 10);
  process.stdout.write(`sync replication: ${run.lost.length} of ${run.acked.length} acknowledged messages lost over ${run.failovers.length} failovers; ${summary(run.failovers)}\n`);
  expect(run.failovers).toHaveLength(10);
  expect(run.lost).toHaveLength(0);
}, 240_000);

test('async replication, kill -9 of the master 5 times under load: lost acknowledged messages are counted and reported, the rest stay readable in order', async () => {
  const run = await killLoop('async', 5);
  process.stdout.write(`async replication: ${run.lost.length} of ${run.acked.length} acknowledged messages lost over ${run.failovers.length} failovers; ${summary(run.failovers)}\n`);
  expect(run.failovers).toHaveLength(5);
  expect(run.acked.length).toBeGreaterThan(0);
}, 150_000);
