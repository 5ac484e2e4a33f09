import { connect } from 'node:net';
import type { Socket } from 'node:net';
import type { DecodedFrame, RemotingCommand } from '../protocol';
import { FrameDecoder, RequestCode, ResponseCode, SerializeType, encodeFrame, makeRequest, makeResponse } from '../protocol';
import { RemotingClient } from './client';
import { RemotingErrorCode } from './errors';
import type { Logger } from './logger';
import { RemotingServer } from './server';
import type { RemotingServerOptions } from './server';

interface LogLine {
  level: string;
  message: string;
  meta: Record<string, unknown> | undefined;
}

function recordingLogger(lines: LogLine[]): Logger {
  return {
    info: (message, meta) => lines.push({ level: 'info', message, meta }),
    warn: (message, meta) => lines.push({ level: 'warn', message, meta }),
    error: (message, meta) => lines.push({ level: 'error', message, meta }),
  };
}

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

function frameBytes(cmd: RemotingCommand, type: 0 | 1 = SerializeType.JSON): Buffer {
  const bytes = encodeFrame(cmd, type);
  if (!bytes.ok) throw new Error(bytes.error.message);
  return bytes.value;
}

function readFrames(socket: Socket, count: number): Promise<DecodedFrame[]> {
  const decoder = new FrameDecoder();
  const frames: DecodedFrame[] = [];
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer): void => {
      const result = decoder.push(chunk);
      if (result.error !== undefined) reject(new Error(result.error.message));
      frames.push(...result.frames);
      if (frames.length >= count) {
        socket.off('data', onData);
        resolve(frames);
      }
    };
    socket.on('data', onData);
  });
}

function closed(socket: Socket): Promise<void> {
  return new Promise((resolve) => (socket.destroyed ? resolve() : socket.once('close', () => resolve())));
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

function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

describe('RemotingServer', () => {
  test('answers a request through the handler registered for its code, echoing the opaque', async () => {
    const { server, addr } = await startServer();
    server.register(RequestCode.GET_MAX_OFFSET, (request) =>
      makeResponse(request, ResponseCode.SUCCESS, undefined, { extFields: { offset: String(Number(request.extFields?.queueId) * 10) } }),
    );
    const client = newClient();
    for (const queueId of [1, 2, 3]) {
      const result = await client.invoke(addr, makeRequest(RequestCode.GET_MAX_OFFSET, { extFields: { topic: 'T', queueId: String(queueId) } }), 3000);
      if (!result.ok) throw result.error;
      expect(result.value).toMatchObject({ code: 0, flag: 1, extFields: { offset: String(queueId * 10) } });
    }
  });

  test('answers an unknown code with REQUEST_CODE_NOT_SUPPORTED and a remark', async () => {
    const { addr } = await startServer();
    const result = await newClient().invoke(addr, makeRequest(RequestCode.QUERY_MESSAGE), 3000);
    if (!result.ok) throw result.error;
    expect(result.value.code).toBe(ResponseCode.REQUEST_CODE_NOT_SUPPORTED);
    expect(result.value.remark).toMatch(/request code 12 \(QUERY_MESSAGE\) is not supported/);
  });

  test('a throwing handler yields SYSTEM_ERROR with its message and the next request is still served', async () => {
    const lines: LogLine[] = [];
    const { server, addr } = await startServer({ logger: recordingLogger(lines) });
    let calls = 0;
    server.register(RequestCode.HEART_BEAT, () => {
      calls++;
      if (calls === 1) throw new Error('store exploded');
      if (calls === 2) return Promise.reject(new Error('async failure'));
      return makeResponse({ opaque: 0 }, ResponseCode.SUCCESS);
    });
    const client = newClient();
    const first = await client.invoke(addr, makeRequest(RequestCode.HEART_BEAT), 3000);
    const second = await client.invoke(addr, makeRequest(RequestCode.HEART_BEAT), 3000);
    const third = await client.invoke(addr, makeRequest(RequestCode.HEART_BEAT), 3000);
    expect(first).toMatchObject({ ok: true, value: { code: ResponseCode.SYSTEM_ERROR, remark: 'Error: store exploded' } });
    expect(second).toMatchObject({ ok: true, value: { code: ResponseCode.SYSTEM_ERROR, remark: 'Error: async failure' } });
    expect(third).toMatchObject({ ok: true, value: { code: ResponseCode.SUCCESS } });
    expect(lines.filter((l) => l.message === 'request handler failed')).toHaveLength(2);
  });

  test('a oneway request runs its handler and gets no response, even if the handler returns one', async () => {
    const { server, port } = await startServer();
    const seen: string[] = [];
    server.register(RequestCode.UPDATE_CONSUMER_OFFSET, (request) => {
      seen.push(request.extFields?.commitOffset ?? '');
      return makeResponse(request, ResponseCode.SUCCESS);
    });
    server.register(RequestCode.GET_MIN_OFFSET, (request) => makeResponse(request, ResponseCode.SUCCESS));
    const socket = await rawConnect(port);
    const received: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => received.push(chunk));
    socket.write(frameBytes(makeRequest(RequestCode.UPDATE_CONSUMER_OFFSET, { oneway: true, opaque: 5, extFields: { commitOffset: '42' } })));
    // A two-way request afterwards proves ordering: its response is the only frame that comes back.
    socket.write(frameBytes(makeRequest(RequestCode.GET_MIN_OFFSET, { opaque: 6 })));
    await until(() => received.length > 0);
    await new Promise((r) => setTimeout(r, 50));
    const frames = new FrameDecoder().push(Buffer.concat(received)).frames;
    expect(seen).toEqual(['42']);
    expect(frames.map((f) => f.command.opaque)).toEqual([6]);
  });

  test('a malformed frame closes only that connection and logs why', async () => {
    const lines: LogLine[] = [];
    const { server, addr, port } = await startServer({ logger: recordingLogger(lines) });
    server.register(RequestCode.GET_MIN_OFFSET, (request) => makeResponse(request, ResponseCode.SUCCESS));
    const client = newClient();
    expect((await client.invoke(addr, makeRequest(RequestCode.GET_MIN_OFFSET), 3000)).ok).toBe(true);

    const bad = await rawConnect(port);
    bad.write(Buffer.from([0, 0, 0, 10, 0, 0, 0, 6, 0x7b, 0x22, 0x63, 0x6f, 0x64, 0x65])); // '{"code' cut short
    await closed(bad);

    expect(lines).toContainEqual(
      expect.objectContaining({ level: 'warn', message: 'closing connection: malformed frame', meta: expect.objectContaining({ kind: 'invalid-json-header' }) }),
    );
    const again = await client.invoke(addr, makeRequest(RequestCode.GET_MIN_OFFSET), 3000);
    expect(again).toMatchObject({ ok: true, value: { code: 0 } });
    expect(server.connectionCount).toBe(1);
  });

  test('a frame over the limit is refused from its length word, without waiting for or buffering its bytes', async () => {
    const lines: LogLine[] = [];
    const { port } = await startServer({ maxFrameBytes: 1024 * 1024, logger: recordingLogger(lines) });
    const socket = await rawConnect(port);
    const announce = Buffer.alloc(8);
    announce.writeUInt32BE(512 * 1024 * 1024, 0); // claims 512 MiB, sends 4 more bytes and stops
    socket.write(announce);
    await closed(socket);
    expect(lines.find((l) => l.message === 'closing connection: malformed frame')?.meta).toMatchObject({ kind: 'frame-too-large' });
  });

  test('a client that disconnects mid-request leaves no connection or pending state behind', async () => {
    const { server, port, addr } = await startServer();
    const gate = deferred<RemotingCommand | null>();
    let started = 0;
    server.register(RequestCode.PULL_MESSAGE, () => {
      started++;
      return gate.promise;
    });
    const closes: string[] = [];
    server.on('close', (_connection, reason) => closes.push(reason));
    const socket = await rawConnect(port);
    socket.write(frameBytes(makeRequest(RequestCode.PULL_MESSAGE, { opaque: 1 })));
    await until(() => started === 1);
    const connection = [...server.connections()][0];
    expect(connection?.inflightCount).toBe(1);
    socket.destroy();
    await until(() => server.connectionCount === 0);
    expect(closes).toEqual(['connection closed by peer']);
    expect(connection?.isClosed).toBe(true);
    gate.resolve(makeResponse({ opaque: 1 }, ResponseCode.SUCCESS)); // the late answer goes nowhere
    await new Promise((r) => setTimeout(r, 20));
    expect(connection?.inflightCount).toBe(0);
    server.register(RequestCode.GET_MIN_OFFSET, (request) => makeResponse(request, ResponseCode.SUCCESS));
    expect((await newClient().invoke(addr, makeRequest(RequestCode.GET_MIN_OFFSET), 3000)).ok).toBe(true);
  });

  test('reports connects and closes so the broker can track clients', async () => {
    const { server, addr } = await startServer();
    const events: string[] = [];
    server.on('connect', (c) => events.push(`connect ${c.id}`));
    server.on('close', (c, reason) => events.push(`close ${c.id} ${reason}`));
    server.register(RequestCode.HEART_BEAT, (request) => makeResponse(request, ResponseCode.SUCCESS));
    const client = newClient();
    await client.invoke(addr, makeRequest(RequestCode.HEART_BEAT), 3000);
    expect(server.connectionCount).toBe(1);
    const [connection] = [...server.connections()];
    expect(server.connection(connection!.id)).toBe(connection);
    expect(connection!.remoteAddress).toMatch(/^127\.0\.0\.1:\d+$/);
    await client.close();
    await until(() => server.connectionCount === 0);
    expect(events).toEqual([`connect ${connection!.id}`, `close ${connection!.id} connection closed by peer`]);
  });

  test('pushes requests to a client: oneway notifications and two-way queries', async () => {
    const { server, addr } = await startServer();
    server.register(RequestCode.HEART_BEAT, (request) => makeResponse(request, ResponseCode.SUCCESS));
    const client = newClient();
    const notified: string[] = [];
    client.register(RequestCode.NOTIFY_CONSUMER_IDS_CHANGED, (request) => {
      notified.push(request.extFields?.consumerGroup ?? '');
      return null;
    });
    client.register(RequestCode.GET_CONSUMER_RUNNING_INFO, (request) =>
      makeResponse(request, ResponseCode.SUCCESS, undefined, { body: Buffer.from('{"running":true}') }),
    );
    await client.invoke(addr, makeRequest(RequestCode.HEART_BEAT), 3000);
    const [connection] = [...server.connections()];

    expect(connection!.invokeOneway(makeRequest(RequestCode.NOTIFY_CONSUMER_IDS_CHANGED, { extFields: { consumerGroup: 'G' } })).ok).toBe(true);
    await until(() => notified.length === 1);
    expect(notified).toEqual(['G']);

    const info = await connection!.invoke(makeRequest(RequestCode.GET_CONSUMER_RUNNING_INFO), 3000);
    expect(info).toMatchObject({ ok: true, value: { code: 0 } });
    if (info.ok) expect(info.value.body?.toString()).toBe('{"running":true}');

    const unknown = await connection!.invoke(makeRequest(RequestCode.CONSUME_MESSAGE_DIRECTLY), 3000);
    expect(unknown).toMatchObject({ ok: true, value: { code: ResponseCode.REQUEST_CODE_NOT_SUPPORTED } });
  });

  test('answers in JSON by default and in the request serialization when asked', async () => {
    for (const [mode, expected] of [[undefined, SerializeType.JSON], ['same-as-request', SerializeType.ROCKETMQ]] as const) {
      const { server, port } = await startServer(mode === undefined ? {} : { responseSerializeType: mode });
      server.register(RequestCode.GET_MIN_OFFSET, (request) =>
        makeResponse(request, ResponseCode.SUCCESS, undefined, { extFields: { offset: '7' } }),
      );
      const socket = await rawConnect(port);
      const reply = readFrames(socket, 1);
      socket.write(frameBytes(makeRequest(RequestCode.GET_MIN_OFFSET, { opaque: 99, extFields: { topic: 'T', queueId: '0' } }), SerializeType.ROCKETMQ));
      const [frame] = await reply;
      expect(frame?.serializeType).toBe(expected);
      expect(frame?.command).toMatchObject({ opaque: 99, flag: 1, extFields: { offset: '7' } });
    }
  });

  test('caps the requests one connection has in flight and stops reading it meanwhile', async () => {
    const { server, port } = await startServer({ maxInflightRequestsPerConnection: 2 });
    const gates: ((r: RemotingCommand) => void)[] = [];
    server.register(RequestCode.PULL_MESSAGE, (request) => new Promise((resolve) => gates.push(() => resolve(makeResponse(request, 0)))));
    const socket = await rawConnect(port);
    const replies = readFrames(socket, 5);
    for (let opaque = 1; opaque <= 5; opaque++) socket.write(frameBytes(makeRequest(RequestCode.PULL_MESSAGE, { opaque })));
    await until(() => gates.length === 2);
    await new Promise((r) => setTimeout(r, 50));
    const [connection] = [...server.connections()];
    expect(gates).toHaveLength(2);
    expect(connection!.inflightCount).toBe(2);
    expect(connection!.isReadPaused).toBe(true);
    for (let released = 0; released < 5; released++) {
      await until(() => gates.length > released);
      gates[released]!(makeResponse({ opaque: 0 }, 0));
    }
    const frames = await replies;
    expect(frames.map((f) => f.command.opaque).sort()).toEqual([1, 2, 3, 4, 5]);
    expect(connection!.isReadPaused).toBe(false);
  });

  test('start reports a port already in use as a value', async () => {
    const { port } = await startServer();
    const second = new RemotingServer();
    const result = await second.start(port, '127.0.0.1');
    expect(result).toMatchObject({ ok: false, error: { code: RemotingErrorCode.LISTEN_FAILED } });
  });
});

describe('RemotingServer limits', () => {
  test('a handler response that cannot be encoded becomes SYSTEM_ERROR', async () => {
    const { server, addr } = await startServer({ maxFrameBytes: 64 * 1024 });
    server.register(RequestCode.QUERY_MESSAGE, (request) => makeResponse(request, 0, undefined, { body: Buffer.alloc(128 * 1024) }));
    server.register(RequestCode.GET_MIN_OFFSET, (request) =>
      makeResponse(request, 0, undefined, { extFields: { offset: 5 as unknown as string } }),
    );
    const client = newClient();
    const tooBig = await client.invoke(addr, makeRequest(RequestCode.QUERY_MESSAGE), 3000);
    expect(tooBig).toMatchObject({ ok: true, value: { code: ResponseCode.SYSTEM_ERROR, remark: expect.stringMatching(/exceeds the limit/) } });
    const malformed = await client.invoke(addr, makeRequest(RequestCode.GET_MIN_OFFSET), 3000);
    expect(malformed).toMatchObject({ ok: true, value: { code: ResponseCode.SYSTEM_ERROR, remark: expect.stringMatching(/extFields.offset/) } });
  });

  test('caps the request bytes one connection has in flight', async () => {
    const { server, port } = await startServer({ maxInflightBytesPerConnection: 1024 });
    const gates: (() => void)[] = [];
    server.register(RequestCode.SEND_MESSAGE, (request) => new Promise((resolve) => gates.push(() => resolve(makeResponse(request, 0)))));
    const socket = await rawConnect(port);
    const replies = readFrames(socket, 4);
    for (let opaque = 1; opaque <= 4; opaque++) {
      socket.write(frameBytes(makeRequest(RequestCode.SEND_MESSAGE, { opaque, body: Buffer.alloc(600) })));
    }
    await until(() => gates.length === 2);
    await new Promise((r) => setTimeout(r, 50));
    expect(gates).toHaveLength(2); // 600 bytes, then 1200 >= 1024 stops admission
    for (let released = 0; released < 4; released++) {
      await until(() => gates.length > released);
      gates[released]!();
    }
    expect((await replies).map((f) => f.command.opaque).sort()).toEqual([1, 2, 3, 4]);
  });

  test('refuses server-initiated requests to a client that stopped reading', async () => {
    const { server, port } = await startServer({ maxWriteBufferBytes: 1024 * 1024 });
    const socket = await rawConnect(port);
    socket.pause();
    await until(() => server.connectionCount === 1);
    const [connection] = [...server.connections()];
    const push = makeRequest(RequestCode.CHECK_TRANSACTION_STATE, { body: Buffer.alloc(256 * 1024) });
    let sent = 0;
    let refusal;
    for (let i = 0; i < 1000; i++) {
      const result = connection!.invokeOneway(push);
      if (!result.ok) {
        refusal = result.error;
        break;
      }
      sent++;
    }
    expect(refusal).toMatchObject({ code: RemotingErrorCode.WRITE_BUFFER_FULL });
    expect(sent).toBeLessThan(100);
  });

  test('closes connections that stay silent past the idle timeout', async () => {
    const { server, port } = await startServer({ idleTimeoutMs: 100 });
    const reasons: string[] = [];
    server.on('close', (_c, reason) => reasons.push(reason));
    const socket = await rawConnect(port);
    await closed(socket);
    expect(reasons).toEqual(['idle for 100 ms']);
  });
});

test('twenty thousand tiny frames written at once are all served, in order', async () => {
  const { server, port } = await startServer();
  let handled = 0;
  server.register(RequestCode.UPDATE_CONSUMER_OFFSET, () => {
    handled++;
    return null;
  });
  server.register(RequestCode.GET_MIN_OFFSET, (request) => makeResponse(request, ResponseCode.SUCCESS));
  const socket = await rawConnect(port);
  const oneway = frameBytes(makeRequest(RequestCode.UPDATE_CONSUMER_OFFSET, { oneway: true }));
  const count = 20_000;
  const reply = readFrames(socket, 1);
  socket.write(Buffer.concat([...Array.from({ length: count }, () => oneway), frameBytes(makeRequest(RequestCode.GET_MIN_OFFSET, { opaque: 7 }))]));
  const [frame] = await reply;
  expect(frame?.command.opaque).toBe(7);
  expect(handled).toBe(count);
});
