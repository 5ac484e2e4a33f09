/**
 * When the master is gone and nobody fails it over (the controller is down too), consumers keep
 * reading from the slave: the nameserver drops the dead master's address, the route lists only the
 * slave (brokerId >= 1), and the client pulls from it. Real processes, the command lines of
 * `rocketctl up`; the test runs the controller only to set the roles, then stops it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ReceivedMessage } from '../../client';
import { Producer, PushConsumer, SendStatus } from '../../client';
import type { ControllerHost } from '../../cli/controller-host';
import { startControllerHost } from '../../cli/controller-host';
import type { ClusterLayout } from '../../cli/supervisor/specs';
import { controlledReplicas } from '../../cli/supervisor/specs';
import { createRootLogger } from '../../ops';
import { cleanupTempDirs, tempDir } from '../../testing/temp';
import type { BrokerStatus } from './kit';
import { ManualCluster, SMALL_STORE_ENV, brokerStatus, createTopic, freeBasePort, until } from './kit';

const TOPIC = 'SlaveReadTopic';
const MESSAGES = 120;

let cluster: ManualCluster | undefined;
let controller: ControllerHost | undefined;

afterEach(async () => {
  await controller?.stop();
  await cluster?.stopAll();
  controller = cluster = undefined;
});
afterAll(() => cleanupTempDirs());

test('with the master killed and no failover, a push consumer reads every message from the slave', async () => {
  const dataDir = tempDir('slave-reads-');
  const layout: ClusterLayout = { dataDir, basePort: await freeBasePort(2), host: '127.0.0.1', clusterName: 'DefaultCluster', brokerGroups: 1, replicasPerGroup: 2, restart: 'never', replicationMode: 'async' };
  const m = new ManualCluster(layout, SMALL_STORE_ENV);
  cluster = m;
  const names = ['broker-a-0', 'broker-a-1'];
  const statusOf = (name: string): Promise<BrokerStatus | undefined> => brokerStatus(m.spec(name).ports.httpPort);
  await m.start('nameserver');
  await Promise.all(names.map((n) => m.start(n)));
  const stream = fs.createWriteStream(path.join(dataDir, 'logs', 'controller.log'), { flags: 'a' });
  controller = startControllerHost({ dataDir, replicas: controlledReplicas(m.specs, layout), logger: createRootLogger({ service: 'e2e-controller', stream }) });
  const diagnostics = () => names.map((n) => m.logTail(n, 10)).join('\n');
  const roles = await until(
    async () => {
      const s = await Promise.all(names.map(statusOf));
      const i = s.findIndex((x) => x?.role === 'master' && x.writable);
      return i >= 0 && s[1 - i]?.role === 'slave' && s[1 - i]?.link?.connected === true ? { master: names[i]!, slave: names[1 - i]! } : undefined;
    },
    () => `a master with a connected slave; ${diagnostics()}`,
    30_000,
  );
  const namesrvAddr = `127.0.0.1:${layout.basePort}`;
  await createTopic(namesrvAddr, TOPIC, 4, 20_000);

  const producer = new Producer({ namesrvAddr, groupName: 'slave-reads-producer', retryTimesWhenSendFailed: 0 });
  await producer.start();
  const sent = new Set<string>();
  try {
    for (let i = 0; i < MESSAGES; i++) {
      const r = await producer.send({ topic: TOPIC, body: `m-${i}` });
      expect(r.sendStatus).toBe(SendStatus.SEND_OK);
      sent.add(r.msgId);
    }
  } finally {
    await producer.shutdown();
  }
  // The slave holds and has dispatched everything before the master dies.
  const end = (await statusOf(roles.master))!.maxCommitLogOffset;
  await until(
    async () => {
      const s = await statusOf(roles.slave);
      return s !== undefined && s.maxCommitLogOffset === end && s.dispatchedOffset >= end ? true : undefined;
    },
    () => `the slave to hold and dispatch ${end} bytes; ${diagnostics()}`,
    20_000,
  );

  // Nobody will fail over: the controller stops, then the master dies.
  await controller.stop();
  controller = undefined;
  await m.kill(roles.master);
  expect((await statusOf(roles.slave))?.role).toBe('slave');

  const received = new Map<string, ReceivedMessage>();
  const consumer = new PushConsumer({ namesrvAddr, groupName: 'slave-reads-consumer', consumeFromWhere: 'first', routeRefreshIntervalMs: 500, rebalanceIntervalMs: 500 });
  consumer.subscribe(TOPIC, '*', (message) => {
    received.set(message.msgId, message);
  });
  await consumer.start();
  try {
    await until(() => (received.size >= sent.size ? true : undefined), () => `${sent.size} messages from the slave, got ${received.size}; ${diagnostics()}`, 30_000);
  } finally {
    await consumer.shutdown();
  }
  expect([...sent].filter((id) => !received.has(id))).toEqual([]);
  // They came from the slave: the master is dead and the slave still is a slave.
  expect((await statusOf(roles.slave))?.role).toBe('slave');
}, 120_000);
