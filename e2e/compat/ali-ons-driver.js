'use strict';
/**
 * A child process that runs ali-ons 3.12 (unchanged) on behalf of a jest test, driven over the
 * IPC channel of `child_process.fork`. ali-ons keeps process-wide state (one MQClient per client id,
 * an inner producer that never closes, timers that sleep for a whole interval), so the tests run it
 * here, one or more processes per scenario, and end the process when done instead of relying on it
 * to let go of its handles.
 *
 * Parent -> child: { id, op, args }. Child -> parent: { id, ok, value } or { id, ok: false, error }
 * as the reply, and { event, ... } notices: 'message' when a handler is called, 'done' when it
 * returns, 'serverRequest' for a request from a broker, 'error' when a client emits one, 'log'
 * for ali-ons's own warnings and errors. The op table is at the bottom.
 */
const { Buffer } = require('node:buffer');
const util = require('node:util');
const { Producer, Consumer, Message } = require('ali-ons');

const producers = new Map();
const consumers = new Map();

function notify(event) {
  if (process.connected) process.send(event);
}

/** ali-ons logs through `options.logger`; warnings and errors go to the parent for diagnostics. */
function loggerFor(client) {
  const forward = (level) => (...args) => notify({ event: 'log', client, level, text: util.format(...args) });
  return { info() {}, debug() {}, warn: forward('warn'), error: forward('error') };
}

function describeError(e) {
  return { name: e && e.name, code: e && e.code, message: String(e && e.message) };
}

/** The options every client needs; timing options come from the test. */
function clientOptions(name, namesrvAddr, options) {
  return {
    nameSrv: namesrvAddr,
    // Asserted to exist even when nameSrv is given; never called then.
    httpclient: { request: async () => { throw new Error('no HTTP name-server lookup in tests'); } },
    logger: loggerFor(name),
    ...options,
  };
}

function reportErrors(client, emitter) {
  emitter.on('error', (e) => notify({ event: 'error', client, error: describeError(e) }));
}

/** The process-wide inner producer (created by the first client) shares its client's errors. */
let innerWatched = false;
async function watchInnerProducer() {
  if (innerWatched) return;
  innerWatched = true;
  reportErrors('inner-producer', await Producer.getDefaultProducer());
}

async function startProducer({ name, namesrvAddr, options }) {
  const producer = new Producer(clientOptions(name, namesrvAddr, options));
  reportErrors(name, producer);
  await producer.ready();
  await watchInnerProducer();
  producers.set(name, producer);
  return null;
}

function toMessage({ topic, tags, keys, body, shardingKey }) {
  const msg = new Message(topic, tags, Buffer.from(body, 'base64'));
  if (keys !== undefined) msg.keys = keys;
  if (shardingKey !== undefined) msg.shardingKey = shardingKey;
  return msg;
}

/** Sends one after another (ali-ons's round robin then visits every queue in turn); one outcome each. */
async function send({ producer, messages }) {
  const p = producers.get(producer);
  const outcomes = [];
  for (const m of messages) {
    try {
      const r = await p.send(toMessage(m));
      outcomes.push({ ok: true, sendStatus: r.sendStatus, msgId: r.msgId, brokerName: r.messageQueue.brokerName, queueId: Number(r.messageQueue.queueId), queueOffset: r.queueOffset });
    } catch (e) {
      outcomes.push({ ok: false, ...describeError(e) });
    }
  }
  return outcomes;
}

function received(name, msg, mq, call, state) {
  return {
    event: 'message',
    consumer: name,
    call,
    topic: msg.topic,
    brokerName: mq.brokerName,
    queueId: msg.queueId,
    queueOffset: msg.queueOffset,
    commitLogOffset: msg.commitLogOffset,
    msgId: msg.msgId,
    storeHost: msg.storeHost,
    tags: msg.tags,
    keys: msg.keys,
    body: msg.body ? Buffer.from(msg.body).toString('base64') : '',
    reconsumeTimes: msg.reconsumeTimes,
    afterClose: state.closed,
  };
}

/**
 * Subscribes one handler. With `limit: n` the handler finishes n messages; the next call waits
 * until `setLimit` raises the limit. ali-ons consumes one message at a time per topic, so nothing
 * more is consumed, or committed, meanwhile: that is how a test stops a consumer part way.
 */
async function startConsumer({ name, namesrvAddr, topic, expression, options, limit }) {
  const consumer = new Consumer(clientOptions(name, namesrvAddr, options));
  const state = { calls: 0, limit: limit === undefined ? Infinity : limit, waiters: [], closed: false };
  reportErrors(name, consumer);
  // Requests the broker sends (NOTIFY_CONSUMER_IDS_CHANGED...): ali-ons emits them and does nothing else.
  consumer._mqClient.on('request', ({ data }) => notify({ event: 'serverRequest', client: name, code: data.code, extFields: data.extFields }));
  consumer.subscribe(topic, expression, async (msg, mq) => {
    const call = ++state.calls;
    notify(received(name, msg, mq, call, state));
    while (call > state.limit) await new Promise((resolve) => state.waiters.push(resolve));
    notify({ event: 'done', consumer: name, msgId: msg.msgId });
  });
  await consumer.ready();
  await watchInnerProducer();
  consumers.set(name, { consumer, state });
  return null;
}

function setLimit({ name, limit }) {
  const { state } = consumers.get(name);
  state.limit = limit;
  for (const wake of state.waiters.splice(0)) wake();
  return null;
}

/** Per queue of `topic` the consumer pulls now: the offset of its next pull and the messages not yet consumed. */
function pullState({ consumer, topic }) {
  const c = consumers.get(consumer).consumer;
  const list = [];
  for (const { messageQueue, processQueue, nextOffset } of c.processQueueTable.values()) {
    if (messageQueue.topic !== topic) continue;
    list.push({ brokerName: messageQueue.brokerName, queueId: Number(messageQueue.queueId), nextOffset, backlog: processQueue.msgCount });
  }
  return list;
}

async function closeConsumer({ name }) {
  const entry = consumers.get(name);
  entry.state.closed = true;
  await entry.consumer.close();
  return null;
}

const ops = { startProducer, send, startConsumer, setLimit, pullState, closeConsumer, ping: async () => process.pid };

process.on('message', async ({ id, op, args }) => {
  try {
    const value = await ops[op](args);
    notify({ id, ok: true, value });
  } catch (e) {
    notify({ id, ok: false, error: describeError(e) });
  }
});
// The test owns this process; without it there is nothing left to do.
process.on('disconnect', () => process.exit(0));
notify({ event: 'ready', pid: process.pid });
