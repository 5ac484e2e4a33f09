import { RequestCode, ResponseCode, makeResponse } from '../protocol';
import { AdminClient } from './admin';
import { ClientErrorCode } from './errors';
import type { FakeCluster } from './fake-cluster.test-util';
import { FakeBroker, propertiesText, startFakeCluster } from './fake-cluster.test-util';

let cluster: FakeCluster;
let admin: AdminClient;

beforeEach(async () => {
  cluster = await startFakeCluster(2, { metrics: 2 });
  admin = new AdminClient({ namesrvAddr: cluster.namesrvAddr });
  await admin.start();
});

afterEach(async () => {
  await admin.close();
  await cluster.close();
});

describe('AdminClient against programmable servers', () => {
  test('createTopic sends UPDATE_AND_CREATE_TOPIC to every master of the cluster, with the message type attribute', async () => {
    for (const broker of cluster.brokers) broker.intercept = (request) => (request.code === RequestCode.UPDATE_AND_CREATE_TOPIC ? makeResponse(request, ResponseCode.SUCCESS) : undefined);
    await admin.createTopic('fifo-topic', { readQueueNums: 3, writeQueueNums: 2, messageType: 'FIFO', order: true });
    for (const broker of cluster.brokers) {
      const request = broker.requests.find((r) => r.code === RequestCode.UPDATE_AND_CREATE_TOPIC)!;
      expect(request.extFields).toMatchObject({ topic: 'fifo-topic', readQueueNums: '3', writeQueueNums: '2', perm: '6', order: 'true', attributes: '+message.type=FIFO' });
    }
  });

  test('a broker refusing the topic makes createTopic reject with its response code', async () => {
    cluster.brokers[1]!.intercept = (request) => (request.code === RequestCode.UPDATE_AND_CREATE_TOPIC ? makeResponse(request, ResponseCode.NO_PERMISSION, 'read only') : undefined);
    cluster.brokers[0]!.intercept = (request) => (request.code === RequestCode.UPDATE_AND_CREATE_TOPIC ? makeResponse(request, ResponseCode.SUCCESS) : undefined);
    await expect(admin.createTopic('t')).rejects.toMatchObject({ code: ClientErrorCode.BROKER_ERROR, responseCode: ResponseCode.NO_PERMISSION });
  });

  test('with two clusters, topic calls must name one', async () => {
    const other = await new FakeBroker('broker-x', 'OtherCluster').start();
    cluster.namesrv.brokers = [...cluster.brokers, other];
    try {
      await expect(admin.createTopic('t')).rejects.toMatchObject({ code: ClientErrorCode.INVALID_ARGUMENT });
      expect((await admin.clusterInfo()).clusters).toEqual({ FakeCluster: ['broker-a', 'broker-b'], OtherCluster: ['broker-x'] });
    } finally {
      await other.close();
    }
  });

  test('describeTopic falls back to GET_MIN/MAX_OFFSET when a broker has no GET_TOPIC_STATS_INFO', async () => {
    cluster.brokers[0]!.append('metrics', 1, Buffer.from('x'), propertiesText({ TAGS: 'a' }));
    const description = await admin.describeTopic('metrics');
    expect(description.queues.map((q) => [q.queue.brokerName, q.queue.queueId, q.minOffset, q.maxOffset])).toEqual([
      ['broker-a', 0, 0, 0],
      ['broker-a', 1, 0, 1],
      ['broker-b', 0, 0, 0],
      ['broker-b', 1, 0, 0],
    ]);
    expect(cluster.brokers[0]!.count(RequestCode.GET_TOPIC_STATS_INFO)).toBe(1);
    expect(await admin.listTopics()).toEqual(['metrics']);
  });

  test('an unknown topic is ROCKET_TOPIC_NOT_FOUND', async () => {
    await expect(admin.describeTopic('missing')).rejects.toMatchObject({ code: ClientErrorCode.TOPIC_NOT_FOUND });
  });

  test('calls before start or after close are refused', async () => {
    const fresh = new AdminClient({ namesrvAddr: cluster.namesrvAddr });
    await expect(fresh.listTopics()).rejects.toMatchObject({ code: ClientErrorCode.NOT_STARTED });
    await fresh.close();
    await expect(fresh.listTopics()).rejects.toMatchObject({ code: ClientErrorCode.SHUT_DOWN });
  });
});
