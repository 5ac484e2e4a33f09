import * as fs from 'node:fs';
import { cleanupTempDirs, tempDir } from '../../testing/temp';
import { storeIoModes } from '../../testing/store';
import { BLANK_ENTRY_SIZE, ConsumeQueue } from './consume-queue';
import { createFileFactory } from './io';

afterAll(cleanupTempDirs);

const PER_FILE = 4;

describe.each(storeIoModes())('ConsumeQueue (%s mode)', (ioMode) => {
  const files = createFileFactory(ioMode);

  async function put(cq: ConsumeQueue, queueOffset: number, commitLogOffset: number): Promise<void> {
    let outcome = cq.put(queueOffset, commitLogOffset, 100, queueOffset);
    while (outcome === 'need-file') {
      expect((await cq.addFile()).ok).toBe(true);
      outcome = cq.put(queueOffset, commitLogOffset, 100, queueOffset);
    }
    expect(outcome).toBe('ok');
  }

  async function reopen(dir: string): Promise<ConsumeQueue> {
    const cq = new ConsumeQueue('T', 0, dir, PER_FILE, files);
    expect((await cq.load()).ok).toBe(true);
    return cq;
  }

  it('spreads entries over fixed-size files and finds the end again after reopening', async () => {
    const dir = tempDir();
    const cq = await reopen(dir);
    for (let q = 0; q < 10; q++) await put(cq, q, q * 100);
    expect(fs.readdirSync(dir).sort()).toEqual(['00000000000000000000', '00000000000000000080', '00000000000000000160']);
    cq.close();
    const again = await reopen(dir);
    expect([again.minOffset, again.maxOffset, again.maxPhysicalEnd]).toEqual([0, 10, 1000]);
    expect(again.entryAt(7)).toEqual({ commitLogOffset: 700, size: 100, tagsCode: 7 });
    again.close();
  });

  it('drops a newest file of zero bytes (a kill between creating and sizing it); an older one is an error', async () => {
    const dir = tempDir();
    const cq = await reopen(dir);
    for (let q = 0; q < 6; q++) await put(cq, q, q * 100);
    cq.close();
    fs.writeFileSync(`${dir}/00000000000000000160`, Buffer.alloc(0));
    const again = await reopen(dir);
    expect([again.minOffset, again.maxOffset]).toEqual([0, 6]);
    expect(fs.readdirSync(dir).sort()).toEqual(['00000000000000000000', '00000000000000000080']);
    again.close();
    fs.writeFileSync(`${dir}/00000000000000000000`, Buffer.alloc(0));
    const refused = await new ConsumeQueue('T', 0, dir, PER_FILE, files).load();
    expect(refused.ok ? 'loaded' : refused.error.kind).toBe('size-mismatch');
  });

  it('truncates exactly at a file boundary, zeroing what follows so it never reappears', async () => {
    const dir = tempDir();
    const cq = await reopen(dir);
    for (let q = 0; q < 10; q++) await put(cq, q, q * 100);
    cq.truncateFrom(8);
    expect(cq.maxOffset).toBe(8);
    expect(fs.readdirSync(dir)).toHaveLength(2);
    cq.truncateBeyond(550); // entries ending past commitLogOffset 550: queue offsets 5..7
    expect([cq.maxOffset, cq.maxPhysicalEnd]).toEqual([5, 500]);
    cq.close();
    const again = await reopen(dir);
    expect(again.maxOffset).toBe(5);
    expect(again.put(5, 9999, 100, 0)).toBe('ok'); // appends resume at the cut
    again.close();
  });

  it('verifies re-dispatched entries: matching ones are duplicates, different ones a mismatch', async () => {
    const cq = await reopen(tempDir());
    for (let q = 0; q < 3; q++) await put(cq, q, q * 100);
    expect(cq.put(1, 100, 100, 1)).toBe('duplicate');
    expect(cq.put(1, 101, 100, 1)).toBe('mismatch');
    cq.close();
  });

  it('starts past zero with filler entries and moves its minimum when old records are gone', async () => {
    const dir = tempDir();
    const cq = await reopen(dir);
    await put(cq, 6, 600);
    await put(cq, 7, 700);
    await put(cq, 8, 800);
    expect([cq.minOffset, cq.maxOffset]).toEqual([6, 9]);
    expect(cq.entryAt(6)?.commitLogOffset).toBe(600);
    cq.close();
    const again = await reopen(dir);
    expect([again.minOffset, again.maxOffset]).toEqual([6, 9]);
    expect(again.readEntries(4, 1)).toBeUndefined();
    expect(again.deleteBefore(750)).toBe(0); // offset 7 (700..800) still has data: its file stays
    expect(again.minOffset).toBe(8); // but offsets 6 and 7 start below the log's minimum
    expect(again.deleteBefore(800)).toBe(1); // now the file holding offsets 4..7 goes
    expect(again.minOffset).toBe(8);
    again.close();
  });

  it('writes fillers for a gap so the queue stays an array', async () => {
    const cq = await reopen(tempDir());
    await put(cq, 0, 0);
    await put(cq, 3, 300);
    expect(cq.entryAt(1)?.size).toBe(BLANK_ENTRY_SIZE);
    expect(cq.entryAt(3)?.commitLogOffset).toBe(300);
    cq.close();
  });
});
