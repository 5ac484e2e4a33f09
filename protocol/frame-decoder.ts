/**
 * Streaming frame decoder: feed it socket chunks as they come, get whole commands out. Frames may be
 * split at any byte and several may share a chunk.
 *
 * Limits: the frame length is checked against `maxFrameBytes` as soon as its 4-byte length word has
 * arrived, before anything is allocated for the frame, so a peer announcing a 2 GiB frame costs four
 * bytes. Bytes are kept as the received chunks until a frame is complete; a frame that lies inside one
 * chunk is decoded from a view of it without copying (its body then keeps that chunk alive).
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

export class FrameDecoder {
  readonly maxFrameBytes: number;
  /** Received chunks not yet fully consumed; the first one from `headOffset` on. */
  private chunks: Buffer[] = [];
  private headOffset = 0;
  private buffered = 0;
  /** Bytes after the length word of the frame being assembled, once its length word has been read. */
  private pendingFrameLength = NO_LENGTH_YET;
  private failure: FrameError | undefined;

  constructor(options: FrameDecoderOptions = {}) {
    this.maxFrameBytes = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
    assert(Number.isInteger(this.maxFrameBytes) && this.maxFrameBytes >= 8, 'maxFrameBytes must be an integer >= 8');
  }

  /** Bytes received but not yet part of a delivered frame. */
  get bufferedBytes(): number {
    return this.buffered;
  }

  get error(): FrameError | undefined {
    return this.failure;
  }

  push(chunk: Buffer): DecodeResult {
    const frames: DecodedFrame[] = [];
    if (this.failure !== undefined) return { frames, error: this.failure };
    if (chunk.length > 0) {
      this.chunks.push(chunk);
      this.buffered += chunk.length;
    }
    for (;;) {
      if (this.pendingFrameLength === NO_LENGTH_YET) {
        if (this.buffered < 4) break;
        const frameLength = this.takeLength();
        const problem = this.checkLength(frameLength);
        if (problem !== undefined) return this.fail(frames, problem);
        this.pendingFrameLength = frameLength;
      }
      if (this.buffered < this.pendingFrameLength) break;
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
    return { frames, error };
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
