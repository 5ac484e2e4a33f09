/**
 * Consumer offsets and subscription groups between a real master and slave over loopback: copied to
 * the slave periodically; offsets committed to the slave while the master is down survive its
 * return (and a slave restart), merged by taking the higher per queue; a promoted slave keeps its
 * offsets. Sync every 100 ms here (5 s by default).
 */
import { RequestCode, ResponseCode, makeRequest } from '../../protocol';
import { RemotingClient } from '../../remoting';
import { cleanupTempDirs } from '../../testing/temp';
import type { BrokerConfig } from '../config';
import type { HaNode } from './test-kit';
import { sendMany, setRole, startHaBroker, until } from './test-kit';

const TOPIC = 'TopicOffsets';
const GROUP = 'GroupOffsets';
const SYNC: Partial<BrokerConfig> = { haMetadataSyncIntervalMs: 100 };

describe('consumer state between master and slave', () => {
  const client = new RemotingClient();
  const nodes: HaNode[] = [];

  afterEach(async () => {
    await Promise.all(nodes.splice(0).map((n) => n.broker.close()));
  });

  afterAll(async () => {
    await client.close();
    cleanupTempDirs();
  });

  async function start(overrides: Partial<BrokerConfig>): Promise<HaNode> {
    const node = await startHaBroker([], { ...SYNC, ...overrides });
    nodes.push(node);
    return node;
  }

  async function stop(node: HaNode): Promise<void> {
    nodes.splice(nodes.indexOf(node), 1);
    await node.broker.close();
  }

  async function commit(node: HaNode, queueId: number, offset: number): Promise<void> {
    const request = makeRequest(RequestCode.UPDATE_CONSUMER_OFFSET, { extFields: { consumerGroup: GROUP, topic: TOPIC, queueId: String(queueId), commitOffset: String(offset) } });
    const response = await client.invoke(node.addr, request, 5000);
    if (!response.ok || response.value.code !== ResponseCode.SUCCESS) throw new Error(`commit on ${node.addr} failed`);
  }

  /** The committed offset as the node answers QUERY_CONSUMER_OFFSET (undefined when it has none). */
  async function query(node: HaNode, queueId: number): Promise<number | undefined> {
    const request = makeRequest(RequestCode.QUERY_CONSUMER_OFFSET, { extFields: { consumerGroup: GROUP, topic: TOPIC, queueId: String(queueId), setZeroIfNotFound: 'false' } });
    const response = await client.invoke(node.addr, request, 5000);
    if (!response.ok) throw response.error;
    return response.value.code === ResponseCode.SUCCESS ? Number(response.value.extFields!.offset) : undefined;
  }

  const offsetOf = (node: HaNode, queueId: number): number | undefined => node.broker.consume!.consumerOffset(GROUP, TOPIC, queueId);

  async function groupsOf(node: HaNode): Promise<Record<string, { retryMaxTimes: number }>> {
    const response = await client.invoke(node.addr, makeRequest(RequestCode.GET_ALL_SUBSCRIPTIONGROUP_CONFIG), 5000);
    if (!response.ok) throw response.error;
    return (JSON.parse(response.value.body!.toString()) as { subscriptionGroupTable: Record<string, { retryMaxTimes: number }> }).subscriptionGroupTable;
  }

  /** A master at `epoch` with 50 messages in each of 4 queues, and a slave following it. */
  async function pair(epoch = 1): Promise<{ master: HaNode; slave: HaNode }> {
    const master = await start({ brokerId: 1 });
    await setRole(master, { role: 'master', epoch });
    await sendMany(client, master.addr, TOPIC, 200, 100);
    const slave = await start({ brokerId: 2 });
    await setRole(slave, { role: 'slave', epoch, masterAddress: master.haAddr });
    await until(() => slave.store.commitLogMaxOffset === master.store.commitLogMaxOffset, 'the slave to catch up');
    await slave.store.waitDispatched();
    return { master, slave };
  }

  it('copies offsets and subscription groups to the slave periodically, following the master both ways', async () => {
    const { master, slave } = await pair();
    await commit(master, 0, 10);
    await commit(master, 1, 20);
    const config = Buffer.from(JSON.stringify({ groupName: 'Copied', retryMaxTimes: 7 }));
    expect((await client.invoke(master.addr, makeRequest(RequestCode.UPDATE_AND_CREATE_SUBSCRIPTIONGROUP, { body: config }), 5000)).ok).toBe(true);
    await until(() => offsetOf(slave, 0) === 10 && offsetOf(slave, 1) === 20, 'offsets on the slave');
    await until(async () => (await groupsOf(slave)).Copied?.retryMaxTimes === 7, 'the group on the slave');
    expect(await query(slave, 1)).toBe(20);
    // The master moves on, and back (a reset): the slave follows, since it took no commits of its own.
    await commit(master, 0, 40);
    await commit(master, 1, 5);
    await until(() => offsetOf(slave, 0) === 40 && offsetOf(slave, 1) === 5, 'the newer offsets on the slave');
    const remove = makeRequest(RequestCode.DELETE_SUBSCRIPTIONGROUP, { extFields: { groupName: 'Copied' } });
    expect((await client.invoke(master.addr, remove, 5000)).ok).toBe(true);
    await until(async () => (await groupsOf(slave)).Copied === undefined, 'the deleted group to leave the slave');
  });

  it('keeps offsets committed to the slave while the master is down, across a slave restart, and merges them by the higher when the master returns', async () => {
    const { master, slave } = await pair();
    await commit(master, 0, 10);
    await commit(master, 1, 20);
    await until(() => offsetOf(slave, 0) === 10 && offsetOf(slave, 1) === 20, 'offsets on the slave');
    const masterDir = master.config.storePathRootDir;
    await stop(master);

    // Consumers turn to the slave: one queue moves ahead, another is committed lower than the master had.
    await commit(slave, 0, 30);
    await commit(slave, 1, 15);
    expect([await query(slave, 0), await query(slave, 1)]).toEqual([30, 15]);
    const slaveDir = slave.config.storePathRootDir;
    await stop(slave);
    const slave2 = await start({ brokerId: 2, storePathRootDir: slaveDir });
    expect([offsetOf(slave2, 0), offsetOf(slave2, 1)]).toEqual([30, 15]);

    // The master returns (a new epoch from the controller) and the slave follows it again.
    const master2 = await start({ brokerId: 1, storePathRootDir: masterDir });
    expect([offsetOf(master2, 0), offsetOf(master2, 1)]).toEqual([10, 20]);
    await setRole(master2, { role: 'master', epoch: 2 });
    await setRole(slave2, { role: 'slave', epoch: 2, masterAddress: master2.haAddr });
    // Until the master has the slave's commit, the periodic copies must never take queue 0 back.
    let lowest = Number.POSITIVE_INFINITY;
    await until(() => {
      lowest = Math.min(lowest, offsetOf(slave2, 0) ?? -1);
      return offsetOf(master2, 0) === 30;
    }, "the master to take the slave's commit");
    expect(lowest).toBe(30);
    // Queue 1: the master's 20 is higher than the slave's 15 and stays; the slave comes to agree.
    await until(() => offsetOf(slave2, 1) === 20, 'the slave to take the higher offset of queue 1');
    expect([offsetOf(master2, 0), offsetOf(master2, 1), offsetOf(slave2, 0)]).toEqual([30, 20, 30]);
    // Settled: the slave holds no commit of its own any more, so the master's next reset reaches it.
    await until(() => slave2.broker.consume!.replicaCommits() === undefined, 'the slave to forget its own commits');
    await commit(master2, 0, 12);
    await until(() => offsetOf(slave2, 0) === 12, 'the reset to reach the slave');
  });

  it('a promoted slave keeps the offsets committed to it; the old master, back as its slave, takes them', async () => {
    const { master, slave } = await pair();
    await commit(master, 2, 10);
    await until(() => offsetOf(slave, 2) === 10, 'the offset on the slave');
    const masterDir = master.config.storePathRootDir;
    await stop(master);
    await commit(slave, 2, 33);
    await setRole(slave, { role: 'master', epoch: 2 });
    expect(await query(slave, 2)).toBe(33);
    expect(slave.broker.consume!.replicaCommits()).toBeUndefined();

    const old = await start({ brokerId: 1, storePathRootDir: masterDir });
    expect(offsetOf(old, 2)).toBe(10);
    await setRole(old, { role: 'slave', epoch: 2, masterAddress: slave.haAddr });
    await until(() => offsetOf(old, 2) === 33, 'the old master to take the new master\'s offset');
    expect(offsetOf(slave, 2)).toBe(33);
  });

  it('a restarted master (brokerId 0) takes commits as a replica until the controller gives it a role, so following the new master does not roll them back', async () => {
    const master = await start({ brokerId: 0 });
    await setRole(master, { role: 'master', epoch: 1 });
    await sendMany(client, master.addr, TOPIC, 200, 100);
    const slave = await start({ brokerId: 2 });
    await setRole(slave, { role: 'slave', epoch: 1, masterAddress: master.haAddr });
    await commit(master, 3, 10);
    await until(() => offsetOf(slave, 3) === 10, 'the offset on the slave');
    const masterDir = master.config.storePathRootDir;
    await stop(master);
    await setRole(slave, { role: 'master', epoch: 2 });

    // Back with no role yet; a consumer with a cached route commits to it before the controller demotes it.
    const old = await start({ brokerId: 0, storePathRootDir: masterDir });
    await commit(old, 3, 40);
    await setRole(old, { role: 'slave', epoch: 2, masterAddress: slave.haAddr, brokerId: 1 });
    let lowest = Number.POSITIVE_INFINITY;
    await until(() => {
      lowest = Math.min(lowest, offsetOf(old, 3) ?? -1);
      return offsetOf(slave, 3) === 40;
    }, 'the new master to take the commit made to the returning one');
    expect(lowest).toBe(40);
  });
});
