'use strict';
/* global setTimeout */
// RocketCluster adapter for the peers harness (../shared/perf/peers, README "Adding a system").
// Uses our compiled SDK from $ROCKETCLUSTER_HOME/dist (run `npm run build` first): a Producer per
// connection whose send() resolves when the broker has stored the message (concurrent sends share
// SEND_BATCH_MESSAGE frames), and a PushConsumer that drains the topic from its first offset.
// Server side (lib/servers.sh start_rocketcluster): name server + one broker master on 127.0.0.1,
// ASYNC_FLUSH. Admin calls (create/delete topic, queue offsets) are plain remoting requests.
const fs = require('fs');
const path = require('path');

const HOME = process.env.ROCKETCLUSTER_HOME || path.resolve(__dirname, '..', '..', '..');
const DIST = path.join(HOME, 'dist');
function load(folder) {
  try {
    return require(path.join(DIST, folder));
  } catch (e) {
    throw new Error(`cannot load ${path.join(DIST, folder)} (run \`npm run build\` in ${HOME}): ${e.message}`);
  }
}
const { Producer, PushConsumer } = load('client');
const { RequestCode, ResponseCode, makeRequest } = load('protocol');
const { RemotingClient } = load('remoting');

const NAMESRV = `127.0.0.1:${process.env.RC_NAMESRV_PORT || 29876}`;
const BROKER = `127.0.0.1:${process.env.RC_BROKER_PORT || 30911}`;
const TOPIC = process.env.RC_TOPIC || 'bench-topic';
const QUEUES = +(process.env.RC_QUEUES || 8);
const PULL_BATCH = +(process.env.RC_PULL_BATCH || 128); // as bench:macro (see bench/README.md)
const TIMEOUT_MS = 5000;

async function withRemoting(fn) {
  const remoting = new RemotingClient();
  try { return await fn(remoting); } finally { await remoting.close(); }
}

async function call(remoting, addr, code, extFields, okCodes = [ResponseCode.SUCCESS]) {
  const r = await remoting.invoke(addr, makeRequest(code, { extFields }), TIMEOUT_MS);
  if (!r.ok) throw new Error(`request ${code} to ${addr}: ${r.error.message}`);
  if (!okCodes.includes(r.value.code)) throw new Error(`request ${code} to ${addr}: code ${r.value.code} ${r.value.remark || ''}`);
  return r.value;
}

// Topic registration with the name server is asynchronous: poll until the route has our queues.
async function waitForRoute(remoting) {
  const deadline = Date.now() + 60000;
  for (;;) {
    const r = await remoting.invoke(NAMESRV, makeRequest(RequestCode.GET_ROUTEINFO_BY_TOPIC, { extFields: { topic: TOPIC } }), TIMEOUT_MS);
    if (r.ok && r.value.code === ResponseCode.SUCCESS && r.value.body) {
      const m = /"writeQueueNums"\s*:\s*(\d+)/.exec(r.value.body.toString('utf8'));
      if (m && +m[1] >= QUEUES) return;
    }
    if (Date.now() > deadline) throw new Error(`no route for ${TOPIC} at ${NAMESRV} after 60 s`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function deleteTopic(remoting) {
  // A topic the broker does not know is fine here: reset() runs on a fresh broker first.
  await call(remoting, BROKER, RequestCode.DELETE_TOPIC_IN_BROKER, { topic: TOPIC }, [ResponseCode.SUCCESS, ResponseCode.TOPIC_NOT_EXIST]);
}

function gitRevision() {
  try {
    const head = fs.readFileSync(path.join(HOME, '.git', 'HEAD'), 'utf8').trim();
    const ref = head.startsWith('ref: ') ? fs.readFileSync(path.join(HOME, '.git', head.slice(5)), 'utf8').trim() : head;
    return ref.slice(0, 7);
  } catch { return 'unknown'; }
}

module.exports = {
  name: 'rocketcluster',
  persistence: 'RocketCluster broker (Node 20), 1 replica, commit log on mmap segments with ASYNC_FLUSH: acked once written to the OS page cache, flushed every 500 ms (flushIntervalCommitLogMs); topic with 8 queues; producer SDK coalesces concurrent sends into SEND_BATCH_MESSAGE frames',

  async serverVersion() {
    const pkg = JSON.parse(fs.readFileSync(path.join(HOME, 'package.json'), 'utf8'));
    return `${pkg.version} (git ${gitRevision()})`;
  },

  // Delete and recreate the topic so each workload starts empty.
  async reset() {
    await withRemoting(async (remoting) => {
      await deleteTopic(remoting);
      await call(remoting, BROKER, RequestCode.UPDATE_AND_CREATE_TOPIC, {
        topic: TOPIC, defaultTopic: 'TBW102', readQueueNums: String(QUEUES), writeQueueNums: String(QUEUES),
        perm: '6', topicFilterType: 'SINGLE_TAG', topicSysFlag: '0', order: 'false',
      });
      await waitForRoute(remoting);
    });
  },

  async destroy() { await withRemoting(deleteTopic); },

  async producer() {
    const p = new Producer({ namesrvAddr: NAMESRV, groupName: `bench-producer-${process.pid}` });
    await p.start();
    return {
      send: (buf) => p.send({ topic: TOPIC, body: buf }),
      close: () => p.shutdown(),
    };
  },

  // Messages stored: the sum over the queues of max - min queue offset.
  async stored() {
    return withRemoting(async (remoting) => {
      let total = 0;
      for (let queueId = 0; queueId < QUEUES; queueId++) {
        const fields = { topic: TOPIC, queueId: String(queueId) };
        const max = await call(remoting, BROKER, RequestCode.GET_MAX_OFFSET, fields);
        const min = await call(remoting, BROKER, RequestCode.GET_MIN_OFFSET, fields);
        total += +(max.extFields && max.extFields.offset || 0) - +(min.extFields && min.extFields.offset || 0);
      }
      return total;
    });
  },

  // One PushConsumer (clustering, from the first offset) with a synchronous handler; the consumer
  // commits progress itself (with pulls, periodically and on shutdown), which is included in the time.
  async consume(count, onFirst) {
    const consumer = new PushConsumer({ namesrvAddr: NAMESRV, groupName: 'bench-c', consumeFromWhere: 'first', pullBatchSize: PULL_BATCH });
    let n = 0, bytes = 0, resolveDone;
    const done = new Promise((resolve) => { resolveDone = resolve; });
    consumer.subscribe(TOPIC, '*', (message) => {
      if (n === 0 && onFirst) onFirst();
      n++; bytes += message.body.length;
      if (n === count) resolveDone();
    });
    await consumer.start();
    await done;
    await consumer.shutdown();
    return { count: n, bytes };
  },
};
