import { GetRouteInfoRequestHeader, RequestCode, ResponseCode, makeRequest, parseTopicRouteData } from '../protocol';
import { RemotingClient } from '../remoting';
import { sendV2Request } from '../broker/test-kit';
import type { LocalCluster } from './cluster';
import { startLocalCluster } from './cluster';
import { cleanupTempDirs } from './temp';

describe('startLocalCluster', () => {
  let cluster: LocalCluster;
  const client = new RemotingClient();

  beforeAll(async () => {
    cluster = await startLocalCluster({ brokers: 2 });
  });
  afterAll(async () => {
    await client.close();
    await cluster.close();
    cleanupTempDirs();
  });

  async function route(topic: string) {
    const request = makeRequest(RequestCode.GET_ROUTEINFO_BY_TOPIC, { extFields: GetRouteInfoRequestHeader.format({ topic }) });
    const response = await client.invoke(cluster.namesrvAddr, request, 3000);
    if (!response.ok) throw response.error;
    return response.value;
  }

  it('returns with every broker registered, so the auto-create template routes to all of them', async () => {
    const response = await route('TBW102');
    expect(response.code).toBe(ResponseCode.SUCCESS);
    const data = parseTopicRouteData(response.body);
    if (!data.ok) throw new Error(data.error);
    expect(data.value.brokerDatas.map((b) => [b.brokerName, b.brokerAddrs[0]]).sort()).toEqual(
      cluster.brokers.map((b) => [b.brokerName, b.addr]).sort(),
    );
    expect(data.value.queueDatas.every((q) => q.perm === 7 && q.writeQueueNums === 8)).toBe(true);
  });

  it('routes a topic once a send auto-created it on a broker (re-registration after the change)', async () => {
    const sent = await client.invoke(cluster.brokers[1]!.addr, sendV2Request({ topic: 'TopicFromHarness' }), 3000);
    expect(sent.ok && sent.value.code).toBe(ResponseCode.SUCCESS);
    expect(await cluster.brokers[1]!.broker.registered()).toBe(true);
    const data = parseTopicRouteData((await route('TopicFromHarness')).body);
    expect(data.ok && data.value.brokerDatas.map((b) => b.brokerName)).toEqual(['broker-b']);
  });

  it('restarts a broker on its data dir; the route follows its new port and its topics are kept', async () => {
    const restarted = await cluster.restartBroker(1);
    expect(restarted.broker.topics!.get('TopicFromHarness')).toBeDefined();
    const data = parseTopicRouteData((await route('TopicFromHarness')).body);
    expect(data.ok && data.value.brokerDatas[0]!.brokerAddrs[0]).toBe(restarted.addr);
  });
});
