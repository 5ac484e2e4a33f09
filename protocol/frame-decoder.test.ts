import { RequestCode, SerializeType } from './codes';
import type { RemotingCommand } from './command';
import { makeRequest, makeResponse } from './command';
import type { DecodedFrame } from './frame';
import { FrameErrorKind, encodeFrame } from './frame';
import { EAGER_ASSEMBLY_BYTES, FrameDecoder } from './frame-decoder';

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

  describe('frames spanning chunks (assembled in a buffer of their own)', () => {
    /** A pull-response-sized body with a byte pattern that shows any misplaced or lost byte. */
    function patterned(bytes: number, salt: number): Buffer {
      const body = Buffer.allocUnsafe(bytes);
      for (let i = 0; i < bytes; i++) body[i] = (i * 31 + salt + (i >>> 8)) & 0xff;
      return body;
    }
    const bigBody = patterned(150_000, 7);
    const big = makeResponse({ opaque: 41 }, 0, 'found', { body: bigBody, extFields: { nextBeginOffset: '128' } });
    const small = makeRequest(RequestCode.PULL_MESSAGE, { opaque: 42, extFields: { topic: 'T' } });
    const bigJson = encoded(big);
    const bigBinary = encoded(big, SerializeType.ROCKETMQ);
    // small frame, big frame, small frame, big frame: every boundary kind appears.
    const mixed = Buffer.concat([encoded(small), bigJson, encoded(small, SerializeType.ROCKETMQ), bigBinary]);

    function expectMixed(frames: DecodedFrame[]): void {
      expect(frames.map((f) => f.command.opaque)).toEqual([42, 41, 42, 41]);
      expect(frames.map((f) => f.serializeType)).toEqual([SerializeType.JSON, SerializeType.JSON, SerializeType.ROCKETMQ, SerializeType.ROCKETMQ]);
      expect(frames.map((f) => f.frameBytes)).toEqual([encoded(small).length, bigJson.length, encoded(small, SerializeType.ROCKETMQ).length, bigBinary.length]);
      for (const i of [1, 3]) {
        const command = frames[i]!.command;
        expect(command.body?.equals(bigBody)).toBe(true);
        expect(command.extFields).toEqual({ nextBeginOffset: '128' });
        expect(command.remark).toBe('found');
      }
    }

    function splitAt(bytes: Buffer, cuts: number[]): Buffer[] {
      const sorted = [...new Set(cuts.filter((c) => c > 0 && c < bytes.length))].sort((a, b) => a - b);
      const chunks: Buffer[] = [];
      let from = 0;
      for (const cut of [...sorted, bytes.length]) {
        chunks.push(bytes.subarray(from, cut));
        from = cut;
      }
      return chunks;
    }

    test('a big frame split at awkward offsets (in the length word, the tag, the header, at 64 KiB, the last byte) decodes byte for byte', () => {
      const start = encoded(small).length;
      const end = start + bigJson.length;
      const awkward = [1, 2, 3, 4, 5, 7, 8, 9, 20, 60, 65_535, 65_536, 65_537, 131_072, bigJson.length - 2, bigJson.length - 1];
      for (const at of awkward) {
        const decoder = new FrameDecoder();
        expectMixed(feed(decoder, splitAt(mixed, [start + at, end + 3, end + 40])));
        expect(decoder.bufferedBytes).toBe(0);
      }
    });

    test('a big frame split in three at many pairs of offsets decodes byte for byte', () => {
      const start = encoded(small).length;
      const points = [0, 1, 3, 4, 8, 30, 1000, 65_536, 100_000, bigJson.length - 1, bigJson.length, bigJson.length + 1].map((p) => start + p);
      for (const a of points) {
        for (const b of points) {
          if (b <= a) continue;
          expectMixed(feed(new FrameDecoder(), splitAt(mixed, [a, b])));
        }
      }
    });

    test('a stream of big and small frames cut into random chunk sizes (seeded) decodes byte for byte', () => {
      let seed = 99;
      const random = (): number => {
        seed = (seed * 1103515245 + 12345) & 0x7fffffff;
        return seed >>> 8; // the low bits of this generator cycle with a short period
      };
      for (let round = 0; round < 30; round++) {
        const cuts: number[] = [];
        // Mostly socket-sized reads, sometimes tiny ones.
        for (let at = 0; at < mixed.length; ) {
          at += random() % 4 === 0 ? 1 + (random() % 16) : 1 + (random() % 70_000);
          cuts.push(at);
        }
        const decoder = new FrameDecoder();
        expectMixed(feed(decoder, splitAt(mixed, cuts)));
        expect(decoder.bufferedBytes).toBe(0);
      }
    });

    /**
     * Plays a socket feeding the decoder as Node's `onread` would: each read of at most `readSize`
     * bytes lands in the decoder's direct target when it offers one (never past the frame), else in
     * a fresh read buffer that is pushed (the decoder may keep views of pushed chunks).
     */
    function readThrough(decoder: FrameDecoder, bytes: Buffer, readSize: () => number): { frames: DecodedFrame[]; direct: number } {
      const frames: DecodedFrame[] = [];
      let direct = 0;
      for (let at = 0; at < bytes.length; ) {
        const target = decoder.directTarget();
        const size = Math.min(readSize(), bytes.length - at);
        if (target !== undefined) {
          const n = Math.min(size, target.length);
          bytes.copy(target, 0, at, at + n);
          const result = decoder.pushDirect(n);
          expect(result.error).toBeUndefined();
          frames.push(...result.frames);
          direct += n;
          at += n;
        } else {
          const chunk = Buffer.from(bytes.subarray(at, at + size));
          const result = decoder.push(chunk);
          expect(result.error).toBeUndefined();
          frames.push(...result.frames);
          at += size;
        }
      }
      return { frames, direct };
    }

    test('reads land straight in the frame being assembled (directTarget/pushDirect) and decode byte for byte', () => {
      for (const readSize of [1, 7, 4096, 65_536, 1_000_000]) {
        const decoder = new FrameDecoder();
        const { frames, direct } = readThrough(decoder, mixed, () => readSize);
        expectMixed(frames);
        expect(decoder.bufferedBytes).toBe(0);
        // Everything of the big frame after its first read (or its first quarter) came in place.
        if (readSize >= 4096 && readSize < mixed.length) expect(direct).toBeGreaterThan(bigJson.length / 2);
      }
      let seed = 7;
      const random = (): number => {
        seed = (seed * 1103515245 + 12345) & 0x7fffffff;
        return seed >>> 8;
      };
      for (let round = 0; round < 20; round++) {
        const decoder = new FrameDecoder();
        expectMixed(readThrough(decoder, mixed, () => (random() % 3 === 0 ? 1 + (random() % 9) : 1 + (random() % 80_000))).frames);
      }
    });

    test('directTarget is offered only while a frame is being assembled, and pushDirect refuses more than it offered', () => {
      const decoder = new FrameDecoder();
      expect(decoder.directTarget()).toBeUndefined();
      decoder.push(bigJson.subarray(0, 70_000));
      const target = decoder.directTarget()!;
      expect(target.length).toBe(bigJson.length - 70_000);
      expect(() => decoder.pushDirect(target.length + 1)).toThrow();
      bigJson.copy(target, 0, 70_000);
      const { frames } = decoder.pushDirect(target.length);
      expect(frames).toHaveLength(1);
      expect(decoder.directTarget()).toBeUndefined();
    });

    test('bufferedBytes counts the part of a frame assembled so far', () => {
      const decoder = new FrameDecoder();
      expect(decoder.push(bigJson.subarray(0, 70_000)).frames).toHaveLength(0);
      expect(decoder.bufferedBytes).toBe(70_000 - 4);
      expect(decoder.push(bigJson.subarray(70_000, 140_000)).frames).toHaveLength(0);
      expect(decoder.bufferedBytes).toBe(140_000 - 4);
      const { frames } = decoder.push(bigJson.subarray(140_000));
      expect(frames[0]?.command.body?.equals(bigBody)).toBe(true);
      expect(decoder.bufferedBytes).toBe(0);
    });

    test('the assembled frame does not alias the chunks it came from (they may be reused by the caller)', () => {
      const chunks = splitAt(Buffer.from(bigJson), [50_000, 100_000]);
      const [frame] = feed(new FrameDecoder(), chunks);
      for (const chunk of chunks) chunk.fill(0);
      expect(frame?.command.body?.equals(bigBody)).toBe(true);
    });

    test('a frame above the eager size is still decoded when it arrives in small pieces, and one after it in the same chunk too', () => {
      const hugeBody = patterned(EAGER_ASSEMBLY_BYTES * 2 + 13, 3);
      const huge = encoded(makeRequest(RequestCode.SEND_MESSAGE, { opaque: 5, body: hugeBody }));
      const bytes = Buffer.concat([huge, encoded(small)]);
      const cuts: number[] = [];
      for (let at = 3; at < bytes.length; at += 65_536) cuts.push(at);
      cuts.push(huge.length + 2);
      const decoder = new FrameDecoder({ maxFrameBytes: EAGER_ASSEMBLY_BYTES * 4 });
      const frames = feed(decoder, splitAt(bytes, cuts));
      expect(frames.map((f) => f.command.opaque)).toEqual([5, 42]);
      expect(frames[0]?.command.body?.equals(hugeBody)).toBe(true);
      expect(decoder.bufferedBytes).toBe(0);
    });

    test('a malformed header in an assembled frame fails the decoder, and later chunks report the same error', () => {
      const bad = Buffer.from(bigJson);
      bad.writeUInt32BE(((SerializeType.JSON << 24) | 3) >>> 0, 4); // header "{\"c" is not JSON
      const decoder = new FrameDecoder();
      expect(decoder.push(bad.subarray(0, 80_000)).error).toBeUndefined();
      const result = decoder.push(bad.subarray(80_000));
      expect(result.error?.kind).toBe(FrameErrorKind.INVALID_JSON_HEADER);
      expect(decoder.bufferedBytes).toBe(0);
      expect(decoder.push(encoded(small)).error?.kind).toBe(FrameErrorKind.INVALID_JSON_HEADER);
    });

    test('a big frame announced and sent slowly reserves its size only once a quarter of it has arrived', () => {
      const frameBytes = 4 * 1024 * 1024;
      const bytes = encoded(makeRequest(RequestCode.SEND_MESSAGE, { opaque: 6, body: patterned(frameBytes - 100, 1) }));
      const decoder = new FrameDecoder({ maxFrameBytes: 8 * 1024 * 1024 });
      expect(decoder.push(bytes.subarray(0, 100_000)).frames).toHaveLength(0);
      expect(decoder.reservedBytes).toBe(0);
      const quarter = Math.ceil((bytes.length - 4) / 4) + 4;
      expect(decoder.push(bytes.subarray(100_000, quarter - 1)).frames).toHaveLength(0);
      expect(decoder.reservedBytes).toBe(0);
      expect(decoder.push(bytes.subarray(quarter - 1, quarter)).frames).toHaveLength(0);
      expect(decoder.reservedBytes).toBe(bytes.length - 4);
      const { frames } = decoder.push(bytes.subarray(quarter));
      expect(frames[0]?.command.body?.equals(bytes.subarray(bytes.length - (frameBytes - 100)))).toBe(true);
      expect(decoder.reservedBytes).toBe(0);
    });

    test('a frame of up to 64 KiB that spans chunks is assembled from its first chunk on', () => {
      const bytes = encoded(makeRequest(RequestCode.SEND_MESSAGE, { opaque: 7, body: patterned(EAGER_ASSEMBLY_BYTES - 200, 2) }));
      const decoder = new FrameDecoder();
      decoder.push(bytes.subarray(0, 10));
      expect(decoder.reservedBytes).toBe(bytes.length - 4);
      expect(decoder.push(bytes.subarray(10)).frames[0]?.command.opaque).toBe(7);
    });
  });
});
