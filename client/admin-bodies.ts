/**
 * Readers of the admin response bodies `protocol/` has no parser for: ConsumeStats (208),
 * TopicStatsTable (202) and ConsumerConnection (203). The first two are fastjson maps keyed by
 * MessageQueue objects (`{"offsetTable":{{"brokerName":"b","queueId":0,"topic":"t"}:{...}}}`), which
 * the lenient parser turns into JSON-text keys; those are parsed back here. Malformed bodies yield an
 * error string; values of the wrong type read as 0 or empty rather than failing a whole report.
 */
import type { JsonValue } from '../protocol';
import { parseLenientJson } from '../protocol';
import type { Result } from '../stdx';
import { err, ok } from '../stdx';
import type { MessageQueue } from './types';

type JsonObject = { [key: string]: JsonValue };

function isObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function num(o: JsonObject, key: string): number {
  const value = o[key];
  return typeof value === 'number' && Number.isFinite(value) ? value : typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value)) ? Number(value) : 0;
}

function str(o: JsonObject, key: string): string {
  const value = o[key];
  return typeof value === 'string' ? value : value === undefined || value === null ? '' : String(value);
}

function parseRoot(body: Buffer | undefined, what: string): Result<JsonObject, string> {
  if (body === undefined || body.length === 0) return err(`${what}: empty body`);
  const parsed = parseLenientJson(body.toString('utf8'));
  if (!parsed.ok) return err(`${what}: ${parsed.error}`);
  if (!isObject(parsed.value)) return err(`${what}: not a JSON object`);
  return ok(parsed.value);
}

/** A map keyed by MessageQueue JSON text, as the lenient parser leaves fastjson's object keys. */
function queueKeyedMap(root: JsonObject, what: string): Result<{ queue: MessageQueue; value: JsonObject }[], string> {
  const table = root.offsetTable ?? {};
  if (!isObject(table)) return err(`${what}: offsetTable is not an object`);
  const out: { queue: MessageQueue; value: JsonObject }[] = [];
  for (const [key, value] of Object.entries(table)) {
    const parsedKey = parseLenientJson(key);
    if (!parsedKey.ok || !isObject(parsedKey.value) || !isObject(value)) return err(`${what}: offsetTable entry ${JSON.stringify(key)} is not a message queue`);
    out.push({ queue: { topic: str(parsedKey.value, 'topic'), brokerName: str(parsedKey.value, 'brokerName'), queueId: num(parsedKey.value, 'queueId') }, value });
  }
  return ok(out);
}

export interface QueueConsumeStats {
  readonly queue: MessageQueue;
  /** The queue's max offset on the broker. */
  readonly brokerOffset: number;
  /** The group's committed offset. */
  readonly consumerOffset: number;
  /** Store time of the last consumed message (0 when unknown). */
  readonly lastTimestamp: number;
}

export function parseConsumeStats(body: Buffer | undefined): Result<{ consumeTps: number; queues: QueueConsumeStats[] }, string> {
  const root = parseRoot(body, 'ConsumeStats');
  if (!root.ok) return root;
  const entries = queueKeyedMap(root.value, 'ConsumeStats');
  if (!entries.ok) return entries;
  const queues = entries.value.map(({ queue, value }) => ({
    queue,
    brokerOffset: num(value, 'brokerOffset'),
    consumerOffset: num(value, 'consumerOffset'),
    lastTimestamp: num(value, 'lastTimestamp'),
  }));
  return ok({ consumeTps: num(root.value, 'consumeTps'), queues });
}

export interface QueueStats {
  readonly queue: MessageQueue;
  readonly minOffset: number;
  readonly maxOffset: number;
  /** Store time of the newest message (0 when the queue is empty). */
  readonly lastUpdateTimestamp: number;
}

export function parseTopicStats(body: Buffer | undefined): Result<QueueStats[], string> {
  const root = parseRoot(body, 'TopicStatsTable');
  if (!root.ok) return root;
  const entries = queueKeyedMap(root.value, 'TopicStatsTable');
  if (!entries.ok) return entries;
  return ok(entries.value.map(({ queue, value }) => ({ queue, minOffset: num(value, 'minOffset'), maxOffset: num(value, 'maxOffset'), lastUpdateTimestamp: num(value, 'lastUpdateTimestamp') })));
}

export interface ConsumerConnectionInfo {
  readonly clientId: string;
  readonly clientAddr: string;
  readonly language: string;
  readonly version: number;
}

export interface ConsumerConnections {
  readonly connections: ConsumerConnectionInfo[];
  /** topic -> tag expression. */
  readonly subscriptions: Record<string, string>;
  readonly consumeType: string;
  readonly messageModel: string;
  readonly consumeFromWhere: string;
}

export function parseConsumerConnection(body: Buffer | undefined): Result<ConsumerConnections, string> {
  const root = parseRoot(body, 'ConsumerConnection');
  if (!root.ok) return root;
  const o = root.value;
  const set = Array.isArray(o.connectionSet) ? o.connectionSet : [];
  const connections = set.filter(isObject).map((c) => ({ clientId: str(c, 'clientId'), clientAddr: str(c, 'clientAddr'), language: str(c, 'language'), version: num(c, 'version') }));
  const subscriptions: Record<string, string> = {};
  const table = o.subscriptionTable;
  if (isObject(table)) {
    for (const [topic, sub] of Object.entries(table)) subscriptions[topic] = isObject(sub) ? str(sub, 'subString') || '*' : '*';
  }
  return ok({ connections, subscriptions, consumeType: str(o, 'consumeType'), messageModel: str(o, 'messageModel'), consumeFromWhere: str(o, 'consumeFromWhere') });
}
