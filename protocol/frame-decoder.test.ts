import { RequestCode, SerializeType } from './codes';
import type { RemotingCommand } from './command';
import { makeRequest, makeResponse } from './command';
import type { DecodedFrame } from './frame';
import { FrameErrorKind, encodeFrame } from './frame';
import { FrameDecoder } from './frame-decoder';

function encoded(cmd: RemotingCommand, type: 0 | 1 = SerializeType.JSON): Buffer {
  const result = encodeFrame(cmd, type);
  if (!result.ok) throw new Error(result.error.message);
  return result.value;
}

/** Three frames of both header types, one with an empty body, one with a binary body. */
const commands: RemotingCommand[] = [
  makeRequest(RequestCode.HEART_BEAT, { opaque: 1, body: Buffer.from('{"clientID":"c1"}') }),
  makeRequest(RequestCode.PULL_MESSAGE, { opaque: 2, extFields: { topic: 'T', queueId: '3' } }),
  makeResponse({ opaque: 3 }, 0, 'ok', { body: Buffer.from([0, 1, 2, 255, 254]) }),
];
const stream = Buffer.concat([encoded(commands[0]!), encoded(commands[1]!, SerializeType.ROCKETMQ), encoded(commands[2]!)]);

function feed(decoder: FrameDecoder, chunks: Buffer[]): DecodedFrame[] {
  const frames: DecodedFrame[] = [];
  for (const chunk of chunks) {
    const result = decoder.push(chunk);
    expect(result.error).toBeUndefined();
    frames.push(...result.frames);
  }
  return frames;
}

describe('FrameDecoder', () => {
  test('decodes a multi-frame stream fed one byte at a time', () => {
    const decoder = new FrameDecoder();
    const bytes = [...stream].map((b) => Buffer.from([b]));
    const frames = feed(decoder, bytes);
    expect(frames.map((f) => f.command)).toEqual(commands);
    expect(frames.map((f) => f.serializeType)).toEqual([0, 1, 0]);
    expect(decoder.bufferedBytes).toBe(0);
  });

  test('decodes the stream split in two at every offset', () => {
    for (let at = 0; at <= stream.length; at++) {
      const frames = feed(new FrameDecoder(), [stream.subarray(0, at), stream.subarray(at)]);
      expect(frames.map((f) => f.command)).toEqual(commands);
    }
  });

  test('decodes the stream split in three at every pair of offsets', () => {
    const step = 7; // every offset for the first cut, every seventh for the second keeps this fast
    for (let a = 0; a <= stream.length; a++) {
      for (let b = a; b <= stream.length; b += step) {
        const frames = feed(new FrameDecoder(), [stream.subarray(0, a), stream.subarray(a, b), stream.subarray(b)]);
        expect(frames).toHaveLength(3);
      }
    }
  });

  test('delivers several frames arriving in one chunk, in order', () => {
    const frames = feed(new FrameDecoder(), [Buffer.concat([stream, stream])]);
    expect(frames.map((f) => f.command.opaque)).toEqual([1, 2, 3, 1, 2, 3]);
  });

  test('reports frameBytes including the length word', () => {
    const [frame] = feed(new FrameDecoder(), [encoded(commands[0]!)]);
    expect(frame?.frameBytes).toBe(encoded(commands[0]!).length);
  });

  test('rejects an oversize frame from its length word alone, before buffering its bytes', () => {
    const decoder = new FrameDecoder({ maxFrameBytes: 1024 });
    const word = Buffer.alloc(4);
    word.writeUInt32BE(0x7fff_ffff, 0);
    const result = decoder.push(word);
    expect(result.error?.kind).toBe(FrameErrorKind.FRAME_TOO_LARGE);
    expect(decoder.bufferedBytes).toBe(0);
  });

  test('a frame exactly at the limit passes, one byte more fails', () => {
    const cmd = makeRequest(RequestCode.SEND_MESSAGE, { opaque: 5, body: Buffer.alloc(100, 7) });
    const bytes = encoded(cmd);
    expect(new FrameDecoder({ maxFrameBytes: bytes.length }).push(bytes).frames).toHaveLength(1);
    expect(new FrameDecoder({ maxFrameBytes: bytes.length - 1 }).push(bytes).error?.kind).toBe(FrameErrorKind.FRAME_TOO_LARGE);
  });

  test('a frame length too small for the header tag is an error', () => {
    const result = new FrameDecoder().push(Buffer.from([0, 0, 0, 2, 0, 0]));
    expect(result.error?.kind).toBe(FrameErrorKind.FRAME_TOO_SMALL);
  });

  test('frames before a malformed one are delivered, then the decoder stays failed', () => {
    const garbage = Buffer.from([0, 0, 0, 6, 9, 0, 0, 2, 0x7b, 0x7d]); // serialize type 9
    const decoder = new FrameDecoder();
    const result = decoder.push(Buffer.concat([encoded(commands[0]!), garbage, encoded(commands[1]!)]));
    expect(result.frames.map((f) => f.command.opaque)).toEqual([1]);
    expect(result.error?.kind).toBe(FrameErrorKind.UNKNOWN_SERIALIZE_TYPE);
    expect(decoder.push(encoded(commands[2]!))).toEqual({ frames: [], error: result.error });
    expect(decoder.error).toBe(result.error);
  });

  test('random garbage never throws and always ends in a typed error or waits for more bytes', () => {
    let seed = 12345;
    const random = (): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed;
    };
    for (let round = 0; round < 500; round++) {
      const decoder = new FrameDecoder({ maxFrameBytes: 4096 });
      const junk = Buffer.alloc(1 + (random() % 300));
      for (let i = 0; i < junk.length; i++) junk[i] = random() & 0xff;
      // Half the rounds get a plausible length word and tag, so the header decoders see the junk too.
      if (round % 2 === 0 && junk.length >= 8) {
        junk.writeUInt32BE(junk.length - 4, 0);
        junk.writeUInt32BE((((random() % 3) << 24) | (random() % junk.length)) >>> 0, 4);
      }
      let result;
      expect(() => (result = decoder.push(junk))).not.toThrow();
      expect(result).toBeDefined();
    }
  });

  test('a complete frame inside one chunk is decoded without copying its body', () => {
    const cmd = makeRequest(RequestCode.SEND_MESSAGE, { opaque: 8, body: Buffer.alloc(64, 1) });
    const chunk = encoded(cmd);
    const [frame] = new FrameDecoder().push(chunk).frames;
    expect(frame?.command.body?.buffer).toBe(chunk.buffer);
  });
});
