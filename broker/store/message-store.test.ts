import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ManualClock } from '../../stdx';
import { decodeRecord, javaStringHashCode, MessageMagic, parseHostAddress, PropertyKey, SysFlag } from '../../message';
import { cleanupTempDirs, tempDir } from '../../testing/temp';
import { sampleBody, sampleMessage, storeIoModes } from '../../testing/store';
import { MessageStore, PutStatus, GetStatus } from '.';
import type { PutMessageResult, StoreConfig } from '.';

afterAll(cleanupTempDirs);

const SMALL: Partial<StoreConfig> = {
  commitLogSegmentBytes: 128 * 1024,
  maxMessageSizeBytes: 16 * 1024,
  consumeQueueEntriesPerFile: 50,
  indexMaxHashSlots: 64,
  indexMaxCount: 400,
  pretouchSegments: false,
  flushIntervalMs: 20,
  flushConsumeQueueIntervalMs: 20,
};

function ok(r: PutMessageResult): Extract<PutMessageResult, { records: unknown }> {
  if ('reason' in r) throw new Error(`put failed: ${r.status} ${r.reason}`);
  return r;
}

describe.each(storeIoModes())('MessageStore (%s mode)', (ioMode) => {
  const open = async (dir: string, extra: Partial<StoreConfig> = {}, clock?: ManualClock) => {
    const store = new MessageStore({ storeDir: dir, ioMode, ...SMALL, ...extra }, clock ? { clock } : {});
    const r = await store.open();
    if (!r.ok) throw new Error(`open failed: ${r.error.message}`);
    return store;
  };

  it('assigns consecutive queue offsets per queue and reads back the exact records', async () => {
    const store = await open(tempDir());
    const results: Extract<PutMessageResult, { records: unknown }>[] = [];
    for (let i = 0; i < 30; i++) results.push(ok(await store.putMessage(sampleMessage(i, { queueId: i % 3 }))));
    expect(results.map((r) => r.records[0]!.queueOffset)).toEqual(Array.from({ length: 30 }, (_, i) => Math.floor(i / 3)));
    await store.waitDispatched();
    const got = store.getMessages({ topic: 'TopicTest', queueId: 1, queueOffset: 0, maxCount: 100 });
    expect(got.status).toBe(GetStatus.FOUND);
    expect(got.records).toHaveLength(10);
    expect(got.nextQueueOffset).toBe(10);
    expect(got.maxQueueOffset).toBe(10);
    got.records.forEach((rec, n) => {
      const m = decodeRecord(rec, 0);
      expect(m.queueId).toBe(1);
      expect(m.queueOffset).toBe(n);
      expect(m.topic).toBe('TopicTest');
      expect(Buffer.from(m.body)).toEqual(sampleBody(n * 3 + 1, 64));
      expect(m.commitLogOffset).toBe(results[n * 3 + 1]!.records[0]!.commitLogOffset);
      expect(m.properties.get(PropertyKey.UNIQ_KEY)).toBe(`UNIQ${String(n * 3 + 1).padStart(12, '0')}`);
    });
    got.release();
    await store.close();
  });

  it('rolls over to a new segment with an end-of-file blank marker when a record does not fit', async () => {
    const dir = tempDir();
    const store = await open(dir);
    const bodyBytes = 10_000;
    const puts = [];
    for (let i = 0; i < 30; i++) puts.push(ok(await store.putMessage(sampleMessage(i, { bodyBytes }))));
    await store.close();
    const files = fs.readdirSync(path.join(dir, 'commitlog')).sort();
    expect(files.length).toBeGreaterThanOrEqual(3);
    files.forEach((f, i) => expect(f).toBe(String(i * 128 * 1024).padStart(20, '0')));
    const first = fs.readFileSync(path.join(dir, 'commitlog', files[0]!));
    // The record after the last one in segment 0 starts the next segment.
    const firstInSecond = puts.find((p) => p.records[0]!.commitLogOffset >= 128 * 1024)!;
    expect(firstInSecond.records[0]!.commitLogOffset).toBe(128 * 1024);
    const lastInFirst = puts[puts.indexOf(firstInSecond) - 1]!.records[0]!;
    const blankAt = lastInFirst.commitLogOffset + lastInFirst.size;
    expect(first.readInt32BE(blankAt)).toBe(128 * 1024 - blankAt);
    expect(first.readInt32BE(blankAt + 4)).toBe(MessageMagic.BLANK);
    // Everything is still readable across segments after reopening.
    const again = await open(dir);
    const got = again.getMessages({ topic: 'TopicTest', queueId: 0, queueOffset: 0, maxCount: 100 });
    expect(got.records.map((r) => decodeRecord(r, 0).queueOffset)).toEqual(Array.from({ length: 30 }, (_, i) => i));
    await again.close();
  });

  it('filters by tag hash and skips non-matching entries while advancing the next offset', async () => {
    const store = await open(tempDir());
    for (let i = 0; i < 20; i++) ok(await store.putMessage(sampleMessage(i, { tags: i % 4 === 0 ? 'TagA' : 'TagB' })));
    await store.waitDispatched();
    const tagA = javaStringHashCode('TagA');
    const got = store.getMessages({ topic: 'TopicTest', queueId: 0, queueOffset: 0, maxCount: 3, filter: { byTagsCode: (c) => c === tagA } });
    expect(got.queueOffsets).toEqual([0, 4, 8]);
    expect(got.nextQueueOffset).toBe(9);
    const none = store.getMessages({ topic: 'TopicTest', queueId: 0, queueOffset: 17, maxCount: 3, filter: { byTagsCode: (c) => c === tagA } });
    expect(none.status).toBe(GetStatus.NO_MATCHED_MESSAGE);
    expect(none.nextQueueOffset).toBe(20);
    await store.close();
  });

  it('reports RocketMQ get statuses and suggested offsets for out-of-range reads', async () => {
    const store = await open(tempDir());
    expect(store.getMessages({ topic: 'Nope', queueId: 0, queueOffset: 0, maxCount: 1 }).status).toBe(GetStatus.NO_MATCHED_LOGIC_QUEUE);
    for (let i = 0; i < 5; i++) ok(await store.putMessage(sampleMessage(i)));
    await store.waitDispatched();
    const one = store.getMessages({ topic: 'TopicTest', queueId: 0, queueOffset: 5, maxCount: 1 });
    expect([one.status, one.nextQueueOffset]).toEqual([GetStatus.OFFSET_OVERFLOW_ONE, 5]);
    const badly = store.getMessages({ topic: 'TopicTest', queueId: 0, queueOffset: 99, maxCount: 1 });
    expect([badly.status, badly.nextQueueOffset]).toEqual([GetStatus.OFFSET_OVERFLOW_BADLY, 0]);
    const bytes = store.getMessages({ topic: 'TopicTest', queueId: 0, queueOffset: 0, maxCount: 5, maxBytes: 1 });
    expect(bytes.records).toHaveLength(1); // at least one record, then the byte limit stops it
    await store.close();
  });

  it('looks messages up by commit-log offset, key and unique key, and finds offsets by time', async () => {
    const clock = new ManualClock(1_700_000_000_000);
    const store = await open(tempDir(), {}, clock);
    const puts = [];
    for (let i = 0; i < 10; i++) {
      puts.push(ok(await store.putMessage(sampleMessage(i, { keys: `order-${i} shared`, uniqKey: `U${i}` }))));
      clock.advance(1000);
    }
    await store.waitDispatched();
    const at = puts[4]!.records[0]!.commitLogOffset;
    const found = store.lookupMessage(at);
    expect(found.ok && decodeRecord(found.value, 0).queueOffset).toBe(4);
    expect(store.lookupMessage(at + 1).ok).toBe(false);
    expect(store.lookupMessage(10 ** 12).ok).toBe(false);

    const t0 = 1_700_000_000_000;
    const byKey = store.queryMessages('TopicTest', 'order-7', 32, t0, t0 + 60_000);
    expect(byKey.commitLogOffsets).toEqual([puts[7]!.records[0]!.commitLogOffset]);
    expect(store.queryMessages('TopicTest', 'shared', 32, t0, t0 + 60_000).records).toHaveLength(10);
    expect(store.queryMessages('TopicTest', 'U3', 32, t0, t0 + 60_000).commitLogOffsets).toEqual([puts[3]!.records[0]!.commitLogOffset]);
    expect(store.queryMessages('OtherTopic', 'U3', 32, t0, t0 + 60_000).records).toHaveLength(0);

    expect(store.getOffsetByTime('TopicTest', 0, t0 + 3500)).toBe(4);
    expect(store.getOffsetByTime('TopicTest', 0, 0)).toBe(0);
    expect(store.getOffsetByTime('TopicTest', 0, t0 + 10 ** 9)).toBe(10);
    expect(store.getEarliestMessageTime('TopicTest', 0)).toBe(t0);
    await store.close();
  });

  it('stores a batch in one queue with consecutive offsets', async () => {
    const store = await open(tempDir());
    ok(await store.putMessage(sampleMessage(0)));
    const base = sampleMessage(1);
    const r = ok(
      await store.putMessages({
        ...base,
        messages: [1, 2, 3].map((i) => ({ flag: i, body: sampleBody(i, 32), properties: base.properties })),
      }),
    );
    expect(r.records.map((x) => x.queueOffset)).toEqual([1, 2, 3]);
    expect(r.records[1]!.commitLogOffset).toBe(r.records[0]!.commitLogOffset + r.records[0]!.size);
    await store.waitDispatched();
    const got = store.getMessages({ topic: 'TopicTest', queueId: 0, queueOffset: 1, maxCount: 10 });
    expect(got.records.map((x) => decodeRecord(x, 0).flag)).toEqual([1, 2, 3]);
    await store.close();
  });

  it('rejects bad input with a clear status and keeps serving', async () => {
    const store = await open(tempDir());
    const big = await store.putMessage({ ...sampleMessage(0), body: Buffer.alloc(16 * 1024 + 1) });
    expect(big.status).toBe(PutStatus.MESSAGE_ILLEGAL);
    expect('reason' in big && big.reason).toMatch(/maxMessageSizeBytes/);
    for (const topic of ['', 'a b', 'x'.repeat(128), 'bad/topic']) {
      const r = await store.putMessage({ ...sampleMessage(0), topic });
      expect(r.status).toBe(PutStatus.MESSAGE_ILLEGAL);
    }
    const props = await store.putMessage({ ...sampleMessage(0), properties: `K\u0001${'v'.repeat(40_000)}\u0002` });
    expect(props.status).toBe(PutStatus.PROPERTIES_SIZE_EXCEEDED);
    expect((await store.putMessage({ ...sampleMessage(0), queueId: -1 })).status).toBe(PutStatus.MESSAGE_ILLEGAL);
    expect((await store.putMessages({ ...sampleMessage(0), messages: [] })).status).toBe(PutStatus.MESSAGE_ILLEGAL);
    ok(await store.putMessage(sampleMessage(1)));
    await store.waitDispatched();
    expect(store.getMaxQueueOffset('TopicTest', 0)).toBe(1);
    await store.close();
  });

  it('sizes records exactly for IPv6 hosts without v6 flags and properties lacking the final separator', async () => {
    const store = await open(tempDir());
    const v6 = parseHostAddress('[2001:db8::1]:10911');
    if (!v6.ok) throw new Error(v6.error);
    const r = ok(await store.putMessage({ ...sampleMessage(0), bornHost: v6.value, storeHost: v6.value, sysFlag: 0, properties: 'TAGS\u0001TagA' }));
    const after = ok(await store.putMessage(sampleMessage(1)));
    expect(after.records[0]!.commitLogOffset).toBe(r.records[0]!.commitLogOffset + r.records[0]!.size);
    await store.waitDispatched();
    const got = store.getMessages({ topic: 'TopicTest', queueId: 0, queueOffset: 0, maxCount: 2 });
    const first = decodeRecord(got.records[0]!, 0);
    expect(first.sysFlag & (SysFlag.BORNHOST_V6 | SysFlag.STOREHOST_V6)).toBe(SysFlag.BORNHOST_V6 | SysFlag.STOREHOST_V6);
    expect(first.properties.get('TAGS')).toBe('TagA');
    expect(decodeRecord(got.records[1]!, 0).queueOffset).toBe(1);
    await store.close();
  });

  it('does not give prepared or rolled-back transactional records a queue entry', async () => {
    const store = await open(tempDir());
    ok(await store.putMessage(sampleMessage(0, { sysFlag: SysFlag.TRANSACTION_PREPARED })));
    const committed = ok(await store.putMessage(sampleMessage(1, { sysFlag: SysFlag.TRANSACTION_COMMIT })));
    expect(committed.records[0]!.queueOffset).toBe(0);
    await store.waitDispatched();
    expect(store.getMaxQueueOffset('TopicTest', 0)).toBe(1);
    await store.close();
  });

  it('keeps data and queue offsets across a clean close and reopen', async () => {
    const dir = tempDir();
    const store = await open(dir);
    for (let i = 0; i < 12; i++) ok(await store.putMessage(sampleMessage(i, { queueId: i % 2 })));
    await store.close();
    expect(fs.existsSync(path.join(dir, 'abort'))).toBe(false);
    const again = await open(dir);
    const r = ok(await again.putMessage(sampleMessage(12, { queueId: 1 })));
    expect(r.records[0]!.queueOffset).toBe(6);
    await again.waitDispatched();
    expect(again.getMaxQueueOffset('TopicTest', 1)).toBe(7);
    await again.close();
  });

  it('refuses a second store on the same folder', async () => {
    const dir = tempDir();
    const store = await open(dir);
    const second = new MessageStore({ storeDir: dir, ioMode, ...SMALL });
    const r = await second.open();
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error.message).toMatch(/already open|locked/);
    await store.close();
  });

  it('takes over a lock left by a process that no longer runs', async () => {
    const dir = tempDir();
    const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
    fs.writeFileSync(path.join(dir, 'lock'), String(dead));
    const store = await open(dir);
    expect(fs.readFileSync(path.join(dir, 'lock'), 'utf8')).toBe(String(process.pid));
    await store.close();
    expect(fs.existsSync(path.join(dir, 'lock'))).toBe(false);
  });

  it('refuses to open when a segment before the last has the wrong size', async () => {
    const dir = tempDir();
    const store = await open(dir);
    for (let i = 0; i < 30; i++) ok(await store.putMessage(sampleMessage(i, { bodyBytes: 10_000 })));
    await store.close();
    fs.truncateSync(path.join(dir, 'commitlog', '00000000000000000000'), 1000);
    const again = new MessageStore({ storeDir: dir, ioMode, ...SMALL });
    const r = await again.open();
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error.message).toMatch(/00000000000000000000/);
  });

  it('rejects invalid configuration listing every problem', async () => {
    const store = new MessageStore({ storeDir: tempDir(), ioMode, commitLogSegmentBytes: 1000, flushIntervalMs: -1 });
    const r = await store.open();
    expect(!r.ok && r.error.message).toMatch(/commitLogSegmentBytes.*flushIntervalMs|flushIntervalMs.*commitLogSegmentBytes/);
  });
});
