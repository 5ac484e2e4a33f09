import * as fs from 'node:fs';
import * as path from 'node:path';
import { AssertionError, ManualClock } from '../../../stdx';
import type { MappedFileFactory } from '../io/mapped-file';
import { IndexService } from './index';
import type { IndexConfig, IndexEntryInput } from './index';
import { ENTRY_BYTES, HEADER_BYTES, indexKey, indexKeyHash, SLOT_BYTES } from './layout';
import { ioModeCases, makeTempDir, removeTempDir } from './test-kit';

const T0 = new Date(2024, 0, 2, 3, 4, 5, 6).getTime();
const SMALL: IndexConfig = { maxHashSlots: 64, maxIndexCount: 100 };

function record(commitLogOffset: number, keys: string | undefined, storeTimestamp = T0, uniqKey?: string, topic = 'orders'): IndexEntryInput {
  return { topic, keys, uniqKey, commitLogOffset, storeTimestamp };
}

const ALL_TIME = [0, Number.MAX_SAFE_INTEGER] as const;

describe.each(ioModeCases())('IndexService over $mode files', ({ mode, factory, skipReason }) => {
  const run = factory ? describe : describe.skip;
  run(skipReason ? `(skipped: ${skipReason})` : `(${mode})`, () => {
    let dir: string;
    let clock: ManualClock;
    const open: IndexService[] = [];

    async function service(config: IndexConfig = SMALL, withFile = true): Promise<IndexService> {
      const s = new IndexService(path.join(dir, 'index'), config, factory as MappedFileFactory, clock);
      const opened = await s.open();
      if (!opened.ok) throw new Error(`open failed: ${JSON.stringify(opened.error)}`);
      open.push(s);
      if (withFile && s.fileCount === 0) expect(await s.roll()).toEqual({ ok: true, value: undefined });
      return s;
    }

    function put(s: IndexService, entry: IndexEntryInput): void {
      expect(s.put(entry)).toBe('ok');
    }

    /** Puts, rolling when the service asks for a file, as the dispatcher does. */
    async function putRolling(s: IndexService, entry: IndexEntryInput): Promise<void> {
      let outcome = s.put(entry);
      if (outcome !== 'ok') {
        clock.advance(1);
        expect((await s.roll()).ok).toBe(true);
        outcome = s.put(entry);
      }
      expect(outcome).toBe('ok');
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

    it('finds a record by topic and key, and by nothing else', async () => {
      const s = await service();
      put(s, record(1000, 'order-1'));
      put(s, record(2000, 'order-2'));
      expect(s.query('orders', 'order-1', 10, ...ALL_TIME)).toEqual([1000]);
      expect(s.query('orders', 'order-2', 10, ...ALL_TIME)).toEqual([2000]);
      expect(s.query('payments', 'order-1', 10, ...ALL_TIME)).toEqual([]);
      expect(s.query('orders', 'order-3', 10, ...ALL_TIME)).toEqual([]);
      expect(s.maxIndexedOffset).toBe(2000);
    });

    it('writes RocketMQ-compatible header, slot and entry bytes', async () => {
      const s = await service();
      put(s, record(4096, 'k', T0 + 2500));
      put(s, record(8192, 'k', T0 + 7000));
      s.flushSync();
      const [name] = indexFiles();
      expect(name).toBe('20240102030405006');
      const bytes = fs.readFileSync(path.join(dir, 'index', name!));
      expect(bytes.length).toBe(HEADER_BYTES + 64 * SLOT_BYTES + 100 * ENTRY_BYTES);
      expect(bytes.readBigInt64BE(0)).toBe(BigInt(T0 + 2500)); // beginTimestamp
      expect(bytes.readBigInt64BE(8)).toBe(BigInt(T0 + 7000)); // endTimestamp
      expect(bytes.readBigInt64BE(16)).toBe(4096n); // beginPhyOffset
      expect(bytes.readBigInt64BE(24)).toBe(8192n); // endPhyOffset
      expect(bytes.readInt32BE(32)).toBe(1); // hashSlotCount: slots in use
      expect(bytes.readInt32BE(36)).toBe(3); // indexCount: next entry number
      const hash = indexKeyHash(indexKey('orders', 'k'));
      expect(bytes.readInt32BE(HEADER_BYTES + (hash % 64) * SLOT_BYTES)).toBe(2);
      const entry = (n: number): number => HEADER_BYTES + 64 * SLOT_BYTES + n * ENTRY_BYTES;
      expect(bytes.subarray(entry(0), entry(1)).every((b) => b === 0)).toBe(true);
      expect([bytes.readInt32BE(entry(1)), bytes.readBigInt64BE(entry(1) + 4), bytes.readInt32BE(entry(1) + 12), bytes.readInt32BE(entry(1) + 16)]).toEqual([hash, 4096n, 0, 0]);
      expect([bytes.readInt32BE(entry(2)), bytes.readBigInt64BE(entry(2) + 4), bytes.readInt32BE(entry(2) + 12), bytes.readInt32BE(entry(2) + 16)]).toEqual([hash, 8192n, 4, 1]);
    });

    it('keeps distinct keys apart when many share a few slots (chains)', async () => {
      const s = await service({ maxHashSlots: 4, maxIndexCount: 100 });
      for (let i = 0; i < 60; i++) put(s, record(i * 100, `key-${i}`));
      for (let i = 0; i < 60; i++) expect(s.query('orders', `key-${i}`, 10, ...ALL_TIME)).toEqual([i * 100]);
    });

    it('returns every record of a repeated key newest first, bounded by maxCount', async () => {
      const s = await service({ maxHashSlots: 2, maxIndexCount: 100 });
      for (let i = 0; i < 30; i++) put(s, record(i * 100, i % 3 === 0 ? 'hot' : `cold-${i}`));
      const hot = Array.from({ length: 10 }, (_, j) => (27 - j * 3) * 100);
      expect(s.query('orders', 'hot', 64, ...ALL_TIME)).toEqual(hot);
      expect(s.query('orders', 'hot', 4, ...ALL_TIME)).toEqual(hot.slice(0, 4));
      expect(s.query('orders', 'hot', 0, ...ALL_TIME)).toEqual([]);
    });

    it('returns records whose keys collide on the full Java hash: the caller re-checks the key', async () => {
      // "Aa" and "BB" have the same String.hashCode, so "orders#Aa" and "orders#BB" do too.
      expect(indexKeyHash(indexKey('orders', 'Aa'))).toBe(indexKeyHash(indexKey('orders', 'BB')));
      const s = await service();
      put(s, record(100, 'Aa'));
      put(s, record(200, 'BB'));
      expect(s.query('orders', 'Aa', 10, ...ALL_TIME)).toEqual([200, 100]);
    });

    it('indexes UNIQ_KEY and every space-separated KEYS token once per record', async () => {
      const s = await service();
      put(s, record(500, 'k1 k2  k3 k1 ', T0, 'UNIQ-1'));
      put(s, record(600, undefined, T0, 'UNIQ-2'));
      put(s, record(700, 'UNIQ-3', T0, 'UNIQ-3'));
      for (const key of ['k1', 'k2', 'k3', 'UNIQ-1']) expect(s.query('orders', key, 10, ...ALL_TIME)).toEqual([500]);
      expect(s.query('orders', '', 10, ...ALL_TIME)).toEqual([]);
      expect(s.query('orders', 'UNIQ-2', 10, ...ALL_TIME)).toEqual([600]);
      expect(s.query('orders', 'UNIQ-3', 10, ...ALL_TIME)).toEqual([700]);
      s.flushSync();
      const bytes = fs.readFileSync(path.join(dir, 'index', indexFiles()[0]!));
      expect(bytes.readInt32BE(36)).toBe(1 + 4 + 1 + 1); // duplicates and empty tokens are not indexed
    });

    it('treats a record without keys as indexed without writing anything', async () => {
      const s = await service();
      expect(s.put(record(10, undefined))).toBe('ok');
      expect(s.put(record(20, '   '))).toBe('ok');
      expect(s.maxIndexedOffset).toBe(-1);
    });

    it('filters by [beginMs, endMs] on whole seconds after the file began, as RocketMQ does', async () => {
      const s = await service();
      put(s, record(1, 'k', T0));
      put(s, record(2, 'k', T0 + 1500)); // index time T0 + 1000
      put(s, record(3, 'k', T0 + 5000));
      expect(s.query('orders', 'k', 10, T0, T0 + 5000)).toEqual([3, 2, 1]);
      expect(s.query('orders', 'k', 10, T0 + 1000, T0 + 1000)).toEqual([2]);
      // 1500 ms after the start lands on second 1, so a range starting at +1200 no longer sees it.
      expect(s.query('orders', 'k', 10, T0 + 1200, T0 + 4999)).toEqual([]);
      expect(s.query('orders', 'k', 10, T0 + 1, T0 + 5000)).toEqual([3, 2]);
      expect(s.query('orders', 'k', 10, T0 + 6000, T0 + 9000)).toEqual([]);
      expect(s.query('orders', 'k', 10, T0 + 5000, T0)).toEqual([]);
    });

    it('clamps store times before the file began to its first second', async () => {
      const s = await service();
      put(s, record(1, 'k', T0 + 10_000));
      put(s, record(2, 'k', T0)); // the clock went back
      expect(s.query('orders', 'k', 10, T0 + 10_000, T0 + 10_000)).toEqual([2, 1]);
    });

    it('reports full without writing a record that does not fit, and continues in a rolled file', async () => {
      const s = await service({ maxHashSlots: 8, maxIndexCount: 10 }); // 9 usable entries
      for (let i = 1; i <= 7; i++) put(s, record(i * 10, `k${i}`));
      expect(s.put(record(80, 'a b c'))).toBe('full');
      expect(s.query('orders', 'a', 10, ...ALL_TIME)).toEqual([]);
      clock.advance(1000);
      expect((await s.roll()).ok).toBe(true);
      put(s, record(80, 'a b c'));
      expect(indexFiles()).toEqual(['20240102030405006', '20240102030406006']);
      expect(s.fileCount).toBe(2);
      for (const key of ['a', 'b', 'c']) expect(s.query('orders', key, 10, ...ALL_TIME)).toEqual([80]);
      expect(s.query('orders', 'k3', 10, ...ALL_TIME)).toEqual([30]);
    });

    it('reports no-file before the first roll', async () => {
      const s = await service(SMALL, false);
      expect(s.put(record(1, 'k'))).toBe('no-file');
      expect(s.fileCount).toBe(0);
      expect(s.query('orders', 'k', 10, ...ALL_TIME)).toEqual([]);
    });

    it('rolls once when asked twice, and names files in order even if the clock goes back', async () => {
      const s = await service({ maxHashSlots: 8, maxIndexCount: 2 });
      put(s, record(1, 'k'));
      clock.advance(-60_000);
      await Promise.all([s.roll(), s.roll()]);
      expect((await s.roll()).ok).toBe(true); // the newest file is still empty: nothing to do
      expect(indexFiles()).toEqual(['20240102030405006', '20240102030405007']);
    });

    it('queries across files newest first and stops at maxCount', async () => {
      const s = await service({ maxHashSlots: 8, maxIndexCount: 4 }); // 3 entries per file
      for (let i = 1; i <= 10; i++) {
        clock.advance(1000);
        await putRolling(s, record(i * 100, 'k', T0 + i * 1000));
      }
      expect(s.fileCount).toBe(4);
      const all = [1000, 900, 800, 700, 600, 500, 400, 300, 200, 100];
      expect(s.query('orders', 'k', 64, ...ALL_TIME)).toEqual(all);
      expect(s.query('orders', 'k', 5, ...ALL_TIME)).toEqual(all.slice(0, 5));
      // Only files whose [beginTimestamp, endTimestamp] overlaps the range are searched.
      expect(s.query('orders', 'k', 64, T0 + 2000, T0 + 5000)).toEqual([500, 400, 300, 200]);
    });

    it('indexes what fits when one record has more keys than a whole file holds', async () => {
      const s = await service({ maxHashSlots: 8, maxIndexCount: 4 });
      const keys = ['a', 'b', 'c', 'd', 'e'];
      expect(s.put(record(1, keys.join(' ')))).toBe('ok');
      expect(keys.map((k) => s.query('orders', k, 10, ...ALL_TIME).length)).toEqual([1, 1, 1, 0, 0]);
    });

    it('skips records at or below maxIndexedOffset so re-dispatch is idempotent', async () => {
      const s = await service();
      put(s, record(100, 'k'));
      put(s, record(200, 'k'));
      put(s, record(200, 'k'));
      put(s, record(150, 'k other'));
      expect(s.query('orders', 'k', 10, ...ALL_TIME)).toEqual([200, 100]);
      expect(s.query('orders', 'other', 10, ...ALL_TIME)).toEqual([]);
      expect(s.maxIndexedOffset).toBe(200);
    });

    it('keeps everything across close and reopen, and keeps chaining onto old entries', async () => {
      const s = await service({ maxHashSlots: 4, maxIndexCount: 6 });
      for (let i = 1; i <= 8; i++) await putRolling(s, record(i * 10, `k${i % 3}`, T0 + i * 1000));
      s.flushSync();
      s.close();
      const again = await service({ maxHashSlots: 4, maxIndexCount: 6 }, false);
      expect(again.fileCount).toBe(2);
      expect(again.maxIndexedOffset).toBe(80);
      expect(again.query('orders', 'k1', 10, ...ALL_TIME)).toEqual([70, 40, 10]);
      expect(again.put(record(80, 'k1'))).toBe('ok'); // already indexed
      put(again, record(90, 'k1'));
      expect(again.query('orders', 'k1', 10, ...ALL_TIME)).toEqual([90, 70, 40, 10]);
    });

    it('flushes asynchronously and closes idempotently', async () => {
      const s = await service();
      put(s, record(1, 'k'));
      await s.flush();
      await s.flush();
      s.close();
      s.close();
      await s.flush();
      expect(() => s.put(record(2, 'k'))).toThrow(AssertionError);
    });
  });
});
