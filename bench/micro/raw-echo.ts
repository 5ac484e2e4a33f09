/**
 * The yardstick: a length-framed request/response over plain sockets with no protocol work, like the
 * shared harness's `physical/echo-rr.js` (whose server side lives in `remoting-server.ts`). Measured in
 * the same run as the remoting cases so both see the same machine load.
 */
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import type { Sample } from './remoting';

function open(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1' }, () => resolve(socket));
    socket.setNoDelay(true);
    socket.once('error', reject);
  });
}

/** Calls `onFrames(n)` with the number of whole frames of `frameBytes` completed by each chunk. */
function counter(frameBytes: number, onFrames: (n: number) => void): (chunk: Buffer) => void {
  let carry = 0;
  return (chunk) => {
    const total = carry + chunk.length;
    carry = total % frameBytes;
    const n = (total - carry) / frameBytes;
    if (n > 0) onFrames(n);
  };
}

function frame(size: number): Buffer {
  const request = Buffer.alloc(4 + size, 0x5a);
  request.writeUInt32BE(size, 0);
  return request;
}

export async function rawPipelined(port: number, size: number, window: number, total: number): Promise<Sample> {
  const socket = await open(port);
  const request = frame(size);
  return new Promise((resolve) => {
    let sent = 0;
    let done = 0;
    const t0 = process.hrtime.bigint();
    const send = (): void => {
      sent++;
      socket.write(request);
    };
    socket.on(
      'data',
      counter(request.length, (n) => {
        done += n;
        socket.cork();
        for (let i = 0; i < n && sent < total; i++) send();
        socket.uncork();
        if (done === total) {
          socket.destroy();
          resolve({ ops: total, seconds: Number(process.hrtime.bigint() - t0) / 1e9 });
        }
      }),
    );
    socket.cork();
    for (let i = 0; i < Math.min(window, total); i++) send();
    socket.uncork();
  });
}

export async function rawLatency(port: number, size: number, total: number, warmup: number): Promise<Sample> {
  const socket = await open(port);
  const request = frame(size);
  const latencies = new Float64Array(total);
  return new Promise((resolve) => {
    let done = -warmup;
    let sentAt = process.hrtime.bigint();
    let t0 = sentAt;
    const send = (): void => {
      sentAt = process.hrtime.bigint();
      socket.write(request);
    };
    socket.on(
      'data',
      counter(request.length, () => {
        if (done >= 0) latencies[done] = Number(process.hrtime.bigint() - sentAt) / 1e3;
        done++;
        if (done === 0) t0 = process.hrtime.bigint();
        if (done < total) send();
        else {
          socket.destroy();
          resolve({ ops: total, seconds: Number(process.hrtime.bigint() - t0) / 1e9, latenciesUs: latencies });
        }
      }),
    );
    send();
  });
}

/** A raw echo connection kept open, for blocks of one-in-flight round trips interleaved with others. */
export class RawEchoConnection {
  private onFrame: (() => void) | undefined;

  private constructor(
    private readonly socket: Socket,
    private readonly request: Buffer,
  ) {
    socket.on('data', counter(request.length, (n) => {
      for (let i = 0; i < n; i++) this.onFrame?.();
    }));
  }

  static async open(port: number, size: number): Promise<RawEchoConnection> {
    return new RawEchoConnection(await open(port), frame(size));
  }

  /** `count` round trips one at a time; their latencies (µs) go to `out` from `at`. */
  roundTrips(count: number, out: Float64Array, at: number): Promise<void> {
    return new Promise((resolve) => {
      let done = 0;
      let sentAt = process.hrtime.bigint();
      this.onFrame = () => {
        out[at + done] = Number(process.hrtime.bigint() - sentAt) / 1e3;
        if (++done === count) {
          this.onFrame = undefined;
          resolve();
          return;
        }
        sentAt = process.hrtime.bigint();
        this.socket.write(this.request);
      };
      this.socket.write(this.request);
    });
  }

  close(): void {
    this.socket.destroy();
  }
}
