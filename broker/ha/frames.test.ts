import type { HaFrame } from './frames';
import {
  FrameDecoder,
  FrameType,
  HA_PROTOCOL_VERSION,
  RefuseReason,
  encodeAck,
  encodeData,
  encodeHeartbeat,
  encodeHello,
  encodeMetadata,
  encodeReplicaOffsets,
  encodeRefuse,
  encodeWelcome,
} from './frames';

const BIG_OFFSET = 2 ** 40 + 12345;

function sample(): Buffer[] {
  return [
    encodeHello({
      protocol: HA_PROTOCOL_VERSION,
      brokerName: 'broker-a',
      brokerId: 1,
      brokerAddr: '127.0.0.1:10911',
      roleEpoch: 3,
      entries: [
        { epoch: 1, startCommitLogOffset: 0 },
        { epoch: 3, startCommitLogOffset: 700 },
      ],
      maxOffset: 900,
      segmentBytes: 1 << 20,
    }),
    encodeWelcome({ epoch: 3, entries: [{ epoch: 3, startCommitLogOffset: 0 }], maxOffset: 1000, minOffset: 0, truncateTo: 800, confirmedOffset: 700, brokerAddr: '127.0.0.1:1' }),
    encodeData({ offset: BIG_OFFSET, epoch: 3, epochStartOffset: 700, confirmedOffset: BIG_OFFSET - 1 }, Buffer.from('commit-log bytes')),
    encodeAck(BIG_OFFSET + 16),
    encodeHeartbeat({ maxOffset: BIG_OFFSET, confirmedOffset: 5, epoch: 3 }),
    encodeMetadata('{"topics":{}}'),
    encodeRefuse({ reason: RefuseReason.NEWER_EPOCH, message: 'epoch 4 > 3' }),
    encodeReplicaOffsets('{"offsetTable":{"T@G":{"0":30}}}'),
  ];
}

function decodeAll(decoder: FrameDecoder, chunks: Buffer[]): HaFrame[] {
  const out: HaFrame[] = [];
  for (const chunk of chunks) {
    const r = decoder.push(chunk);
    if (!r.ok) throw new Error(r.error);
    out.push(...r.value);
  }
  return out;
}

describe('HA frames', () => {
  it('round-trip every frame type, offsets above 2^32 included', () => {
    const frames = decodeAll(new FrameDecoder(), [Buffer.concat(sample())]);
    expect(frames.map((f) => f.type)).toEqual([FrameType.HELLO, FrameType.WELCOME, FrameType.DATA, FrameType.ACK, FrameType.HEARTBEAT, FrameType.METADATA, FrameType.REFUSE, FrameType.REPLICA_OFFSETS]);
    const [hello, , data, ack, heartbeat, metadata, refuse, offsets] = frames;
    expect(hello!.type === FrameType.HELLO && hello!.hello.entries).toEqual([
      { epoch: 1, startCommitLogOffset: 0 },
      { epoch: 3, startCommitLogOffset: 700 },
    ]);
    if (data!.type !== FrameType.DATA) throw new Error('not data');
    expect([data!.data.offset, data!.data.epoch, data!.data.epochStartOffset, data!.data.confirmedOffset]).toEqual([BIG_OFFSET, 3, 700, BIG_OFFSET - 1]);
    expect(data!.data.body.equals(Buffer.from('commit-log bytes'))).toBe(true);
    expect(ack!.type === FrameType.ACK && ack!.ackOffset).toBe(BIG_OFFSET + 16);
    expect(heartbeat!.type === FrameType.HEARTBEAT && heartbeat!.heartbeat).toEqual({ maxOffset: BIG_OFFSET, confirmedOffset: 5, epoch: 3 });
    expect(metadata!.type === FrameType.METADATA && metadata!.metadata).toEqual({ topics: {} });
    expect(refuse!.type === FrameType.REFUSE && refuse!.refuse.reason).toBe('newer-epoch');
    expect(offsets!.type === FrameType.REPLICA_OFFSETS && offsets!.offsets).toEqual({ offsetTable: { 'T@G': { '0': 30 } } });
  });

  it('decode the same frames from a stream split at every byte offset, and one byte at a time', () => {
    const stream = Buffer.concat(sample());
    const whole = JSON.stringify(decodeAll(new FrameDecoder(), [stream]));
    for (let cut = 1; cut < stream.length; cut++) {
      expect(JSON.stringify(decodeAll(new FrameDecoder(), [stream.subarray(0, cut), stream.subarray(cut)]))).toBe(whole);
    }
    const bytes = [...stream].map((b) => Buffer.from([b]));
    expect(JSON.stringify(decodeAll(new FrameDecoder(), bytes))).toBe(whole);
  });

  it('refuse oversized frames, unknown types and malformed handshakes', () => {
    expect(new FrameDecoder(100).push(encodeData({ offset: 0, epoch: 1, epochStartOffset: 0, confirmedOffset: 0 }, Buffer.alloc(200))).ok).toBe(false);
    const unknown = Buffer.from([0, 0, 0, 1, 99]);
    expect(new FrameDecoder().push(unknown)).toEqual({ ok: false, error: 'unknown frame type 99' });
    const badEntries = encodeWelcome({ epoch: 1, entries: [{ epoch: 2, startCommitLogOffset: 0 }, { epoch: 1, startCommitLogOffset: 5 }], maxOffset: 0, minOffset: 0, truncateTo: 0, confirmedOffset: 0, brokerAddr: 'x' });
    expect(new FrameDecoder().push(badEntries).ok).toBe(false);
    // A RocketMQ slave opens with an 8-byte offset: its first four bytes read as length 0.
    expect(new FrameDecoder().push(Buffer.alloc(8)).ok).toBe(false);
  });
});
