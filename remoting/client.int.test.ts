import { connect } from 'node:net';
import type { Socket } from 'node:net';
import type { RemotingCommand } from '../protocol';
import { FrameDecoder, RequestCode, ResponseCode, SerializeType, encodeFrame, makeRequest, makeResponse } from '../protocol';
import { RemotingClient, parseAddress } from './client';
import type { RemotingClientOptions } from './client';
import { RemotingErrorCode } from './errors';
import { RemotingServer } from './server';
import type { RemotingServerOptions } from './server';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function startServer(options: RemotingServerOptions = {}): Promise<{ server: RemotingServer; addr: string; port: number }> {
  const server = new RemotingServer({ idleTimeoutMs: 0, ...options });
  const started = await server.start(0, '127.0.0.1');
  if (!started.ok) throw started.error;
  cleanups.push(() => server.close());
  return { server, addr: `127.0.0.1:${started.value.port}`, port: started.value.port };
}

function newClient(options: RemotingClientOptions = {}): RemotingClient {
  const client = new RemotingClient(options);
  cleanups.push(() => client.close());
  return client;
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

const never = (): Promise<RemotingCommand | null> => new Promise(() => undefined);
const echo = (request: RemotingCommand): RemotingCommand =>
  makeResponse(request, ResponseCode.SUCCESS, undefined, request.body === undefined ? {} : { body: request.body });

describe('RemotingClient', () => {
  test('reads big responses straight into their frames and delivers them byte for byte, small ones as before', async () => {
    const { server, addr } = await startServer();
    server.register(RequestCode.PULL_MESSAGE, echo);
    const client = newClient();
    const bodies = [150_000, 10, 1_000_000, 64 * 1024, 3, 300_001].map((size, i) => {
      const body = Buffer.alloc(size);
      for (let j = 0; j < size; j++) body[j] = (j * 31 + i) & 0xff;
      return body;
    });
    // Pipelined: several responses share socket reads, big ones span many.
    const results = await Promise.all(bodies.map((body) => client.invoke(addr, makeRequest(RequestCode.PULL_MESSAGE, { body }), 5000)));
    results.forEach((r, i) => {
      if (!r.ok) throw r.error;
      expect(r.value.body?.equals(bodies[i]!)).toBe(true);
    });
    // Most of the big bodies' bytes never went through a read buffer.
    expect(client.connectionTo(addr)!.directReadBytes).toBeGreaterThan(0.5 * (150_000 + 1_000_000 + 300_001));
  });

  test('times out a request nobody answers and forgets it', async () => {
    const { server, addr } = await startServer();
    server.register(RequestCode.PULL_MESSAGE, never);
    const client = newClient();
    const started = Date.now();
    const result = await client.invoke(addr, makeRequest(RequestCode.PULL_MESSAGE), 150);
    expect(result).toMatchObject({ ok: false, error: { code: RemotingErrorCode.TIMEOUT, addr } });
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(client.connectionTo(addr)?.pendingCount).toBe(0);
  });

  test('fails pending requests promptly when the server goes away', async () => {
    const { server, addr } = await startServer();
    server.register(RequestCode.PULL_MESSAGE, never);
    const client = newClient();
    const pending = [1, 2, 3].map(() => client.invoke(addr, makeRequest(RequestCode.PULL_MESSAGE), 30_000));
    await until(() => client.connectionTo(addr)?.pendingCount === 3);
    const started = Date.now();
    await server.close();
    const results = await Promise.all(pending);
    expect(Date.now() - started).toBeLessThan(1000);
    for (const result of results) expect(result).toMatchObject({ ok: false, error: { code: RemotingErrorCode.CLOSED } });
  });

  test('reconnects on the next call after its connection closed', async () => {
    const { server, addr } = await startServer();
    server.register(RequestCode.HEART_BEAT, echo);
    const client = newClient();
    const connects: number[] = [];
    client.on('connect', (_addr, connection) => connects.push(connection.id));
    expect((await client.invoke(addr, makeRequest(RequestCode.HEART_BEAT), 3000)).ok).toBe(true);
    for (const connection of server.connections()) connection.close('kicked by test');
    await until(() => client.connectionTo(addr) === undefined);
    expect((await client.invoke(addr, makeRequest(RequestCode.HEART_BEAT), 3000)).ok).toBe(true);
    expect(connects).toHaveLength(2);
  });

  test('concurrent first calls share one connection', async () => {
    const { server, addr } = await startServer();
    server.register(RequestCode.HEART_BEAT, echo);
    const client = newClient();
    const results = await Promise.all(Array.from({ length: 20 }, () => client.invoke(addr, makeRequest(RequestCode.HEART_BEAT), 3000)));
    expect(results.every((r) => r.ok)).toBe(true);
    expect(server.connectionCount).toBe(1);
  });

  test('reports a refused connection as CONNECT_FAILED', async () => {
    const { server, addr } = await startServer();
    await server.close();
    const result = await newClient().invoke(addr, makeRequest(RequestCode.HEART_BEAT), 3000);
    expect(result).toMatchObject({ ok: false, error: { code: RemotingErrorCode.CONNECT_FAILED } });
  });

  test('refuses malformed addresses', async () => {
    const result = await newClient().invoke('no-port-here', makeRequest(RequestCode.HEART_BEAT), 3000);
    expect(result).toMatchObject({ ok: false, error: { code: RemotingErrorCode.INVALID_ADDRESS } });
    expect(parseAddress('[::1]:10911')).toMatchObject({ ok: true, value: { host: '::1', port: 10911 } });
    expect(parseAddress('10.0.0.1:70000').ok).toBe(false);
  });

  test('caps the requests awaiting responses on one connection', async () => {
    const { server, addr } = await startServer();
    server.register(RequestCode.PULL_MESSAGE, never);
    const client = newClient({ maxPendingRequestsPerConnection: 2 });
    void client.invoke(addr, makeRequest(RequestCode.PULL_MESSAGE), 5000);
    void client.invoke(addr, makeRequest(RequestCode.PULL_MESSAGE), 5000);
    await until(() => client.connectionTo(addr)?.pendingCount === 2);
    const third = await client.invoke(addr, makeRequest(RequestCode.PULL_MESSAGE), 5000);
    expect(third).toMatchObject({ ok: false, error: { code: RemotingErrorCode.TOO_MANY_PENDING } });
  });

  test('refuses to send a frame over the limit without touching the connection', async () => {
    const { server, addr } = await startServer();
    server.register(RequestCode.SEND_MESSAGE, echo);
    const client = newClient({ maxFrameBytes: 64 * 1024 });
    const big = makeRequest(RequestCode.SEND_MESSAGE, { body: Buffer.alloc(128 * 1024) });
    expect(await client.invoke(addr, big, 3000)).toMatchObject({ ok: false, error: { code: RemotingErrorCode.FRAME_TOO_LARGE } });
    const small = makeRequest(RequestCode.SEND_MESSAGE, { body: Buffer.alloc(10) });
    expect(await client.invoke(addr, small, 3000)).toMatchObject({ ok: true, value: { code: 0 } });
  });

  test('after close, pending and new calls fail with CLOSED', async () => {
    const { server, addr } = await startServer();
    server.register(RequestCode.PULL_MESSAGE, never);
    const client = newClient();
    const pending = client.invoke(addr, makeRequest(RequestCode.PULL_MESSAGE), 30_000);
    await until(() => client.connectionTo(addr)?.pendingCount === 1);
    await client.close();
    expect(await pending).toMatchObject({ ok: false, error: { code: RemotingErrorCode.CLOSED } });
    expect(await client.invoke(addr, makeRequest(RequestCode.PULL_MESSAGE), 100)).toMatchObject({ ok: false, error: { code: RemotingErrorCode.CLOSED } });
  });

  test('oneway requests reach the server', async () => {
    const { server, addr } = await startServer();
    const offsets: string[] = [];
    server.register(RequestCode.UPDATE_CONSUMER_OFFSET, (request) => {
      offsets.push(request.extFields?.commitOffset ?? '');
      return null;
    });
    const client = newClient();
    for (const offset of ['1', '2', '3']) {
      const sent = await client.invokeOneway(addr, makeRequest(RequestCode.UPDATE_CONSUMER_OFFSET, { extFields: { commitOffset: offset } }));
      expect(sent.ok).toBe(true);
    }
    await until(() => offsets.length === 3);
    expect(offsets).toEqual(['1', '2', '3']);
  });

  test('speaks the ROCKETMQ binary header when configured', async () => {
    const { server, addr } = await startServer({ responseSerializeType: SerializeType.ROCKETMQ });
    server.register(RequestCode.GET_MAX_OFFSET, (request) =>
      makeResponse(request, ResponseCode.SUCCESS, 'fine', { extFields: { offset: request.extFields?.queueId ?? '' } }),
    );
    const client = newClient({ serializeType: SerializeType.ROCKETMQ });
    const result = await client.invoke(addr, makeRequest(RequestCode.GET_MAX_OFFSET, { extFields: { topic: 'T', queueId: '3' } }), 3000);
    expect(result).toMatchObject({ ok: true, value: { code: 0, remark: 'fine', extFields: { offset: '3' } } });
  });
});

describe('large bodies and backpressure', () => {
  test('carries 8 MiB bodies both ways intact', async () => {
    const { server, addr } = await startServer();
    server.register(RequestCode.SEND_MESSAGE, echo);
    const body = Buffer.alloc(8 * 1024 * 1024);
    for (let i = 0; i < body.length; i += 4) body.writeUInt32BE(i, i);
    const result = await newClient().invoke(addr, makeRequest(RequestCode.SEND_MESSAGE, { body }), 20_000);
    if (!result.ok) throw result.error;
    expect(result.value.body?.length).toBe(body.length);
    expect(result.value.body?.equals(body)).toBe(true);
  });

  test('a peer that does not read its responses makes the server stop reading, not buffer without bound', async () => {
    const responseBytes = 1024 * 1024;
    const { server, port } = await startServer();
    let handled = 0;
    server.register(RequestCode.VIEW_MESSAGE_BY_ID, (request) => {
      handled++;
      return makeResponse(request, ResponseCode.SUCCESS, undefined, { body: Buffer.alloc(responseBytes, 1) });
    });

    const socket: Socket = await new Promise((resolve) => {
      const s = connect({ host: '127.0.0.1', port }, () => resolve(s));
    });
    cleanups.push(() => void socket.destroy());
    socket.pause(); // a slow reader: never reads until we say so
    const requests = 200;
    const frames: Buffer[] = [];
    for (let opaque = 1; opaque <= requests; opaque++) {
      const frame = encodeFrame(makeRequest(RequestCode.VIEW_MESSAGE_BY_ID, { opaque, extFields: { offset: '0' } }));
      if (!frame.ok) throw new Error(frame.error.message);
      frames.push(frame.value);
    }
    socket.write(Buffer.concat(frames));

    await until(() => [...server.connections()][0]?.isReadPaused === true);
    await new Promise((r) => setTimeout(r, 300));
    const [connection] = [...server.connections()];
    const handledWhileStalled = handled;
    // Kernel socket buffers absorb a few responses; the server itself holds at most about one.
    expect(handledWhileStalled).toBeLessThan(40);
    expect(connection!.isWriteBlocked).toBe(true);
    expect(connection!.writeBufferBytes).toBeLessThanOrEqual(2 * responseBytes);

    // Once the reader catches up, every response arrives.
    const decoder = new FrameDecoder();
    let received = 0;
    socket.on('data', (chunk: Buffer) => {
      const result = decoder.push(chunk);
      expect(result.error).toBeUndefined();
      received += result.frames.length;
    });
    socket.resume();
    await until(() => received === requests, 20_000);
    expect(handled).toBe(requests);
    expect(connection!.isReadPaused).toBe(false);
  });
});
