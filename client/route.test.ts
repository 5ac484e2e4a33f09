import type { BrokerData, TopicRouteData } from '../protocol';
import { ClientErrorCode } from './errors';
import { buildTopicRoute, parseNamesrvAddrs, pullTarget } from './route';

const brokers: BrokerData[] = [
  { cluster: 'c', brokerName: 'broker-b', brokerAddrs: { 0: 'b0:10911', 1: 'b1:10911' } },
  { cluster: 'c', brokerName: 'broker-a', brokerAddrs: { 0: 'a0:10911' } },
  // A broker group whose master is down: readable through its slave, not writable.
  { cluster: 'c', brokerName: 'broker-c', brokerAddrs: { 1: 'c1:10911', 2: 'c2:10911' } },
];

function route(queueDatas: TopicRouteData['queueDatas']): TopicRouteData {
  return { queueDatas, brokerDatas: brokers, filterServerTable: {} };
}

const names = (qs: readonly { brokerName: string; queueId: number }[]): string[] => qs.map((q) => `${q.brokerName}/${q.queueId}`);

describe('buildTopicRoute', () => {
  test('publish queues are writable queues of brokers with a master; subscribe queues every readable queue', () => {
    const r = buildTopicRoute('t', route([
      { brokerName: 'broker-b', readQueueNums: 2, writeQueueNums: 1, perm: 6, topicSysFlag: 0 },
      { brokerName: 'broker-a', readQueueNums: 2, writeQueueNums: 2, perm: 6, topicSysFlag: 0 },
      { brokerName: 'broker-c', readQueueNums: 1, writeQueueNums: 1, perm: 6, topicSysFlag: 0 },
    ]));
    expect(names(r.publishQueues)).toEqual(['broker-a/0', 'broker-a/1', 'broker-b/0']);
    expect(names(r.subscribeQueues)).toEqual(['broker-a/0', 'broker-a/1', 'broker-b/0', 'broker-b/1', 'broker-c/0']);
    expect(r.fromTemplate).toBe(false);
  });

  test('permissions decide: read-only brokers take no writes, write-only brokers serve no reads', () => {
    const r = buildTopicRoute('t', route([
      { brokerName: 'broker-a', readQueueNums: 2, writeQueueNums: 2, perm: 4, topicSysFlag: 0 },
      { brokerName: 'broker-b', readQueueNums: 2, writeQueueNums: 2, perm: 2, topicSysFlag: 0 },
    ]));
    expect(names(r.publishQueues)).toEqual(['broker-b/0', 'broker-b/1']);
    expect(names(r.subscribeQueues)).toEqual(['broker-a/0', 'broker-a/1']);
  });

  test('from the TBW102 template: at most the default queue count per broker, nothing to read yet', () => {
    const r = buildTopicRoute('fresh', route([{ brokerName: 'broker-a', readQueueNums: 8, writeQueueNums: 8, perm: 7, topicSysFlag: 0 }]), 4);
    expect(names(r.publishQueues)).toEqual(['broker-a/0', 'broker-a/1', 'broker-a/2', 'broker-a/3']);
    expect(r.publishQueues.every((q) => q.topic === 'fresh')).toBe(true);
    expect(r.subscribeQueues).toEqual([]);
    expect(r.fromTemplate).toBe(true);
  });
});

describe('pullTarget (findBrokerAddressInSubscribe)', () => {
  const map = new Map(brokers.map((b) => [b.brokerName, b]));

  test('the suggested broker id when it exists', () => {
    expect(pullTarget(map, 'broker-b', 1)).toEqual({ addr: 'b1:10911', brokerId: 1 });
    expect(pullTarget(map, 'broker-b', 0)).toEqual({ addr: 'b0:10911', brokerId: 0 });
  });

  test('a vanished slave id falls to the next slave id, then to any replica', () => {
    expect(pullTarget(map, 'broker-c', 0)).toEqual({ addr: 'c1:10911', brokerId: 1 });
    expect(pullTarget(map, 'broker-a', 1)).toEqual({ addr: 'a0:10911', brokerId: 0 });
    expect(pullTarget(map, 'broker-c', 1)).toEqual({ addr: 'c1:10911', brokerId: 1 });
    expect(pullTarget(new Map([['x', { cluster: 'c', brokerName: 'x', brokerAddrs: { 3: 'x3:1' } }]]), 'x', 2)).toEqual({ addr: 'x3:1', brokerId: 3 });
  });

  test('an unknown broker has no target', () => {
    expect(pullTarget(map, 'broker-z', 0)).toBeUndefined();
  });
});

describe('parseNamesrvAddrs', () => {
  test('accepts ;-separated, ,-separated and arrays, trims and deduplicates', () => {
    expect(parseNamesrvAddrs('a:1; b:2;')).toEqual(['a:1', 'b:2']);
    expect(parseNamesrvAddrs(['a:1,b:2', 'a:1'])).toEqual(['a:1', 'b:2']);
    expect(parseNamesrvAddrs('')).toEqual([]);
  });

  test('an entry that is not host:port is an INVALID_ARGUMENT naming it', () => {
    expect(() => parseNamesrvAddrs('a:1;localhost')).toThrow(expect.objectContaining({ code: ClientErrorCode.INVALID_ARGUMENT, message: expect.stringContaining('"localhost"') }));
    expect(() => parseNamesrvAddrs(['a:99999'])).toThrow(expect.objectContaining({ code: ClientErrorCode.INVALID_ARGUMENT }));
  });
});
