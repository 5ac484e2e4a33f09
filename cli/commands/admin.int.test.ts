/**
 * The admin, send and consume commands against an in-process cluster (two broker groups), run
 * in-process through `runCli` with an output sink: the real command lines, parsing included,
 * without spawning processes.
 */
import type { LocalCluster } from '../../testing/cluster';
import { startLocalCluster } from '../../testing/cluster';
import { cleanupTempDirs } from '../../testing/temp';
import { ExitCode } from '../errors';
import { MemoryOutput } from '../output';
import { runCli } from '../program';
import { generatedBody } from './send-plan';
import type { SignalSource } from '../supervisor/up';

let cluster: LocalCluster;
const noSignals: SignalSource = () => () => undefined;

beforeAll(async () => {
  cluster = await startLocalCluster({ brokers: 2 });
});

afterAll(async () => {
  await cluster.close();
  cleanupTempDirs();
});

async function rocketctl(...argv: string[]): Promise<{ code: ExitCode; out: MemoryOutput }> {
  const out = new MemoryOutput();
  const code = await runCli(['--namesrv', cluster.namesrvAddr, ...argv], { out, env: {}, cwd: process.cwd(), signals: noSignals });
  return { code, out };
}

async function until(cond: () => Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function ok(...argv: string[]): Promise<MemoryOutput> {
  const { code, out } = await rocketctl(...argv);
  if (code !== ExitCode.ok) throw new Error(`rocketctl ${argv.join(' ')} exited ${code}:\n${out.errors.join('\n')}`);
  return out;
}

test('cluster lists both masters with their addresses, roles and versions', async () => {
  const out = await ok('cluster');
  expect(out.lines[0]).toMatch(/^CLUSTER\s+BROKER\s+ID\s+ROLE\s+ADDRESS\s+VERSION/);
  expect(out.lines).toHaveLength(3);
  for (const b of cluster.brokers) expect(out.text()).toMatch(new RegExp(`${b.brokerName}\\s+0\\s+\\S*MASTER\\s+${b.addr.replace(/\./g, '\\.')}\\s+V`));
  const json = (await ok('cluster', '--json')).json() as { brokerName: string; role: string; addr: string }[];
  expect(json.map((b) => b.brokerName).sort()).toEqual(['broker-a', 'broker-b']);
});

test('topic lifecycle: create, refuse a duplicate, list, update, describe, delete', async () => {
  const created = await ok('topic', 'create', 'CliTopic', '--queues', '4');
  expect(created.lines).toEqual(['created topic CliTopic on broker-a, broker-b: 4 read / 4 write queues, perm RW, type NORMAL']);

  const again = await rocketctl('topic', 'create', 'CliTopic');
  expect(again.code).toBe(ExitCode.failure);
  expect(again.out.errors.join('\n')).toMatch(/already exists/);

  const list = (await ok('topic', 'list', '--json')).json() as string[];
  expect(list).toContain('CliTopic');
  expect(list).not.toContain('TBW102');
  expect(list).not.toContain('broker-a');
  expect(list).not.toContain('DefaultCluster');
  const all = (await ok('topic', 'list', '--all')).lines;
  expect(all).toContain('TBW102');
  expect(all.length).toBeGreaterThan(list.length);

  const updated = await ok('topic', 'update', 'CliTopic', '--perm', 'R', '--broker', 'broker-b');
  expect(updated.lines).toEqual(['updated topic CliTopic on broker-b: 4 read / 4 write queues, perm R-, type NORMAL']);
  const described = (await ok('topic', 'describe', 'CliTopic', '--json')).json() as { brokers: { brokerName: string; perm: number }[]; queues: unknown[] };
  expect(described.brokers).toEqual([
    { brokerName: 'broker-a', readQueueNums: 4, writeQueueNums: 4, perm: 6 },
    { brokerName: 'broker-b', readQueueNums: 4, writeQueueNums: 4, perm: 4 },
  ]);
  expect(described.queues).toHaveLength(8);

  expect((await ok('topic', 'delete', 'CliTopic')).lines).toEqual(['deleted topic CliTopic from broker-a, broker-b']);
  const gone = await rocketctl('topic', 'describe', 'CliTopic');
  expect(gone.code).toBe(ExitCode.failure);
  expect(gone.out.errors.join('\n')).toMatch(/ROCKET_TOPIC_NOT_FOUND/);
});

test('send, describe, show, query, consume and consumer progress agree on the same messages', async () => {
  await ok('topic', 'create', 'CliFlow', '--queues', '2');
  const bulk = (await ok('send', 'CliFlow', '--count', '10', '--keys', 'bulk-{i}', '--size', '64', '--json')).json() as { sent: number; failed: number };
  expect(bulk).toMatchObject({ sent: 10, failed: 0 });
  const human = await ok('send', 'CliFlow', '--count', '10', '--keys', 'bulk-1{i}', '--size', '64');
  expect(human.lines).toHaveLength(1);
  expect(human.lines[0]).toMatch(/^sent 10 messages of 64 B in \d+ ms: [\d,]+ msg\/s, /);

  const one = (await ok('send', 'CliFlow', '--body', 'find me', '--tags', 'TagX', '--keys', 'special', '--property', 'color=blue', '--json')).json() as { offsetMsgId: string };
  const shown = await ok('message', 'show', one.offsetMsgId);
  expect(shown.lines).toContain('tags:            TagX');
  expect(shown.lines.some((l) => /^ {2}color +blue$/.test(l))).toBe(true);
  expect(shown.lines.at(-1)).toBe('  find me');

  // Queue offsets count dispatched messages; the broker dispatches shortly after acknowledging.
  const total = async () => ((await ok('topic', 'describe', 'CliFlow', '--json')).json() as { totalMessages: number }).totalMessages;
  await until(async () => (await total()) === 21, 'describe to count all 21 messages');
  expect((await ok('topic', 'describe', 'CliFlow')).lines.at(-1)).toBe('4 queues, 21 messages');

  const found = (await ok('message', 'query', '--topic', 'CliFlow', '--key', 'bulk-17', '--json')).json() as { keys: string[]; body: string }[];
  expect(found).toHaveLength(1);
  expect(found[0]!.keys).toEqual(['bulk-17']);
  expect(found[0]!.body).toBe(generatedBody(64).toString());

  const consumed = await ok('consume', 'CliFlow', '--group', 'cli-group', '--from', 'first', '--count', '21', '--json');
  const messages = consumed.lines.map((l) => JSON.parse(l) as { keys: string[] });
  expect(messages).toHaveLength(21);
  expect(new Set(messages.flatMap((m) => m.keys)).size).toBe(21);

  const progress = (await ok('consumer', 'progress', 'cli-group', '--json')).json() as { totalLag: number; queues: { lag: number }[] };
  expect(progress.queues.length).toBeGreaterThan(0);
  expect(progress.totalLag).toBe(0);

  const counted = await ok('consume', 'CliFlow', '--group', 'cli-quiet', '--from', 'first', '--count', '21', '--quiet');
  expect(counted.lines).toHaveLength(1);
  expect(counted.lines[0]).toMatch(/^received 21 messages in /);

  const tagged = await ok('consume', 'CliFlow', '--group', 'cli-tagged', '--from', 'first', '--tags', 'TagX', '--count', '1');
  expect(tagged.lines).toHaveLength(1);
  expect(tagged.lines[0]).toMatch(/tags=TagX keys=special msgId=\w+ \| find me/);
});

test('Ctrl-C stops a long send early, reports what was sent, and exits 130', async () => {
  const out = new MemoryOutput();
  const ctrlC: SignalSource = (handler) => {
    const t = setImmediate(() => handler('SIGINT'));
    return () => clearImmediate(t);
  };
  const code = await runCli(['--namesrv', cluster.namesrvAddr, 'send', 'CliInterrupted', '--count', '100000'], { out, env: {}, cwd: process.cwd(), signals: ctrlC });
  expect(code).toBe(ExitCode.interrupted);
  expect(out.lines[0]).toMatch(/^sent [\d,]+ messages of 19 B in /);
  expect(out.errors).toEqual([expect.stringMatching(/^interrupted after [\d,]+ of 100,000 sends$/)]);
});

test('usage errors exit 2 and an unreachable name server exits 1, both with a message', async () => {
  const bad = await rocketctl('topic', 'create', 'X', '--queues', '0');
  expect(bad.code).toBe(ExitCode.usage);
  expect(bad.out.errors).toEqual(['error: --queues must be an integer from 1 to 1024, got "0"']);

  const missing = await rocketctl('consume', 'X');
  expect(missing.code).toBe(ExitCode.usage);

  const out = new MemoryOutput();
  const code = await runCli(['--namesrv', '127.0.0.1:1', 'topic', 'list'], { out, env: {}, cwd: process.cwd(), signals: noSignals });
  expect(code).toBe(ExitCode.failure);
  expect(out.errors.join('\n')).toMatch(/^error: .*\(ROCKET_/);
});
