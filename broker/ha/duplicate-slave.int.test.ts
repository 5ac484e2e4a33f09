/**
 * One slave, two connections (it reconnected while the master still held its old, half-open one):
 * sync replication must count the slave once. Counted twice, `minInSyncReplicas: 2` acknowledged
 * sends that a single slave held. The slave here speaks the HA frames directly over a raw socket,
 * so both connections can be held open at will.
 */
import * as net from 'node:net';
import { ResponseCode } from '../../protocol';
import { parseAddress, RemotingClient } from '../../remoting';
import { cleanupTempDirs } from '../../testing/temp';
import { FrameDecoder, FrameType, HA_PROTOCOL_VERSION, encodeAck, encodeHello } from './frames';
import type { HaNode } from './test-kit';
import { send, setRole, startHaBroker, until } from './test-kit';

const TOPIC = 'TopicDuplicateSlave';
const SLAVE_ADDR = '127.0.0.1:1';

/** A slave that acknowledges everything it is sent; resolves once it is attached. */
async function rawSlave(master: HaNode, sockets: net.Socket[]): Promise<void> {
  const status = master.broker.replication!.status();
  const target = parseAddress(master.haAddr);
  if (!target.ok) throw new Error(master.haAddr);
  const socket = net.connect({ host: target.value.host, port: target.value.port });
  sockets.push(socket);
  socket.on('error', () => undefined);
  const decoder = new FrameDecoder();
  let welcomed = false;
  socket.on('data', (chunk: Buffer) => {
    const frames = decoder.push(chunk);
    if (!frames.ok) return;
    for (const f of frames.value) {
      // The first ACK attaches at the log end; the second counts as caught up.
      if (f.type === FrameType.WELCOME) {
        socket.write(Buffer.concat([encodeAck(status.maxCommitLogOffset), encodeAck(status.maxCommitLogOffset)]));
        welcomed = true;
      }
      if (f.type === FrameType.DATA) socket.write(encodeAck(f.data.offset + f.data.body.length));
    }
  });
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  socket.write(
    encodeHello({
      protocol: HA_PROTOCOL_VERSION,
      brokerName: master.config.brokerName,
      brokerId: 1,
      brokerAddr: SLAVE_ADDR,
      roleEpoch: 1,
      entries: status.epochEntries,
      maxOffset: status.maxCommitLogOffset,
      segmentBytes: master.config.commitLogSegmentBytes,
    }),
  );
  await until(() => welcomed, 'the raw slave to be welcomed');
}

describe('a slave with two connections', () => {
  const client = new RemotingClient();
  const sockets: net.Socket[] = [];
  let master: HaNode;

  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await client.close();
    await master?.broker.close();
    cleanupTempDirs();
  });

  it('counts once for sync replication', async () => {
    master = await startHaBroker([], { brokerId: 1, replicationMode: 'sync', minInSyncReplicas: 2, syncReplicationTimeoutMs: 2000 });
    await setRole(master, { role: 'master', epoch: 1 });
    await rawSlave(master, sockets);
    await until(() => master.broker.replication!.status().slaves.some((s) => s.inSync), 'the first connection in sync');
    await rawSlave(master, sockets);
    const newer = `${sockets[1]!.localAddress ?? ''}:${sockets[1]!.localPort ?? 0}`;
    await until(() => master.broker.replication!.status().slaves.some((s) => s.haRemoteAddress === newer && s.inSync), 'the newer connection in sync');
    const r = await send(client, master.addr, TOPIC, Buffer.from('needs two slaves'));
    expect(r.code).toBe(ResponseCode.SLAVE_NOT_AVAILABLE);
    // The older connection was let go: one row per slave.
    expect(master.broker.replication!.status().slaves.map((s) => s.haRemoteAddress)).toEqual([newer]);
  });
});
