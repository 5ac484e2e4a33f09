/**
 * Remoting frames (FACTS 3.1):
 *
 *   int32 frameLength | int32 headerTag | header bytes | body bytes
 *
 * `frameLength` counts everything after itself (4 + header + body). `headerTag` holds the serialize type
 * in its high byte and the header length in the low 24 bits. The frame limit applies to the whole frame
 * including the length word, like Netty's LengthFieldBasedFrameDecoder on the Java side.
 *
 * `encodeFrameParts` returns the length/tag/header as one buffer and the body as another, so a large
 * body is handed to the socket as-is instead of being copied into a combined buffer. The remoting
 * layer's hot path uses `FrameWriter` (frame-writer.ts), which encodes many frames back to back.
 */
import type { Result } from '../stdx';
import { assert, err, ok } from '../stdx';
import { binaryHeaderMaxBytes, decodeBinaryHeaderAt, writeBinaryHeader } from './binary-header';
import type { SerializeTypeCode } from './codes';
import { SerializeType } from './codes';
import type { RemotingCommand } from './command';
import { isInt32 } from './command';
import type { CommandHeader } from './json-header';
import { decodeJsonHeaderAt, jsonHeaderText } from './json-header';

/** Java's default `com.rocketmq.remoting.frameMaxLength`. */
export const DEFAULT_MAX_FRAME_BYTES = 16 * 1024 * 1024;
/** The header length has 24 bits in the header tag. */
export const MAX_HEADER_BYTES = 0xff_ffff;
/** Bytes before the header: frame length word and header tag. */
export const FRAME_PREFIX_BYTES = 8;

export const FrameErrorKind = {
  /** The declared frame is longer than the limit; detected from the length word alone. */
  FRAME_TOO_LARGE: 'frame-too-large',
  /** The declared frame cannot even hold a header tag. */
  FRAME_TOO_SMALL: 'frame-too-small',
  /** The header length in the tag runs past the end of the frame. */
  HEADER_LENGTH_OUT_OF_RANGE: 'header-length-out-of-range',
  /** An encoded header does not fit the 24-bit length. */
  HEADER_TOO_LARGE: 'header-too-large',
  UNKNOWN_SERIALIZE_TYPE: 'unknown-serialize-type',
  INVALID_JSON_HEADER: 'invalid-json-header',
  INVALID_BINARY_HEADER: 'invalid-binary-header',
} as const;
export type FrameErrorKind = (typeof FrameErrorKind)[keyof typeof FrameErrorKind];

/** Why bytes could not be framed; a value, never thrown. */
export interface FrameError {
  readonly kind: FrameErrorKind;
  readonly message: string;
}

function frameError(kind: FrameErrorKind, message: string): FrameError {
  return { kind, message };
}

export interface FrameParts {
  /** Frame length word, header tag and header. */
  readonly header: Buffer;
  /** The command's body, not copied; undefined when there is none. */
  readonly body: Buffer | undefined;
  /** The command's `bodyParts`, not copied, to be written after `body` in order; undefined when none. */
  readonly bodyParts?: readonly Buffer[] | undefined;
  /** Total bytes on the wire, the length word included. */
  readonly frameBytes: number;
  /** The serialization actually used (ROCKETMQ falls back to JSON for codes beyond 16 bits). */
  readonly serializeType: SerializeTypeCode;
}

/**
 * Programmer errors in a command about to be encoded. On the hot path of every frame, so the messages
 * are only built once a check has failed.
 */
export function assertWellFormed(cmd: RemotingCommand, opaque: number = cmd.opaque, flag: number = cmd.flag): void {
  if (!isInt32(cmd.code)) assert(false, `command code must be an int32, got ${cmd.code}`);
  if (!isInt32(opaque)) assert(false, `command opaque must be an int32, got ${opaque}`);
  if (!isInt32(flag)) assert(false, `command flag must be an int32, got ${flag}`);
  if (!isInt32(cmd.version)) assert(false, `command version must be an int32, got ${cmd.version}`);
  const ext = cmd.extFields;
  if (ext !== undefined) {
    const keys = Object.keys(ext);
    for (let i = 0; i < keys.length; i++) {
      const value: unknown = ext[keys[i] as string];
      if (typeof value !== 'string') assert(false, `extFields.${keys[i]} must be a string, got ${typeof value}`);
    }
  }
}

export function encodeFrameParts(
  cmd: RemotingCommand,
  serializeType: SerializeTypeCode = SerializeType.JSON,
  maxFrameBytes: number = DEFAULT_MAX_FRAME_BYTES,
): Result<FrameParts, FrameError> {
  assertWellFormed(cmd);
  const body = cmd.body !== undefined && cmd.body.length > 0 ? cmd.body : undefined;
  const bodyParts = cmd.bodyParts !== undefined && cmd.bodyParts.length > 0 ? cmd.bodyParts : undefined;
  assert(body === undefined || bodyParts === undefined, 'a command carries body or bodyParts, not both');
  let partsBytes = 0;
  if (bodyParts !== undefined) for (const part of bodyParts) partsBytes += part.length;
  const bodyBytes = (body?.length ?? 0) + partsBytes;

  let type: SerializeTypeCode = serializeType;
  const binaryMax = type === SerializeType.ROCKETMQ ? binaryHeaderMaxBytes(cmd) : undefined;
  let header: Buffer;
  let headerLength: number;
  if (binaryMax !== undefined) {
    header = Buffer.allocUnsafe(FRAME_PREFIX_BYTES + binaryMax);
    headerLength = writeBinaryHeader(cmd, cmd.opaque, cmd.flag, header, FRAME_PREFIX_BYTES);
    if (headerLength < binaryMax) header = header.subarray(0, FRAME_PREFIX_BYTES + headerLength);
  } else {
    type = SerializeType.JSON;
    const text = jsonHeaderText(cmd, cmd.opaque, cmd.flag);
    headerLength = Buffer.byteLength(text, 'utf8');
    header = Buffer.allocUnsafe(FRAME_PREFIX_BYTES + headerLength);
    header.write(text, FRAME_PREFIX_BYTES, 'utf8');
  }
  const checked = checkFrameSize(headerLength, bodyBytes, maxFrameBytes);
  if (!checked.ok) return checked;
  writeFramePrefix(header, 0, checked.value, type, headerLength);
  return ok({ header, body, bodyParts, frameBytes: checked.value, serializeType: type });
}

/** The whole frame's size (length word included), or why it cannot be sent. */
export function checkFrameSize(headerLength: number, bodyBytes: number, maxFrameBytes: number): Result<number, FrameError> {
  if (headerLength > MAX_HEADER_BYTES) {
    return err(frameError(FrameErrorKind.HEADER_TOO_LARGE, `header of ${headerLength} bytes exceeds ${MAX_HEADER_BYTES}`));
  }
  const frameBytes = FRAME_PREFIX_BYTES + headerLength + bodyBytes;
  if (frameBytes > maxFrameBytes) {
    return err(frameError(FrameErrorKind.FRAME_TOO_LARGE, `frame of ${frameBytes} bytes exceeds the limit of ${maxFrameBytes}`));
  }
  return ok(frameBytes);
}

/** Writes the length word and the header tag at `target[at]`. */
export function writeFramePrefix(target: Buffer, at: number, frameBytes: number, type: SerializeTypeCode, headerLength: number): void {
  target.writeUInt32BE(frameBytes - 4, at);
  target.writeUInt32BE(((type << 24) | headerLength) >>> 0, at + 4);
}

/** One contiguous frame; copies the body. Prefer `encodeFrameParts` on hot paths with big bodies. */
export function encodeFrame(
  cmd: RemotingCommand,
  serializeType: SerializeTypeCode = SerializeType.JSON,
  maxFrameBytes: number = DEFAULT_MAX_FRAME_BYTES,
): Result<Buffer, FrameError> {
  const parts = encodeFrameParts(cmd, serializeType, maxFrameBytes);
  if (!parts.ok) return parts;
  const { header, body, bodyParts } = parts.value;
  if (bodyParts !== undefined) return ok(Buffer.concat([header, ...bodyParts], parts.value.frameBytes));
  return ok(body === undefined ? header : Buffer.concat([header, body], parts.value.frameBytes));
}

export interface DecodedFrame {
  readonly command: RemotingCommand;
  readonly serializeType: SerializeTypeCode;
  /** Total bytes on the wire, the length word included. */
  readonly frameBytes: number;
}

/**
 * Decodes one frame given the bytes after its length word. The body is a view into `frame` (no copy).
 */
export function decodeFrame(frame: Buffer): Result<DecodedFrame, FrameError> {
  return decodeFrameAt(frame, 0, frame.length);
}

/** `decodeFrame` of the frame in `bytes[start, end)`: the stream decoder reads frames in place. */
export function decodeFrameAt(bytes: Buffer, start: number, end: number): Result<DecodedFrame, FrameError> {
  const length = end - start;
  if (length < 4) {
    return err(frameError(FrameErrorKind.FRAME_TOO_SMALL, `frame of ${length} bytes has no header tag`));
  }
  const tag = bytes.readUInt32BE(start);
  const type = tag >>> 24;
  const headerLength = tag & MAX_HEADER_BYTES;
  if (headerLength > length - 4) {
    return err(frameError(
      FrameErrorKind.HEADER_LENGTH_OUT_OF_RANGE,
      `header length ${headerLength} exceeds the ${length - 4} bytes left in the frame`,
    ));
  }
  const bodyStart = start + 4 + headerLength;
  const header = decodeHeader(type, bytes, start + 4, bodyStart);
  if (!header.ok) return header;
  const command: RemotingCommand = header.value;
  if (end > bodyStart) command.body = bytes.subarray(bodyStart, end);
  return ok({ command, serializeType: type as SerializeTypeCode, frameBytes: length + 4 });
}

function decodeHeader(type: number, frame: Buffer, start: number, end: number): Result<CommandHeader, FrameError> {
  if (type === SerializeType.JSON) {
    const header = decodeJsonHeaderAt(frame, start, end);
    return header.ok ? header : err(frameError(FrameErrorKind.INVALID_JSON_HEADER, header.error));
  }
  if (type === SerializeType.ROCKETMQ) {
    const header = decodeBinaryHeaderAt(frame, start, end);
    return header.ok ? header : err(frameError(FrameErrorKind.INVALID_BINARY_HEADER, header.error));
  }
  return err(frameError(FrameErrorKind.UNKNOWN_SERIALIZE_TYPE, `unknown serialize type ${type}`));
}
