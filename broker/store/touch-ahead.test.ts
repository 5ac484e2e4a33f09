import * as path from 'node:path';
import { cleanupTempDirs, tempDir } from '../../testing/temp';
import { CommitLog } from './commit-log';
import { createFileFactory, defaultIoMode } from './io';
import type { MappedFile, MappedFileFactory, OpenOptions } from './io/mapped-file';
import { TOUCH_AHEAD_BYTES, TOUCH_CHUNK_BYTES } from './touch-ahead';

afterAll(cleanupTempDirs);

const MiB = 1024 * 1024;

interface Touch {
  readonly file: string;
  readonly position: number;
  readonly length: number;
}

/** The real factory of this machine's default mode, recording every prefault the commit log asks for. */
function recordingFactory(touches: Touch[]): MappedFileFactory {
  const inner = createFileFactory(defaultIoMode());
  return {
    mode: inner.mode,
    async open(file: string, sizeBytes: number, options: OpenOptions) {
      const r = await inner.open(file, sizeBytes, options);
      if (!r.ok || !r.value.prefault) return r;
      const real = r.value;
      const recording: MappedFile = Object.create(real) as MappedFile;
      Object.defineProperty(recording, 'prefault', {
        value: (position: number, length: number) => {
          touches.push({ file: path.basename(file), position, length });
          return real.prefault!(position, length);
        },
      });
      return { ok: true, value: recording };
    },
  };
}

async function waitFor(what: string, condition: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  if (!condition()) throw new Error(`timed out waiting for ${what}`);
}

const describeMmap = defaultIoMode() === 'mmap' ? describe : describe.skip;

describeMmap('commit-log pages are touched ahead of appends (mmap)', () => {
  const segmentBytes = 96 * MiB; // larger than the window, so the window's end is visible

  it('touches the rest of the segment in use at open, then the next segment a window before appends reach it', async () => {
    const touches: Touch[] = [];
    const log = new CommitLog(tempDir(), segmentBytes, recordingFactory(touches), true);
    expect((await log.load()).ok).toBe(true);
    expect((await log.ensureSegment()).ok).toBe(true);
    await log.prefaultCurrentSegment();
    const first = '00000000000000000000';
    const second = '00000000000100663296';
    expect(touches).toContainEqual({ file: first, position: 0, length: segmentBytes });
    // Appends far from the end touch nothing more.
    const record = 64 * 1024;
    const fill = (target: Buffer, position: number) => void target.fill(7, position, position + record);
    while (log.writeOffset + record < segmentBytes - TOUCH_AHEAD_BYTES - record) log.append(record, fill);
    expect(touches.filter((t) => t.file === second)).toEqual([]);
    // Within the window of the segment end, the next segment (allocated in the background) is touched from its start.
    while (log.writeOffset + 2 * record < segmentBytes - TOUCH_AHEAD_BYTES + TOUCH_CHUNK_BYTES) log.append(record, fill);
    await waitFor('the next segment to be touched', () => touches.some((t) => t.file === second));
    expect(touches.find((t) => t.file === second)).toEqual({ file: second, position: 0, length: TOUCH_CHUNK_BYTES });
    await log.close();
  });

  it('touches nothing when pretouch is off', async () => {
    const touches: Touch[] = [];
    const log = new CommitLog(tempDir(), 8 * MiB, recordingFactory(touches), false);
    await log.load();
    await log.ensureSegment();
    await log.prefaultCurrentSegment();
    log.append(1024, (target, position) => void target.fill(1, position, position + 1024));
    expect(touches).toEqual([]);
    await log.close();
  });

  it('a prefault on a closed file resolves without touching it, and a range outside the file is a bug', async () => {
    const factory = createFileFactory('mmap');
    const r = await factory.open(path.join(tempDir(), 'f'), 1 * MiB, { create: true });
    if (!r.ok) throw new Error(r.error.kind);
    await expect(r.value.prefault!(0, 1 * MiB)).resolves.toBeUndefined();
    expect(() => r.value.prefault!(MiB - 4096, 8192)).toThrow(/outside/);
    r.value.close();
    await expect(r.value.prefault!(0, 4096)).resolves.toBeUndefined();
  });
});
