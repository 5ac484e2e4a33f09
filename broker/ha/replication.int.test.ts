/**
 * Replication between real brokers in-process: a real name server, two or three Broker instances on
 * loopback (controller role source, roles set over the HTTP admin API), real remoting clients.
 */
import { GetRouteInfoRequestHeader, PullSysFlag, RequestCode, ResponseCode, makeRequest, parseTopicRouteData } from '../../protocol';
import { RemotingClient } from '../../remoting';
import type { Nameserver } from '../../nameserver';
import { startNameserver } from '../../nameserver';
import { cleanupTempDirs, tempDir } from '../../testing/temp';
import { decodeOffsetMsgId, decodeRecords } from '../../message';
import type { HaNode } from './test-kit';
import { HoldingProxy, getStatus, queueMaxOffsets, sameLog, send, sendMany, setRole, startHaBroker, until } from './test-kit';

const TOPIC = 'TopicHA';

describe('replication between brokers', () => {
  let nameserver: Nameserver;
  let namesrvAddr: string;
  const client = new RemotingClient();
  const nodes: HaNode[] = [];

  beforeAll(async () => {
    nameserver = await startNameserver({ dataDir: tempDir('rocket-namesrv-') });
    namesrvAddr = `${nameserver.address.host}:${nameserver.address.port}`;
  });

  afterEach(async () => {
    await Promise.all(nodes.splice(0).map((n) => n.broker.close()));
  });

  afterAll(async () => {
    await client.close();
    await nameserver.close();
    cleanupTempDirs();
  });

  async function start(overrides: Parameters<typeof startHaBroker>[1]): Promise<HaNode> {
    const node = await startHaBroker([namesrvAddr], overrides);
    nodes.push(node);
    return node;
  }

  async function routeAddrs(topic: string): Promise<Record<string, string>> {
    const response = await client.invoke(namesrvAddr, makeRequest(RequestCode.GET_ROUTEINFO_BY_TOPIC, { extFields: GetRouteInfoRequestHeader.format({ topic }) }), 3000);
    if (!response.ok || response.value.code !== ResponseCode.SUCCESS) return {};
    const data = parseTopicRouteData(response.value.body);
    return data.ok ? (data.value.brokerDatas[0]?.brokerAddrs ?? {}) : {};
  }

  it('a broker with role none refuses writes with SERVICE_NOT_AVAILABLE and does not register', async () => {
    const a = await start({ brokerId: 1 });
    const refused = await send(client, a.addr, TOPIC, Buffer.from('x'));
    expect(refused.code).toBe(ResponseCode.SERVICE_NOT_AVAILABLE);
    expect(refused.remark).toContain('not master (role none');
    expect(a.store.commitLogMaxOffset).toBe(0);
    expect((await getStatus(a)).body).toMatchObject({ role: 'none', writable: false, epoch: 0 });
    expect(a.broker.registrations().some((r) => r.registrations > 0)).toBe(false);
  });

  it('a slave catches up byte for byte across segments, keeps following, and its consume queues and topics match', async () => {
    const a = await start({ brokerId: 1 });
    await setRole(a, { role: 'master', epoch: 1 });
    // ~1.4 MiB before the slave exists: the log rolls into a second 1 MiB segment.
    await sendMany(client, a.addr, TOPIC, 700, 2000, 'before');
    const b = await start({ brokerId: 2 });
    await setRole(b, { role: 'slave', epoch: 1, masterAddress: a.haAddr });
    await until(() => b.store.commitLogMaxOffset === a.store.commitLogMaxOffset, 'the slave to catch up');
    // Messages sent while it follows arrive too.
    await sendMany(client, a.addr, TOPIC, 300, 3000, 'after');
    await until(() => b.store.commitLogMaxOffset === a.store.commitLogMaxOffset, 'the slave to follow');
    await b.store.waitDispatched();
    expect(a.store.commitLogMaxOffset).toBeGreaterThan(2 * 1024 * 1024);
    expect(sameLog(a.store, b.store)).toBe(true);
    expect(queueMaxOffsets(b.store)).toEqual(queueMaxOffsets(a.store));
    expect(queueMaxOffsets(b.store)[`${TOPIC}:1`]).toBe(250);
    const onSlave = b.store.getMessages({ topic: TOPIC, queueId: 3, queueOffset: 200, maxCount: 5 });
    const onMaster = a.store.getMessages({ topic: TOPIC, queueId: 3, queueOffset: 200, maxCount: 5 });
    expect(onSlave.records.length).toBe(5);
    expect(onSlave.records.every((m, i) => m.equals(onMaster.records[i]!))).toBe(true);
    onSlave.release();
    onMaster.release();
    await until(() => b.broker.topics!.get(TOPIC) !== undefined, 'the topic config to reach the slave');
    expect(b.store.commitLogMinOffset).toBe(0);

    const master = (await getStatus(a)).body;
    expect(master).toMatchObject({ role: 'master', epoch: 1, writable: true, brokerId: 0, configBrokerId: 1, epochEntries: [{ epoch: 1, startCommitLogOffset: 0 }] });
    await until(async () => ((await getStatus(a)).body.inSyncSet as string[]).includes(b.addr), 'the slave to be in sync');
    const slave = (await getStatus(b)).body;
    expect(slave).toMatchObject({ role: 'slave', epoch: 1, writable: false, brokerId: 2, masterAddress: a.haAddr, epochEntries: [{ epoch: 1, startCommitLogOffset: 0 }] });
    expect((await getStatus(a)).body.slaves).toEqual([expect.objectContaining({ brokerId: 2, address: b.addr, ackOffset: a.store.commitLogMaxOffset, lagBytes: 0, inSync: true })]);
    // The route lists the master as 0 and the slave under its own id.
    await until(async () => Object.keys(await routeAddrs(TOPIC)).length === 2, 'both brokers in the route');
    expect(await routeAddrs(TOPIC)).toEqual({ 0: a.addr, 2: b.addr });
    // A slave refuses writes and serves pulls.
    expect((await send(client, b.addr, TOPIC, Buffer.from('x'))).code).toBe(ResponseCode.SERVICE_NOT_AVAILABLE);
    const pull = makeRequest(RequestCode.PULL_MESSAGE, {
      extFields: { consumerGroup: 'G_HA', topic: TOPIC, queueId: '1', queueOffset: '240', maxMsgNums: '32', sysFlag: String(PullSysFlag.SUBSCRIPTION), commitOffset: '0', suspendTimeoutMillis: '1000', subscription: '*', subVersion: '0' },
    });
    const pulled = await client.invoke(b.addr, pull, 5000);
    expect(pulled.ok && pulled.value.code).toBe(ResponseCode.SUCCESS);
    expect(pulled.ok && decodeRecords(pulled.value.body!).map((m) => m.queueOffset)).toEqual([240, 241, 242, 243, 244, 245, 246, 247, 248, 249]);
  });

  it('a master that meets a newer epoch in a slave handshake stops writes at once', async () => {
    const a = await start({ brokerId: 1 });
    await setRole(a, { role: 'master', epoch: 1 });
    expect((await send(client, a.addr, TOPIC, Buffer.from('ok'))).code).toBe(ResponseCode.SUCCESS);
    const b = await start({ brokerId: 2 });
    // B was told of epoch 2 (a newer master exists somewhere) and meets A, still at epoch 1.
    await setRole(b, { role: 'slave', epoch: 2, masterAddress: a.haAddr });
    await until(() => a.broker.replication!.currentRole === 'none', 'the old master to step down');
    const refused = await send(client, a.addr, TOPIC, Buffer.from('late'));
    expect(refused.code).toBe(ResponseCode.SERVICE_NOT_AVAILABLE);
    expect((await getStatus(a)).body).toMatchObject({ role: 'none', writable: false, epoch: 2 });
    expect(String((await getStatus(a)).body.fencedReason)).toContain('newer epoch 2');
    // B never follows it: nothing was copied.
    expect(b.store.commitLogMaxOffset).toBe(0);
  });

  it('an old master with a divergent tail rejoins as a slave of the new master, cuts the tail and matches byte for byte', async () => {
    const a = await start({ brokerId: 1 });
    const b = await start({ brokerId: 2 });
    await setRole(a, { role: 'master', epoch: 1 });
    await setRole(b, { role: 'slave', epoch: 1, masterAddress: a.haAddr });
    await sendMany(client, a.addr, TOPIC, 200, 1000, 'shared');
    await until(() => b.store.commitLogMaxOffset === a.store.commitLogMaxOffset, 'the slave to catch up');
    const forkOffset = a.store.commitLogMaxOffset;

    // B is promoted while A, cut off from the controller, still believes it is master and takes writes.
    await setRole(b, { role: 'master', epoch: 2 });
    await sendMany(client, a.addr, TOPIC, 50, 1500, 'divergent');
    await sendMany(client, b.addr, TOPIC, 30, 700, 'new-epoch');
    // The promoted slave continued each queue after its replicated records (50 each; 8 more on queue 0).
    await b.store.waitDispatched();
    expect(queueMaxOffsets(b.store)[`${TOPIC}:0`]).toBe(58);
    const q0 = b.store.getMessages({ topic: TOPIC, queueId: 0, queueOffset: 0, maxCount: 100 });
    expect(decodeRecords(Buffer.concat(q0.records.map((r) => Buffer.from(r)))).map((m) => m.queueOffset)).toEqual(Array.from({ length: 58 }, (_, i) => i));
    q0.release();
    expect(a.store.commitLogMaxOffset).toBeGreaterThan(forkOffset);
    // The name server gives id 0 to the newer epoch, and keeps it there when the old master re-registers.
    await until(async () => (await routeAddrs(TOPIC))[0] === b.addr, 'the new master to hold id 0');
    a.broker.registerNow();
    await a.broker.registered();
    expect((await routeAddrs(TOPIC))[0]).toBe(b.addr);
    expect(sameLog(a.store, b.store)).toBe(false);

    await setRole(a, { role: 'slave', epoch: 2, masterAddress: b.haAddr });
    expect((await send(client, a.addr, TOPIC, Buffer.from('x'))).code).toBe(ResponseCode.SERVICE_NOT_AVAILABLE);
    await until(() => a.store.commitLogMaxOffset === b.store.commitLogMaxOffset && a.broker.replication!.status().link?.connected === true, 'the old master to follow the new one');
    await a.store.waitDispatched();
    expect(sameLog(a.store, b.store)).toBe(true);
    expect(queueMaxOffsets(a.store)).toEqual(queueMaxOffsets(b.store));
    await until(async () => (await routeAddrs(TOPIC))[1] === a.addr, 'the old master listed as slave 1');
    expect(await routeAddrs(TOPIC)).toEqual({ 0: b.addr, 1: a.addr });
    expect(a.broker.replication!.epochEntries).toEqual([
      { epoch: 1, startCommitLogOffset: 0 },
      { epoch: 2, startCommitLogOffset: forkOffset },
    ]);
    // Messages written on B after the fork are readable on A at the same offsets.
    const sent = await send(client, b.addr, TOPIC, Buffer.from('after-rejoin'), 2);
    const id = decodeOffsetMsgId(sent.extFields!.msgId!);
    await until(() => a.store.commitLogMaxOffset === b.store.commitLogMaxOffset, 'the last message to reach A');
    expect(id.ok && a.store.lookupMessage(id.value.commitLogOffset).ok).toBe(true);
  });

  it('a slave reconnects after its connection drops, and after the master falls silent, then catches up', async () => {
    const a = await start({ brokerId: 1 });
    await setRole(a, { role: 'master', epoch: 1 });
    const proxy = await HoldingProxy.start(a.haAddr);
    try {
      const b = await start({ brokerId: 2 });
      await setRole(b, { role: 'slave', epoch: 1, masterAddress: proxy.address });
      await sendMany(client, a.addr, TOPIC, 50, 500, 'one');
      await until(() => b.store.commitLogMaxOffset === a.store.commitLogMaxOffset, 'the slave to catch up');
      const link = () => b.broker.replication!.status().link!;
      expect(link().connects).toBe(1);
      proxy.cut();
      await sendMany(client, a.addr, TOPIC, 50, 500, 'two');
      await until(() => link().connects === 2 && b.store.commitLogMaxOffset === a.store.commitLogMaxOffset, 'a reconnect and catch-up');
      // Silence (nothing reaches the slave, not even heartbeats) is detected after haPeerTimeoutMs.
      proxy.hold();
      await sendMany(client, a.addr, TOPIC, 10, 500, 'three');
      await until(() => link().connects >= 3, 'the slave to give up on the silent connection and reconnect');
      proxy.release();
      await until(() => b.store.commitLogMaxOffset === a.store.commitLogMaxOffset, 'the slave to catch up after the silence');
      expect(sameLog(a.store, b.store)).toBe(true);
    } finally {
      await proxy.close();
    }
  });

  it('static roles: brokerId 0 is master at epoch 1 and registers at once; a static slave follows haMasterAddress', async () => {
    const a = await start({ roleSource: 'static', brokerId: 0 });
    expect(a.broker.replication!.status()).toMatchObject({ role: 'master', epoch: 1, writable: true, epochEntries: [{ epoch: 1, startCommitLogOffset: 0 }] });
    expect(await a.broker.registered()).toBe(true);
    const b = await start({ roleSource: 'static', brokerId: 1, haMasterAddress: a.haAddr });
    expect(b.broker.replication!.currentRole).toBe('slave');
    await sendMany(client, a.addr, TOPIC, 40, 400, 'static');
    await until(() => b.store.commitLogMaxOffset === a.store.commitLogMaxOffset, 'the static slave to follow');
    expect(sameLog(a.store, b.store)).toBe(true);
  });
});
