/**
 * Records this process appends are dispatched from the appender's description of them, not read
 * back from the log. What that builds must be exactly what dispatch builds from the log alone
 * (recovery, replicas): the consume queues byte for byte, and the same index answers.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { decodeRecord, encodeProperties, PropertyKey, SysFlag } from '../../message';
import { cleanupTempDirs, tempDir } from '../../testing/temp';
import { sampleMessage, storeIoModes } from '../../testing/store';
import { MessageStore } from '.';
import type { PutMessageInput, PutMessageResult, StoreConfig } from '.';

afterAll(cleanupTempDirs);

const CONFIG: Partial<StoreConfig> = {
  commitLogSegmentBytes: 64 * 1024,
  maxMessageSizeBytes: 8 * 1024,
  consumeQueueEntriesPerFile: 40,
  indexMaxHashSlots: 64,
  indexMaxCount: 300,
  pretouchSegments: false,
};

function stored(r: PutMessageResult): Extract<PutMessageResult, { records: unknown }> {
  if ('reason' in r) throw new Error(`put failed: ${r.status} ${r.reason}`);
  return r;
}

function withProperties(m: PutMessageInput, props: Record<string, string>): PutMessageInput {
  return { ...m, properties: encodeProperties(props) };
}

describe.each(storeIoModes())('dispatch of appended records (%s mode)', (ioMode) => {
  it('builds the same consume queues and index as dispatch from the log alone', async () => {
    const dir = tempDir();
    const store = new MessageStore({ storeDir: dir, ioMode, ...CONFIG });
    expect((await store.open()).ok).toBe(true);
    const keys: string[] = [];
    let seq = 0;
    for (let round = 0; round < 12; round++) {
      // Single puts with tags and keys, over 3 queues.
      for (let i = 0; i < 15; i++, seq++) {
        keys.push(`k${seq}`);
        stored(await store.putMessage(sampleMessage(seq, { queueId: seq % 3, tags: `Tag${seq % 4}`, keys: `k${seq} shared`, bodyBytes: 300 + (seq % 5) * 200 })));
      }
      // A batch whose items differ in their properties. Odd rounds give the properties as text,
      // even rounds as the encoded bytes a SEND_BATCH_MESSAGE item brings (stored as they are).
      // A lone surrogate in a tag: as text only the stored bytes can settle it, so dispatch reads
      // the rest of that batch from the log (rounds 1, 5, 9); as bytes (2, 6, 10) nothing changes.
      const asBytes = round % 2 === 0;
      const items = Array.from({ length: 10 }, (_, i) => {
        const tags = round % 4 !== 3 && round % 4 !== 0 && i === 6 ? 'bad\ud800tag' : `B${i % 3}`;
        const m = withProperties(sampleMessage(seq + i), { [PropertyKey.TAGS]: tags, [PropertyKey.KEYS]: `b${seq + i} é`, [PropertyKey.UNIQ_KEY]: `U${seq + i}` });
        return { flag: m.flag, body: m.body, properties: asBytes ? Buffer.from(m.properties, 'utf8') : m.properties };
      });
      for (let i = 0; i < 10; i++) keys.push(`b${seq + i}`);
      const base = sampleMessage(seq);
      stored(await store.putMessages({ ...base, queueId: 1, messages: items }));
      seq += 10;
      // Transactional records: a prepared one takes no queue entry but is indexed; a rolled-back one neither.
      stored(await store.putMessage(sampleMessage(seq++, { sysFlag: SysFlag.TRANSACTION_PREPARED, keys: `prepared${round}` })));
      stored(await store.putMessage(sampleMessage(seq++, { sysFlag: SysFlag.TRANSACTION_ROLLBACK, keys: `rolledback${round}` })));
      keys.push(`prepared${round}`, `rolledback${round}`);
    }
    // A topic whose only record is a prepared transaction gets no consume queue, either way.
    stored(await store.putMessage(sampleMessage(seq++, { topic: 'PreparedOnly', sysFlag: SysFlag.TRANSACTION_PREPARED })));
    await store.waitDispatched();
    expect(store.listQueues().has('PreparedOnly')).toBe(false);
    const counts = store.dispatchCounts;
    // The segments rolled several times (end-of-segment markers are read from the log), and the
    // three batches with a surrogate were read from the log from their seventh item on.
    expect(fs.readdirSync(path.join(dir, 'commitlog')).length).toBeGreaterThan(3);
    expect(counts.read).toBe(3 * 4);
    expect(counts.described).toBe(seq - counts.read);
    await store.close();

    const rebuilt = tempDir();
    fs.cpSync(path.join(dir, 'commitlog'), path.join(rebuilt, 'commitlog'), { recursive: true });
    const fromLog = new MessageStore({ storeDir: rebuilt, ioMode, ...CONFIG });
    expect((await fromLog.open()).ok).toBe(true);
    expect(fromLog.dispatchCounts).toEqual({ described: 0, read: seq });
    expect(fromLog.listQueues().has('PreparedOnly')).toBe(false);
    for (let q = 0; q < 3; q++) {
      const a = path.join(dir, 'consumequeue', 'TopicTest', String(q));
      const b = path.join(rebuilt, 'consumequeue', 'TopicTest', String(q));
      const files = fs.readdirSync(a).sort();
      expect(files.length).toBeGreaterThan(1);
      expect(fs.readdirSync(b).sort()).toEqual(files);
      for (const f of files) expect(fs.readFileSync(path.join(a, f)).equals(fs.readFileSync(path.join(b, f)))).toBe(true);
    }
    const again = new MessageStore({ storeDir: dir, ioMode, ...CONFIG });
    expect((await again.open()).ok).toBe(true);
    for (const key of [...keys, 'shared']) {
      const want = fromLog.queryMessages('TopicTest', key, 64, 0, Number.MAX_SAFE_INTEGER).records.map((r) => decodeRecord(r, 0).commitLogOffset);
      const got = again.queryMessages('TopicTest', key, 64, 0, Number.MAX_SAFE_INTEGER).records.map((r) => decodeRecord(r, 0).commitLogOffset);
      expect(want.length).toBeGreaterThan(key.startsWith('rolledback') ? -1 : 0);
      expect({ key, got }).toEqual({ key, got: want });
    }
    expect(again.queryMessages('TopicTest', 'k7', 4, 0, Number.MAX_SAFE_INTEGER).records).toHaveLength(1);
    expect(again.queryMessages('TopicTest', 'rolledback3', 4, 0, Number.MAX_SAFE_INTEGER).records).toHaveLength(0);
    expect(again.queryMessages('TopicTest', 'prepared3', 4, 0, Number.MAX_SAFE_INTEGER).records).toHaveLength(1);
    await again.close();
    await fromLog.close();
  });

  it('describes at most 16,384 waiting records; later ones, while dispatch lags, are read from the log', async () => {
    const dir = tempDir();
    const store = new MessageStore({ storeDir: dir, ioMode, ...CONFIG, commitLogSegmentBytes: 16 * 1024 * 1024, consumeQueueEntriesPerFile: 100_000 });
    expect((await store.open()).ok).toBe(true);
    // Puts that never yield to the event loop: dispatch cannot run until the loop ends.
    const total = 20_000;
    for (let seq = 0; seq < total; seq++) stored(await store.putMessage(sampleMessage(seq, { queueId: seq % 2, bodyBytes: 8 })));
    await store.waitDispatched();
    expect(store.dispatchCounts).toEqual({ described: 16_384, read: total - 16_384 });
    expect(store.getMaxQueueOffset('TopicTest', 0) + store.getMaxQueueOffset('TopicTest', 1)).toBe(total);
    const tail = store.getMessages({ topic: 'TopicTest', queueId: 1, queueOffset: total / 2 - 3, maxCount: 10 });
    expect(tail.records.map((r) => decodeRecord(r, 0).body.toString('latin1').split('#')[1])).toEqual([String(total - 5), String(total - 3), String(total - 1)]);
    tail.release();
    await store.close();
  });
});
