import { makeRequest, makeResponse } from '../protocol';
import { RemotingClient } from './client';
import type { RequestHandler, SentResponse } from './processors';
import { RemotingServer } from './server';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function serve(handler: RequestHandler): Promise<string> {
  const server = new RemotingServer({ idleTimeoutMs: 0 });
  server.register(900, handler);
  const started = await server.start(0, '127.0.0.1');
  if (!started.ok) throw started.error;
  cleanups.push(() => server.close());
  return `127.0.0.1:${started.value.port}`;
}

describe('responses with body parts and a sent callback', () => {
  test('body parts arrive as one body in order, and onSent runs once the frame is written', async () => {
    let sent = 0;
    const addr = await serve((request) => {
      const response: SentResponse = {
        ...makeResponse(request, 0),
        bodyParts: [Buffer.from('abc'), Buffer.from(''), Buffer.from('defg')],
        onSent: () => sent++,
      };
      return response;
    });
    const client = new RemotingClient();
    cleanups.push(() => client.close());
    const reply = await client.invoke(addr, makeRequest(900), 3000);
    if (!reply.ok) throw reply.error;
    expect(reply.value.body?.toString()).toBe('abcdefg');
    expect(sent).toBe(1);
  });

  test('onSent runs even when the request was oneway and nothing is written', async () => {
    let sent = 0;
    const addr = await serve((request) => ({ ...makeResponse(request, 0), bodyParts: [Buffer.from('x')], onSent: () => sent++ }));
    const client = new RemotingClient();
    cleanups.push(() => client.close());
    const oneway = await client.invokeOneway(addr, makeRequest(900));
    expect(oneway.ok).toBe(true);
    const deadline = Date.now() + 5000;
    while (sent === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    expect(sent).toBe(1);
  });
});
