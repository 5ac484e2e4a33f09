import * as fs from 'node:fs';
import * as path from 'node:path';
import { ManualClock } from '../../../stdx';
import type { MappedFileFactory } from '../io/mapped-file';
import { CORRUPT_CODE, IndexService } from './index';
import type { IndexConfig } from './index';
import { ENTRY_BYTES, HEADER_BYTES, SLOT_BYTES } from './layout';
import { ioModeCases, makeTempDir, removeTempDir } from './test-kit';

const T0 = new Date(2024, 5, 1, 12, 0, 0, 0).getTime();
/** Three entries per file, so every third one-key record rolls. */
const TINY: IndexConfig = { maxHashSlots: 8, maxIndexCount: 4 };
const ALL_TIME = [0, Number.MAX_SAFE_INTEGER] as const;

describe.each(ioModeCases())('IndexService recovery and retention over $mode files', ({ mode, factory, skipReason }) => {
  const run = factory ? describe : describe.skip;
  run(skipReason ? `(skipped: ${skipReason})` : `(${mode})`, () => {
    let dir: string;
    let clock: ManualClock;
    const open: IndexService[] = [];

    function create(config: IndexConfig = TINY): IndexService {
      const s = new IndexService(path.join(dir, 'index'), config, factory as MappedFileFactory, clock);
      open.push(s);
      return s;
    }

    async function opened(config: IndexConfig = TINY): Promise<IndexService> {
      const s = create(config);
      const result = await s.open();
      if (!result.ok) throw new Error(`open failed: ${JSON.stringify(result.error)}`);
      return s;
    }

    async function putRolling(s: IndexService, commitLogOffset: number, keys: string): Promise<void> {
      const entry = { topic: 't', keys, uniqKey: undefined, commitLogOffset, storeTimestamp: clock.nowMs() };
      let outcome = s.put(entry);
      if (outcome !== 'ok') {
        expect((await s.roll()).ok).toBe(true);
        outcome = s.put(entry);
      }
      expect(outcome).toBe('ok');
    }

    /** Nine records at offsets 100..900, key `k` on all of them and `r<i>` on each: three files of three. */
    async function nineRecords(): Promise<IndexService> {
      const s = await opened({ maxHashSlots: 8, maxIndexCount: 7 });
      for (let i = 1; i <= 9; i++) {
        clock.advance(1000);
        await putRolling(s, i * 100, `k r${i}`);
      }
      expect(s.fileCount).toBe(3);
      return s;
    }

    function indexFiles(): string[] {
      return fs.readdirSync(path.join(dir, 'index')).sort();
    }

    beforeEach(() => {
      dir = makeTempDir(mode);
      clock = new ManualClock(T0);
    });

    afterEach(() => {
      for (const s of open.splice(0)) s.close();
      removeTempDir(dir);
    });

    it('opens an empty or missing folder with no files', async () => {
      const s = await opened();
      expect([s.fileCount, s.maxIndexedOffset]).toEqual([0, -1]);
    });

    it('drops a newest file whose header was never written (a crash right after allocating it), found by the kill -9 test', async () => {
      const s = await nineRecords();
      s.close();
      const names = indexFiles();
      const size = fs.statSync(path.join(dir, 'index', names[0]!)).size;
      const orphan = '99991231235959999';
      fs.writeFileSync(path.join(dir, 'index', orphan), Buffer.alloc(size));
      const again = await opened({ maxHashSlots: 8, maxIndexCount: 7 });
      expect(indexFiles()).toEqual(names);
      expect(again.query('t', 'r9', 4, ...ALL_TIME)).toEqual([900]);
    });

    it('drops a newest file of zero bytes (a kill between creating and sizing it), found by the kill -9 test; an older one is an error', async () => {
      const s = await nineRecords();
      s.close();
      const names = indexFiles();
      fs.writeFileSync(path.join(dir, 'index', '99991231235959999'), Buffer.alloc(0));
      const again = await opened({ maxHashSlots: 8, maxIndexCount: 7 });
      expect(indexFiles()).toEqual(names);
      expect(again.query('t', 'r9', 4, ...ALL_TIME)).toEqual([900]);
      again.close();
      fs.writeFileSync(path.join(dir, 'index', names[0]!), Buffer.alloc(0));
      const refused = await create({ maxHashSlots: 8, maxIndexCount: 7 }).open();
      expect(refused.ok ? 'opened' : refused.error.kind).toBe('size-mismatch');
    });

    it('truncateFrom deletes the straddling and later files and reports where to re-dispatch', async () => {
      const s = await nineRecords();
      const files = indexFiles();
      expect(await s.truncateFrom(500)).toBe(400);
      expect(indexFiles()).toEqual(files.slice(0, 1));
      expect(s.maxIndexedOffset).toBe(300);
      expect(s.query('t', 'k', 64, ...ALL_TIME)).toEqual([300, 200, 100]);
      expect(s.query('t', 'r7', 64, ...ALL_TIME)).toEqual([]);
      // Re-dispatch from the reported offset up to the cut rebuilds exactly what was dropped below it.
      // The surviving file is full, so the rebuilt entries go to a new one.
      expect(s.put({ topic: 't', keys: 'k r4', uniqKey: undefined, commitLogOffset: 400, storeTimestamp: clock.nowMs() })).toBe('full');
      await putRolling(s, 400, 'k r4');
      expect(s.query('t', 'k', 64, ...ALL_TIME)).toEqual([400, 300, 200, 100]);
    });

    it('truncateFrom at a file boundary deletes later files without asking for a rebuild', async () => {
      const s = await nineRecords();
      const files = indexFiles();
      expect(await s.truncateFrom(700)).toBeUndefined();
      expect(indexFiles()).toEqual(files.slice(0, 2));
      expect(s.query('t', 'k', 64, ...ALL_TIME)).toEqual([600, 500, 400, 300, 200, 100]);
    });

    it('truncateFrom beyond every entry changes nothing', async () => {
      const s = await nineRecords();
      const files = indexFiles();
      expect(await s.truncateFrom(901)).toBeUndefined();
      expect(indexFiles()).toEqual(files);
      expect(s.maxIndexedOffset).toBe(900);
    });

    it('truncateFrom 0 drops everything, after which put asks for a file', async () => {
      const s = await nineRecords();
      expect(await s.truncateFrom(0)).toBeUndefined();
      expect(indexFiles()).toEqual([]);
      expect([s.fileCount, s.maxIndexedOffset]).toEqual([0, -1]);
      expect(s.put({ topic: 't', keys: 'k', uniqKey: undefined, commitLogOffset: 0, storeTimestamp: T0 })).toBe('no-file');
    });

    it('deleteBefore removes files wholly below the offset but never the newest', async () => {
      const s = await nineRecords();
      const files = indexFiles();
      expect(s.deleteBefore(300)).toBe(0); // the first file ends at 300
      expect(s.deleteBefore(301)).toBe(1);
      expect(indexFiles()).toEqual(files.slice(1));
      expect(s.query('t', 'k', 64, ...ALL_TIME)).toEqual([900, 800, 700, 600, 500, 400]);
      expect(s.deleteBefore(Number.MAX_SAFE_INTEGER)).toBe(1);
      expect(indexFiles()).toEqual(files.slice(2));
      expect(s.maxIndexedOffset).toBe(900);
    });

    it('refuses a file whose header is corrupt, naming the file and the field', async () => {
      const s = await nineRecords();
      s.flushSync();
      s.close();
      const victim = path.join(dir, 'index', indexFiles()[1]!);
      const fd = fs.openSync(victim, 'r+');
      fs.writeSync(fd, Buffer.from([0x7f, 0xff, 0xff, 0xff]), 0, 4, 36); // indexCount
      fs.closeSync(fd);
      const result = await create({ maxHashSlots: 8, maxIndexCount: 7 }).open();
      expect(result.ok).toBe(false);
      if (result.ok) return;
      expect(result.error).toMatchObject({ kind: 'io', code: CORRUPT_CODE, path: victim });
      expect(result.error.kind === 'io' && result.error.message).toMatch(/indexCount 2147483647/);
    });

    it('refuses a file whose phy offsets run backwards or whose size is wrong', async () => {
      const s = await nineRecords();
      s.flushSync();
      s.close();
      const second = path.join(dir, 'index', indexFiles()[1]!);
      const fd = fs.openSync(second, 'r+');
      const begin = Buffer.alloc(8);
      begin.writeBigInt64BE(5n);
      fs.writeSync(fd, begin, 0, 8, 16); // beginPhyOffset below the first file's end
      fs.closeSync(fd);
      const backwards = await create({ maxHashSlots: 8, maxIndexCount: 7 }).open();
      expect(backwards).toMatchObject({ ok: false, error: { kind: 'io', code: CORRUPT_CODE, path: second } });
      fs.truncateSync(second, 100);
      const short = await create({ maxHashSlots: 8, maxIndexCount: 7 }).open();
      expect(short).toMatchObject({ ok: false, error: { kind: 'size-mismatch', path: second } });
    });

    it('stops walking a chain at a forward or self link instead of looping', async () => {
      const s = await opened({ maxHashSlots: 1, maxIndexCount: 10 });
      for (let i = 1; i <= 5; i++) await putRolling(s, i * 10, 'k');
      s.flushSync();
      s.close();
      // Entry 3 now links to itself: a cycle a naive walk would follow forever.
      const file = path.join(dir, 'index', indexFiles()[0]!);
      const prevOfEntry3 = HEADER_BYTES + 1 * SLOT_BYTES + 3 * ENTRY_BYTES + 16;
      const fd = fs.openSync(file, 'r+');
      const self = Buffer.alloc(4);
      self.writeInt32BE(3);
      fs.writeSync(fd, self, 0, 4, prevOfEntry3);
      fs.closeSync(fd);
      const again = await opened({ maxHashSlots: 1, maxIndexCount: 10 });
      expect(again.query('t', 'k', 64, ...ALL_TIME)).toEqual([50, 40, 30]);
      expect(again.corruptChainCount).toBe(1);
    });

    it('reports no-space from roll as a result and keeps serving from the files it has', async () => {
      const real = factory as MappedFileFactory;
      let refuse = false;
      const full: MappedFileFactory = {
        mode: real.mode,
        open: (file, sizeBytes, options) =>
          refuse ? Promise.resolve({ ok: false, error: { kind: 'no-space', path: file, message: 'ENOSPC (injected)' } }) : real.open(file, sizeBytes, options),
      };
      const s = new IndexService(path.join(dir, 'index'), { maxHashSlots: 8, maxIndexCount: 2 }, full, clock);
      open.push(s);
      expect((await s.open()).ok).toBe(true);
      expect((await s.roll()).ok).toBe(true);
      expect(s.put({ topic: 't', keys: 'k', uniqKey: undefined, commitLogOffset: 10, storeTimestamp: T0 })).toBe('ok');
      refuse = true;
      const next = { topic: 't', keys: 'k', uniqKey: undefined, commitLogOffset: 20, storeTimestamp: T0 };
      expect(s.put(next)).toBe('full');
      expect(await s.roll()).toMatchObject({ ok: false, error: { kind: 'no-space' } });
      expect(s.put(next)).toBe('full');
      expect(s.query('t', 'k', 8, ...ALL_TIME)).toEqual([10]);
      refuse = false;
      expect((await s.roll()).ok).toBe(true);
      expect(s.put(next)).toBe('ok');
      expect(s.query('t', 'k', 8, ...ALL_TIME)).toEqual([20, 10]);
    });

    it('ignores a slot that points past the written entries', async () => {
      const s = await opened({ maxHashSlots: 1, maxIndexCount: 10 });
      await putRolling(s, 10, 'k');
      s.flushSync();
      s.close();
      const file = path.join(dir, 'index', indexFiles()[0]!);
      const fd = fs.openSync(file, 'r+');
      const slot = Buffer.alloc(4);
      slot.writeInt32BE(7);
      fs.writeSync(fd, slot, 0, 4, HEADER_BYTES);
      fs.closeSync(fd);
      const again = await opened({ maxHashSlots: 1, maxIndexCount: 10 });
      expect(again.query('t', 'k', 64, ...ALL_TIME)).toEqual([]);
      // A new entry must not link to the stale slot value.
      await putRolling(again, 20, 'k');
      expect(again.query('t', 'k', 64, ...ALL_TIME)).toEqual([20]);
    });
  });
});
