import type { Server } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { BrokerView } from './admin-api';
import type { LocalReplica } from './cluster';
import { clusterJson, clusterLines, clusterRows, collectStatuses } from './cluster';
import type { ReplicaStatus } from './replica-status';
import { adminUrlOf, groupMaster, httpStatusFetcher, parseReplicaStatus, standingOf } from './replica-status';

/** A `GET /status` body as broker/admin serves it (docs/replication.md), trimmed to what matters here. */
function body(address: string, over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    brokerName: 'broker-a',
    clusterName: 'C',
    brokerId: 0,
    address,
    haAddress: address.replace(/\d$/, '2'),
    role: 'master',
    epoch: 4,
    writable: true,
    maxCommitLogOffset: 5000,
    confirmedOffset: 4800,
    masterAddress: null,
    inSyncSet: [address],
    slaves: [],
    ...over,
  };
}

const status = (address: string, over: Record<string, unknown> = {}): ReplicaStatus => parseReplicaStatus(body(address, over))!;

const A0 = '127.0.0.1:10911';
const A1 = '127.0.0.1:10921';
const A2 = '127.0.0.1:10931';

describe('broker status', () => {
  test('a status body parses; something else on the port does not', () => {
    expect(status(A0)).toMatchObject({ role: 'master', epoch: 4, writable: true, maxCommitLogOffset: 5000, confirmedOffset: 4800, inSyncSet: [A0] });
    expect(parseReplicaStatus({ hello: 'world' })).toBeUndefined();
    expect(parseReplicaStatus(body(A0, { role: 'leader' }))).toBeUndefined();
    expect(parseReplicaStatus(body(A0, { epoch: -1 }))).toBeUndefined();
    expect(parseReplicaStatus('text')).toBeUndefined();
  });

  test('the admin URL is the listen port + 2', () => {
    expect(adminUrlOf('10.0.0.5:10911')).toBe('http://10.0.0.5:10913');
    expect(adminUrlOf('::1:10911')).toBe('http://[::1]:10913');
    expect(adminUrlOf('host:65535')).toBeUndefined();
    expect(adminUrlOf('no-port')).toBeUndefined();
  });

  test("a slave's lag and in-sync state come from its master's view, else from the offsets", () => {
    const master = status(A0, { inSyncSet: [A0, A1], slaves: [{ address: A1, ackOffset: 4900, lagBytes: 100, inSync: true }] });
    const slave = status(A1, { role: 'slave', brokerId: 1, maxCommitLogOffset: 4900 });
    const stray = status(A2, { role: 'slave', brokerId: 2, maxCommitLogOffset: 3000 });
    expect(groupMaster([slave, master, status(A2, { epoch: 3, writable: false })])).toBe(master);
    expect(standingOf(master, master)).toEqual({ lagBytes: 0, inSync: true });
    expect(standingOf(slave, master)).toEqual({ lagBytes: 100, inSync: true });
    expect(standingOf(stray, master)).toEqual({ lagBytes: 2000, inSync: false });
    expect(standingOf(stray, undefined)).toEqual({});
  });
});

describe('cluster table with replication roles', () => {
  const brokers: BrokerView[] = [
    { clusterName: 'C', brokerName: 'broker-a', brokerId: 1, addr: A1, version: 'V4_9_4', runtime: { putTps: '3.0 1 1' } },
    { clusterName: 'C', brokerName: 'broker-a', brokerId: 0, addr: A0, version: 'V4_9_4', runtime: { brokerRole: 'ASYNC_MASTER', putTps: '12.5 1 1' } },
  ];
  const statuses = new Map([
    [A0, status(A0, { inSyncSet: [A0, A1], slaves: [{ address: A1, ackOffset: 4900, lagBytes: 100, inSync: true }] })],
    [A1, status(A1, { role: 'slave', brokerId: 1, maxCommitLogOffset: 4900, confirmedOffset: 4800 })],
  ]);

  test('the admin API adds role, epoch, offsets, lag and in-sync columns; the role is the replication one', () => {
    expect(clusterLines(brokers, { statuses, local: [] })).toEqual([
      'CLUSTER  BROKER    ID  ROLE    ADDRESS          VERSION  PUT TPS  EPOCH  MAX OFFSET  CONFIRMED  LAG  IN SYNC',
      'C        broker-a   0  master  127.0.0.1:10911  V4_9_4      12.5      4        5000       4800    0  yes',
      'C        broker-a   1  slave   127.0.0.1:10921  V4_9_4       3.0      4        4900       4800  100  yes',
    ]);
  });

  test('local replicas the name server does not list (role none, or down) get rows, with their process names', () => {
    const local: LocalReplica[] = [
      { name: 'broker-a-0', brokerName: 'broker-a', address: A0, httpUrl: 'http://127.0.0.1:10913' },
      { name: 'broker-a-1', brokerName: 'broker-a', address: A1, httpUrl: 'http://127.0.0.1:10923' },
      { name: 'broker-a-2', brokerName: 'broker-a', address: A2, httpUrl: 'http://127.0.0.1:10933' },
    ];
    const withNone = new Map([...statuses, [A2, status(A2, { role: 'none', brokerId: 2, epoch: 3, writable: false, maxCommitLogOffset: 10, confirmedOffset: 0 })]]);
    const lines = clusterLines(brokers, { statuses: withNone, local });
    expect(lines[0]).toMatch(/IN SYNC\s+PROCESS$/);
    expect(lines[3]).toBe('C        broker-a   -  none    127.0.0.1:10931  not registered        -      3          10          0  4990  no       broker-a-2');
    const down = clusterLines(brokers, { statuses, local });
    expect(down[3]).toMatch(/^C\s+broker-a\s+-\s+down\s+127\.0\.0\.1:10931\s+not registered/);
  });

  test('a fenced master is marked; rows of a broker that did not answer keep the runtime role', () => {
    const fenced = new Map([[A0, status(A0, { writable: false })]]);
    const rows = clusterLines(brokers, { statuses: fenced, local: [] });
    expect(rows[1]).toContain('master (fenced)');
    expect(rows[2]).toMatch(/^C\s+broker-a\s+1\s+SLAVE\s/);
  });

  test('JSON keeps the plain fields and adds ha where the admin API answered', () => {
    const json = clusterJson(brokers, { statuses, local: [] }) as Record<string, unknown>[];
    expect(json[0]).toMatchObject({ brokerName: 'broker-a', brokerId: 0, addr: A0, role: 'master', registered: true, ha: { role: 'master', epoch: 4, lagBytes: 0, inSync: true } });
    expect(json[1]).toMatchObject({ brokerId: 1, role: 'slave', ha: { lagBytes: 100, inSync: true, confirmedOffset: 4800 } });
    const plain = clusterJson(brokers) as Record<string, unknown>[];
    expect(plain[0]).toEqual({ clusterName: 'C', brokerName: 'broker-a', brokerId: 0, addr: A0, version: 'V4_9_4', runtime: brokers[1]!.runtime, role: 'ASYNC_MASTER', registered: true });
  });

  test('rows sort by cluster, group, registered id, then address', () => {
    const rows = clusterRows(brokers, { statuses: new Map(), local: [{ name: 'x', brokerName: 'broker-a', address: '127.0.0.1:1', httpUrl: 'http://127.0.0.1:3' }] });
    expect(rows.map((r) => r.addr)).toEqual([A0, A1, '127.0.0.1:1']);
  });
});

describe('collecting statuses over HTTP', () => {
  let server: Server;
  let url: string;
  const answers = new Map<string, unknown>();

  beforeAll(async () => {
    server = createServer((req, res) => {
      const answer = answers.get(req.url ?? '');
      res.writeHead(answer === undefined ? 404 : 200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(answer ?? { error: 'no' }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  test('each replica is asked at its admin URL; a body naming another broker and a failed request are left out', async () => {
    answers.set('/a0/status', body(A0));
    answers.set('/a1/status', body(A2));
    const local: LocalReplica[] = [
      { name: 'a0', brokerName: 'broker-a', address: A0, httpUrl: `${url}/a0` },
      { name: 'a1', brokerName: 'broker-a', address: A1, httpUrl: `${url}/a1` },
      { name: 'a2', brokerName: 'broker-a', address: A2, httpUrl: `${url}/a2` },
    ];
    const found = await collectStatuses([A0, A1, A2, A0], local, httpStatusFetcher(undefined));
    expect([...found.keys()]).toEqual([A0]);
    expect(found.get(A0)?.role).toBe('master');
  });
});
