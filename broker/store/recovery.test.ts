import * as fs from 'node:fs';
import * as path from 'node:path';
import { decodeRecord } from '../../message';
import { cleanupTempDirs, tempDir } from '../../testing/temp';
import { sampleBody, sampleMessage, storeIoModes } from '../../testing/store';
import { MessageStore, PutStatus } from '.';
import type { StoreConfig } from '.';

afterAll(cleanupTempDirs);
// Hundreds of reopen cycles per case (on tmpfs where available: this checks recovery logic, not the disk).
jest.setTimeout(300_000);

const SEGMENT = 16 * 1024;
const CONFIG: Partial<StoreConfig> = {
  commitLogSegmentBytes: SEGMENT,
  maxMessageSizeBytes: 4 * 1024,
  consumeQueueEntriesPerFile: 16,
  indexMaxHashSlots: 32,
  indexMaxCount: 64,
  pretouchSegments: false,
  flushIntervalMs: 1000,
  flushConsumeQueueIntervalMs: 1000,
};
const QUEUES = 3;

interface Written {
  readonly seq: number;
  readonly queueId: number;
  readonly queueOffset: number;
  readonly commitLogOffset: number;
  readonly size: number;
}

/** A deterministic RNG so a failing cut or flip can be replayed. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 0x1_0000_0000;
  };
}

describe.each(storeIoModes())('crash recovery (%s mode)', (ioMode) => {
  let template: string;
  let written: Written[];
  let lastSegmentBase: number;

  beforeAll(async () => {
    template = tempDir('rocket-template-', { inMemory: true });
    const store = new MessageStore({ storeDir: template, ioMode, ...CONFIG });
    expect((await store.open()).ok).toBe(true);
    written = [];
    for (let seq = 0; seq < 150; seq++) {
      const r = await store.putMessage(sampleMessage(seq, { queueId: seq % QUEUES, bodyBytes: 40 + (seq % 7) * 30, keys: `key-${seq}` }));
      if (r.status !== PutStatus.PUT_OK) throw new Error(r.status);
      const rec = r.records[0]!;
      written.push({ seq, queueId: seq % QUEUES, queueOffset: rec.queueOffset, commitLogOffset: rec.commitLogOffset, size: rec.size });
    }
    await store.close();
    lastSegmentBase = Math.floor(written[written.length - 1]!.commitLogOffset / SEGMENT) * SEGMENT;
    expect(lastSegmentBase).toBeGreaterThan(0); // the data spans several segments
    expect(written.filter((w) => w.commitLogOffset >= lastSegmentBase).length).toBeGreaterThan(4); // the damaged tail lies in one segment
  });

  /** Where the log must end: after the last intact record, or past its blank marker if the next record began a new segment. */
  const expectedEnd = (intact: number): number => {
    const last = written[intact - 1];
    if (!last) return 0;
    const next = written[intact];
    const segmentOf = (w: Written) => Math.floor(w.commitLogOffset / SEGMENT);
    return next && segmentOf(next) > segmentOf(last) ? segmentOf(next) * SEGMENT : last.commitLogOffset + last.size;
  };

  const copyTemplate = (crashed: boolean): string => {
    const dir = tempDir('rocket-recovery-', { inMemory: true });
    fs.cpSync(template, dir, { recursive: true });
    if (crashed) fs.writeFileSync(path.join(dir, 'abort'), '1');
    return dir;
  };
  const lastSegmentFile = (dir: string) => path.join(dir, 'commitlog', String(lastSegmentBase).padStart(20, '0'));

  /** Opens the damaged store and checks it holds exactly the first `intact` records, with consistent queues. */
  async function expectIntactPrefix(dir: string, intact: number, compareRebuild: boolean, damaged = false): Promise<void> {
    const store = new MessageStore({ storeDir: dir, ioMode, ...CONFIG });
    const opened = await store.open();
    if (!opened.ok) throw new Error(opened.error.message);
    // A corrupt record is reported as damage; never-written space is just the end of the data.
    if (damaged) expect(opened.value.truncationReason).toBeDefined();
    expect(store.commitLogMaxOffset).toBe(expectedEnd(intact));
    for (let q = 0; q < QUEUES; q++) {
      const expected = written.slice(0, intact).filter((w) => w.queueId === q);
      expect(store.getMaxQueueOffset('TopicTest', q)).toBe(expected.length);
      const got = store.getMessages({ topic: 'TopicTest', queueId: q, queueOffset: 0, maxCount: 1000 });
      expect(got.records.map((r) => decodeRecord(r, 0).commitLogOffset)).toEqual(expected.map((w) => w.commitLogOffset));
      // Plain Buffer comparison: jest's deep equality walks buffers byte by byte and dominates the run.
      const damaged = got.records.filter((r, i) => !Buffer.from(decodeRecord(r, 0).body).equals(sampleBody(expected[i]!.seq, 40 + (expected[i]!.seq % 7) * 30)));
      expect(damaged).toHaveLength(0);
    }
    // The index forgets the cut records and keeps the intact ones.
    if (intact < written.length) expect(store.queryMessages('TopicTest', `key-${intact}`, 4, 0, Date.now() + 1e6).records).toHaveLength(0);
    if (intact > 0) expect(store.queryMessages('TopicTest', `key-${intact - 1}`, 4, 0, Date.now() + 1e6).records).toHaveLength(1);
    // New appends continue right after the intact prefix.
    const next = await store.putMessage(sampleMessage(10_000, { queueId: 0 }));
    expect(next.status === PutStatus.PUT_OK && next.records[0]!.queueOffset).toBe(written.slice(0, intact).filter((w) => w.queueId === 0).length);
    await store.close();
    if (compareRebuild) await expectQueuesEqualRebuilt(dir);
  }

  /** Every consume queue file equals the one built from scratch out of the commit log alone. */
  async function expectQueuesEqualRebuilt(dir: string): Promise<void> {
    const rebuilt = tempDir('rocket-rebuilt-', { inMemory: true });
    fs.cpSync(path.join(dir, 'commitlog'), path.join(rebuilt, 'commitlog'), { recursive: true });
    fs.writeFileSync(path.join(rebuilt, 'abort'), '1');
    const store = new MessageStore({ storeDir: rebuilt, ioMode, ...CONFIG });
    expect((await store.open()).ok).toBe(true);
    await store.close();
    for (let q = 0; q < QUEUES; q++) {
      const a = path.join(dir, 'consumequeue', 'TopicTest', String(q));
      const b = path.join(rebuilt, 'consumequeue', 'TopicTest', String(q));
      expect(fs.readdirSync(a).sort()).toEqual(fs.readdirSync(b).sort());
      for (const f of fs.readdirSync(a)) expect(fs.readFileSync(path.join(a, f)).equals(fs.readFileSync(path.join(b, f)))).toBe(true);
    }
  }

  it.each([
    ['after a crash', true, 3],
    ['after a clean shutdown', false, 3],
  ])('truncating the last segment at every byte of its last records leaves exactly the intact prefix (%s)', async (_label, crashed, records) => {
    const tail = written.slice(-records);
    const from = tail[0]!.commitLogOffset - lastSegmentBase;
    const to = tail[tail.length - 1]!.commitLogOffset + tail[tail.length - 1]!.size - lastSegmentBase;
    for (let cut = from; cut <= to; cut++) {
      const dir = copyTemplate(crashed);
      fs.truncateSync(lastSegmentFile(dir), cut);
      const intact = written.filter((w) => w.commitLogOffset + w.size - lastSegmentBase <= cut || w.commitLogOffset < lastSegmentBase).length;
      await expectIntactPrefix(dir, intact, cut % 37 === 0 || cut === to);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it.each([
    ['after a crash', true],
    ['after a clean shutdown', false],
  ])('flipping any byte of the last records cuts the log before the damaged record (%s)', async (_label, crashed) => {
    const random = rng(crashed ? 7 : 11);
    const tail = written.slice(-4);
    const from = tail[0]!.commitLogOffset;
    const to = tail[3]!.commitLogOffset + tail[3]!.size;
    for (let i = 0; i < 60; i++) {
      const at = from + Math.floor(random() * (to - from));
      const dir = copyTemplate(crashed);
      const file = lastSegmentFile(dir);
      const fd = fs.openSync(file, 'r+');
      const byte = Buffer.alloc(1);
      fs.readSync(fd, byte, 0, 1, at - lastSegmentBase);
      byte[0] = byte[0]! ^ (1 + Math.floor(random() * 255));
      fs.writeSync(fd, byte, 0, 1, at - lastSegmentBase);
      fs.closeSync(fd);
      const intact = written.filter((w) => w.commitLogOffset + w.size <= at).length;
      await expectIntactPrefix(dir, intact, i % 10 === 0, true);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rebuilds consume queues and index from the commit log when they and the checkpoint are gone', async () => {
    const dir = copyTemplate(true);
    fs.rmSync(path.join(dir, 'consumequeue'), { recursive: true });
    fs.rmSync(path.join(dir, 'index'), { recursive: true });
    fs.rmSync(path.join(dir, 'checkpoint'));
    await expectIntactPrefix(dir, written.length, false);
  });

  it('drops consume-queue entries that point past the valid end of the log', async () => {
    const dir = copyTemplate(true);
    // The commit log loses its last segment entirely; the queues still reference it.
    fs.rmSync(lastSegmentFile(dir));
    const intact = written.filter((w) => w.commitLogOffset < lastSegmentBase).length;
    await expectIntactPrefix(dir, intact, true);
  });
});
