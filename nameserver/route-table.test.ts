import { MASTER_ID, PERM_READ, PERM_WRITE } from '../protocol';
import { ManualClock } from '../stdx';
import type { BrokerRegistration, TopicQueueConfig } from './route-table';
import { RouteTable } from './route-table';

const CLUSTER = 'DefaultCluster';
const RW = PERM_READ | PERM_WRITE;

function topic(topicName: string, queues = 4, perm = RW): TopicQueueConfig {
  return { topicName, readQueueNums: queues, writeQueueNums: queues, perm, topicSysFlag: 0 };
}

function registration(overrides: Partial<BrokerRegistration> & Pick<BrokerRegistration, 'brokerName' | 'brokerAddr' | 'brokerId'>): BrokerRegistration {
  return {
    clusterName: CLUSTER,
    haServerAddr: overrides.brokerAddr.replace(/:(\d+)$/, (_m, port: string) => `:${Number(port) + 1}`),
    topicConfigs: [],
    dataVersion: { counter: 1, stateVersion: 0, timestamp: 1000 },
    ...overrides,
  };
}

const masterA = (topics: TopicQueueConfig[], counter = 1): BrokerRegistration =>
  registration({ brokerName: 'broker-a', brokerAddr: '10.0.0.1:10911', brokerId: MASTER_ID, topicConfigs: topics, dataVersion: { counter, stateVersion: 0, timestamp: 1000 + counter } });
const slaveA = (topics: TopicQueueConfig[] = []): BrokerRegistration =>
  registration({ brokerName: 'broker-a', brokerAddr: '10.0.0.2:10911', brokerId: 1, topicConfigs: topics });

function newTable(): { table: RouteTable; clock: ManualClock } {
  const clock = new ManualClock();
  return { table: new RouteTable({ clock }), clock };
}

describe('RouteTable registration', () => {
  it('routes a topic to its master (brokerId 0) and slave, and tells the slave where its master is', () => {
    const { table } = newTable();
    const master = table.register(masterA([topic('orders', 8)]));
    expect(master).toEqual({ kind: 'registered', firstRegistration: true, topicsUpdated: true });
    const slave = table.register(slaveA([topic('orders', 8)]));
    expect(slave).toEqual({ kind: 'registered', firstRegistration: true, topicsUpdated: false, masterAddr: '10.0.0.1:10911', haServerAddr: '10.0.0.1:10912' });

    expect(table.routeOf('orders')).toEqual({
      queueDatas: [{ brokerName: 'broker-a', readQueueNums: 8, writeQueueNums: 8, perm: RW, topicSysFlag: 0 }],
      brokerDatas: [{ cluster: CLUSTER, brokerName: 'broker-a', brokerAddrs: { 0: '10.0.0.1:10911', 1: '10.0.0.2:10911' }, enableActingMaster: false }],
      filterServerTable: {},
    });
    expect(table.routeOf('unknown')).toBeUndefined();
  });

  it('a slave registering before its master gets no master address, and its topics do not create routes', () => {
    const { table } = newTable();
    expect(table.register(slaveA([topic('orders')]))).toEqual({ kind: 'registered', firstRegistration: true, topicsUpdated: false });
    expect(table.routeOf('orders')).toBeUndefined();
    expect(table.clusterInfo().brokerAddrTable['broker-a']?.brokerAddrs).toEqual({ 1: '10.0.0.2:10911' });
  });

  it('updates queue data when the master re-registers with a new dataVersion, and only then', () => {
    const { table } = newTable();
    table.register(masterA([topic('orders', 4)], 1));
    // Same dataVersion: the table is trusted to be unchanged (RocketMQ skips the topic update).
    expect(table.register(masterA([topic('orders', 16)], 1))).toMatchObject({ topicsUpdated: false });
    expect(table.routeOf('orders')?.queueDatas[0]?.writeQueueNums).toBe(4);
    expect(table.register(masterA([topic('orders', 16), topic('payments', 2)], 2))).toMatchObject({ topicsUpdated: true, firstRegistration: false });
    expect(table.routeOf('orders')?.queueDatas[0]?.writeQueueNums).toBe(16);
    expect(table.routeOf('payments')?.queueDatas[0]?.readQueueNums).toBe(2);
  });

  it('keeps topics a master no longer lists unless deleteTopicWithBrokerRegistration is on', () => {
    const { table } = newTable();
    table.register(masterA([topic('orders'), topic('old')], 1));
    table.register(masterA([topic('orders')], 2));
    expect(table.topicList()).toEqual(['old', 'orders']);

    const pruning = new RouteTable({ clock: new ManualClock(), deleteTopicWithBrokerRegistration: true });
    pruning.register(masterA([topic('orders'), topic('old')], 1));
    pruning.register(masterA([topic('orders')], 2));
    expect(pruning.topicList()).toEqual(['orders']);
  });

  it('one address keeps one entry: a slave re-registering as master moves from id 1 to id 0', () => {
    const { table } = newTable();
    table.register(slaveA());
    table.register(registration({ brokerName: 'broker-a', brokerAddr: '10.0.0.2:10911', brokerId: MASTER_ID, topicConfigs: [topic('orders')] }));
    expect(table.clusterInfo().brokerAddrTable['broker-a']?.brokerAddrs).toEqual({ 0: '10.0.0.2:10911' });
    expect(table.routeOf('orders')?.brokerDatas[0]?.brokerAddrs).toEqual({ 0: '10.0.0.2:10911' });
  });

  it('ignores a master registration from an older stateVersion when another address holds id 0', () => {
    const { table } = newTable();
    table.register(registration({ brokerName: 'broker-a', brokerAddr: '10.0.0.2:10911', brokerId: MASTER_ID, dataVersion: { counter: 1, stateVersion: 5, timestamp: 1 } }));
    const stale = table.register(registration({ brokerName: 'broker-a', brokerAddr: '10.0.0.1:10911', brokerId: MASTER_ID, dataVersion: { counter: 9, stateVersion: 4, timestamp: 2 } }));
    expect(stale).toEqual({ kind: 'stale', currentAddr: '10.0.0.2:10911' });
    expect(table.clusterInfo().brokerAddrTable['broker-a']?.brokerAddrs).toEqual({ 0: '10.0.0.2:10911' });
    expect(table.liveBrokers().map((b) => b.brokerAddr)).toEqual(['10.0.0.2:10911']);
  });

  it('an address re-registering under another brokerName leaves its old group', () => {
    const { table } = newTable();
    table.register(masterA([topic('orders')]));
    table.register(registration({ brokerName: 'broker-b', brokerAddr: '10.0.0.1:10911', brokerId: MASTER_ID, topicConfigs: [topic('orders')] }));
    expect(Object.keys(table.clusterInfo().brokerAddrTable)).toEqual(['broker-b']);
    expect(table.routeOf('orders')?.queueDatas.map((q) => q.brokerName)).toEqual(['broker-b']);
  });
});

describe('RouteTable removal', () => {
  it('unregistering the master keeps the group (the slave still serves reads); the last address takes the queue data with it', () => {
    const { table } = newTable();
    table.register(masterA([topic('orders')]));
    table.register(slaveA());
    const master = table.unregister({ clusterName: CLUSTER, brokerName: 'broker-a', brokerAddr: '10.0.0.1:10911', brokerId: 0 });
    expect(master).toMatchObject({ reason: 'unregistered', brokerNameRemoved: false });
    expect(table.routeOf('orders')?.brokerDatas[0]?.brokerAddrs).toEqual({ 1: '10.0.0.2:10911' });
    const slave = table.unregister({ clusterName: CLUSTER, brokerName: 'broker-a', brokerAddr: '10.0.0.2:10911', brokerId: 1 });
    expect(slave).toMatchObject({ brokerNameRemoved: true });
    expect(table.routeOf('orders')).toBeUndefined();
    expect(table.topicList()).toEqual([]);
    expect(table.clusterInfo()).toEqual({ brokerAddrTable: {}, clusterAddrTable: {} });
  });

  it('a topic served by two broker groups survives losing one of them', () => {
    const { table } = newTable();
    table.register(masterA([topic('orders')]));
    table.register(registration({ brokerName: 'broker-b', brokerAddr: '10.0.0.3:10911', brokerId: 0, topicConfigs: [topic('orders')] }));
    table.unregister({ clusterName: CLUSTER, brokerName: 'broker-a', brokerAddr: '10.0.0.1:10911', brokerId: 0 });
    expect(table.routeOf('orders')?.queueDatas.map((q) => q.brokerName)).toEqual(['broker-b']);
  });

  it('expires a broker not heard from for more than 120 s, and not a moment before', () => {
    const { table, clock } = newTable();
    table.register(masterA([topic('orders')]));
    clock.advance(60_000);
    table.register(slaveA());
    clock.advance(60_000);
    expect(table.scanExpired(clock.monotonicMs())).toEqual([]);
    clock.advance(1);
    const removed = table.scanExpired(clock.monotonicMs());
    expect(removed).toEqual([{ clusterName: CLUSTER, brokerName: 'broker-a', brokerAddr: '10.0.0.1:10911', brokerId: 0, reason: 'expired', brokerNameRemoved: false }]);
    clock.advance(60_000);
    expect(table.scanExpired(clock.monotonicMs()).map((b) => b.brokerAddr)).toEqual(['10.0.0.2:10911']);
    expect(table.routeOf('orders')).toBeUndefined();
  });

  it('re-registration and touch keep a broker alive; a broker-chosen timeout overrides the default', () => {
    const { table, clock } = newTable();
    table.register(masterA([topic('orders')]));
    table.register(registration({ brokerName: 'broker-b', brokerAddr: '10.0.0.3:10911', brokerId: 0, heartbeatTimeoutMs: 10_000 }));
    clock.advance(100_000);
    expect(table.touch('10.0.0.1:10911')).toBe(true);
    expect(table.touch('10.9.9.9:1')).toBe(false);
    expect(table.scanExpired().map((b) => b.brokerAddr)).toEqual(['10.0.0.3:10911']);
    clock.advance(100_000);
    expect(table.scanExpired()).toEqual([]);
    expect(table.routeOf('orders')).toBeDefined();
  });

  it('removes every broker registered over a closed connection', () => {
    const { table } = newTable();
    table.register({ ...masterA([topic('orders')]), channelId: 7 });
    table.register({ ...slaveA(), channelId: 8 });
    expect(table.removeByChannel(7).map((b) => b.brokerAddr)).toEqual(['10.0.0.1:10911']);
    expect(table.removeByChannel(7)).toEqual([]);
    expect(table.liveBrokers().map((b) => b.brokerAddr)).toEqual(['10.0.0.2:10911']);
  });

  it('after failover, the old master expiring does not remove the new master that took id 0', () => {
    const { table, clock } = newTable();
    table.register(masterA([topic('orders')]));
    clock.advance(100_000);
    table.register(registration({ brokerName: 'broker-a', brokerAddr: '10.0.0.2:10911', brokerId: 0, topicConfigs: [topic('orders')] }));
    clock.advance(30_000);
    expect(table.scanExpired().map((b) => b.brokerAddr)).toEqual(['10.0.0.1:10911']);
    expect(table.routeOf('orders')?.brokerDatas[0]?.brokerAddrs).toEqual({ 0: '10.0.0.2:10911' });
  });
});

describe('RouteTable queries and admin', () => {
  function twoClusters(): RouteTable {
    const { table } = newTable();
    table.register(masterA([topic('orders'), topic('shared')]));
    table.register(registration({ clusterName: 'other', brokerName: 'broker-x', brokerAddr: '10.1.0.1:10911', brokerId: 0, topicConfigs: [topic('shared'), topic('logs')] }));
    return table;
  }

  it('lists cluster info, all topics and topics by cluster', () => {
    const table = twoClusters();
    expect(table.clusterInfo().clusterAddrTable).toEqual({ DefaultCluster: ['broker-a'], other: ['broker-x'] });
    expect(Object.keys(table.clusterInfo().brokerAddrTable)).toEqual(['broker-a', 'broker-x']);
    expect(table.topicList()).toEqual(['logs', 'orders', 'shared']);
    expect(table.topicsByCluster(CLUSTER)).toEqual(['orders', 'shared']);
    expect(table.topicsByCluster('nope')).toEqual([]);
    expect(table.stats()).toEqual({ brokers: 2, brokerNames: 2, clusters: 2, topics: 3 });
  });

  it('wipes and restores the write permission of one broker group; a same-version re-registration keeps it wiped', () => {
    const table = twoClusters();
    expect(table.wipeWritePerm('broker-a')).toBe(2);
    expect(table.routeOf('shared')?.queueDatas).toEqual([
      expect.objectContaining({ brokerName: 'broker-a', perm: PERM_READ }),
      expect.objectContaining({ brokerName: 'broker-x', perm: RW }),
    ]);
    table.register(masterA([topic('orders'), topic('shared')]));
    expect(table.routeOf('orders')?.queueDatas[0]?.perm).toBe(PERM_READ);
    expect(table.addWritePerm('broker-a')).toBe(2);
    expect(table.routeOf('orders')?.queueDatas[0]?.perm).toBe(RW);
    expect(table.wipeWritePerm('nobody')).toBe(0);
  });

  it('deletes a topic everywhere or only in one cluster', () => {
    const table = twoClusters();
    expect(table.deleteTopic('shared', 'other')).toBe(true);
    expect(table.routeOf('shared')?.queueDatas.map((q) => q.brokerName)).toEqual(['broker-a']);
    expect(table.deleteTopic('orders')).toBe(true);
    expect(table.deleteTopic('orders')).toBe(false);
    expect(table.topicList()).toEqual(['logs', 'shared']);
  });

  it('answers data-version queries: unknown brokers and new versions count as changed', () => {
    const { table } = newTable();
    const version = { counter: 3, stateVersion: 0, timestamp: 99 };
    expect(table.isTopicConfigChanged('10.0.0.1:10911', version)).toBe(true);
    table.register({ ...masterA([]), dataVersion: version });
    expect(table.isTopicConfigChanged('10.0.0.1:10911', version)).toBe(false);
    expect(table.isTopicConfigChanged('10.0.0.1:10911', { ...version, counter: 4 })).toBe(true);
    expect(table.dataVersionOf('10.0.0.1:10911')).toEqual(version);
  });

  it('puts filter servers and zone names into routes', () => {
    const { table } = newTable();
    table.register({ ...masterA([topic('orders')]), filterServerList: ['10.0.0.1:4000'], zoneName: 'zone-1', enableActingMaster: true });
    const route = table.routeOf('orders');
    expect(route?.filterServerTable).toEqual({ '10.0.0.1:10911': ['10.0.0.1:4000'] });
    expect(route?.brokerDatas[0]).toMatchObject({ zoneName: 'zone-1', enableActingMaster: true });
  });
});
