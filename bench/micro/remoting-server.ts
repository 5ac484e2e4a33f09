/**
 * Child process of `remoting.ts`: a RemotingServer with echo-style handlers, plus a raw length-framed
 * TCP echo (the same shape as the shared harness's `physical/echo-rr.js`) so the machine's own figure
 * can be measured under the same load as ours. Talks to its parent over the fork IPC channel: it sends
 * `{ ports }` once listening and answers `{ cpu: true }` with its CPU time so the parent can split
 * CPU per operation between the two processes.
 */
import { createServer } from 'node:net';
import type { Socket } from 'node:net';
import type { RemotingCommand } from '../../protocol';
import { RequestCode, ResponseCode, makeResponse } from '../../protocol';
import type { SentResponse } from '../../remoting';
import { RemotingServer, SAME_AS_REQUEST } from '../../remoting';

/** What a send processor answers: the SendMessageResponseHeader fields a Java broker fills in. */
const SEND_RESULT: Record<string, string> = {
  msgId: '7F00000100002A9F0000000000A1B2C3',
  queueId: '3',
  queueOffset: '123456',
  MSG_REGION: 'DefaultRegion',
  TRACE_ON: 'true',
};

export const PULL_PARTS = Number(process.env.BENCH_PULL_PARTS ?? 32);
export const PULL_PART_BYTES = 1024;

/**
 * Stored records stand-ins, served as views like the store's zero-copy reads: consecutive views of one
 * block (one queue's records, back to back in a segment), or with BENCH_PULL_SCATTER=1 each in its own
 * block (records of a queue interleaved with other queues' records).
 */
const scatter = process.env.BENCH_PULL_SCATTER === '1';
const slab = Buffer.alloc(PULL_PARTS * PULL_PART_BYTES * (scatter ? 2 : 1), 0x61);
const pullParts: Buffer[] = [];
for (let i = 0; i < PULL_PARTS; i++) {
  const at = i * PULL_PART_BYTES * (scatter ? 2 : 1);
  pullParts.push(slab.subarray(at, at + PULL_PART_BYTES));
}

function echoSend(request: RemotingCommand): RemotingCommand {
  return makeResponse(request, ResponseCode.SUCCESS, undefined, { extFields: SEND_RESULT, body: request.body });
}

let released = 0;
function pull(request: RemotingCommand): SentResponse {
  const response = makeResponse(request, ResponseCode.SUCCESS, undefined, {
    extFields: { nextBeginOffset: '1032', minOffset: '0', maxOffset: '100000', suggestWhichBrokerId: '0' },
  });
  return Object.assign(response, { bodyParts: pullParts, onSent: () => void released++ });
}

function framer(onFrame: (buf: Buffer, start: number, end: number) => void): (chunk: Buffer) => void {
  let pending: Buffer | undefined;
  return (chunk) => {
    const buf = pending === undefined ? chunk : Buffer.concat([pending, chunk]);
    let at = 0;
    while (buf.length - at >= 4) {
      const length = buf.readUInt32BE(at);
      if (buf.length - at < 4 + length) break;
      onFrame(buf, at, at + 4 + length);
      at += 4 + length;
    }
    pending = at < buf.length ? buf.subarray(at) : undefined;
  };
}

function rawEcho(socket: Socket): void {
  socket.setNoDelay(true);
  const onData = framer((buf, start, end) => {
    const copy = Buffer.allocUnsafe(end - start);
    buf.copy(copy, 0, start, end);
    socket.write(copy);
  });
  socket.on('data', (chunk: Buffer) => {
    socket.cork();
    onData(chunk);
    socket.uncork();
  });
  socket.on('error', () => undefined);
}

async function main(): Promise<void> {
  const server = new RemotingServer({ responseSerializeType: SAME_AS_REQUEST, maxInflightRequestsPerConnection: 4096 });
  server.register(RequestCode.SEND_MESSAGE_V2, echoSend);
  server.register(RequestCode.PULL_MESSAGE, pull);
  let closedFlushes = 0;
  server.on('close', (connection) => void (closedFlushes += connection.flushCount));
  const started = await server.start(0, '127.0.0.1');
  if (!started.ok) throw started.error;
  const raw = createServer(rawEcho);
  await new Promise<void>((resolve) => raw.listen(0, '127.0.0.1', resolve));
  const rawAddress = raw.address();
  if (rawAddress === null || typeof rawAddress !== 'object') throw new Error('raw echo has no address');
  process.on('message', (message: { cpu?: boolean }) => {
    if (message.cpu !== true) return;
    let flushes = closedFlushes;
    for (const connection of server.connections()) flushes += connection.flushCount;
    process.send?.({ cpu: process.cpuUsage(), faults: process.resourceUsage().minorPageFault, released, flushes });
  });
  process.on('disconnect', () => {
    void server.close();
    raw.close();
  });
  process.send?.({ ports: { remoting: started.value.port, raw: rawAddress.port } });
}

void main();
