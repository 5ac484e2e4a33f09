import { RequestCode, ResponseCode, SerializeType } from './codes';
import type { RemotingCommand } from './command';
import { RemotingFlag, makeRequest, makeResponse } from './command';
import { FrameErrorKind, encodeFrame } from './frame';
import { FrameDecoder } from './frame-decoder';
import { FrameWriter } from './frame-writer';

function encoded(cmd: RemotingCommand, type: 0 | 1): Buffer {
  const result = encodeFrame(cmd, type);
  if (!result.ok) throw new Error(result.error.message);
  return result.value;
}

function append(writer: FrameWriter, cmd: RemotingCommand, type: 0 | 1, opaque = cmd.opaque, flag = cmd.flag): number {
  const result = writer.append(cmd, type, opaque, flag);
  if (!result.ok) throw new Error(result.error.message);
  return result.value;
}

function decodeAll(bytes: Buffer): RemotingCommand[] {
  const result = new FrameDecoder().push(bytes);
  expect(result.error).toBeUndefined();
  return result.frames.map((f) => f.command);
}

const sendHeader = {
  a: 'pg', b: 'TopicTest', c: 'TBW102', d: '4', e: '1', f: '0', g: '1700000000000', h: '0',
  i: 'UNIQ_KEY\u0001AC1\u0002WAIT\u0001true\u0002TAGS\u0001TagA\u0002', j: '0', k: 'false', m: 'false',
};

/** Commands exercising every header feature and body shape: inline, referenced, parts of both sizes. */
const commands: RemotingCommand[] = [
  makeRequest(RequestCode.SEND_MESSAGE_V2, { opaque: 1, extFields: sendHeader, body: Buffer.alloc(100, 1) }),
  makeResponse({ opaque: 2 }, ResponseCode.SUCCESS, 'héllo "quoted" \\ \n\t\u0007 ✓ 😀', { extFields: { msgId: 'AC1', 'ключ': 'значение' } }),
  makeRequest(RequestCode.PULL_MESSAGE, { opaque: 3, extFields: { topic: 'T', queueId: '3' }, body: Buffer.alloc(5000, 2) }),
  { ...makeResponse({ opaque: 4 }, ResponseCode.SUCCESS), bodyParts: [Buffer.alloc(10, 3), Buffer.alloc(3000, 4), Buffer.alloc(0), Buffer.alloc(1024, 5)] },
  makeRequest(RequestCode.HEART_BEAT, { opaque: 5, language: 'NODE_JS', remark: '' }),
  makeRequest(RequestCode.HEART_BEAT, { opaque: 7, remark: 'lone \ud800 surrogate, DEL \u007f, NUL \u0000', extFields: { 'k"\\': 'v\u001f' } }),
  makeRequest(RequestCode.POP_MESSAGE, { opaque: 6, extFields: {} }),
];

/** What the decoder yields for a command: bodyParts become one body, an empty body none. */
function asDecoded(cmd: RemotingCommand): RemotingCommand {
  const { bodyParts, ...rest } = cmd;
  const body = bodyParts === undefined ? cmd.body : Buffer.concat([...bodyParts]);
  const out: RemotingCommand = { ...rest };
  delete out.body;
  if (body !== undefined && body.length > 0) out.body = body;
  return out;
}

describe('FrameWriter', () => {
  test.each([
    ['JSON', SerializeType.JSON],
    ['ROCKETMQ', SerializeType.ROCKETMQ],
  ] as const)('%s frames appended back to back are byte for byte what encodeFrame writes', (_name, type) => {
    const writer = new FrameWriter();
    let total = 0;
    for (const cmd of commands) total += append(writer, cmd, type);
    expect(writer.bufferedFrames).toBe(commands.length);
    expect(writer.bufferedBytes).toBe(total);
    const written = Buffer.concat(writer.drain());
    const expected = Buffer.concat(commands.map((cmd) => encoded(cmd, type)));
    expect(written.equals(expected)).toBe(true);
    expect(writer.bufferedBytes).toBe(0);
    const decoded = decodeAll(written);
    expect(decoded.map((c) => c.opaque)).toEqual(commands.map((c) => c.opaque));
    expect(decoded.every((c, i) => (c.body ?? Buffer.alloc(0)).equals(asDecoded(commands[i]!).body ?? Buffer.alloc(0)))).toBe(true);
  });

  test('ROCKETMQ header bytes follow the layout field by field, signed values included', () => {
    const cmd: RemotingCommand = { code: -2, language: 'JAVA', version: -300, opaque: -7, flag: 1, remark: 'é', extFields: { k: 'v1' } };
    const writer = new FrameWriter();
    append(writer, cmd, SerializeType.ROCKETMQ);
    const expected = Buffer.alloc(8 + 13 + 4 + 2 + 4 + 2 + 1 + 4 + 2);
    let at = expected.writeUInt32BE(expected.length - 4, 0);
    at = expected.writeUInt32BE((1 << 24) | (expected.length - 8), at);
    at = expected.writeInt16BE(-2, at);
    at = expected.writeInt8(0, at); // JAVA
    at = expected.writeInt16BE(-300, at);
    at = expected.writeInt32BE(-7, at);
    at = expected.writeInt32BE(1, at);
    at = expected.writeInt32BE(2, at);
    at += expected.write('é', at, 'utf8');
    at = expected.writeInt32BE(2 + 1 + 4 + 2, at);
    at = expected.writeInt16BE(1, at);
    at += expected.write('k', at);
    at = expected.writeInt32BE(2, at);
    expected.write('v1', at);
    const written = Buffer.concat(writer.drain());
    expect(written.equals(expected)).toBe(true);
    expect(decodeAll(written)[0]).toEqual(cmd);
  });

  test('opaque and flag given apart replace the command’s own, which stays untouched', () => {
    const writer = new FrameWriter();
    const request = makeRequest(RequestCode.SEND_MESSAGE_V2, { opaque: 0, extFields: sendHeader });
    append(writer, request, SerializeType.JSON, 77, RemotingFlag.ONEWAY);
    append(writer, request, SerializeType.ROCKETMQ, -5, RemotingFlag.RESPONSE);
    const [a, b] = decodeAll(Buffer.concat(writer.drain()));
    expect([a?.opaque, a?.flag, b?.opaque, b?.flag]).toEqual([77, RemotingFlag.ONEWAY, -5, RemotingFlag.RESPONSE]);
    expect([request.opaque, request.flag]).toEqual([0, 0]);
  });

  test('bodies and parts above the inline limit are handed out as the very same buffers, not copied', () => {
    const writer = new FrameWriter({ inlineMaxBytes: 1024 });
    const big = Buffer.alloc(1025, 7);
    const small = Buffer.alloc(1024, 8);
    append(writer, makeRequest(RequestCode.SEND_MESSAGE, { body: big }), SerializeType.JSON);
    append(writer, { ...makeResponse({ opaque: 1 }, 0), bodyParts: [small, big, small] }, SerializeType.JSON);
    const pieces = writer.drain();
    expect(pieces.filter((p) => p === big)).toHaveLength(2);
    expect(pieces.some((p) => p === small)).toBe(false);
    // header | big | header + small (copied) | big | small (copied, in the slab after the header)
    expect(pieces).toHaveLength(5);
  });

  test('parts lying back to back in one block go out as one view of it; a short run is copied', () => {
    const writer = new FrameWriter({ inlineMaxBytes: 1024 });
    const block = Buffer.alloc(32 * 1024);
    for (let i = 0; i < block.length; i++) block[i] = i % 253;
    const records = Array.from({ length: 32 }, (_, i) => block.subarray(i * 1024, (i + 1) * 1024));
    const apart = Buffer.alloc(2048, 1);
    const bodyParts = [...records.slice(0, 16), apart, ...records.slice(16), block.subarray(0, 100), block.subarray(100, 300)];
    append(writer, { ...makeResponse({ opaque: 1 }, 0), bodyParts }, SerializeType.ROCKETMQ);
    const pieces = writer.drain();
    const views = pieces.filter((p) => p.buffer === block.buffer);
    expect(views.map((v) => [v.byteOffset - block.byteOffset, v.length])).toEqual([[0, 16 * 1024], [16 * 1024, 16 * 1024]]);
    expect(pieces.some((p) => p === apart)).toBe(true);
    const [decoded] = decodeAll(Buffer.concat(pieces));
    expect(decoded?.body?.equals(Buffer.concat(bodyParts))).toBe(true);
  });

  test('a frame over the limit is refused as a value and leaves nothing behind', () => {
    const writer = new FrameWriter({ maxFrameBytes: 2048 });
    append(writer, makeRequest(RequestCode.HEART_BEAT, { opaque: 1 }), SerializeType.JSON);
    const tooBig = writer.append(makeRequest(RequestCode.SEND_MESSAGE, { body: Buffer.alloc(4096) }), SerializeType.JSON);
    expect(tooBig).toMatchObject({ ok: false, error: { kind: FrameErrorKind.FRAME_TOO_LARGE } });
    const alsoTooBig = writer.append({ ...makeResponse({ opaque: 2 }, 0), bodyParts: [Buffer.alloc(1500), Buffer.alloc(1500)] }, SerializeType.ROCKETMQ);
    expect(alsoTooBig.ok).toBe(false);
    append(writer, makeRequest(RequestCode.HEART_BEAT, { opaque: 3 }), SerializeType.ROCKETMQ);
    expect(decodeAll(Buffer.concat(writer.drain())).map((c) => c.opaque)).toEqual([1, 3]);
  });

  test('a malformed command is an assertion and leaves nothing behind', () => {
    const writer = new FrameWriter();
    const bad = makeRequest(RequestCode.HEART_BEAT, { extFields: { n: 5 as unknown as string } });
    expect(() => writer.append(bad, SerializeType.JSON)).toThrow(/extFields.n/);
    expect(() => writer.append(makeRequest(RequestCode.HEART_BEAT), SerializeType.JSON, 2 ** 40)).toThrow(/opaque/);
    const both = { ...makeRequest(RequestCode.HEART_BEAT, { body: Buffer.from('x') }), bodyParts: [Buffer.from('y')] };
    expect(() => writer.append(both, SerializeType.JSON)).toThrow(/body or bodyParts/);
    expect(writer.bufferedBytes).toBe(0);
    expect(writer.drain()).toEqual([]);
  });

  test('bytes already handed out are never overwritten by later frames', () => {
    const writer = new FrameWriter();
    append(writer, makeRequest(RequestCode.SEND_MESSAGE_V2, { opaque: 1, extFields: sendHeader, body: Buffer.alloc(500, 1) }), SerializeType.JSON);
    const first = writer.drain();
    const snapshot = Buffer.concat(first);
    for (let i = 0; i < 2000; i++) append(writer, makeRequest(RequestCode.SEND_MESSAGE_V2, { opaque: i, body: Buffer.alloc(300, 9) }), SerializeType.ROCKETMQ);
    expect(Buffer.concat(first).equals(snapshot)).toBe(true);
    expect(decodeAll(Buffer.concat(writer.drain()))).toHaveLength(2000); // crossed several shared slabs
  });

  test('two writers interleaving in the shared slab each keep a clean stream', () => {
    const a = new FrameWriter();
    const b = new FrameWriter();
    for (let i = 0; i < 500; i++) {
      append(a, makeRequest(RequestCode.SEND_MESSAGE_V2, { opaque: i, extFields: sendHeader, body: Buffer.alloc(i % 50, 1) }), SerializeType.JSON);
      append(b, makeResponse({ opaque: i }, 0, undefined, { body: Buffer.alloc(i % 70, 2) }), SerializeType.ROCKETMQ);
    }
    const fromA = decodeAll(Buffer.concat(a.drain()));
    const fromB = decodeAll(Buffer.concat(b.drain()));
    expect(fromA.map((c) => c.opaque)).toEqual(Array.from({ length: 500 }, (_, i) => i));
    expect(fromB.every((c, i) => c.opaque === i && (c.body?.length ?? 0) === i % 70)).toBe(true);
  });
});
