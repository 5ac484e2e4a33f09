'use strict';
// The e2e client, run inside the cluster (brokers advertise pod IPs, which only pods can reach):
//   kubectl exec -i <client pod> -- node - <command> ... < e2e/kind/driver.js
// It runs in the broker image and loads the SDK from /app/dist/client (CLIENT_PATH overrides).
//
//   wait-groups <namesrv> <groups> <timeoutSec>   until every group has a master registered
//   create-topic <namesrv> <topic> <queuesPerGroup> <groups> <timeoutSec>
//   produce <namesrv> <topic> <prefix> <count> <intervalMs>
//       prints the body of every send acknowledged SEND_OK, one per line (the acknowledged set)
//   consume <namesrv> <topic>
//       prints the body of every message stored in the topic, one per line
// Progress and errors go to stderr; the exit code is 0 unless the command could not do its job.
const { setTimeout: sleep } = require('node:timers/promises');
const { AdminClient, Producer, PullConsumer, PullStatus, SendStatus } = require(process.env.CLIENT_PATH || '/app/dist/client');

const POLL_MS = 1000;

function log(line) {
  process.stderr.write(`driver: ${line}\n`);
}

async function until(what, timeoutSec, probe) {
  const deadline = Date.now() + timeoutSec * 1000;
  let last = '';
  for (;;) {
    try {
      const done = await probe();
      if (done) return;
    } catch (e) {
      last = e instanceof Error ? e.message : String(e);
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutSec}s waiting for ${what}${last ? ` (last error: ${last})` : ''}`);
    await sleep(POLL_MS);
  }
}

async function waitGroups(namesrv, groups, timeoutSec) {
  const admin = new AdminClient({ namesrvAddr: namesrv });
  await admin.start();
  try {
    await until(`${groups} broker groups with a master`, Number(timeoutSec), async () => {
      const view = await admin.clusterInfo();
      const withMaster = Object.values(view.brokers).filter((b) => b.addrs['0'] !== undefined);
      return withMaster.length >= Number(groups);
    });
    log(`${groups} groups have a master`);
  } finally {
    await admin.close();
  }
}

async function createTopic(namesrv, topic, queues, groups, timeoutSec) {
  const admin = new AdminClient({ namesrvAddr: namesrv });
  await admin.start();
  const consumer = new PullConsumer({ namesrvAddr: namesrv, groupName: 'e2e-route-check' });
  await consumer.start();
  try {
    await until(`topic ${topic} created`, Number(timeoutSec), async () => {
      await admin.createTopic(topic, { readQueueNums: Number(queues), writeQueueNums: Number(queues) });
      return true;
    });
    await until(`topic ${topic} routed on ${groups} groups`, Number(timeoutSec), async () => (await consumer.fetchQueues(topic)).length >= Number(queues) * Number(groups));
    log(`topic ${topic} ready`);
  } finally {
    await consumer.shutdown();
    await admin.close();
  }
}

async function produce(namesrv, topic, prefix, count, intervalMs) {
  // No retries inside the client: each line printed is one send the broker acknowledged SEND_OK.
  const producer = new Producer({ namesrvAddr: namesrv, groupName: `e2e-${prefix}`, sendTimeoutMs: 3000, retryTimesWhenSendFailed: 0, routeRefreshIntervalMs: 1000 });
  await producer.start();
  let acked = 0;
  let failed = 0;
  try {
    for (let i = 0; i < Number(count); i++) {
      const body = `${prefix}-${i}`;
      const result = await producer.send({ topic, body }).catch((e) => {
        failed++;
        if (failed % 20 === 1) log(`send ${body} failed: ${e instanceof Error ? e.message : e}`);
        return undefined;
      });
      if (result !== undefined && result.sendStatus === SendStatus.SEND_OK) {
        acked++;
        process.stdout.write(`${body}\n`);
      } else if (result !== undefined) {
        failed++;
      }
      if (Number(intervalMs) > 0) await sleep(Number(intervalMs));
    }
  } finally {
    await producer.shutdown();
  }
  log(`${prefix}: ${acked} acknowledged, ${failed} failed of ${count}`);
}

async function consume(namesrv, topic) {
  const consumer = new PullConsumer({ namesrvAddr: namesrv, groupName: 'e2e-check' });
  await consumer.start();
  let total = 0;
  try {
    for (const queue of await consumer.fetchQueues(topic)) {
      let offset = 0;
      for (;;) {
        const r = await consumer.pull(queue, offset, 32);
        for (const m of r.messages) {
          total++;
          process.stdout.write(`${m.body.toString()}\n`);
        }
        if (r.status !== PullStatus.FOUND || r.nextBeginOffset >= r.maxOffset) break;
        offset = r.nextBeginOffset;
      }
    }
  } finally {
    await consumer.shutdown();
  }
  log(`consumed ${total} messages of ${topic}`);
}

const COMMANDS = { 'wait-groups': waitGroups, 'create-topic': createTopic, produce, consume };

async function main() {
  // `node - <command> ...` and `node driver.js <command> ...` alike: the command is argv[2].
  const args = process.argv.slice(2);
  const run = COMMANDS[args[0]];
  if (run === undefined) {
    log(`unknown command ${args[0]}; one of ${Object.keys(COMMANDS).join(', ')}`);
    process.exit(2);
  }
  await run(...args.slice(1));
}

main().then(
  () => process.exit(0),
  (e) => {
    log(e instanceof Error ? e.stack || e.message : String(e));
    process.exit(1);
  },
);
