/**
 * The outgoing side of one connection: frames are encoded into a `FrameWriter` as they are produced
 * and written to the socket once per event-loop turn, so a thousand responses to a thousand pipelined
 * requests leave in one writev instead of a thousand syscalls.
 *
 * The flush runs from `process.nextTick`, i.e. as soon as the code that produced the frame (and
 * whatever else is queued for this turn) has returned, before the event loop polls for I/O or runs
 * timers: a lone frame waits for nothing. Handlers that finish in promise callbacks of the same turn
 * still share the flush, since the tick queue runs once those microtasks have drained. Past
 * `FLUSH_EARLY_BYTES` queued bytes the flush happens at once, which bounds what a turn can hold.
 *
 * `onWritten` callbacks run once the socket has handed the flush's bytes to the kernel, or failed to.
 */
import type { Socket } from 'node:net';
import type { FrameError, RemotingCommand, SerializeTypeCode } from '../protocol';
import { FrameWriter } from '../protocol';
import type { Result } from '../stdx';
import type { LoopSpinner } from './spin';

export const FLUSH_EARLY_BYTES = 1024 * 1024;

export class Outbound {
  private readonly writer: FrameWriter;
  private callbacks: (() => void)[] = [];
  private scheduled = false;
  private flushes = 0;

  /** `onFlushed(false)` reports that the socket's buffer is over its high-water mark. */
  constructor(
    private readonly socket: Socket,
    maxFrameBytes: number,
    private readonly onFlushed: (belowHighWaterMark: boolean) => void,
    /** Keeps the loop polling after each write, for the next request of a waiting peer (see spin.ts). */
    private readonly spinner?: LoopSpinner,
  ) {
    this.writer = new FrameWriter({ maxFrameBytes });
  }

  /** Bytes queued for this turn's flush. */
  get bufferedBytes(): number {
    return this.writer.bufferedBytes;
  }

  /** Socket writes issued so far (one per turn with frames, in the normal case). */
  get flushCount(): number {
    return this.flushes;
  }

  /** Queues one frame; see `FrameWriter.append` for the result and for what throws. */
  append(
    cmd: RemotingCommand,
    serializeType: SerializeTypeCode,
    opaque: number,
    flag: number,
    onWritten?: () => void,
  ): Result<number, FrameError> {
    const appended = this.writer.append(cmd, serializeType, opaque, flag);
    if (!appended.ok) return appended;
    if (onWritten !== undefined) this.callbacks.push(onWritten);
    if (this.writer.bufferedBytes >= FLUSH_EARLY_BYTES) this.flush();
    else if (!this.scheduled) {
      this.scheduled = true;
      process.nextTick(flushOnTick, this);
    }
    return appended;
  }

  /** Writes everything queued, in one socket write (several buffers are corked into one writev). */
  flush(): void {
    this.scheduled = false;
    if (this.writer.bufferedFrames === 0) return;
    const pieces = this.writer.drain();
    const done = this.takeCallbacks();
    this.flushes++;
    let belowHighWaterMark: boolean;
    if (pieces.length === 1) {
      belowHighWaterMark = this.socket.write(pieces[0] as Buffer, done);
    } else {
      this.socket.cork();
      for (let i = 0; i < pieces.length - 1; i++) this.socket.write(pieces[i] as Buffer);
      belowHighWaterMark = this.socket.write(pieces[pieces.length - 1] as Buffer, done);
      this.socket.uncork();
    }
    this.spinner?.wrote();
    this.onFlushed(belowHighWaterMark);
  }

  /** Drops what is queued (the connection closed); the callbacks still run, once. */
  discard(): void {
    this.writer.discard();
    this.takeCallbacks()?.();
  }

  private takeCallbacks(): (() => void) | undefined {
    const callbacks = this.callbacks;
    if (callbacks.length === 0) return undefined;
    this.callbacks = [];
    if (callbacks.length === 1) {
      const only = callbacks[0] as () => void;
      return () => only();
    }
    return () => {
      for (const callback of callbacks) callback();
    };
  }
}

/** A stale tick (the turn already flushed early) finds nothing queued and writes nothing. */
function flushOnTick(outbound: Outbound): void {
  outbound.flush();
}
