/**
 * The name server over loopback: real RemotingServer and RemotingClient, real files in a temp dir,
 * HTTP over fetch, and ali-ons's own name-server client code for the route it parses.
 */
import type { RemotingCommand, TopicConfig } from '../protocol';
import {
  MQVersion,
  PERM_READ,
  RequestCode,
  ResponseCode,
  encodeDataVersion,
  encodeRegisterBrokerBody,
  makeRequest,
  parseClusterInfo,
  parseKVTable,
  parseTopicList,
  parseTopicRouteData,
  RegisterBrokerRequestHeader,
} from '../protocol';
import { RemotingClient } from '../remoting';
import { ManualClock } from '../stdx';
import { cleanupTempDirs, tempDir } from '../testing/temp';
import type { Nameserver, StartNameserverOptions } from './index';
import { startNameserver } from './index';

// ali-ons is plain CommonJS without type declarations; these are the parts the tests touch.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const JSON2 = require('JSON2') as { parse(text: string): unknown };
interface AliOnsRoute {
  queueDatas: { brokerName: string; perm: number; writeQueueNums: number }[];
  brokerDatas: { brokerName: string; brokerAddrs: Record<string, string> }[];
}
interface AliOnsClientApi {
  ready(): Promise<void>;
  getTopicRouteInfoFromNameServer(topic: string, timeoutMs: number): Promise<AliOnsRoute>;
  close(): Promise<void>;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const MQClientAPI = require('ali-ons/lib/mq_client_api') as new (options: Record<string, unknown>) => AliOnsClientApi;

const TIMEOUT_MS = 5000;
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
afterAll(cleanupTempDirs);

async function nameserver(options: Partial<StartNameserverOptions> = {}): Promise<{ ns: Nameserver; addr: string }> {
  const ns = await startNameserver({ dataDir: tempDir('ns-int-'), ...options });
  cleanups.push(() => ns.close());
  return { ns, addr: `127.0.0.1:${ns.address.port}` };
}

function client(): RemotingClient {
  const c = new RemotingClient();
  cleanups.push(() => c.close());
  return c;
}

async function call(c: RemotingClient, addr: string, request: RemotingCommand): Promise<RemotingCommand> {
  const response = await c.invoke(addr, request, TIMEOUT_MS);
  if (!response.ok) throw response.error;
  return response.value;
}

function topicConfig(topicName: string, queues = 4): TopicConfig {
  return { topicName, readQueueNums: queues, writeQueueNums: queues, perm: 6, topicFilterType: 'SINGLE_TAG', topicSysFlag: 0, order: false, attributes: {} };
}

interface Broker {
  brokerName: string;
  brokerAddr: string;
  brokerId: number;
  topics: string[];
  counter?: number;
  clusterName?: string;
}

function registerRequest(broker: Broker): RemotingCommand {
  const topicConfigTable = Object.fromEntries(broker.topics.map((t) => [t, topicConfig(t)]));
  return makeRequest(RequestCode.REGISTER_BROKER, {
    extFields: RegisterBrokerRequestHeader.format({
      brokerName: broker.brokerName,
      brokerAddr: broker.brokerAddr,
      clusterName: broker.clusterName ?? 'DefaultCluster',
      haServerAddr: broker.brokerAddr.replace(/\d+$/, (p) => String(Number(p) + 1)),
      brokerId: broker.brokerId,
      compressed: false,
    }),
    body: encodeRegisterBrokerBody({
      topicConfigSerializeWrapper: { topicConfigTable, dataVersion: { counter: broker.counter ?? 1, stateVersion: 0, timestamp: 1700000000000 } },
      filterServerList: [],
    }),
  });
}

const MASTER: Broker = { brokerName: 'broker-a', brokerAddr: '127.0.0.1:10911', brokerId: 0, topics: ['orders', 'TBW102'] };
const SLAVE: Broker = { brokerName: 'broker-a', brokerAddr: '127.0.0.1:20911', brokerId: 1, topics: ['orders', 'TBW102'] };

function route(c: RemotingClient, addr: string, topic: string, version?: number): Promise<RemotingCommand> {
  return call(c, addr, makeRequest(RequestCode.GET_ROUTEINFO_BY_TOPIC, { extFields: { topic }, ...(version !== undefined ? { version } : {}) }));
}

describe('nameserver over loopback', () => {
  it('registers a master and a slave, serves routes, cluster info and topic lists, then forgets the broker on unregister', async () => {
    const { addr } = await nameserver();
    const c = client();
    const master = await call(c, addr, registerRequest(MASTER));
    expect(master.code).toBe(ResponseCode.SUCCESS);
    const slave = await call(c, addr, registerRequest(SLAVE));
    expect(slave.extFields).toEqual({ masterAddr: MASTER.brokerAddr, haServerAddr: '127.0.0.1:10912' });

    const routed = await route(c, addr, 'orders');
    expect(routed.code).toBe(ResponseCode.SUCCESS);
    const data = parseTopicRouteData(routed.body);
    expect(data.ok && data.value.brokerDatas).toEqual([
      { cluster: 'DefaultCluster', brokerName: 'broker-a', brokerAddrs: { 0: MASTER.brokerAddr, 1: SLAVE.brokerAddr }, enableActingMaster: false },
    ]);
    expect(data.ok && data.value.queueDatas).toEqual([{ brokerName: 'broker-a', readQueueNums: 4, writeQueueNums: 4, perm: 6, topicSysFlag: 0 }]);

    const cluster = parseClusterInfo((await call(c, addr, makeRequest(RequestCode.GET_BROKER_CLUSTER_INFO))).body);
    expect(cluster.ok && cluster.value.clusterAddrTable).toEqual({ DefaultCluster: ['broker-a'] });
    const all = parseTopicList((await call(c, addr, makeRequest(RequestCode.GET_ALL_TOPIC_LIST_FROM_NAMESERVER))).body);
    expect(all.ok && all.value.topicList).toEqual(['TBW102', 'orders']);
    const byCluster = parseTopicList((await call(c, addr, makeRequest(RequestCode.GET_TOPICS_BY_CLUSTER, { extFields: { cluster: 'DefaultCluster' } }))).body);
    expect(byCluster.ok && byCluster.value.topicList).toEqual(['TBW102', 'orders']);

    for (const broker of [MASTER, SLAVE]) {
      const extFields = { brokerName: broker.brokerName, brokerAddr: broker.brokerAddr, clusterName: 'DefaultCluster', brokerId: String(broker.brokerId) };
      expect((await call(c, addr, makeRequest(RequestCode.UNREGISTER_BROKER, { extFields }))).code).toBe(ResponseCode.SUCCESS);
    }
    const gone = await route(c, addr, 'orders');
    expect(gone.code).toBe(ResponseCode.TOPIC_NOT_EXIST);
    expect(gone.remark).toContain('orders');
    expect(gone.body).toBeUndefined();
  });

  it('answers old clients (ali-ons says version 121) with fastjson bare keys and new ones with quoted keys; JSON2 reads both', async () => {
    const { addr } = await nameserver();
    const c = client();
    await call(c, addr, registerRequest(MASTER));
    await call(c, addr, registerRequest(SLAVE));
    const old = (await route(c, addr, 'orders', 121)).body?.toString('utf8') ?? '';
    expect(old).toContain(`"brokerAddrs":{0:"${MASTER.brokerAddr}",1:"${SLAVE.brokerAddr}"}`);
    const current = (await route(c, addr, 'orders', MQVersion.V4_9_4)).body?.toString('utf8') ?? '';
    expect(current).toContain(`"brokerAddrs":{"0":"${MASTER.brokerAddr}","1":"${SLAVE.brokerAddr}"}`);
    const asked = await call(c, addr, makeRequest(RequestCode.GET_ROUTEINFO_BY_TOPIC, { extFields: { topic: 'orders', acceptStandardJsonOnly: 'true' }, version: 121 }));
    expect(asked.body?.toString('utf8')).toBe(current);
    for (const text of [old, current]) {
      const parsed = JSON2.parse(text) as AliOnsRoute;
      expect(parsed.brokerDatas[0]?.brokerAddrs['0']).toBe(MASTER.brokerAddr);
    }
  });

  it("ali-ons's own name-server client reads our route and treats an unknown topic as code 17", async () => {
    const { addr } = await nameserver();
    const c = client();
    await call(c, addr, registerRequest(MASTER));
    await call(c, addr, registerRequest({ ...MASTER, brokerName: 'broker-b', brokerAddr: '127.0.0.1:30911' }));
    const quiet = { info() {}, warn() {}, error() {}, debug() {} };
    const api = new MQClientAPI({ nameSrv: addr, httpclient: { request: async () => ({}) }, logger: quiet });
    cleanups.push(() => api.close());
    await api.ready();
    const routeData = await api.getTopicRouteInfoFromNameServer('orders', TIMEOUT_MS);
    expect(routeData.brokerDatas.map((b) => [b.brokerName, b.brokerAddrs['0']])).toEqual([
      ['broker-a', MASTER.brokerAddr],
      ['broker-b', '127.0.0.1:30911'],
    ]);
    expect(routeData.queueDatas.map((q) => q.writeQueueNums)).toEqual([4, 4]);
    await expect(api.getTopicRouteInfoFromNameServer('missing', TIMEOUT_MS)).rejects.toMatchObject({ name: 'MQClientException', code: ResponseCode.TOPIC_NOT_EXIST });
  });

  it('answers a malformed header with SYSTEM_ERROR naming the field, an unknown code with REQUEST_CODE_NOT_SUPPORTED, and keeps serving', async () => {
    const { addr } = await nameserver();
    const c = client();
    const noTopic = await call(c, addr, makeRequest(RequestCode.GET_ROUTEINFO_BY_TOPIC, { extFields: {} }));
    expect(noTopic.code).toBe(ResponseCode.SYSTEM_ERROR);
    expect(noTopic.remark).toContain('topic');
    const badId = registerRequest(MASTER);
    badId.extFields = { ...badId.extFields, brokerId: 'zero' };
    const badRegister = await call(c, addr, badId);
    expect(badRegister.code).toBe(ResponseCode.SYSTEM_ERROR);
    expect(badRegister.remark).toMatch(/brokerId.*"zero"/);
    const badBody = await call(c, addr, { ...registerRequest(MASTER), body: Buffer.from('{"topicConfigSerializeWrapper":') });
    expect(badBody.code).toBe(ResponseCode.SYSTEM_ERROR);
    expect(badBody.remark).toContain('RegisterBrokerBody');
    const badCrc = registerRequest(MASTER);
    badCrc.extFields = { ...badCrc.extFields, bodyCrc32: '12345' };
    expect(await call(c, addr, badCrc)).toMatchObject({ code: ResponseCode.SYSTEM_ERROR, remark: 'crc32 not match' });
    const unknown = await call(c, addr, makeRequest(RequestCode.SEND_MESSAGE_V2));
    expect(unknown.code).toBe(ResponseCode.REQUEST_CODE_NOT_SUPPORTED);
    expect((await call(c, addr, registerRequest(MASTER))).code).toBe(ResponseCode.SUCCESS);
    expect((await route(c, addr, 'orders')).code).toBe(ResponseCode.SUCCESS);
  });

  it('wipes and restores write permission, deletes topics, and answers data-version queries and heartbeats', async () => {
    const { addr } = await nameserver();
    const c = client();
    await call(c, addr, registerRequest(MASTER));
    const wiped = await call(c, addr, makeRequest(RequestCode.WIPE_WRITE_PERM_OF_BROKER, { extFields: { brokerName: 'broker-a' } }));
    expect(wiped.extFields).toEqual({ wipeTopicCount: '2' });
    const readOnly = parseTopicRouteData((await route(c, addr, 'orders')).body);
    expect(readOnly.ok && readOnly.value.queueDatas[0]?.perm).toBe(PERM_READ);
    const added = await call(c, addr, makeRequest(RequestCode.ADD_WRITE_PERM_OF_BROKER, { extFields: { brokerName: 'broker-a' } }));
    expect(added.extFields).toEqual({ addTopicCount: '2' });

    expect((await call(c, addr, makeRequest(RequestCode.DELETE_TOPIC_IN_NAMESRV, { extFields: { topic: 'orders' } }))).code).toBe(ResponseCode.SUCCESS);
    expect((await route(c, addr, 'orders')).code).toBe(ResponseCode.TOPIC_NOT_EXIST);

    const identity = { brokerName: 'broker-a', brokerAddr: MASTER.brokerAddr, clusterName: 'DefaultCluster', brokerId: '0' };
    const same = await call(c, addr, makeRequest(RequestCode.QUERY_DATA_VERSION, { extFields: identity, body: encodeDataVersion({ counter: 1, stateVersion: 0, timestamp: 1700000000000 }) }));
    expect(same.extFields).toEqual({ changed: 'false' });
    expect(JSON.parse(same.body?.toString() ?? '{}')).toEqual({ counter: 1, stateVersion: 0, timestamp: 1700000000000 });
    const newer = await call(c, addr, makeRequest(RequestCode.QUERY_DATA_VERSION, { extFields: identity, body: encodeDataVersion({ counter: 2, stateVersion: 0, timestamp: 1 }) }));
    expect(newer.extFields).toEqual({ changed: 'true' });
    const heartbeat = await call(c, addr, makeRequest(RequestCode.BROKER_HEARTBEAT, { extFields: { clusterName: 'DefaultCluster', brokerAddr: MASTER.brokerAddr, brokerName: 'broker-a' } }));
    expect(heartbeat.code).toBe(ResponseCode.SUCCESS);
  });

  it('drops a broker when its connection closes, and one silent past its expiry on the next scan', async () => {
    const clock = new ManualClock();
    const { ns, addr } = await nameserver({ clock });
    const reader = client();
    const brokerA = new RemotingClient();
    await call(brokerA, addr, registerRequest(MASTER));
    await call(reader, addr, registerRequest({ ...MASTER, brokerName: 'broker-b', brokerAddr: '127.0.0.1:30911', topics: ['logs'] }));
    await brokerA.close();
    await waitFor(async () => (await route(reader, addr, 'orders')).code === ResponseCode.TOPIC_NOT_EXIST);

    clock.advance(120_000);
    expect(ns.scan()).toEqual([]);
    clock.advance(1);
    expect(ns.scan().map((b) => [b.brokerName, b.reason])).toEqual([['broker-b', 'expired']]);
    expect((await route(reader, addr, 'logs')).code).toBe(ResponseCode.TOPIC_NOT_EXIST);
  });

  it('two independent name servers each hold the registration a broker sent to both', async () => {
    const one = await nameserver();
    const two = await nameserver();
    const broker = client();
    await Promise.all([one.addr, two.addr].map((addr) => call(broker, addr, registerRequest(MASTER))));
    await call(broker, one.addr, registerRequest({ ...MASTER, counter: 2, topics: ['orders', 'TBW102', 'only-one'] }));
    const reader = client();
    for (const addr of [one.addr, two.addr]) {
      const data = parseTopicRouteData((await route(reader, addr, 'orders')).body);
      expect(data.ok && data.value.brokerDatas[0]?.brokerAddrs).toEqual({ 0: MASTER.brokerAddr });
    }
    expect((await route(reader, one.addr, 'only-one')).code).toBe(ResponseCode.SUCCESS);
    expect((await route(reader, two.addr, 'only-one')).code).toBe(ResponseCode.TOPIC_NOT_EXIST);
  });

  it('keeps KV config across restarts, hands ORDER_TOPIC_CONFIG to registering brokers and, when enabled, to routes', async () => {
    const dataDir = tempDir('ns-kv-int-');
    const first = await nameserver({ dataDir, orderMessageEnable: true });
    const c = client();
    const put = (namespace: string, key: string, value: string) => call(c, first.addr, makeRequest(RequestCode.PUT_KV_CONFIG, { extFields: { namespace, key, value } }));
    expect((await put('ORDER_TOPIC_CONFIG', 'orders', 'broker-a:4')).code).toBe(ResponseCode.SUCCESS);
    expect((await put('ns', 'gone', 'x')).code).toBe(ResponseCode.SUCCESS);
    expect((await call(c, first.addr, makeRequest(RequestCode.DELETE_KV_CONFIG, { extFields: { namespace: 'ns', key: 'gone' } }))).code).toBe(ResponseCode.SUCCESS);
    const registered = await call(c, first.addr, registerRequest(MASTER));
    expect(parseKVTable(registered.body)).toEqual({ ok: true, value: { table: { orders: 'broker-a:4' } } });
    const ordered = parseTopicRouteData((await route(c, first.addr, 'orders')).body);
    expect(ordered.ok && ordered.value.orderTopicConf).toBe('broker-a:4');
    await first.ns.close();

    const second = await nameserver({ dataDir });
    const value = await call(c, second.addr, makeRequest(RequestCode.GET_KV_CONFIG, { extFields: { namespace: 'ORDER_TOPIC_CONFIG', key: 'orders' } }));
    expect(value.extFields).toEqual({ value: 'broker-a:4' });
    const list = await call(c, second.addr, makeRequest(RequestCode.GET_KVLIST_BY_NAMESPACE, { extFields: { namespace: 'ORDER_TOPIC_CONFIG' } }));
    expect(parseKVTable(list.body)).toEqual({ ok: true, value: { table: { orders: 'broker-a:4' } } });
    const missing = await call(c, second.addr, makeRequest(RequestCode.GET_KV_CONFIG, { extFields: { namespace: 'ns', key: 'gone' } }));
    expect(missing.code).toBe(ResponseCode.QUERY_NOT_FOUND);
    expect((await call(c, second.addr, makeRequest(RequestCode.GET_KVLIST_BY_NAMESPACE, { extFields: { namespace: 'ns' } }))).code).toBe(ResponseCode.QUERY_NOT_FOUND);
  });

  it('serves /metrics, /healthz and /cluster over HTTP', async () => {
    const { ns, addr } = await nameserver();
    const c = client();
    await call(c, addr, registerRequest(MASTER));
    await route(c, addr, 'orders');
    await route(c, addr, 'missing');
    await call(c, addr, makeRequest(4242));
    const base = `http://127.0.0.1:${ns.httpPort}`;
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toContain('rocketmq_nameserver_brokers 1');
    expect(metrics).toContain('rocketmq_nameserver_topics 2');
    expect(metrics).toContain('rocketmq_nameserver_requests_total{code="105",response="SUCCESS"} 1');
    expect(metrics).toContain('rocketmq_nameserver_requests_total{code="105",response="TOPIC_NOT_EXIST"} 1');
    expect(metrics).toContain('rocketmq_nameserver_requests_total{code="other",response="REQUEST_CODE_NOT_SUPPORTED"} 1');
    const health = await fetch(`${base}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok', brokers: 1, topics: 2 });
    const cluster = (await (await fetch(`${base}/cluster`)).json()) as { clusterAddrTable: unknown; topics: string[] };
    expect(cluster.clusterAddrTable).toEqual({ DefaultCluster: ['broker-a'] });
    expect(cluster.topics).toEqual(['TBW102', 'orders']);
  });

  it('refuses to start on a port already in use, releasing what it had opened', async () => {
    const { ns } = await nameserver();
    await expect(startNameserver({ dataDir: tempDir('ns-int-'), listenPort: ns.address.port })).rejects.toThrow(/did not start/);
    await expect(startNameserver({ dataDir: tempDir('ns-int-'), httpPort: ns.httpPort })).rejects.toThrow(/HTTP/);
  });
});

async function waitFor(condition: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
