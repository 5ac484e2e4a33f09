/**
 * Frame codec micro-benchmark, in one process (CPU only, no sockets): ns per frame to encode a send
 * request and its response into a FrameWriter, and to decode them with a FrameDecoder, for the JSON
 * and the ROCKETMQ binary header, in CPU time. Prints figures; never asserts them.
 *
 * Run: node -r @swc-node/register bench/micro/codec.ts   (BENCH_SCALE=1 multiplies the counts)
 */
import type { RemotingCommand, SerializeTypeCode } from '../../protocol';
import { FrameDecoder, FrameWriter, RequestCode, ResponseCode, SerializeType, makeRequest, makeResponse } from '../../protocol';

const scale = Number(process.env.BENCH_SCALE ?? 1);
const ROUNDS = 5;
const BATCH = 1000;

const request = makeRequest(RequestCode.SEND_MESSAGE_V2, {
  body: Buffer.alloc(100, 0x5a),
  extFields: {
    a: 'bench_producer_group', b: 'BenchTopic', c: 'TBW102', d: '4', e: '3', f: '0', g: '1700000000000', h: '0',
    i: 'UNIQ_KEY\u00017F00000100002A9F0000000000A1B2C3\u0002WAIT\u0001true\u0002TAGS\u0001TagA\u0002', j: '0', k: 'false', m: 'false',
  },
});
const response = makeResponse(request, ResponseCode.SUCCESS, undefined, {
  extFields: { msgId: '7F00000100002A9F0000000000A1B2C3', queueId: '3', queueOffset: '123456', MSG_REGION: 'DefaultRegion', TRACE_ON: 'true' },
});

function encodeBatch(writer: FrameWriter, cmd: RemotingCommand, type: SerializeTypeCode): Buffer[] {
  for (let i = 0; i < BATCH; i++) {
    const appended = writer.append(cmd, type, i + 1, cmd.flag);
    if (!appended.ok) throw new Error(appended.error.message);
  }
  return writer.drain();
}

function time(label: string, iterations: number, run: () => void): void {
  let best = Infinity;
  for (let r = 0; r < ROUNDS; r++) {
    // CPU time rather than wall time: the machine is shared, and time spent descheduled is not ours.
    const t0 = process.cpuUsage();
    for (let i = 0; i < iterations; i++) run();
    const used = process.cpuUsage(t0);
    best = Math.min(best, ((used.user + used.system) * 1000) / (iterations * BATCH));
  }
  console.log(`${label.padEnd(40)} ${best.toFixed(0).padStart(6)} ns CPU/frame (best of ${ROUNDS})`);
}

const iterations = Math.round(100 * scale);
for (const [name, type] of [['JSON', SerializeType.JSON], ['ROCKETMQ', SerializeType.ROCKETMQ]] as const) {
  const writer = new FrameWriter();
  for (const [what, cmd] of [['send request', request], ['send response', response]] as const) {
    const stream = Buffer.concat(encodeBatch(writer, cmd, type));
    time(`${name} encode ${what}`, iterations, () => void encodeBatch(writer, cmd, type));
    time(`${name} decode ${what}`, iterations, () => {
      const decoded = new FrameDecoder().push(stream);
      if (decoded.frames.length !== BATCH) throw new Error('lost frames');
    });
  }
}
