import * as net from 'node:net';
import { crc32 } from 'node:zlib';
import { GetRouteInfoRequestHeader, RequestCode, ResponseCode, makeRequest, parseRegisterBrokerBody, parseTopicRouteData } from '../../protocol';
import type { RemotingCommand } from '../../protocol';
import { RemotingClient, RemotingServer } from '../../remoting';
import type { Nameserver } from '../../nameserver';
import { startNameserver } from '../../nameserver';
import { cleanupTempDirs, tempDir } from '../../testing/temp';
import { localBrokerConfig } from '../../testing/cluster';
import { Broker } from '../broker';

/** A port nothing listens on: bound, read, released. */
async function deadPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('name server registration', () => {
  const client = new RemotingClient();
  let nameservers: Nameserver[] = [];

  afterAll(async () => {
    await client.close();
    await Promise.all(nameservers.map((n) => n.close()));
    cleanupTempDirs();
  });

  async function route(namesrvAddr: string, topic: string): Promise<RemotingCommand> {
    const request = makeRequest(RequestCode.GET_ROUTEINFO_BY_TOPIC, { extFields: GetRouteInfoRequestHeader.format({ topic }) });
    const response = await client.invoke(namesrvAddr, request, 3000);
    if (!response.ok) throw response.error;
    return response.value;
  }

  it('registers with every name server, keeps going when one is down, re-registers topic changes and unregisters on close', async () => {
    nameservers = [await startNameserver({ dataDir: tempDir() }), await startNameserver({ dataDir: tempDir() })];
    const addrs = nameservers.map((n) => `${n.address.host}:${n.address.port}`);
    const dead = `127.0.0.1:${await deadPort()}`;
    const broker = new Broker(localBrokerConfig(0, [addrs[0]!, dead, addrs[1]!], { registerTimeoutMs: 1000 }), { processMetrics: false });
    const started = await broker.start();
    expect(started.ok).toBe(true);
    expect(await broker.registered()).toBe(false);
    expect(broker.registrations().map((r) => [r.namesrvAddr, r.registered])).toEqual([
      [addrs[0], true],
      [dead, false],
      [addrs[1], true],
    ]);
    expect(broker.registrations()[1]!.lastError).toContain('connect');

    broker.topics!.update('TopicRegistered', { readQueueNums: 3, writeQueueNums: 3 });
    await broker.registered();
    for (const addr of addrs) {
      const data = parseTopicRouteData((await route(addr, 'TopicRegistered')).body);
      expect(data.ok && data.value.queueDatas.map((q) => [q.brokerName, q.writeQueueNums])).toEqual([['broker-a', 3]]);
      expect(data.ok && data.value.brokerDatas[0]!.brokerAddrs[0]).toBe(started.ok && started.value.brokerAddr);
    }

    await broker.close();
    for (const addr of addrs) expect((await route(addr, 'TopicRegistered')).code).toBe(ResponseCode.TOPIC_NOT_EXIST);
  });

  it('sends the topic table as an uncompressed RegisterBrokerBody with a body CRC', async () => {
    const received: RemotingCommand[] = [];
    const fake = new RemotingServer();
    fake.register(RequestCode.REGISTER_BROKER, (request) => {
      received.push(request);
      return { ...request, code: ResponseCode.SUCCESS, flag: 1, extFields: {} };
    });
    fake.register(RequestCode.UNREGISTER_BROKER, (request) => ({ ...request, code: ResponseCode.SUCCESS, flag: 1, extFields: {} }));
    const listening = await fake.start(0, '127.0.0.1');
    if (!listening.ok) throw listening.error;
    const broker = new Broker(localBrokerConfig(0, [`127.0.0.1:${listening.value.port}`]), { processMetrics: false });
    try {
      const started = await broker.start();
      expect(await broker.registered()).toBe(true);
      const request = received[0]!;
      expect(request.extFields).toMatchObject({
        brokerName: 'broker-a',
        clusterName: 'DefaultCluster',
        brokerId: '0',
        compressed: 'false',
        brokerAddr: started.ok ? started.value.brokerAddr : '',
      });
      expect(Number(request.extFields!.bodyCrc32)).toBe(crc32(request.body!) & 0x7fffffff);
      const body = parseRegisterBrokerBody(request.body);
      expect(body.ok && Object.keys(body.value.topicConfigSerializeWrapper.topicConfigTable)).toContain('TBW102');
      expect(body.ok && body.value.topicConfigSerializeWrapper.dataVersion.counter).toBe(broker.topics!.dataVersion.counter);
    } finally {
      await broker.close();
      await fake.close();
    }
  });
});
