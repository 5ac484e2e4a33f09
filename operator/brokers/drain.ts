/**
 * What a safe scale-down needs from a broker group's master, over its remoting port: take away (or
 * give back) write permission, and read how far every consumer group is behind on it.
 *
 * Write permission: our broker has no `updateBrokerConfig brokerPermission` (the key is ignored) and
 * the name servers' WIPE_WRITE_PERM_OF_BROKER lasts only until the broker's next data-version change
 * or a name-server restart. So each user topic on the master is updated to read-only
 * (UPDATE_AND_CREATE_TOPIC with the write bit cleared): the change is persisted by the broker,
 * replicated to its slaves, and re-registered with every name server, so producers stop routing to
 * the group while consumers keep reading. Retry and DLQ topics keep their permissions (consumers send
 * failed messages back through them); system topics and templates cannot be changed this way, so a
 * producer relying on topic auto-creation could still create a new topic there (a known gap).
 *
 * Lag: GET_ALL_CONSUMER_OFFSET names every consumer group that committed on this broker;
 * GET_CONSUME_STATS of each gives broker and consumer offsets per queue.
 */
import { isDlqTopic, isRetryTopic, isSystemTopic } from '../../message';
import type { RemotingCommand } from '../../protocol';
import { BrokerPermRequestHeader, CreateTopicRequestHeader, PERM_INHERIT, PERM_WRITE, RequestCode, ResponseCode, defineHeader, makeRequest, parseLenientJson } from '../../protocol';
import { RemotingClient } from '../../remoting';
import type { Result } from '../../stdx';
import { err, ok } from '../../stdx';

export interface GroupLag {
  readonly consumerGroup: string;
  /** Messages not yet consumed, summed over the group's queues on this broker. */
  readonly lag: number;
}

export interface PermissionChange {
  /** Topics whose permission was changed by this call (already right: not listed). */
  readonly changed: readonly string[];
}

export interface BrokerDrainClient {
  /** Sets or clears the write bit of every user topic on the broker at `address` (a master). */
  setWritable(address: string, writable: boolean): Promise<Result<PermissionChange, string>>;
  /** Lag of every consumer group that committed offsets on the broker at `address`. */
  consumerLag(address: string): Promise<Result<readonly GroupLag[], string>>;
  /**
   * WIPE_WRITE_PERM_OF_BROKER / ADD_WRITE_PERM_OF_BROKER at one name server: the write bit of every
   * route entry of `brokerName`, the auto-create template's included. Returns the topics changed.
   */
  setRouteWritable(nameserverAddress: string, brokerName: string, writable: boolean): Promise<Result<number, string>>;
  close(): Promise<void>;
}

const ConsumeStatsHeader = defineHeader<{ consumerGroup: string }>('GetConsumeStatsRequestHeader', {
  consumerGroup: { type: 'string', required: true },
});

const REPLY_TOPIC_SUFFIX = '_REPLY_TOPIC';

interface TopicEntry {
  readonly topicName: string;
  readonly readQueueNums: number;
  readonly writeQueueNums: number;
  readonly perm: number;
  readonly topicFilterType?: string;
  readonly topicSysFlag?: number;
  readonly order?: boolean;
}


export class RemotingBrokerDrainClient implements BrokerDrainClient {
  private readonly remoting = new RemotingClient();

  constructor(private readonly timeoutMs = 3_000) {}

  async setWritable(address: string, writable: boolean): Promise<Result<PermissionChange, string>> {
    const topics = await this.topics(address);
    if (!topics.ok) return topics;
    const changed: string[] = [];
    for (const t of topics.value) {
      if (!isUserTopic(t)) continue;
      const perm = writable ? t.perm | PERM_WRITE : t.perm & ~PERM_WRITE;
      if (perm === t.perm) continue;
      const extFields = CreateTopicRequestHeader.format({
        topic: t.topicName,
        defaultTopic: 'TBW102',
        readQueueNums: t.readQueueNums,
        writeQueueNums: t.writeQueueNums,
        perm,
        topicFilterType: t.topicFilterType ?? 'SINGLE_TAG',
        topicSysFlag: t.topicSysFlag ?? 0,
        order: t.order ?? false,
      });
      const reply = await this.invoke(address, makeRequest(RequestCode.UPDATE_AND_CREATE_TOPIC, { extFields }), `update topic ${t.topicName}`);
      if (!reply.ok) return reply;
      changed.push(t.topicName);
    }
    return ok({ changed });
  }

  async consumerLag(address: string): Promise<Result<readonly GroupLag[], string>> {
    const offsets = await this.invoke(address, makeRequest(RequestCode.GET_ALL_CONSUMER_OFFSET), 'consumer offsets');
    if (!offsets.ok) return offsets;
    const table = parseBody(offsets.value, 'offsetTable');
    if (!table.ok) return table;
    const groups = [...new Set(Object.keys(table.value).map((key) => key.slice(key.lastIndexOf('@') + 1)))].sort();
    const out: GroupLag[] = [];
    for (const consumerGroup of groups) {
      const extFields = ConsumeStatsHeader.format({ consumerGroup });
      const stats = await this.invoke(address, makeRequest(RequestCode.GET_CONSUME_STATS, { extFields }), `consume stats of ${consumerGroup}`);
      if (!stats.ok) return stats;
      const queues = parseBody(stats.value, 'offsetTable');
      if (!queues.ok) return queues;
      let lag = 0;
      for (const v of Object.values(queues.value)) {
        const q = v as { brokerOffset?: unknown; consumerOffset?: unknown };
        if (typeof q.brokerOffset === 'number' && typeof q.consumerOffset === 'number') lag += Math.max(0, q.brokerOffset - q.consumerOffset);
      }
      out.push({ consumerGroup, lag });
    }
    return ok(out);
  }

  async setRouteWritable(nameserverAddress: string, brokerName: string, writable: boolean): Promise<Result<number, string>> {
    const code = writable ? RequestCode.ADD_WRITE_PERM_OF_BROKER : RequestCode.WIPE_WRITE_PERM_OF_BROKER;
    const reply = await this.invoke(nameserverAddress, makeRequest(code, { extFields: BrokerPermRequestHeader.format({ brokerName }) }), `${writable ? 'add' : 'wipe'} write permission of ${brokerName}`);
    if (!reply.ok) return reply;
    const counts = reply.value.extFields ?? {};
    return ok(Number(counts.wipeTopicCount ?? counts.addTopicCount ?? 0));
  }

  async close(): Promise<void> {
    await this.remoting.close();
  }

  private async topics(address: string): Promise<Result<TopicEntry[], string>> {
    const reply = await this.invoke(address, makeRequest(RequestCode.GET_ALL_TOPIC_CONFIG), 'topic configs');
    if (!reply.ok) return reply;
    const table = parseBody(reply.value, 'topicConfigTable');
    if (!table.ok) return table;
    return ok(Object.values(table.value).filter((t): t is TopicEntry & Record<string, unknown> => isTopicEntry(t)));
  }

  private async invoke(address: string, request: RemotingCommand, what: string): Promise<Result<RemotingCommand, string>> {
    const reply = await this.remoting.invoke(address, request, this.timeoutMs);
    if (!reply.ok) return err(`${what} at ${address}: ${reply.error.message}`);
    if (reply.value.code !== ResponseCode.SUCCESS) return err(`${what} at ${address}: code ${reply.value.code} ${reply.value.remark ?? ''}`);
    return ok(reply.value);
  }
}

/**
 * System topics (with the cluster's `<cluster>_REPLY_TOPIC`) cannot be changed through UPDATE_AND_CREATE_TOPIC; templates (the inherit bit: the
 * auto-create topic, the broker's and cluster's own names) are system topics of that kind too.
 */
function isUserTopic(t: TopicEntry): boolean {
  const name = t.topicName;
  return !isRetryTopic(name) && !isDlqTopic(name) && !isSystemTopic(name) && !name.endsWith(REPLY_TOPIC_SUFFIX) && (t.perm & PERM_INHERIT) === 0;
}

function isTopicEntry(t: unknown): t is TopicEntry {
  if (typeof t !== 'object' || t === null) return false;
  const o = t as Record<string, unknown>;
  return typeof o.topicName === 'string' && typeof o.perm === 'number' && typeof o.readQueueNums === 'number' && typeof o.writeQueueNums === 'number';
}

/** The object under `field` of a JSON (or fastjson) body; an absent table is empty. */
function parseBody(reply: RemotingCommand, field: string): Result<Record<string, unknown>, string> {
  if (reply.body === undefined || reply.body.length === 0) return ok({});
  const parsed = parseLenientJson(reply.body.toString('utf8'));
  if (!parsed.ok) return err(`unreadable body: ${parsed.error}`);
  const root = parsed.value;
  if (typeof root !== 'object' || root === null || Array.isArray(root)) return err('the body is not an object');
  const table = root[field];
  if (table === undefined || table === null) return ok({});
  if (typeof table !== 'object' || Array.isArray(table)) return err(`${field} is not an object`);
  return ok(table);
}
