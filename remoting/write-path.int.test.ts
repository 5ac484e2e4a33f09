/**
 * The write path: frames produced in one event-loop turn share one socket write, a lone frame leaves
 * in the turn it was produced, and request timeouts share one timer per connection.
 */
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import type { DecodedFrame, RemotingCommand } from '../protocol';
import { FrameDecoder, RequestCode, ResponseCode, SerializeType, encodeFrame, makeRequest, makeResponse } from '../protocol';
import { RemotingClient } from './client';
import type { RemotingConnection } from './connection';
import { RemotingErrorCode } from './errors';
import type { SentResponse } from './processors';
import { RemotingServer } from './server';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function startServer(): Promise<{ server: RemotingServer; addr: string; port: number }> {
  const server = new RemotingServer({ idleTimeoutMs: 0 });
  const started = await server.start(0, '127.0.0.1');
  if (!started.ok) throw started.error;
  cleanups.push(() => server.close());
  return { server, addr: `127.0.0.1:${started.value.port}`, port: started.value.port };
}

function newClient(): RemotingClient {
  const client = new RemotingClient();
  cleanups.push(() => client.close());
  return client;
}

function rawConnect(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port }, () => resolve(socket));
    socket.once('error', reject);
    cleanups.push(() => void socket.destroy());
  });
}

function frameBytes(cmd: RemotingCommand, type: 0 | 1): Buffer {
  const bytes = encodeFrame(cmd, type);
  if (!bytes.ok) throw new Error(bytes.error.message);
  return bytes.value;
}

function readFrames(socket: Socket, count: number): Promise<DecodedFrame[]> {
  const decoder = new FrameDecoder();
  const frames: DecodedFrame[] = [];
  return new Promise((resolve, reject) => {
    socket.on('data', (chunk: Buffer) => {
      const result = decoder.push(chunk);
      if (result.error !== undefined) reject(new Error(result.error.message));
      frames.push(...result.frames);
      if (frames.length >= count) resolve(frames);
    });
  });
}

function until(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const check = (): void => {
      if (condition()) resolve();
      else if (Date.now() > deadline) reject(new Error('condition not met in time'));
      else setTimeout(check, 5);
    };
    check();
  });
}

const nextTick = (): Promise<void> => new Promise((resolve) => process.nextTick(resolve));

/** Body sizes around the inline limit (1 KiB), so copied and referenced bodies interleave. */
const sizeOf = (i: number): number => [0, 1, 100, 1024, 1025, 5000][i % 6] as number;
const bodyOf = (i: number): Buffer => Buffer.alloc(sizeOf(i), i % 251);

describe('write coalescing', () => {
  test.each([
    ['JSON', SerializeType.JSON],
    ['ROCKETMQ', SerializeType.ROCKETMQ],
  ] as const)('%s: responses to requests pipelined in one write arrive intact, in order, in far fewer socket writes', async (_name, type) => {
    const { server, port } = await startServer();
    let sent = 0;
    server.register(RequestCode.SEND_MESSAGE, (request) => {
      const i = request.opaque;
      const response = makeResponse(request, ResponseCode.SUCCESS, undefined, { extFields: { queueOffset: String(i) } });
      if (i % 2 === 0) return { ...response, body: bodyOf(i) };
      const parts: SentResponse = { ...response, bodyParts: [bodyOf(i), bodyOf(i + 1)], onSent: () => sent++ };
      return parts;
    });
    const socket = await rawConnect(port);
    const count = 300;
    const replies = readFrames(socket, count);
    socket.write(Buffer.concat(Array.from({ length: count }, (_, i) => frameBytes(makeRequest(RequestCode.SEND_MESSAGE, { opaque: i, body: bodyOf(i) }), type))));
    const frames = await replies;
    expect(frames.map((f) => f.command.opaque)).toEqual(Array.from({ length: count }, (_, i) => i));
    for (const [i, frame] of frames.entries()) {
      const expected = i % 2 === 0 ? bodyOf(i) : Buffer.concat([bodyOf(i), bodyOf(i + 1)]);
      expect((frame.command.body ?? Buffer.alloc(0)).equals(expected)).toBe(true);
      expect(frame.command.extFields).toEqual({ queueOffset: String(i) });
      expect(frame.serializeType).toBe(SerializeType.JSON); // the server's default response serialization
    }
    expect(sent).toBe(count / 2);
    const connection = [...server.connections()][0] as RemotingConnection;
    // One write per turn: the requests arrived in a handful of reads, each answered by one write.
    expect(connection.flushCount).toBeLessThan(count / 10);
  });

  test('a lone frame is written in the turn that produced it, without waiting for more frames or a timer', async () => {
    const { server, addr } = await startServer();
    const received: number[] = [];
    server.register(RequestCode.UPDATE_CONSUMER_OFFSET, (request) => {
      received.push(request.opaque);
      return null;
    });
    const client = newClient();
    const dialled = await client.connection(addr);
    if (!dialled.ok) throw dialled.error;
    const connection = dialled.value;
    const before = connection.flushCount;
    expect(connection.invokeOneway(makeRequest(RequestCode.UPDATE_CONSUMER_OFFSET)).ok).toBe(true);
    expect(connection.flushCount).toBe(before); // queued while this turn runs...
    expect(connection.writeBufferBytes).toBeGreaterThan(0);
    await nextTick(); // ...and written as soon as it ends: ticks run before timers and I/O
    expect(connection.flushCount).toBe(before + 1);
    await until(() => received.length === 1);
  });

  test('frames queued in a turn still leave when the connection is closed in that turn', async () => {
    const { server, addr } = await startServer();
    const client = newClient();
    const notified: string[] = [];
    client.register(RequestCode.NOTIFY_CONSUMER_IDS_CHANGED, (request) => {
      notified.push(request.extFields?.consumerGroup ?? '');
      return null;
    });
    const closed: string[] = [];
    client.on('close', (_addr, _c, reason) => closed.push(reason));
    const first = await client.invoke(addr, makeRequest(RequestCode.HEART_BEAT), 3000); // connects
    expect(first.ok).toBe(true);
    const connection = [...server.connections()][0] as RemotingConnection;
    const notify = makeRequest(RequestCode.NOTIFY_CONSUMER_IDS_CHANGED, { extFields: { consumerGroup: 'g1' } });
    expect(connection.invokeOneway(notify).ok).toBe(true);
    connection.close('done');
    await until(() => closed.length === 1);
    expect(notified).toEqual(['g1']);
  });
});

describe('request timeouts sharing one timer', () => {
  test('a thousand requests nobody answers all time out, and the table empties', async () => {
    const { server, addr } = await startServer();
    server.register(RequestCode.PULL_MESSAGE, () => new Promise<null>(() => undefined));
    const client = newClient();
    const results = await Promise.all(Array.from({ length: 1000 }, () => client.invoke(addr, makeRequest(RequestCode.PULL_MESSAGE), 100)));
    expect(results.every((r) => !r.ok && r.error.code === RemotingErrorCode.TIMEOUT)).toBe(true);
    expect(client.connectionTo(addr)?.pendingCount).toBe(0);
  });

  test('a shorter timeout sent after a longer one expires first', async () => {
    const { server, addr } = await startServer();
    server.register(RequestCode.PULL_MESSAGE, () => new Promise<null>(() => undefined));
    const client = newClient();
    const long = client.invoke(addr, makeRequest(RequestCode.PULL_MESSAGE), 60_000);
    const short = await client.invoke(addr, makeRequest(RequestCode.PULL_MESSAGE), 50);
    expect(short).toMatchObject({ ok: false, error: { code: RemotingErrorCode.TIMEOUT } });
    expect(client.connectionTo(addr)?.pendingCount).toBe(1);
    await client.close();
    expect(await long).toMatchObject({ ok: false, error: { code: RemotingErrorCode.CLOSED } });
  });

  test('answered requests leave the table, and late answers to timed-out ones are ignored', async () => {
    const { server, addr } = await startServer();
    const gates: (() => void)[] = [];
    server.register(RequestCode.PULL_MESSAGE, (request) => new Promise((resolve) => gates.push(() => resolve(makeResponse(request, 0)))));
    server.register(RequestCode.HEART_BEAT, (request) => makeResponse(request, ResponseCode.SUCCESS));
    const client = newClient();
    const slow = await client.invoke(addr, makeRequest(RequestCode.PULL_MESSAGE), 50);
    expect(slow.ok).toBe(false);
    gates[0]?.(); // the answer arrives after the timeout
    const fast = await Promise.all(Array.from({ length: 100 }, () => client.invoke(addr, makeRequest(RequestCode.HEART_BEAT), 5000)));
    expect(fast.every((r) => r.ok && r.value.code === ResponseCode.SUCCESS)).toBe(true);
    expect(client.connectionTo(addr)?.pendingCount).toBe(0);
  });
});
