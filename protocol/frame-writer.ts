/**
 * Encodes outgoing frames back to back, ready for one socket write: the remoting layer appends every
 * frame of an event-loop turn and then writes them with a single writev instead of one syscall each.
 *
 * Length words, header tags, headers and small bodies are written straight into a slab of memory
 * shared by all writers (like Node's Buffer pool), so a frame costs no allocation of its own. Bodies
 * (and body parts) larger than `inlineMaxBytes` are not copied: they are handed out as separate
 * buffers between the slab pieces, so stored records served as views stay zero-copy.
 *
 * Bytes handed out by `drain` are never written again: a writer only appends after them, and a writer
 * whose pieces would interleave with another writer's in the shared slab starts a new piece.
 */
import type { Result } from '../stdx';
import { assert, ok } from '../stdx';
import { binaryHeaderMaxBytes, writeBinaryHeader } from './binary-header';
import type { SerializeTypeCode } from './codes';
import { SerializeType } from './codes';
import type { RemotingCommand } from './command';
import type { FrameError } from './frame';
import { DEFAULT_MAX_FRAME_BYTES, FRAME_PREFIX_BYTES, assertWellFormed, checkFrameSize, writeFramePrefix } from './frame';
import { jsonHeaderMaxBytes, writeJsonHeader } from './json-header';

export interface FrameWriterOptions {
  /** Largest frame written, length word included. */
  maxFrameBytes?: number;
  /** Bodies and body parts up to this size are copied next to their header; larger ones are referenced. */
  inlineMaxBytes?: number;
}

/** Copying 1 KiB costs about what one more buffer in a writev costs; beyond that, reference. */
export const DEFAULT_INLINE_MAX_BYTES = 1024;
const SLAB_BYTES = 128 * 1024;

/** The slab shared by every writer in the process; `used` bytes of it have been claimed. */
let slab = Buffer.allocUnsafeSlow(0);
let slabUsed = 0;

export class FrameWriter {
  readonly maxFrameBytes: number;
  readonly inlineMaxBytes: number;
  private pieces: Buffer[] = [];
  /** This writer's current piece: `slab[pieceStart, pieceEnd)` of `pieceSlab`. */
  private pieceSlab: Buffer | undefined;
  private pieceStart = 0;
  private pieceEnd = 0;
  private buffered = 0;
  private frames = 0;

  constructor(options: FrameWriterOptions = {}) {
    this.maxFrameBytes = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
    this.inlineMaxBytes = options.inlineMaxBytes ?? DEFAULT_INLINE_MAX_BYTES;
    assert(Number.isInteger(this.maxFrameBytes) && this.maxFrameBytes >= 8, 'maxFrameBytes must be an integer >= 8');
  }

  /** Bytes appended and not yet drained. */
  get bufferedBytes(): number {
    return this.buffered;
  }

  /** Frames appended and not yet drained. */
  get bufferedFrames(): number {
    return this.frames;
  }

  /**
   * Appends one frame of `cmd`, with `opaque` and `flag` in place of the command's own (so callers
   * need not copy a command to set them). ROCKETMQ falls back to JSON for codes beyond 16 bits, as
   * `encodeFrameParts` does. Returns the frame's size; a frame over the limit is refused as a value
   * and leaves nothing behind. A malformed command is an assertion, also leaving nothing behind.
   */
  append(cmd: RemotingCommand, serializeType: SerializeTypeCode, opaque: number = cmd.opaque, flag: number = cmd.flag): Result<number, FrameError> {
    assertWellFormed(cmd, opaque, flag);
    const body = cmd.body !== undefined && cmd.body.length > 0 ? cmd.body : undefined;
    const parts = cmd.bodyParts !== undefined && cmd.bodyParts.length > 0 ? cmd.bodyParts : undefined;
    if (body !== undefined && parts !== undefined) assert(false, 'a command carries body or bodyParts, not both');
    let bodyBytes = 0;
    let inlineBytes = 0;
    if (body !== undefined) {
      bodyBytes = body.length;
      if (bodyBytes <= this.inlineMaxBytes) inlineBytes = bodyBytes;
    } else if (parts !== undefined) {
      for (let i = 0; i < parts.length; ) {
        const end = runEnd(parts, i);
        const length = runBytes(parts, i, end);
        bodyBytes += length;
        if (length <= this.inlineMaxBytes) inlineBytes += length;
        i = end;
      }
    }
    const binaryMax = serializeType === SerializeType.ROCKETMQ ? binaryHeaderMaxBytes(cmd) : undefined;
    const type = binaryMax === undefined ? SerializeType.JSON : SerializeType.ROCKETMQ;
    const headerMax = binaryMax ?? jsonHeaderMaxBytes(cmd);
    const at = this.reserve(FRAME_PREFIX_BYTES + headerMax + inlineBytes);
    const target = this.pieceSlab as Buffer;
    const headerLength =
      type === SerializeType.JSON
        ? writeJsonHeader(cmd, opaque, flag, target, at + FRAME_PREFIX_BYTES)
        : writeBinaryHeader(cmd, opaque, flag, target, at + FRAME_PREFIX_BYTES);
    const frameBytes = checkFrameSize(headerLength, bodyBytes, this.maxFrameBytes);
    if (!frameBytes.ok) return frameBytes; // nothing claimed yet: the reservation is simply reused
    writeFramePrefix(target, at, frameBytes.value, type, headerLength);
    this.claim(FRAME_PREFIX_BYTES + headerLength);
    if (body !== undefined) this.appendBody(body);
    else if (parts !== undefined) this.appendParts(parts);
    this.buffered += frameBytes.value;
    this.frames++;
    return ok(frameBytes.value);
  }

  /** The appended frames as buffers to write in order; the writer starts afresh. */
  drain(): Buffer[] {
    this.seal();
    // Hold no slab between turns: an idle connection must not keep a shared slab alive.
    this.pieceSlab = undefined;
    this.pieceStart = 0;
    this.pieceEnd = 0;
    const pieces = this.pieces;
    this.pieces = [];
    this.buffered = 0;
    this.frames = 0;
    return pieces;
  }

  /** Forgets everything appended (the connection closed). */
  discard(): void {
    this.drain();
  }

  /**
   * Parts that lie back to back in one memory block (consecutive records of a store segment) go out as
   * one view of that block: one buffer for the socket instead of one per record, still without a copy.
   */
  private appendParts(parts: readonly Buffer[]): void {
    for (let i = 0; i < parts.length; ) {
      const end = runEnd(parts, i);
      const first = parts[i] as Buffer;
      if (end === i + 1) this.appendBody(first);
      else {
        const length = runBytes(parts, i, end);
        if (length <= this.inlineMaxBytes) for (let j = i; j < end; j++) this.appendBody(parts[j] as Buffer);
        else this.appendBody(Buffer.from(first.buffer, first.byteOffset, length));
      }
      i = end;
    }
  }

  private appendBody(bytes: Buffer): void {
    if (bytes.length === 0) return;
    if (bytes.length <= this.inlineMaxBytes) {
      // reserve() made room for every inlined byte of this frame in the current slab, and no other
      // writer ran in between, so after a referenced part the piece simply resumes where it ended.
      (this.pieceSlab as Buffer).set(bytes, this.pieceEnd);
      this.claim(bytes.length);
    } else {
      this.seal();
      this.pieces.push(bytes);
    }
  }

  /**
   * Makes sure `n` bytes can be written at the end of this writer's piece, in the shared slab, and
   * returns where. Nothing is claimed until `claim`.
   */
  private reserve(n: number): number {
    if (slab.length - slabUsed < n) {
      slab = Buffer.allocUnsafeSlow(Math.max(SLAB_BYTES, n));
      slabUsed = 0;
    }
    if (this.pieceSlab !== slab || this.pieceEnd !== slabUsed) {
      this.seal();
      this.pieceSlab = slab;
      this.pieceStart = slabUsed;
      this.pieceEnd = slabUsed;
    }
    return this.pieceEnd;
  }

  private claim(n: number): void {
    this.pieceEnd += n;
    slabUsed = this.pieceEnd;
  }

  /** Ends the current piece (if it holds bytes); what follows in the slab goes into a new one. */
  private seal(): void {
    if (this.pieceEnd > this.pieceStart) {
      this.pieces.push((this.pieceSlab as Buffer).subarray(this.pieceStart, this.pieceEnd));
      this.pieceStart = this.pieceEnd;
    }
  }
}

/** End (exclusive) of the run of parts starting at `from` that continue one another in memory. */
function runEnd(parts: readonly Buffer[], from: number): number {
  let last = parts[from] as Buffer;
  let i = from + 1;
  for (; i < parts.length; i++) {
    const part = parts[i] as Buffer;
    if (part.buffer !== last.buffer || last.byteOffset + last.length !== part.byteOffset) break;
    last = part;
  }
  return i;
}

function runBytes(parts: readonly Buffer[], from: number, to: number): number {
  let bytes = 0;
  for (let i = from; i < to; i++) bytes += (parts[i] as Buffer).length;
  return bytes;
}
