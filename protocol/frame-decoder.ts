/**
 * Streaming frame decoder: feed it socket chunks as they come, get whole commands out. Frames may be
 * split at any byte and several may share a chunk.
 *
 * Limits: the frame length is checked against `maxFrameBytes` as soon as its 4-byte length word has
 * arrived, before anything is allocated for the frame, so a peer announcing a 2 GiB frame costs four
 * bytes. A frame that lies inside one chunk is decoded from a view of it without copying (its body then
 * keeps that chunk alive). A frame that spans chunks is assembled in a buffer of its exact size: each
 * chunk's share is copied into it once, as the chunk arrives (while it is still in the CPU cache), and
 * the chunk is let go at once. Pull responses (~150 KB over 64 KiB socket reads) take this path.
 * That buffer is allocated only for frames up to `EAGER_ASSEMBLY_BYTES`, or once a quarter of a larger
 * frame has arrived (its chunks are kept until then), so a peer that announces a big frame and stalls
 * makes us hold at most four times what it sent (or 64 KiB) per connection, not the announced size.
 *
 * Bad input never throws. The first malformed frame poisons the decoder: the stream has lost its
 * framing, so every later `push` reports the same error and the owner should close the connection.
 */
import { assert } from '../stdx';
import type { DecodedFrame, FrameError } from './frame';
import { DEFAULT_MAX_FRAME_BYTES, FrameErrorKind, decodeFrame, decodeFrameAt } from './frame';

export interface FrameDecoderOptions {
  /** Largest frame accepted, length word included. */
  maxFrameBytes?: number;
}

export interface DecodeResult {
  /** Frames completed by this chunk, in order; those before an error are still delivered. */
  readonly frames: DecodedFrame[];
  readonly error: FrameError | undefined;
}

const NO_LENGTH_YET = -1;
const EMPTY = Buffer.alloc(0);
/** Frames up to this size get their assembly buffer as soon as they span chunks (see the file comment). */
export const EAGER_ASSEMBLY_BYTES = 64 * 1024;
/** Larger frames get it once 1/ASSEMBLY_FRACTION of them has arrived. */
const ASSEMBLY_FRACTION = 4;

export class FrameDecoder {
  readonly maxFrameBytes: number;
  /** Received chunks not yet fully consumed; the first one from `headOffset` on. */
  private chunks: Buffer[] = [];
  private headOffset = 0;
  private buffered = 0;
  /** Bytes after the length word of the frame being assembled, once its length word has been read. */
  private pendingFrameLength = NO_LENGTH_YET;
  /** The frame being assembled (its bytes after the length word) and how much of it has arrived. */
  private assembly: Buffer | undefined = undefined;
  private assembled = 0;
  private failure: FrameError | undefined;

  constructor(options: FrameDecoderOptions = {}) {
    this.maxFrameBytes = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
    assert(Number.isInteger(this.maxFrameBytes) && this.maxFrameBytes >= 8, 'maxFrameBytes must be an integer >= 8');
  }

  /** Bytes received but not yet part of a delivered frame. */
  get bufferedBytes(): number {
    return this.buffered;
  }

  /** Bytes allocated for the frame being assembled (its full size), or 0. */
  get reservedBytes(): number {
    return this.assembly === undefined ? 0 : this.assembly.length;
  }

  get error(): FrameError | undefined {
    return this.failure;
  }

  /**
   * Where the next socket read may land directly (Node's `onread` option): the unfilled rest of the
   * frame being assembled, so its bytes arrive in place instead of being copied there from a read
   * buffer. Undefined when no frame is being assembled: then read into a buffer of your own and
   * `push` it. After reading `n` bytes into the returned view, call `pushDirect(n)`.
   */
  directTarget(): Buffer | undefined {
    if (this.failure !== undefined || this.assembly === undefined) return undefined;
    return this.assembly.subarray(this.assembled);
  }

  /** `n` bytes were read into the view `directTarget` returned (see there). */
  pushDirect(n: number): DecodeResult {
    const frames: DecodedFrame[] = [];
    if (this.failure !== undefined) return { frames, error: this.failure };
    const assembly = this.assembly;
    assert(assembly !== undefined && Number.isInteger(n) && n >= 0 && n <= assembly.length - this.assembled, 'pushDirect without a matching directTarget');
    this.assembled += n;
    this.buffered += n;
    if (this.assembled < assembly.length) return { frames, error: undefined };
    const decoded = this.finishAssembly(assembly);
    if (!decoded.ok) return this.fail(frames, decoded.error);
    frames.push(decoded.value);
    return { frames, error: undefined };
  }

  push(chunk: Buffer): DecodeResult {
    const frames: DecodedFrame[] = [];
    if (this.failure !== undefined) return { frames, error: this.failure };
    let rest = chunk;
    if (this.assembly !== undefined) {
      const used = this.fillAssembly(chunk);
      if (this.assembled < this.assembly.length) return { frames, error: undefined };
      const decoded = this.finishAssembly(this.assembly);
      if (!decoded.ok) return this.fail(frames, decoded.error);
      frames.push(decoded.value);
      rest = used === chunk.length ? EMPTY : chunk.subarray(used);
    }
    if (rest.length > 0) {
      this.chunks.push(rest);
      this.buffered += rest.length;
    }
    for (;;) {
      if (this.pendingFrameLength === NO_LENGTH_YET) {
        if (this.buffered < 4) break;
        const frameLength = this.takeLength();
        const problem = this.checkLength(frameLength);
        if (problem !== undefined) return this.fail(frames, problem);
        this.pendingFrameLength = frameLength;
      }
      if (this.buffered < this.pendingFrameLength) {
        // The frame spans chunks: copy what has come into its own buffer, the rest as it arrives.
        if (this.pendingFrameLength <= Math.max(EAGER_ASSEMBLY_BYTES, ASSEMBLY_FRACTION * this.buffered)) this.startAssembly();
        break;
      }
      const decoded = this.decodeNext(this.pendingFrameLength);
      this.pendingFrameLength = NO_LENGTH_YET;
      if (!decoded.ok) return this.fail(frames, decoded.error);
      frames.push(decoded.value);
    }
    return { frames, error: undefined };
  }

  private checkLength(frameLength: number): FrameError | undefined {
    if (frameLength + 4 > this.maxFrameBytes) {
      return {
        kind: FrameErrorKind.FRAME_TOO_LARGE,
        message: `frame of ${frameLength + 4} bytes exceeds the limit of ${this.maxFrameBytes}`,
      };
    }
    if (frameLength < 4) {
      return { kind: FrameErrorKind.FRAME_TOO_SMALL, message: `frame length ${frameLength} leaves no room for the header tag` };
    }
    return undefined;
  }

  private fail(frames: DecodedFrame[], error: FrameError): DecodeResult {
    this.failure = error;
    this.chunks = [];
    this.headOffset = 0;
    this.buffered = 0;
    this.assembly = undefined;
    this.assembled = 0;
    return { frames, error };
  }

  /** Moves every buffered byte (all of them belong to the pending frame) into a buffer of its size. */
  private startAssembly(): void {
    const have = this.buffered;
    // The length was checked against maxFrameBytes before we get here.
    const assembly = Buffer.allocUnsafe(this.pendingFrameLength);
    let filled = 0;
    for (let i = 0; i < this.chunks.length; i++) {
      const chunk = this.chunks[i] as Buffer;
      const from = i === 0 ? this.headOffset : 0;
      filled += chunk.copy(assembly, filled, from, chunk.length);
    }
    assert(filled === have, 'assembly copy lost bytes');
    this.chunks = [];
    this.headOffset = 0;
    this.assembly = assembly;
    this.assembled = filled;
  }

  /** Copies the pending frame's share of `chunk` into the assembly; returns how many bytes it took. */
  private fillAssembly(chunk: Buffer): number {
    const assembly = this.assembly as Buffer;
    const take = Math.min(assembly.length - this.assembled, chunk.length);
    chunk.copy(assembly, this.assembled, 0, take);
    this.assembled += take;
    this.buffered += take;
    return take;
  }

  /** Decodes the assembled frame and goes back to reading chunks. */
  private finishAssembly(frame: Buffer): ReturnType<typeof decodeFrame> {
    assert(this.assembled === this.pendingFrameLength && this.buffered === this.assembled, 'assembly finished early');
    this.assembly = undefined;
    this.assembled = 0;
    this.buffered = 0;
    this.pendingFrameLength = NO_LENGTH_YET;
    return decodeFrame(frame);
  }

  /** Decodes the next `n` bytes as a frame: in place when they lie in the first chunk, else from a copy. */
  private decodeNext(n: number): ReturnType<typeof decodeFrame> {
    const first = this.chunks[0] as Buffer;
    const start = this.headOffset;
    if (first.length - start < n) return decodeFrame(this.take(n));
    this.advance(first, n);
    return decodeFrameAt(first, start, start + n);
  }

  /** Removes the 4-byte length word; read in place unless it straddles chunks. */
  private takeLength(): number {
    const first = this.chunks[0] as Buffer;
    if (first.length - this.headOffset >= 4) {
      const length = first.readUInt32BE(this.headOffset);
      this.advance(first, 4);
      return length;
    }
    return this.take(4).readUInt32BE(0);
  }

  /** Consumes `n` bytes of the first chunk, dropping it once used up. */
  private advance(first: Buffer, n: number): void {
    this.buffered -= n;
    this.headOffset += n;
    if (this.headOffset === first.length) {
      this.chunks.shift();
      this.headOffset = 0;
    }
  }

  /** Removes `n` buffered bytes; a view when they lie in the first chunk, else one copy. */
  private take(n: number): Buffer {
    assert(n <= this.buffered, 'take beyond buffered bytes');
    const first = this.chunks[0];
    assert(first !== undefined || n === 0, 'buffered bytes without chunks');
    if (first === undefined) return Buffer.alloc(0);
    const start = this.headOffset;
    if (first.length - start >= n) {
      this.advance(first, n);
      return first.subarray(start, start + n);
    }
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    while (filled < n) {
      const chunk = this.chunks[0];
      assert(chunk !== undefined, 'ran out of chunks while copying');
      const from = this.headOffset;
      const copied = Math.min(chunk.length - from, n - filled);
      chunk.copy(out, filled, from, from + copied);
      filled += copied;
      this.advance(chunk, copied);
    }
    return out;
  }
}
