import * as fs from 'node:fs';
import * as zlib from 'node:zlib';

/**
 * The `checkpoint` file: how far each part of the store is known to be durable, so that recovery
 * re-validates and re-dispatches only what it must. Layout (big-endian, docs/formats.md):
 *
 *   0  physicMsgTimestamp   store time of the last flushed commit-log record (RocketMQ's field)
 *   8  logicsMsgTimestamp   store time of the last record whose consume-queue entry is flushed
 *   16 indexMsgTimestamp    store time of the last record whose index entries are flushed
 *   24 commitLogFlushedOffset   every commit-log byte below it has been fsynced
 *   32 consumeQueueFlushedOffset every record below it has its consume-queue entry fsynced
 *   40 indexFlushedOffset   every record below it has its index entries fsynced
 *   48 cleanShutdownOffset  end of the commit log at a clean shutdown; -1 while running
 *   56 confirmedOffset      replication: highest commitLogOffset confirmed by the group (reserved)
 *   64 recordCrcFromOffset  records at or after it carry the record-CRC property; -1 = none do
 *   72 crc32 of bytes [0, 72)
 *
 * The file is 4 KiB and rewritten in place; a torn write fails the CRC and the store then
 * recovers as if there were no checkpoint (a full scan), which is slow but never wrong.
 */
export interface Checkpoint {
  readonly physicMsgTimestamp: number;
  readonly logicsMsgTimestamp: number;
  readonly indexMsgTimestamp: number;
  readonly commitLogFlushedOffset: number;
  readonly consumeQueueFlushedOffset: number;
  readonly indexFlushedOffset: number;
  readonly cleanShutdownOffset: number;
  readonly confirmedOffset: number;
  readonly recordCrcFromOffset: number;
}

const FIELDS: readonly (keyof Checkpoint)[] = [
  'physicMsgTimestamp',
  'logicsMsgTimestamp',
  'indexMsgTimestamp',
  'commitLogFlushedOffset',
  'consumeQueueFlushedOffset',
  'indexFlushedOffset',
  'cleanShutdownOffset',
  'confirmedOffset',
  'recordCrcFromOffset',
];
const CRC_AT = FIELDS.length * 8;
export const CHECKPOINT_FILE_BYTES = 4096;

export function encodeCheckpoint(c: Checkpoint): Buffer {
  const buf = Buffer.alloc(CHECKPOINT_FILE_BYTES);
  FIELDS.forEach((name, i) => buf.writeBigInt64BE(BigInt(c[name]), i * 8));
  buf.writeUInt32BE(zlib.crc32(buf.subarray(0, CRC_AT)), CRC_AT);
  return buf;
}

/** Undefined when the bytes are not a valid checkpoint (missing, short, or failing the CRC). */
export function decodeCheckpoint(buf: Buffer): Checkpoint | undefined {
  if (buf.length < CRC_AT + 4) return undefined;
  if (zlib.crc32(buf.subarray(0, CRC_AT)) !== buf.readUInt32BE(CRC_AT)) return undefined;
  const out: Record<string, number> = {};
  FIELDS.forEach((name, i) => (out[name] = Number(buf.readBigInt64BE(i * 8))));
  return out as unknown as Checkpoint;
}

export class CheckpointFile {
  private fd: number | undefined;

  constructor(readonly path: string) {}

  read(): Checkpoint | undefined {
    try {
      return decodeCheckpoint(fs.readFileSync(this.path));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
  }

  /** Writes and fsyncs the checkpoint. */
  write(c: Checkpoint): void {
    if (this.fd === undefined) this.fd = fs.openSync(this.path, fs.existsSync(this.path) ? 'r+' : 'w+');
    const buf = encodeCheckpoint(c);
    fs.writeSync(this.fd, buf, 0, buf.length, 0);
    fs.fdatasyncSync(this.fd);
  }

  close(): void {
    if (this.fd !== undefined) fs.closeSync(this.fd);
    this.fd = undefined;
  }
}
