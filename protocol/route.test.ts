import { parseLenientJson } from './lenient-json';
import type { TopicRouteData } from './route';
import {
  PERM_INHERIT,
  PERM_READ,
  PERM_WRITE,
  RouteJsonStyle,
  encodeClusterInfo,
  encodeKVTable,
  encodeTopicList,
  encodeTopicRouteData,
  isInherited,
  isReadable,
  isWritable,
  parseClusterInfo,
  parseKVTable,
  parseTopicList,
  parseTopicRouteData,
} from './route';

const route: TopicRouteData = {
  queueDatas: [{ brokerName: 'broker-a', readQueueNums: 4, writeQueueNums: 4, perm: 6, topicSysFlag: 0 }],
  brokerDatas: [{ cluster: 'DefaultCluster', brokerName: 'broker-a', brokerAddrs: { 1: '192.168.0.2:10911', 0: '192.168.0.1:10911' } }],
  filterServerTable: {},
};

describe('TopicRouteData JSON', () => {
  test('standard style: sorted keys, quoted broker ids, no absent optional fields', () => {
    expect(encodeTopicRouteData(route).toString()).toBe(
      '{"brokerDatas":[{"brokerAddrs":{"0":"192.168.0.1:10911","1":"192.168.0.2:10911"},"brokerName":"broker-a",' +
        '"cluster":"DefaultCluster","enableActingMaster":false}],"filterServerTable":{},' +
        '"queueDatas":[{"brokerName":"broker-a","perm":6,"readQueueNums":4,"topicSysFlag":0,"writeQueueNums":4}]}',
    );
  });

  test('standard style is strict JSON and ali-ons finds the master at brokerAddrs["0"]', () => {
    const parsed = JSON.parse(encodeTopicRouteData(route).toString()) as { brokerDatas: { brokerAddrs: Record<string, string> }[] };
    expect(parsed.brokerDatas[0]?.brokerAddrs['0']).toBe('192.168.0.1:10911');
  });

  test('fastjson style writes bare integer keys, which the lenient parser reads back', () => {
    const text = encodeTopicRouteData({ ...route, orderTopicConf: 'broker-a:4' }, RouteJsonStyle.FASTJSON).toString();
    expect(text).toContain('"brokerAddrs":{0:"192.168.0.1:10911",1:"192.168.0.2:10911"}');
    expect(text).toContain('"orderTopicConf":"broker-a:4"');
    expect(() => JSON.parse(text)).toThrow();
    expect(parseLenientJson(text).ok).toBe(true);
  });

  test.each([RouteJsonStyle.STANDARD, RouteJsonStyle.FASTJSON])('%s style round trips through the parser', (style) => {
    const parsed = parseTopicRouteData(encodeTopicRouteData(route, style));
    expect(parsed).toEqual({
      ok: true,
      value: { ...route, brokerDatas: [{ ...route.brokerDatas[0], enableActingMaster: false }] },
    });
  });

  test('parses a Java 4.x name server answer with bare keys and a null zone', () => {
    const java =
      '{"brokerDatas":[{"brokerAddrs":{0:"10.0.0.5:10911"},"brokerName":"b","cluster":"c","zoneName":null}],' +
      '"filterServerTable":{},"queueDatas":[{"brokerName":"b","perm":7,"readQueueNums":8,"topicSynFlag":0,"writeQueueNums":8}]}';
    const parsed = parseTopicRouteData(Buffer.from(java));
    expect(parsed).toMatchObject({ ok: true, value: { brokerDatas: [{ brokerAddrs: { 0: '10.0.0.5:10911' } }] } });
    if (parsed.ok) expect(parsed.value.queueDatas[0]?.topicSysFlag).toBe(0);
  });

  test('names the bad field when a route is malformed', () => {
    const bad = Buffer.from('{"brokerDatas":[{"brokerName":"b","brokerAddrs":{"master":"x"}}],"queueDatas":[]}');
    expect(parseTopicRouteData(bad)).toEqual({
      ok: false,
      error: 'TopicRouteData.brokerDatas[0].brokerAddrs key "master" is not a broker id',
    });
    expect(parseTopicRouteData(Buffer.from('{"queueDatas":[{"brokerName":1}]}'))).toEqual({
      ok: false,
      error: 'TopicRouteData.queueDatas[0].brokerName is not a string',
    });
    expect(parseTopicRouteData(undefined)).toEqual({ ok: false, error: 'TopicRouteData: body is empty' });
  });
});

describe('other name server bodies', () => {
  test('ClusterInfo round trips', () => {
    const info = {
      brokerAddrTable: { 'broker-a': { cluster: 'c', brokerName: 'broker-a', brokerAddrs: { 0: 'h:1' }, enableActingMaster: false } },
      clusterAddrTable: { c: ['broker-a'] },
    };
    expect(parseClusterInfo(encodeClusterInfo(info))).toEqual({ ok: true, value: info });
  });

  test('TopicList and KVTable round trip', () => {
    expect(parseTopicList(encodeTopicList({ topicList: ['a', 'b'] }))).toEqual({ ok: true, value: { topicList: ['a', 'b'] } });
    expect(parseKVTable(encodeKVTable({ table: { k: 'v' } }))).toEqual({ ok: true, value: { table: { k: 'v' } } });
  });
});

test('permission bits', () => {
  expect(PERM_READ | PERM_WRITE).toBe(6);
  expect(isReadable(6) && isWritable(6) && !isInherited(6)).toBe(true);
  expect(isInherited(PERM_INHERIT | 6)).toBe(true);
  expect(isWritable(PERM_READ)).toBe(false);
});
