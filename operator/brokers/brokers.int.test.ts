import { ResponseCode, RequestCode, UpdateConsumerOffsetRequestHeader, makeRequest } from '../../protocol';
import { RemotingClient } from '../../remoting';
import { sendV2Request } from '../../broker/test-kit';
import { cleanupTempDirs } from '../../testing/temp';
import { HttpBrokerAdminClient } from './admin-client';
import { RemotingBrokerDrainClient } from './drain';
import { podIpResolver } from './endpoints';
import { PodBrokers } from './pod-brokers.test-util';

const TOKEN = 'secret-token';
const pods = new PodBrokers(TOKEN, { autoCreateTopicEnable: true });
const remoting = new RemotingClient();
const drain = new RemotingBrokerDrainClient();

afterAll(async () => {
  await remoting.close();
  await drain.close();
  await pods.closeAll();
  cleanupTempDirs();
});

async function until(condition: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in 10 s');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function send(addr: string, topic: string, queueId: number): Promise<number> {
  const r = await remoting.invoke(addr, sendV2Request({ topic, queueId, defaultTopicQueueNums: 2 }), 5000);
  if (!r.ok) throw r.error;
  return r.value.code;
}

test('the pod IP resolver uses the contract ports, IPv6 in brackets, and nothing without an IP', () => {
  const pod = { namespace: 'ns', name: 'c-broker-0-1', group: 'broker-0', ordinal: 1, serviceName: 'c-broker-0' };
  expect(podIpResolver({ ...pod, podIP: '10.1.2.3' })).toEqual({ httpUrl: 'http://10.1.2.3:10913', address: '10.1.2.3:10911', haAddress: '10.1.2.3:10912' });
  expect(podIpResolver({ ...pod, podIP: 'fd00::1' })?.address).toBe('[fd00::1]:10911');
  expect(podIpResolver(pod)).toBeNull();
});

test('admin client: status and role with the bearer token; wrong token, refused epochs and dead brokers are errors', async () => {
  const p = await pods.start('ns', 'c-broker-0-0', 'broker-0');
  const ep = p.endpoints!;
  const admin = new HttpBrokerAdminClient({ timeoutMs: 1000 });
  const status = await admin.status(ep, TOKEN);
  expect(status.ok && (status.value as { role: string }).role).toBe('none');
  const denied = await admin.status(ep, 'wrong');
  expect(!denied.ok && denied.error).toMatch(/401/);
  const promoted = await admin.setRole(ep, TOKEN, { role: 'master', epoch: 3, writable: true });
  expect(promoted.ok && (promoted.value as { role: string; epoch: number })).toMatchObject({ role: 'master', epoch: 3 });
  const stale = await admin.setRole(ep, TOKEN, { role: 'master', epoch: 2, writable: true });
  expect(!stale.ok && stale.error).toMatch(/409/);
  const dead = await admin.status({ httpUrl: 'http://127.0.0.1:1', address: '127.0.0.1:1', haAddress: '127.0.0.1:1' }, TOKEN);
  expect(dead.ok).toBe(false);
});

test('drain client: write permission off and on again, consumer lag from committed offsets', async () => {
  const p = await pods.start('ns', 'c-broker-1-0', 'broker-1');
  const admin = new HttpBrokerAdminClient();
  expect((await admin.setRole(p.endpoints!, TOKEN, { role: 'master', epoch: 1, writable: true })).ok).toBe(true);
  const addr = p.endpoints!.address;
  for (let i = 0; i < 3; i++) expect(await send(addr, 'orders', 0)).toBe(ResponseCode.SUCCESS);
  expect(await send(addr, 'orders', 1)).toBe(ResponseCode.SUCCESS);

  const commit = async (offset0: number, offset1: number) => {
    for (const [queueId, commitOffset] of [[0, offset0], [1, offset1]] as const) {
      const extFields = UpdateConsumerOffsetRequestHeader.format({ consumerGroup: 'billing', topic: 'orders', queueId, commitOffset });
      const r = await remoting.invoke(addr, makeRequest(RequestCode.UPDATE_CONSUMER_OFFSET, { extFields }), 5000);
      expect(r.ok && r.value.code).toBe(ResponseCode.SUCCESS);
    }
  };
  await commit(1, 0);
  // The consume queues are built just after the send is answered: wait for them.
  await until(async () => {
    const lag = await drain.consumerLag(addr);
    return lag.ok && lag.value.length === 1 && lag.value[0]!.lag === 3;
  });

  const off = await drain.setWritable(addr, false);
  expect(off.ok && off.value.changed).toEqual(['orders']);
  expect(await send(addr, 'orders', 0)).toBe(ResponseCode.NO_PERMISSION);
  const again = await drain.setWritable(addr, false);
  expect(again.ok && again.value.changed).toEqual([]);

  await commit(3, 1);
  const lag = await drain.consumerLag(addr);
  expect(lag.ok && lag.value).toEqual([{ consumerGroup: 'billing', lag: 0 }]);

  const on = await drain.setWritable(addr, true);
  expect(on.ok && on.value.changed).toEqual(['orders']);
  expect(await send(addr, 'orders', 0)).toBe(ResponseCode.SUCCESS);
  expect((await drain.consumerLag('127.0.0.1:1')).ok).toBe(false);
});
