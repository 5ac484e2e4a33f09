import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { decodeRecord } from '../../message';
import { cleanupTempDirs, tempDir } from '../../testing/temp';
import { sampleBody, storeIoModes } from '../../testing/store';
import { CRASH_TEST_CONFIG, CRASH_TEST_QUEUES, crashBodyBytes } from '../../testing/store-crash-config';
import { MessageStore } from '.';

afterAll(cleanupTempDirs);
// Each round spawns a child, kills it and verifies every message acknowledged so far.
jest.setTimeout(180_000);

const ROOT = path.resolve(__dirname, '../..');
const CHILD = path.join(ROOT, 'testing/store-crash-child.ts');
const ROUNDS = Number(process.env.ROCKET_CRASH_ROUNDS ?? 8);

interface Ack {
  readonly seq: number;
  readonly commitLogOffset: number;
  readonly queueId: number;
  readonly queueOffset: number;
}

/** Runs the child until it has acknowledged some messages, then kills it with SIGKILL at a random moment. */
function runAndKill(dir: string, ioMode: string, killAfterMs: number): Promise<Ack[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-r', '@swc-node/register', CHILD, dir, ioMode, '32'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    const acks: Ack[] = [];
    let pending = '';
    let stderr = '';
    let timer: NodeJS.Timeout | undefined;
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop()!; // a line cut by the kill was never fully reported: not counted
      for (const line of lines) {
        if (line.startsWith('ready')) {
          timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
          continue;
        }
        const [seq, commitLogOffset, queueId, queueOffset] = line.split(' ').map(Number);
        acks.push({ seq: seq!, commitLogOffset: commitLogOffset!, queueId: queueId!, queueOffset: queueOffset! });
      }
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code, signal) => {
      if (timer) clearTimeout(timer);
      if (signal === 'SIGKILL') resolve(acks);
      else reject(new Error(`child exited with ${code}: ${stderr}`));
    });
  });
}

describe.each(storeIoModes())('kill -9 during appends (%s mode)', (ioMode) => {
  it(`every acknowledged message survives ${ROUNDS} kills at random moments`, async () => {
    const dir = tempDir('rocket-crash-');
    let seed = 12345;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const all: Ack[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const acks = await runAndKill(dir, ioMode, 50 + Math.floor(random() * 400));
      all.push(...acks);
      const store = new MessageStore({ storeDir: dir, ioMode, ...CRASH_TEST_CONFIG });
      const opened = await store.open();
      if (!opened.ok) throw new Error(opened.error.message);
      expect(opened.value.cleanShutdown).toBe(false);
      for (const ack of all) {
        const found = store.lookupMessage(ack.commitLogOffset);
        if (!found.ok) throw new Error(`round ${round}: acknowledged message ${ack.seq} lost: ${found.error}`);
        const m = decodeRecord(found.value, 0);
        expect([m.queueId, m.queueOffset]).toEqual([ack.queueId, ack.queueOffset]);
        expect(Buffer.from(m.body).equals(sampleBody(ack.seq, crashBodyBytes(ack.seq)))).toBe(true);
      }
      // Consume queues hold every acknowledged message at its queue offset.
      for (let q = 0; q < CRASH_TEST_QUEUES; q++) {
        const mine = all.filter((a) => a.queueId === q);
        const byOffset = new Map<number, number>();
        for (let next = 0; next < store.getMaxQueueOffset('CrashTopic', q); ) {
          const got = store.getMessages({ topic: 'CrashTopic', queueId: q, queueOffset: next, maxCount: 10_000 });
          for (const r of got.records) byOffset.set(decodeRecord(r, 0).queueOffset, decodeRecord(r, 0).commitLogOffset);
          got.release();
          next = got.nextQueueOffset;
        }
        for (const a of mine) expect(byOffset.get(a.queueOffset)).toBe(a.commitLogOffset);
      }
      await store.close();
    }
    expect(all.length).toBeGreaterThan(ROUNDS * 10);
  });
});
