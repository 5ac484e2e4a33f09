/**
 * The control endpoint over real loopback HTTP, with the real client the commands use. The target
 * behind it is a small in-memory controller host (the loop itself is tested in controller/ and
 * end to end through `rocketctl up` in cli/roles.int.test.ts).
 */
import type { GroupState } from '../../controller';
import { ManualClock } from '../../stdx';
import { httpControlApi } from '../commands/control-client';
import { CliError } from '../errors';
import type { GroupView, IntentReply, RoleIntentKind } from './control-api';
import type { ControlServer, ControlTarget } from './control-server';
import { startControlServer } from './control-server';
import { GroupJournal, MAX_EVENTS_PER_GROUP } from './journal';

const state: GroupState = { group: 'broker-a', masterId: 'broker-a-0', epoch: 2, inSyncReplicaIds: ['broker-a-0', 'broker-a-1'], syncStateSetEpoch: 1, pending: null, decidedAtMs: 1 };
const replicas = ['broker-a-0', 'broker-a-1'].map((replicaId, i) => ({ replicaId, address: `127.0.0.1:1091${i}`, haAddress: `127.0.0.1:1092${i}`, httpUrl: `http://127.0.0.1:1093${i}` }));

class Target implements ControlTarget {
  readonly groups = ['broker-a'];
  readonly journal = new GroupJournal(new ManualClock(1000));
  readonly requests: { group: string; kind: RoleIntentKind; targetId?: string }[] = [];
  reply: IntentReply = { accepted: true, reason: 'switchover broker-a-0 -> broker-a-1: fencing the master' };

  async view(group: string, sinceSeq: number): Promise<GroupView | undefined> {
    if (!this.groups.includes(group)) return undefined;
    return { group, replicas, state, ...this.journal.view(group, sinceSeq) };
  }

  async request(group: string, kind: RoleIntentKind, targetId?: string): Promise<IntentReply> {
    this.requests.push({ group, kind, ...(targetId !== undefined ? { targetId } : {}) });
    return this.reply;
  }
}

let target: Target;
let server: ControlServer;

beforeEach(async () => {
  target = new Target();
  server = await startControlServer(target, 'tok');
});

afterEach(() => server.close());

test('a request without the token is refused, and nothing is asked of the controller', async () => {
  const res = await fetch(`${server.url}/v1/groups/broker-a/failover`, { method: 'POST' });
  expect(res.status).toBe(401);
  await expect(httpControlApi(server.url, 'wrong').groups()).rejects.toThrow(/control token required/);
  expect(target.requests).toEqual([]);
});

test('groups, a group view with events after a seq, and an unknown group', async () => {
  const api = httpControlApi(server.url, 'tok');
  target.journal.add('broker-a', 'elected', 'one');
  target.journal.add('broker-a', 'action', 'two');
  expect(await api.groups()).toEqual(['broker-a']);
  const all = await api.view('broker-a', 0);
  expect(all).toMatchObject({ group: 'broker-a', state, replicas, lastSeq: 2 });
  expect(all!.events.map((e) => e.message)).toEqual(['one', 'two']);
  expect((await api.view('broker-a', 1))!.events.map((e) => e.message)).toEqual(['two']);
  expect(await api.view('broker-x', 0)).toBeUndefined();
  expect(await api.view('../etc', 0)).toBeUndefined();
});

test('switchover and failover requests reach the controller; a refusal is an answer, not an error', async () => {
  const api = httpControlApi(server.url, 'tok');
  expect(await api.request('broker-a', 'switchover', 'broker-a-1')).toEqual(target.reply);
  target.reply = { accepted: false, reason: 'no in-sync slave is reachable' };
  expect(await api.request('broker-a', 'failover')).toEqual(target.reply);
  expect(target.requests).toEqual([
    { group: 'broker-a', kind: 'switchover', targetId: 'broker-a-1' },
    { group: 'broker-a', kind: 'failover' },
  ]);
});

test('a switchover target that is not a replica of the group, or a bad body, is a 400', async () => {
  const api = httpControlApi(server.url, 'tok');
  await expect(api.request('broker-a', 'switchover', 'broker-b-0')).rejects.toThrow(new CliError('controller: broker-b-0 is not a replica of broker-a (replicas: broker-a-0, broker-a-1)'));
  const res = await fetch(`${server.url}/v1/groups/broker-a/switchover`, { method: 'POST', headers: { authorization: 'Bearer tok' }, body: '{not json' });
  expect(res.status).toBe(400);
  const wrongMethod = await fetch(`${server.url}/v1/groups/broker-a/failover`, { headers: { authorization: 'Bearer tok' } });
  expect(wrongMethod.status).toBe(405);
  expect(target.requests).toEqual([]);
});

test('an endpoint that is gone is reported as the controller not answering', async () => {
  await server.close();
  await expect(httpControlApi(server.url, 'tok').groups()).rejects.toThrow(/the controller of rocketctl up does not answer/);
});

test('the journal keeps a bounded history per group, numbered across groups', () => {
  const journal = new GroupJournal(new ManualClock(5));
  for (let i = 0; i < MAX_EVENTS_PER_GROUP + 10; i++) journal.add('broker-a', 'note', `m${i}`);
  journal.add('broker-b', 'note', 'b');
  const a = journal.view('broker-a', 0);
  expect(a.events).toHaveLength(MAX_EVENTS_PER_GROUP);
  expect(a.events[0]!.message).toBe('m10');
  expect(a.lastSeq).toBe(MAX_EVENTS_PER_GROUP + 10);
  expect(journal.view('broker-b', 0)).toMatchObject({ lastSeq: MAX_EVENTS_PER_GROUP + 11, observed: [], observedAtMs: null });
});
