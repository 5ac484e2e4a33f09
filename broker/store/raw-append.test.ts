/**
 * A replica's store: records appended verbatim (appendRaw, in slices that cut records apart, as
 * replication frames do) move the next-queue-offset table on, so once the replica takes writes it
 * continues every queue without a gap or a duplicate, and again after a restart.
 */
import { decodeRecord } from '../../message';
import { cleanupTempDirs, tempDir } from '../../testing/temp';
import { sampleMessage } from '../../testing/store';
import { MessageStore, PutStatus } from '.';
import type { PutMessageResult, StoreConfig } from '.';

afterAll(cleanupTempDirs);

const SMALL: Partial<StoreConfig> = {
  commitLogSegmentBytes: 64 * 1024,
  maxMessageSizeBytes: 16 * 1024,
  consumeQueueEntriesPerFile: 50,
  indexMaxHashSlots: 64,
  indexMaxCount: 1000,
  pretouchSegments: false,
  flushIntervalMs: 20,
  flushConsumeQueueIntervalMs: 20,
};

async function open(dir: string): Promise<MessageStore> {
  const store = new MessageStore({ storeDir: dir, ioMode: 'fs', ...SMALL });
  const r = await store.open();
  if (!r.ok) throw new Error(`open failed: ${r.error.message}`);
  return store;
}

function queueOffsetOf(r: PutMessageResult): number {
  if ('reason' in r) throw new Error(`put failed: ${r.status} ${r.reason}`);
  return r.records[0]!.queueOffset;
}

/** Copies the master's log to the replica in slices of `slice` bytes, never across a segment. */
async function replicate(master: MessageStore, replica: MessageStore, slice: number): Promise<void> {
  while (replica.commitLogMaxOffset < master.commitLogMaxOffset) {
    const bytes = master.readRaw(replica.commitLogMaxOffset, slice);
    if (bytes === undefined || bytes.length === 0) throw new Error(`nothing to read at ${replica.commitLogMaxOffset}`);
    const appended = await replica.appendRaw(replica.commitLogMaxOffset, Buffer.from(bytes));
    if (!appended.ok) throw new Error(appended.error);
  }
}

/** Queue offsets of every record in a queue, in order. */
function queueOffsets(store: MessageStore, queueId: number): number[] {
  const got = store.getMessages({ topic: 'TopicTest', queueId, queueOffset: 0, maxCount: 1000 });
  try {
    return got.records.map((r) => decodeRecord(r, 0).queueOffset);
  } finally {
    got.release();
  }
}

describe('MessageStore.appendRaw and queue offsets', () => {
  it('a replica that takes writes continues every queue after its replicated records, before and after a restart', async () => {
    const master = await open(tempDir());
    // ~3 segments of records on 3 queues, then slices of 333 bytes: most cut a record apart.
    // Puts issued together share flushes; queue offsets are assigned in call order all the same.
    const puts = await Promise.all(Array.from({ length: 300 }, (_, i) => master.putMessage(sampleMessage(i, { queueId: i % 3, bodyBytes: 500 }))));
    expect(puts.map(queueOffsetOf)).toEqual(Array.from({ length: 300 }, (_, i) => Math.floor(i / 3)));
    const dir = tempDir();
    let replica = await open(dir);
    await replicate(master, replica, 333);
    expect(replica.wholeRecordsEnd).toBe(replica.commitLogMaxOffset);
    // No waiting for dispatch: the table moved on with the appends themselves.
    for (const q of [0, 1, 2]) expect(queueOffsetOf(await replica.putMessage(sampleMessage(1000 + q, { queueId: q })))).toBe(100);
    expect(queueOffsetOf(await replica.putMessage(sampleMessage(2000, { queueId: 5 })))).toBe(0);
    await replica.waitDispatched();
    for (const q of [0, 1, 2]) expect(queueOffsets(replica, q)).toEqual(Array.from({ length: 101 }, (_, i) => i));
    await replica.close();
    replica = await open(dir);
    for (const q of [0, 1, 2]) expect(queueOffsetOf(await replica.putMessage(sampleMessage(3000 + q, { queueId: q })))).toBe(101);
    expect(queueOffsetOf(await replica.putMessage(sampleMessage(4000, { queueId: 5 })))).toBe(1);
    await replica.waitDispatched();
    for (const q of [0, 1, 2]) expect(queueOffsets(replica, q)).toEqual(Array.from({ length: 102 }, (_, i) => i));
    await replica.close();
    await master.close();
  });

  it('refuses a put after a torn replicated record until the log is cut back to the last whole record', async () => {
    const master = await open(tempDir());
    for (let i = 0; i < 10; i++) queueOffsetOf(await master.putMessage(sampleMessage(i, { bodyBytes: 300 })));
    const replica = await open(tempDir());
    const firstRecordBytes = master.readRaw(0, 64 * 1024)!.readInt32BE(0);
    // Four whole records and half of the fifth.
    const cut = firstRecordBytes * 4 + Math.floor(firstRecordBytes / 2);
    const appended = await replica.appendRaw(0, Buffer.from(master.readRaw(0, cut)!));
    expect(appended.ok).toBe(true);
    expect(replica.wholeRecordsEnd).toBe(firstRecordBytes * 4);
    const refused = await replica.putMessage(sampleMessage(99));
    expect(refused.status).toBe(PutStatus.SERVICE_NOT_AVAILABLE);
    await replica.truncateTo(replica.wholeRecordsEnd);
    expect(replica.commitLogMaxOffset).toBe(firstRecordBytes * 4);
    expect(queueOffsetOf(await replica.putMessage(sampleMessage(99)))).toBe(4);
    await replica.close();
    await master.close();
  });
});
