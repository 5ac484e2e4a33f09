import * as fs from 'node:fs';
import * as path from 'node:path';
import { cleanupTempDirs, tempDir } from '../../testing/temp';
import type { EpochEntry } from './epoch';
import { appendEntry, decodeEpochFile, encodeEpochFile, entryAt, epochEnd, findCommonPoint, lastEpoch, validateEntries } from './epoch';
import { EpochFile } from './epoch-file';

const e = (epoch: number, startCommitLogOffset: number): EpochEntry => ({ epoch, startCommitLogOffset });

afterAll(() => cleanupTempDirs());

describe('epoch helpers', () => {
  it('lastEpoch is 0 for a broker that never held one', () => {
    expect(lastEpoch([])).toBe(0);
    expect(lastEpoch([e(1, 0), e(3, 70)])).toBe(3);
  });

  it('an epoch ends where the next begins; the newest ends at the log end', () => {
    const entries = [e(1, 0), e(2, 100), e(4, 250)];
    expect([epochEnd(entries, 1, 300), epochEnd(entries, 2, 300), epochEnd(entries, 4, 300), epochEnd(entries, 3, 300)]).toEqual([100, 250, 300, undefined]);
  });

  it('entryAt picks the epoch holding a byte; of epochs sharing a start, the later one (the earlier is empty)', () => {
    const entries = [e(1, 0), e(2, 100), e(3, 100)];
    expect(entryAt(entries, 99)).toEqual({ entry: e(1, 0), nextStart: 100 });
    expect(entryAt(entries, 100)).toEqual({ entry: e(3, 100), nextStart: Infinity });
    expect(entryAt([e(2, 50)], 10)).toBeUndefined();
  });

  it('appending refuses an epoch that is not newer or starts before the last one', () => {
    expect(appendEntry([e(1, 0)], e(2, 10)).ok).toBe(true);
    expect(appendEntry([e(2, 0)], e(2, 10))).toEqual({ ok: false, error: 'epoch 2 follows epoch 2: epochs must increase' });
    expect(appendEntry([e(2, 50)], e(3, 10)).ok).toBe(false);
    expect(validateEntries([e(0, 0)]).ok).toBe(false);
  });
});

describe('findCommonPoint', () => {
  it('a replica of the same history follows from the master end (clamped to the master log)', () => {
    expect(findCommonPoint([e(1, 0), e(2, 100)], [e(1, 0), e(2, 100)], 500)).toBe(500);
  });

  it('an old master with a divergent tail agrees only up to where the new epoch began', () => {
    // Old master wrote epoch 2 from 100 to (say) 180; the new master (a slave that had 0..150) took over at 150 as epoch 3.
    expect(findCommonPoint([e(1, 0), e(2, 100)], [e(1, 0), e(2, 100), e(3, 150)], 400)).toBe(150);
  });

  it('an epoch unknown to the master is skipped for an older shared one', () => {
    // The replica was master of epoch 3 (never replicated); the master never heard of it.
    expect(findCommonPoint([e(1, 0), e(3, 120)], [e(1, 0), e(2, 100), e(4, 200)], 300)).toBe(100);
  });

  it('the same epoch number with a different start is not shared', () => {
    expect(findCommonPoint([e(1, 0), e(2, 90)], [e(1, 0), e(2, 100)], 300)).toBe(90);
  });

  it('nothing shared (or an empty replica) starts over at 0', () => {
    expect(findCommonPoint([], [e(1, 0)], 300)).toBe(0);
    expect(findCommonPoint([e(5, 0)], [e(1, 0), e(2, 10)], 300)).toBe(0);
  });

  it('an empty epoch on the replica (promoted, never wrote) agrees up to its start', () => {
    expect(findCommonPoint([e(1, 0), e(2, 100)], [e(1, 0), e(3, 100)], 300)).toBe(100);
  });

  it('a master log shorter than the shared epoch end clamps the point', () => {
    expect(findCommonPoint([e(1, 0)], [e(1, 0)], 40)).toBe(40);
  });
});

describe('the epoch file', () => {
  it('round-trips entries with a count and CRC header, and detects a flipped digit', () => {
    const text = encodeEpochFile([e(1, 0), e(7, 7000)]);
    expect(text.split('\n').slice(2)).toEqual(['1-0', '7-7000', '']);
    expect(decodeEpochFile(text)).toEqual({ ok: true, value: [e(1, 0), e(7, 7000)] });
    expect(decodeEpochFile(text.replace('7-7000', '7-7001')).ok).toBe(false);
    expect(decodeEpochFile(encodeEpochFile([]))).toEqual({ ok: true, value: [] });
  });

  it('persists appends and truncations, and falls back to the backup when the main file is damaged', async () => {
    const dir = tempDir('rocket-epoch-');
    const file = new EpochFile(path.join(dir, 'epoch'));
    expect(await file.load()).toEqual({ ok: true, value: [] });
    expect((await file.append(e(1, 0))).ok).toBe(true);
    expect((await file.append(e(2, 100))).ok).toBe(true);
    expect((await file.append(e(2, 200))).ok).toBe(false);
    fs.writeFileSync(path.join(dir, 'epoch'), 'garbage');
    const reread = new EpochFile(path.join(dir, 'epoch'));
    // The backup holds the version before the last write.
    expect(await reread.load()).toEqual({ ok: true, value: [e(1, 0)] });
    await file.truncateFrom(100);
    const again = new EpochFile(path.join(dir, 'epoch'));
    expect((await again.load()).ok && again.entries).toEqual([e(1, 0)]);
    await again.clampTo(0);
    expect(again.entries).toEqual([e(1, 0)]);
  });
});
