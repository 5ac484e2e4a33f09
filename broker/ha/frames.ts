/**
 * The HA wire format (docs/replication.md): `[u32 length][u8 type][payload]`, big-endian, where length
 * counts the type byte and the payload. Handshake and metadata frames carry JSON (rare, small); the
 * hot frames (DATA, ACK, HEARTBEAT) are fixed binary layouts. It is our own format, not RocketMQ's HA
 * bytes: a RocketMQ slave cannot follow this master, nor the reverse.
 */
import type { Result } from '../../stdx';
import { err, ok } from '../../stdx';
import type { EpochEntry } from './epoch';
import { validateEntries } from './epoch';

export const HA_PROTOCOL_VERSION = 1;

export const FrameType = {
  HELLO: 1,
  WELCOME: 2,
  REFUSE: 3,
  DATA: 4,
  ACK: 5,
  HEARTBEAT: 6,
  METADATA: 7,
  /** Slave -> master: consumer offsets committed to the slave that the master has not shown back. */
  REPLICA_OFFSETS: 8,
} as const;
export type FrameType = (typeof FrameType)[keyof typeof FrameType];

/** Largest frame accepted: a transfer batch plus its header, or a metadata snapshot. */
export const MAX_FRAME_BYTES = 32 * 1024 * 1024;
/** Bytes before the body of a DATA frame: length, type, offset, epoch, epoch start, confirmed offset. */
export const DATA_HEADER_BYTES = 4 + 1 + 8 + 4 + 8 + 8;

/** Slave -> master, first frame: who it is and what it holds. */
export interface Hello {
  readonly protocol: number;
  readonly brokerName: string;
  /** The id the slave registers with (>= 1). */
  readonly brokerId: number;
  /** `ip:port` of the slave's remoting server (its identity for the controller). */
  readonly brokerAddr: string;
  /** The epoch the controller gave the slave with its role; a master below it steps down. */
  readonly roleEpoch: number;
  readonly entries: readonly EpochEntry[];
  readonly maxOffset: number;
  readonly segmentBytes: number;
}

/** Master -> slave, answer to HELLO: cut your log at `truncateTo`, then send an ACK with your end. */
export interface Welcome {
  readonly epoch: number;
  readonly entries: readonly EpochEntry[];
  readonly maxOffset: number;
  readonly minOffset: number;
  readonly truncateTo: number;
  readonly confirmedOffset: number;
  readonly brokerAddr: string;
}

export const RefuseReason = {
  NOT_MASTER: 'not-master',
  NEWER_EPOCH: 'newer-epoch',
  STALE_MASTER: 'stale-master',
  MISMATCH: 'mismatch',
  BAD_OFFSET: 'bad-offset',
  PROTOCOL: 'protocol',
} as const;
export type RefuseReason = (typeof RefuseReason)[keyof typeof RefuseReason];

export interface Refuse {
  readonly reason: RefuseReason;
  readonly message: string;
}

export interface DataFrame {
  /** Commit-log offset of the first body byte. */
  readonly offset: number;
  /** The epoch that wrote these bytes, and where that epoch starts (the slave records new epochs). */
  readonly epoch: number;
  readonly epochStartOffset: number;
  readonly confirmedOffset: number;
  readonly body: Buffer;
}

export interface Heartbeat {
  readonly maxOffset: number;
  readonly confirmedOffset: number;
  readonly epoch: number;
}

export type HaFrame =
  | { readonly type: typeof FrameType.HELLO; readonly hello: Hello }
  | { readonly type: typeof FrameType.WELCOME; readonly welcome: Welcome }
  | { readonly type: typeof FrameType.REFUSE; readonly refuse: Refuse }
  | { readonly type: typeof FrameType.DATA; readonly data: DataFrame }
  | { readonly type: typeof FrameType.ACK; readonly ackOffset: number }
  | { readonly type: typeof FrameType.HEARTBEAT; readonly heartbeat: Heartbeat }
  | { readonly type: typeof FrameType.METADATA; readonly metadata: unknown }
  | { readonly type: typeof FrameType.REPLICA_OFFSETS; readonly offsets: unknown };

// -------------------------------------------------------------------------------------------- encode

function jsonFrame(type: FrameType, value: unknown): Buffer {
  const json = Buffer.from(JSON.stringify(value), 'utf8');
  const frame = Buffer.allocUnsafe(5 + json.length);
  frame.writeUInt32BE(1 + json.length, 0);
  frame[4] = type;
  json.copy(frame, 5);
  return frame;
}

const entriesJson = (entries: readonly EpochEntry[]): number[][] => entries.map((e) => [e.epoch, e.startCommitLogOffset]);

export function encodeHello(h: Hello): Buffer {
  return jsonFrame(FrameType.HELLO, { ...h, entries: entriesJson(h.entries) });
}

export function encodeWelcome(w: Welcome): Buffer {
  return jsonFrame(FrameType.WELCOME, { ...w, entries: entriesJson(w.entries) });
}

export function encodeRefuse(r: Refuse): Buffer {
  return jsonFrame(FrameType.REFUSE, r);
}

export function encodeMetadata(metadataJson: string): Buffer {
  return jsonTextFrame(FrameType.METADATA, metadataJson);
}

export function encodeReplicaOffsets(offsetsJson: string): Buffer {
  return jsonTextFrame(FrameType.REPLICA_OFFSETS, offsetsJson);
}

function jsonTextFrame(type: FrameType, text: string): Buffer {
  const json = Buffer.from(text, 'utf8');
  const frame = Buffer.allocUnsafe(5 + json.length);
  frame.writeUInt32BE(1 + json.length, 0);
  frame[4] = type;
  json.copy(frame, 5);
  return frame;
}

/** One DATA frame, the body copied in (a mapped view must not outlive the read). */
export function encodeData(d: Omit<DataFrame, 'body'>, body: Uint8Array): Buffer {
  const frame = Buffer.allocUnsafe(DATA_HEADER_BYTES + body.length);
  frame.writeUInt32BE(DATA_HEADER_BYTES - 4 + body.length, 0);
  frame[4] = FrameType.DATA;
  writeU64(frame, 5, d.offset);
  frame.writeUInt32BE(d.epoch, 13);
  writeU64(frame, 17, d.epochStartOffset);
  writeU64(frame, 25, d.confirmedOffset);
  frame.set(body, DATA_HEADER_BYTES);
  return frame;
}

export function encodeAck(offset: number): Buffer {
  const frame = Buffer.allocUnsafe(13);
  frame.writeUInt32BE(9, 0);
  frame[4] = FrameType.ACK;
  writeU64(frame, 5, offset);
  return frame;
}

export function encodeHeartbeat(h: Heartbeat): Buffer {
  const frame = Buffer.allocUnsafe(25);
  frame.writeUInt32BE(21, 0);
  frame[4] = FrameType.HEARTBEAT;
  writeU64(frame, 5, h.maxOffset);
  writeU64(frame, 13, h.confirmedOffset);
  frame.writeUInt32BE(h.epoch, 21);
  return frame;
}

/** Offsets stay below 2^53, so two 32-bit halves are exact and cheaper than BigInt. */
function writeU64(buf: Buffer, at: number, value: number): void {
  buf.writeUInt32BE(Math.floor(value / 0x1_0000_0000), at);
  buf.writeUInt32BE(value % 0x1_0000_0000, at + 4);
}

function readU64(buf: Buffer, at: number): number {
  return buf.readUInt32BE(at) * 0x1_0000_0000 + buf.readUInt32BE(at + 4);
}

// -------------------------------------------------------------------------------------------- decode

/**
 * Splits a byte stream into frames. Chunks are kept as they arrive and joined only when a frame is
 * complete, so a large DATA frame split into many TCP reads costs one copy.
 */
export class FrameDecoder {
  private chunks: Buffer[] = [];
  private buffered = 0;

  constructor(private readonly maxFrameBytes = MAX_FRAME_BYTES) {}

  /** Frames completed by `chunk`, or the reason the stream is unusable (the connection must close). */
  push(chunk: Buffer): Result<HaFrame[], string> {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    const frames: HaFrame[] = [];
    while (this.buffered >= 4) {
      const length = this.peekLength();
      if (length < 1 || length > this.maxFrameBytes) return err(`frame length ${length} outside 1..${this.maxFrameBytes}`);
      if (this.buffered < 4 + length) break;
      const frame = this.take(4 + length);
      const decoded = decodeFrame(frame);
      if (!decoded.ok) return decoded;
      frames.push(decoded.value);
    }
    return ok(frames);
  }

  private peekLength(): number {
    const first = this.chunks[0]!;
    if (first.length >= 4) return first.readUInt32BE(0);
    return Buffer.concat(this.chunks, 4).readUInt32BE(0);
  }

  private take(bytes: number): Buffer {
    let out: Buffer;
    const first = this.chunks[0]!;
    if (first.length >= bytes) {
      out = first.subarray(0, bytes);
      if (first.length === bytes) this.chunks.shift();
      else this.chunks[0] = first.subarray(bytes);
    } else {
      const all = Buffer.concat(this.chunks, this.buffered);
      out = all.subarray(0, bytes);
      this.chunks = all.length > bytes ? [all.subarray(bytes)] : [];
    }
    this.buffered -= bytes;
    return out;
  }
}

/** One complete frame, length prefix included. */
export function decodeFrame(frame: Buffer): Result<HaFrame, string> {
  const type = frame[4];
  const size = frame.length;
  switch (type) {
    case FrameType.DATA:
      if (size < DATA_HEADER_BYTES) return err('short DATA frame');
      return ok({
        type,
        data: { offset: readU64(frame, 5), epoch: frame.readUInt32BE(13), epochStartOffset: readU64(frame, 17), confirmedOffset: readU64(frame, 25), body: frame.subarray(DATA_HEADER_BYTES) },
      });
    case FrameType.ACK:
      if (size !== 13) return err('ACK frame must carry 8 bytes');
      return ok({ type, ackOffset: readU64(frame, 5) });
    case FrameType.HEARTBEAT:
      if (size !== 25) return err('HEARTBEAT frame must carry 20 bytes');
      return ok({ type, heartbeat: { maxOffset: readU64(frame, 5), confirmedOffset: readU64(frame, 13), epoch: frame.readUInt32BE(21) } });
    case FrameType.HELLO:
    case FrameType.WELCOME:
    case FrameType.REFUSE:
    case FrameType.METADATA:
    case FrameType.REPLICA_OFFSETS:
      return decodeJsonFrame(type, frame);
    default:
      return err(`unknown frame type ${String(type)}`);
  }
}

function decodeJsonFrame(type: 1 | 2 | 3 | 7 | 8, frame: Buffer): Result<HaFrame, string> {
  let value: unknown;
  try {
    value = JSON.parse(frame.toString('utf8', 5));
  } catch (e) {
    return err(`frame type ${type} is not JSON: ${(e as Error).message}`);
  }
  if (type === FrameType.METADATA) return ok({ type, metadata: value });
  if (type === FrameType.REPLICA_OFFSETS) return ok({ type, offsets: value });
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return err(`frame type ${type} is not a JSON object`);
  const o = value as Record<string, unknown>;
  if (type === FrameType.REFUSE) {
    const reasons: readonly string[] = Object.values(RefuseReason);
    if (typeof o.reason !== 'string' || !reasons.includes(o.reason) || typeof o.message !== 'string') return err('malformed REFUSE');
    return ok({ type, refuse: { reason: o.reason as RefuseReason, message: o.message } });
  }
  const entries = parseEntries(o.entries);
  if (!entries.ok) return entries;
  if (type === FrameType.HELLO) {
    const n = numbers(o, ['protocol', 'brokerId', 'roleEpoch', 'maxOffset', 'segmentBytes']);
    if (!n.ok) return n;
    if (typeof o.brokerName !== 'string' || typeof o.brokerAddr !== 'string') return err('HELLO needs brokerName and brokerAddr');
    const hello: Hello = { ...n.value, brokerName: o.brokerName, brokerAddr: o.brokerAddr, entries: entries.value };
    return ok({ type, hello });
  }
  const n = numbers(o, ['epoch', 'maxOffset', 'minOffset', 'truncateTo', 'confirmedOffset']);
  if (!n.ok) return n;
  if (typeof o.brokerAddr !== 'string') return err('WELCOME needs brokerAddr');
  const welcome: Welcome = { ...n.value, brokerAddr: o.brokerAddr, entries: entries.value };
  return ok({ type, welcome });
}

function numbers<K extends string>(o: Record<string, unknown>, keys: readonly K[]): Result<Record<K, number>, string> {
  const out = {} as Record<K, number>;
  for (const key of keys) {
    const v = o[key];
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) return err(`${key} must be a non-negative integer`);
    out[key] = v;
  }
  return ok(out);
}

function parseEntries(value: unknown): Result<EpochEntry[], string> {
  if (!Array.isArray(value)) return err('entries must be an array');
  const entries: EpochEntry[] = [];
  for (const pair of value) {
    if (!Array.isArray(pair) || pair.length !== 2) return err('each epoch entry is [epoch, startCommitLogOffset]');
    entries.push({ epoch: pair[0] as number, startCommitLogOffset: pair[1] as number });
  }
  const valid = validateEntries(entries);
  return valid.ok ? ok(entries) : err(`epoch entries: ${valid.error}`);
}
