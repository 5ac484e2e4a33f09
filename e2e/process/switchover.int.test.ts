/**
 * Switchover under load, with real processes: `rocketctl up --replicas 2 --replication <mode>` runs
 * one broker group under the controller; a producer sends continuously and records every
 * acknowledged send; `rocketctl switchover broker-a` (run in-process, the command users run) moves
 * the master to the slave through the controller; sends continue on the new master. Afterwards
 * every acknowledged message is at its acknowledged queue offset on the new master, with the same
 * body, queues contiguous from 0, and per queue everything acknowledged after the switchover lies
 * after everything acknowledged before it: zero loss, in async and in sync replication. Prints the
 * write-unavailability window (the longest gap between acknowledged sends around the switchover).
 */
import type { SignalSource } from '../../cli';
import { ExitCode, MemoryOutput, runCli } from '../../cli';
import { cleanupTempDirs, tempDir } from '../../testing/temp';
import type { AckedMessage } from './kit';
import { LoadProducer, ROOT, SMALL_STORE_ENV, UpCluster, checkAck, createTopic, directClient, queueProblems, readTopicAt, until } from './kit';

const TOPIC = 'SwitchoverTopic';
const QUEUES = 4;
/** Acknowledged sends wanted before the switchover and again after it. */
const ACKS_EACH_SIDE = 150;
const noSignals: SignalSource = () => () => undefined;

let cluster: UpCluster | undefined;

afterAll(async () => {
  await cluster?.stopAfterFailure();
  cleanupTempDirs();
});

/** The longest pause between consecutive acknowledgements from `fromMs` to `toMs`: its length and the ack that ended it. */
function longestGap(acked: readonly AckedMessage[], fromMs: number, toMs: number): { gapMs: number; startMs: number; endMs: number } {
  const times = acked.map((a) => a.ackedAtMs).sort((a, b) => a - b);
  let best = { gapMs: 0, startMs: fromMs, endMs: fromMs };
  for (let i = 1; i < times.length; i++) {
    if (times[i]! < fromMs || times[i - 1]! > toMs) continue;
    const gap = times[i]! - times[i - 1]!;
    if (gap > best.gapMs) best = { gapMs: gap, startMs: times[i - 1]!, endMs: times[i]! };
  }
  return best;
}

/**
 * Per queue: offsets acknowledged before the switchover all lie below those acknowledged after it.
 * The split is the end of the unavailability gap (no acknowledgement at all inside it), so sends in
 * flight together on either side cannot be mistaken for a reordering.
 */
function orderProblems(acked: readonly AckedMessage[], switchedAtMs: number): string[] {
  const problems: string[] = [];
  for (let q = 0; q < QUEUES; q++) {
    const before = acked.filter((a) => a.queueId === q && a.ackedAtMs < switchedAtMs).map((a) => a.queueOffset);
    const after = acked.filter((a) => a.queueId === q && a.ackedAtMs >= switchedAtMs).map((a) => a.queueOffset);
    if (before.length > 0 && after.length > 0 && Math.max(...before) >= Math.min(...after)) {
      problems.push(`queue ${q}: offset ${Math.max(...before)} acknowledged before the switchover, ${Math.min(...after)} after`);
    }
  }
  return problems;
}

describe.each(['async', 'sync'] as const)('switchover under load, %s replication', (mode) => {
  test('rocketctl switchover moves the master with every acknowledged message readable on the new one, in order', async () => {
    const dataDir = tempDir(`switchover-${mode}-`);
    const up = await UpCluster.start(dataDir, { replicas: 2, replication: mode, env: SMALL_STORE_ENV });
    cluster = up;
    const load = new LoadProducer({ namesrv: up.namesrv, topic: TOPIC, concurrency: 4, bodyPrefix: `switchover-${mode}`, pauseMs: 5 });
    try {
      await up.ready();
      const first = await up.settled(30_000);
      await createTopic(up.namesrv, TOPIC, QUEUES, 20_000);
      await load.start();
      await until(() => (load.acked.length >= ACKS_EACH_SIDE ? true : undefined), () => `${ACKS_EACH_SIDE} acknowledged sends; ${up.diagnostics()}`, 30_000);

      const out = new MemoryOutput();
      const requestedAtMs = Date.now();
      const code = await runCli(['switchover', 'broker-a', '--data-dir', dataDir], { out, env: {}, cwd: ROOT, signals: noSignals });
      const doneAtMs = Date.now();
      expect({ code, errors: out.errors.filter((l) => l.startsWith('error')) }).toEqual({ code: ExitCode.ok, errors: [] });
      const newIndex = 1 - first.index;
      const target = up.brokers[newIndex]!.name;
      const done = /^switchover of broker-a done in [\d.]+ s: (\S+) is master at epoch (\d+) \(was (\S+) at epoch (\d+)\)$/.exec(out.lines[0] ?? '');
      expect(done?.slice(1)).toEqual([target, expect.any(String), up.brokers[first.index]!.name, String(first.status.epoch)]);
      // epoch + 1, unless the controller lost sight of the fenced master (a loaded machine), aborted and failed over.
      expect(Number(done![2])).toBeGreaterThan(first.status.epoch);
      if (Number(done![2]) !== first.status.epoch + 1) process.stdout.write(`switchover (${mode}) took a detour:\n${out.errors.join('\n')}\n`);
      const promoted = await up.newMaster(first.status.epoch, 10_000);
      expect(promoted.index).toBe(newIndex);

      // Sends continue, now on the new master.
      const ackedBefore = load.acked.length;
      await until(() => (load.acked.length >= ackedBefore + ACKS_EACH_SIDE ? true : undefined), () => `sends after the switchover; ${up.diagnostics()}`, 30_000);
      await load.stop();

      const client = directClient();
      let queues;
      try {
        queues = await readTopicAt(client, up.brokers[newIndex]!.address, TOPIC, QUEUES);
      } finally {
        await client.close();
      }
      const lost = load.acked.filter((a) => checkAck(a, queues) !== 'ok');
      const gap = longestGap(load.acked, requestedAtMs, doneAtMs + 5_000);
      process.stdout.write(
        `switchover (${mode}): command took ${doneAtMs - requestedAtMs} ms; writes unavailable for ${gap.gapMs} ms (longest gap between acknowledged sends, from ${gap.startMs - requestedAtMs} ms after the request); ` +
          `${load.acked.length} acknowledged, ${lost.length} lost, ${load.failures} failed sends, not-ok ${JSON.stringify(Object.fromEntries(load.notOk))}\n`,
      );
      expect(lost.map((a) => `${a.body} ${a.queueId}@${a.queueOffset}: ${checkAck(a, queues)}`)).toEqual([]);
      expect(queueProblems(queues, load.attempted)).toEqual([]);
      expect(orderProblems(load.acked, gap.endMs)).toEqual([]);
      expect(load.acked.filter((a) => a.ackedAtMs >= doneAtMs).length).toBeGreaterThanOrEqual(ACKS_EACH_SIDE);
    } finally {
      await load.stop();
      await up.stopAfterFailure();
    }
    expect(await up.exited).toBe(0);
  }, 110_000);
});
