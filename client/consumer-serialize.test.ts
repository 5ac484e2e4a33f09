import * as net from 'node:net';
import type { DecodedFrame } from '../protocol';
import { FrameDecoder, SerializeType } from '../protocol';
import { PullConsumer } from './pull-consumer';
import { PushConsumer } from './push-consumer';

/**
 * A name server stand-in that reads the first request frame off the wire, as the real one would see
 * it, and hangs up: what matters is how the consumer encoded the header.
 */
async function firstFrameFrom(send: (namesrvAddr: string) => Promise<unknown>): Promise<DecodedFrame> {
  let resolveFrame!: (frame: DecodedFrame) => void;
  const frame = new Promise<DecodedFrame>((resolve) => (resolveFrame = resolve));
  const server = net.createServer((socket) => {
    const decoder = new FrameDecoder();
    socket.on('data', (chunk) => {
      const [first] = decoder.push(chunk).frames;
      if (first === undefined) return;
      resolveFrame(first);
      socket.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  try {
    await send(`127.0.0.1:${port}`).catch(() => undefined); // the hang-up fails the call; expected
    return await frame;
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

describe('consumer request header encoding', () => {
  test('the push consumer sends binary (rocketmq) headers by default, as the producer does, and JSON when asked', async () => {
    for (const [serializeType, expected] of [[undefined, SerializeType.ROCKETMQ], ['json', SerializeType.JSON]] as const) {
      const frame = await firstFrameFrom(async (namesrvAddr) => {
        const c = new PushConsumer({ namesrvAddr, groupName: 'g1', requestTimeoutMs: 2000, ...(serializeType === undefined ? {} : { serializeType }) });
        c.subscribe('T1', '*', () => undefined);
        try {
          await c.start();
        } finally {
          await c.shutdown();
        }
      });
      expect(frame.serializeType).toBe(expected);
      expect(frame.command.extFields?.topic).toBe('T1');
    }
  });

  test('the pull consumer sends binary (rocketmq) headers by default and JSON when asked', async () => {
    for (const [serializeType, expected] of [[undefined, SerializeType.ROCKETMQ], ['json', SerializeType.JSON]] as const) {
      const frame = await firstFrameFrom(async (namesrvAddr) => {
        const c = new PullConsumer({ namesrvAddr, groupName: 'g1', requestTimeoutMs: 2000, ...(serializeType === undefined ? {} : { serializeType }) });
        try {
          await c.start();
          await c.fetchQueues('T2');
        } finally {
          await c.shutdown();
        }
      });
      expect(frame.serializeType).toBe(expected);
      expect(frame.command.extFields?.topic).toBe('T2');
    }
  });
});
