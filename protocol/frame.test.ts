import { LanguageCode, RequestCode, ResponseCode, SerializeType } from './codes';
import type { RemotingCommand } from './command';
import { RemotingFlag, isOneway, isResponse, makeRequest, makeResponse } from './command';
import { FrameErrorKind, decodeFrame, encodeFrame, encodeFrameParts } from './frame';

/** Decodes a whole encoded frame (length word included). */
function roundTrip(cmd: RemotingCommand, type: 0 | 1): RemotingCommand {
  const bytes = encodeFrame(cmd, type);
  if (!bytes.ok) throw new Error(bytes.error.message);
  expect(bytes.value.readUInt32BE(0)).toBe(bytes.value.length - 4);
  const decoded = decodeFrame(bytes.value.subarray(4));
  if (!decoded.ok) throw new Error(decoded.error.message);
  return decoded.value.command;
}

const sample: RemotingCommand = {
  code: RequestCode.SEND_MESSAGE_V2,
  language: 'JAVA',
  version: 401,
  opaque: 42,
  flag: 0,
  remark: 'héllo remark',
  extFields: { a: 'pg', b: 'TopicTest', i: 'UNIQ_KEY\u0001abc\u0002TAGS\u0001TagA\u0002', e: '-1' },
  body: Buffer.from('message body'),
};

describe('frame encoding', () => {
  test.each([
    ['JSON', SerializeType.JSON],
    ['ROCKETMQ', SerializeType.ROCKETMQ],
  ] as const)('%s header round trip keeps every field and the body', (_name, type) => {
    expect(roundTrip(sample, type)).toEqual(sample);
  });

  test('the header tag carries the serialize type in its high byte and the header length below', () => {
    const parts = encodeFrameParts(sample, SerializeType.ROCKETMQ);
    if (!parts.ok) throw new Error(parts.error.message);
    const tag = parts.value.header.readUInt32BE(4);
    expect(tag >>> 24).toBe(1);
    expect(tag & 0xffffff).toBe(parts.value.header.length - 8);
    expect(parts.value.body).toBe(sample.body); // not copied
    expect(parts.value.frameBytes).toBe(parts.value.header.length + 12);
  });

  test('matches the fastjson JSON header of FACTS 3.2 byte for byte', () => {
    const golden =
      '{"code":310,"extFields":{"a":"pg","b":"TopicTest","c":"TBW102","d":"4","e":"1","f":"0","g":"1700000000000","h":"0",' +
      '"i":"UNIQ_KEY\\u0001AC1\\u0002WAIT\\u0001true\\u0002TAGS\\u0001TagA\\u0002","j":"0","k":"false","m":"false"},' +
      '"flag":0,"language":"JAVA","opaque":42,"serializeTypeCurrentRPC":"JSON","version":401}';
    const header = Buffer.from(golden, 'utf8');
    const frame = Buffer.alloc(4 + header.length);
    frame.writeUInt32BE(header.length, 0);
    header.copy(frame, 4);
    const decoded = decodeFrame(frame);
    if (!decoded.ok) throw new Error(decoded.error.message);
    const cmd = decoded.value.command;
    expect(cmd).toMatchObject({ code: 310, language: 'JAVA', version: 401, opaque: 42, flag: 0 });
    expect(cmd.extFields?.i).toBe('UNIQ_KEY\u0001AC1\u0002WAIT\u0001true\u0002TAGS\u0001TagA\u0002');
    expect(cmd.body).toBeUndefined();

    const again = encodeFrameParts(cmd, SerializeType.JSON);
    if (!again.ok) throw new Error(again.error.message);
    expect(again.value.header.subarray(8).toString('utf8')).toBe(golden);
  });

  test('reads ali-ons headers whose extFields are JSON numbers and booleans', () => {
    const json = JSON.stringify({
      code: 11,
      language: 'JAVA',
      opaque: 7,
      flag: 0,
      version: 121,
      extFields: { queueId: 3, queueOffset: 120, k: false, subscription: '*', gone: null },
    });
    const frame = Buffer.concat([Buffer.from([0, 0, 0, Buffer.byteLength(json)]), Buffer.from(json)]);
    const decoded = decodeFrame(frame);
    if (!decoded.ok) throw new Error(decoded.error.message);
    expect(decoded.value.command.extFields).toEqual({ queueId: '3', queueOffset: '120', k: 'false', subscription: '*' });
  });

  test('falls back to JSON when a code does not fit the 16-bit binary field', () => {
    const pop = makeRequest(RequestCode.POP_MESSAGE, { opaque: 1 });
    const parts = encodeFrameParts(pop, SerializeType.ROCKETMQ);
    if (!parts.ok) throw new Error(parts.error.message);
    expect(parts.value.serializeType).toBe(SerializeType.JSON);
    expect(roundTrip(pop, SerializeType.ROCKETMQ).code).toBe(200050);
  });

  test('binary header carries the language as a byte and maps unknown names to OTHER', () => {
    expect(roundTrip({ ...sample, language: 'NODE_JS' }, SerializeType.ROCKETMQ).language).toBe('NODE_JS');
    expect(roundTrip({ ...sample, language: 'COBOL' }, SerializeType.ROCKETMQ).language).toBe('OTHER');
    expect(LanguageCode.NODE_JS).toBe(13);
  });

  test('an empty remark and empty extFields vanish in the binary form, as in Java', () => {
    const cmd = makeResponse({ opaque: 9 }, ResponseCode.SUCCESS, '', { extFields: {} });
    const back = roundTrip(cmd, SerializeType.ROCKETMQ);
    expect(back.remark).toBeUndefined();
    expect(back.extFields).toBeUndefined();
  });

  test('refuses to encode a frame beyond the limit, as a value rather than an exception', () => {
    const big = makeRequest(RequestCode.SEND_MESSAGE, { body: Buffer.alloc(2048) });
    const result = encodeFrame(big, SerializeType.JSON, 1024);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.kind).toBe(FrameErrorKind.FRAME_TOO_LARGE);
  });

  test('encoding a malformed command is a programmer error', () => {
    expect(() => encodeFrame({ ...sample, opaque: 2 ** 40 })).toThrow(/opaque/);
    expect(() => encodeFrame({ ...sample, extFields: { n: 5 as unknown as string } })).toThrow(/extFields.n/);
  });

  test('flag helpers and makeResponse', () => {
    const req = makeRequest(RequestCode.UPDATE_CONSUMER_OFFSET, { oneway: true, opaque: 77 });
    expect(isOneway(req)).toBe(true);
    expect(isResponse(req)).toBe(false);
    const res = makeResponse(req, ResponseCode.SYSTEM_ERROR, 'boom');
    expect(res).toMatchObject({ code: 1, opaque: 77, flag: RemotingFlag.RESPONSE, remark: 'boom' });
    expect(isResponse(res)).toBe(true);
    expect(isOneway(res)).toBe(false);
  });
});

describe('frame decoding errors are values', () => {
  function frameWith(type: number, header: Buffer, declaredHeaderLength = header.length): Buffer {
    const frame = Buffer.alloc(4 + header.length);
    frame.writeUInt32BE(((type << 24) | declaredHeaderLength) >>> 0, 0);
    header.copy(frame, 4);
    return frame;
  }

  test.each([
    ['header longer than the frame', frameWith(0, Buffer.from('{}'), 50), FrameErrorKind.HEADER_LENGTH_OUT_OF_RANGE],
    ['unknown serialize type', frameWith(7, Buffer.from('{}')), FrameErrorKind.UNKNOWN_SERIALIZE_TYPE],
    ['invalid JSON', frameWith(0, Buffer.from('{"code":')), FrameErrorKind.INVALID_JSON_HEADER],
    ['JSON that is not an object', frameWith(0, Buffer.from('[1,2]')), FrameErrorKind.INVALID_JSON_HEADER],
    ['JSON without a code', frameWith(0, Buffer.from('{"opaque":1}')), FrameErrorKind.INVALID_JSON_HEADER],
    ['JSON with a fractional code', frameWith(0, Buffer.from('{"code":1.5}')), FrameErrorKind.INVALID_JSON_HEADER],
    ['JSON with extFields as a list', frameWith(0, Buffer.from('{"code":1,"extFields":[]}')), FrameErrorKind.INVALID_JSON_HEADER],
    ['truncated binary header', frameWith(1, Buffer.alloc(10)), FrameErrorKind.INVALID_BINARY_HEADER],
    ['frame without a tag', Buffer.alloc(2), FrameErrorKind.FRAME_TOO_SMALL],
  ])('%s', (_name, frame, kind) => {
    const result = decodeFrame(frame);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.kind).toBe(kind);
      expect(result.error.message.length).toBeGreaterThan(0);
    }
  });

  test('binary header whose remark length runs past the header', () => {
    const header = Buffer.alloc(21);
    header.writeInt32BE(1000, 13); // remark length
    expect(decodeFrame(frameWith(1, header))).toMatchObject({ ok: false, error: { kind: FrameErrorKind.INVALID_BINARY_HEADER } });
  });

  test('binary header whose extFields entry overruns the section', () => {
    const header = Buffer.alloc(21 + 8);
    header.writeInt32BE(8, 17); // ext length
    header.writeInt16BE(1, 21); // key length 1
    header.write('k', 23);
    header.writeInt32BE(99, 24); // value length beyond the end
    expect(decodeFrame(frameWith(1, header))).toMatchObject({ ok: false, error: { kind: FrameErrorKind.INVALID_BINARY_HEADER } });
  });

  test('a __proto__ key in extFields stays an own field and touches no prototype', () => {
    const decoded = decodeFrame(frameWith(0, Buffer.from('{"code":1,"extFields":{"__proto__":"x","a":"b"}}')));
    if (!decoded.ok) throw new Error(decoded.error.message);
    const ext = decoded.value.command.extFields ?? {};
    expect(Object.getPrototypeOf(ext)).toBe(Object.prototype);
    expect(Object.keys(ext)).toEqual(['__proto__', 'a']);
  });
});
