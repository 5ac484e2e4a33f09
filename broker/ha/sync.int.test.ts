/**
 * Sync replication between real brokers: a send is acknowledged only once an in-sync slave holds it;
 * without one it is SLAVE_NOT_AVAILABLE, and with a slave that stops reading FLUSH_SLAVE_TIMEOUT.
 * The slave reaches the master through a proxy that can hold the master -> slave direction.
 */
import { ResponseCode } from '../../protocol';
import { decodeOffsetMsgId } from '../../message';
import { RemotingClient } from '../../remoting';
import { cleanupTempDirs } from '../../testing/temp';
import type { HaNode } from './test-kit';
import { HoldingProxy, getStatus, send, setRole, startHaBroker, until } from './test-kit';

const TOPIC = 'TopicSync';

describe('sync replication', () => {
  const client = new RemotingClient();
  let master: HaNode;
  let slave: HaNode | undefined;
  let proxy: HoldingProxy | undefined;

  beforeAll(async () => {
    // 15 s in-sync window: a slave that stops reading stays in the set long enough to be waited on.
    master = await startHaBroker([], { brokerId: 1, replicationMode: 'sync', minInSyncReplicas: 1, syncReplicationTimeoutMs: 400 });
    await setRole(master, { role: 'master', epoch: 1 });
  });

  afterAll(async () => {
    await client.close();
    await slave?.broker.close();
    await proxy?.close();
    await master.broker.close();
    cleanupTempDirs();
  });

  it('without an in-sync slave a send is stored but answered SLAVE_NOT_AVAILABLE', async () => {
    const before = master.store.commitLogMaxOffset;
    const r = await send(client, master.addr, TOPIC, Buffer.from('alone'));
    expect(r.code).toBe(ResponseCode.SLAVE_NOT_AVAILABLE);
    expect(r.extFields!.msgId).toBeDefined();
    expect(master.store.commitLogMaxOffset).toBeGreaterThan(before);
    expect((await getStatus(master)).body).toMatchObject({ replicationMode: 'sync', slaves: [], inSyncSet: [master.addr] });
  });

  it('with an in-sync slave a send is acknowledged only once the slave holds its bytes', async () => {
    proxy = await HoldingProxy.start(master.haAddr);
    slave = await startHaBroker([], { brokerId: 2 });
    await setRole(slave, { role: 'slave', epoch: 1, masterAddress: proxy.address });
    await until(() => master.broker.replication!.status().inSyncSet.length === 2, 'the slave to be in sync');
    for (let i = 0; i < 20; i++) {
      const r = await send(client, master.addr, TOPIC, Buffer.from(`replicated-${i}`), i % 4);
      expect(r.code).toBe(ResponseCode.SUCCESS);
      // Acknowledged => the slave already has the record, whole.
      const id = decodeOffsetMsgId(r.extFields!.msgId!);
      expect(id.ok && slave.store.lookupMessage(id.value.commitLogOffset).ok).toBe(true);
    }
    expect(master.broker.replication!.status().confirmedOffset).toBe(master.store.commitLogMaxOffset);
  });

  it('a slave that stops reading makes sends time out with FLUSH_SLAVE_TIMEOUT; they succeed again once it reads', async () => {
    proxy!.hold();
    const held = await send(client, master.addr, TOPIC, Buffer.from('held'));
    expect(held.code).toBe(ResponseCode.FLUSH_SLAVE_TIMEOUT);
    const id = decodeOffsetMsgId(held.extFields!.msgId!);
    expect(id.ok && master.store.lookupMessage(id.value.commitLogOffset).ok).toBe(true);
    expect(id.ok && slave!.store.lookupMessage(id.value.commitLogOffset).ok).toBe(false);
    proxy!.release();
    await until(() => slave!.store.commitLogMaxOffset === master.store.commitLogMaxOffset, 'the slave to catch up');
    expect((await send(client, master.addr, TOPIC, Buffer.from('again'))).code).toBe(ResponseCode.SUCCESS);
  });

  it('a switchover fence stops writes while the slave keeps receiving; unfencing resumes', async () => {
    await setRole(master, { role: 'master', epoch: 1, writable: false });
    const fenced = await send(client, master.addr, TOPIC, Buffer.from('fenced'));
    expect(fenced.code).toBe(ResponseCode.SERVICE_NOT_AVAILABLE);
    expect(fenced.remark).toContain('fenced');
    expect((await getStatus(master)).body).toMatchObject({ role: 'master', writable: false });
    await until(() => slave!.store.commitLogMaxOffset === master.store.commitLogMaxOffset, 'the slave to hold everything');
    await setRole(master, { role: 'master', epoch: 1 });
    expect((await send(client, master.addr, TOPIC, Buffer.from('resumed'))).code).toBe(ResponseCode.SUCCESS);
  });

  it('once the controller confirms an in-sync set, only slaves in it count for sync replication; an older set is ignored', async () => {
    const s = slave!;
    await until(() => master.broker.replication!.status().inSyncSet.length === 2, 'the slave to be in sync');
    expect((await getStatus(master)).body).toMatchObject({ confirmedInSyncSet: null, syncStateSetEpoch: 0, countedInSyncSet: [master.addr, s.addr] });
    // The controller's set holds only the master: the slave is in sync by the master's measure, but not counted.
    await setRole(master, { role: 'master', epoch: 1, inSyncSet: [master.addr], syncStateSetEpoch: 1 });
    const narrowed = (await getStatus(master)).body;
    expect(narrowed).toMatchObject({ inSyncSet: [master.addr, s.addr], confirmedInSyncSet: [master.addr], syncStateSetEpoch: 1, countedInSyncSet: [master.addr] });
    expect(narrowed.slaves).toMatchObject([{ address: s.addr, inSync: true, counted: false }]);
    expect((await send(client, master.addr, TOPIC, Buffer.from('unconfirmed'))).code).toBe(ResponseCode.SLAVE_NOT_AVAILABLE);
    // The set grows to the slave: sends are acknowledged again.
    await setRole(master, { role: 'master', epoch: 1, inSyncSet: [master.addr, s.addr], syncStateSetEpoch: 2 });
    expect((await send(client, master.addr, TOPIC, Buffer.from('confirmed'))).code).toBe(ResponseCode.SUCCESS);
    // A late, older confirmation changes nothing.
    await setRole(master, { role: 'master', epoch: 1, inSyncSet: [master.addr], syncStateSetEpoch: 1 });
    expect((await getStatus(master)).body).toMatchObject({ confirmedInSyncSet: [master.addr, s.addr], syncStateSetEpoch: 2, countedInSyncSet: [master.addr, s.addr] });
    expect((await send(client, master.addr, TOPIC, Buffer.from('still-confirmed'))).code).toBe(ResponseCode.SUCCESS);
    // A new master epoch starts without a confirmed set (until the controller sends one with it).
    await setRole(master, { role: 'master', epoch: 2 });
    expect((await getStatus(master)).body).toMatchObject({ epoch: 2, confirmedInSyncSet: null, syncStateSetEpoch: 0 });
    await setRole(master, { role: 'master', epoch: 3, inSyncSet: [master.addr], syncStateSetEpoch: 7 });
    expect((await getStatus(master)).body).toMatchObject({ epoch: 3, confirmedInSyncSet: [master.addr], syncStateSetEpoch: 7, countedInSyncSet: [master.addr] });
  });
});
