/**
 * Who is connected, per consumer and producer group (FACTS 6.1). HEART_BEAT registers a connection
 * with its client id and, for consumers, the group's subscriptions; the connection leaves its groups
 * on UNREGISTER_CLIENT, when it closes, or after `consumerChannelExpiryMs` without a heartbeat (then it
 * is closed). When a consumer group gains or loses a member, or its subscriptions change, every
 * remaining member gets NOTIFY_CONSUMER_IDS_CHANGED (oneway; nobody waits for an answer, ali-ons never
 * sends one) so it rebalances at once instead of at its next periodic rebalance.
 *
 * Channels are keyed by connection: one ali-ons process shares one connection and client id across
 * all its groups, so a connection may sit in many groups, and the reverse index makes a close cost
 * only the groups it was in.
 */
import type { ConsumerData, RemotingCommand, SubscriptionData } from '../../protocol';
import { RequestCode, makeRequest } from '../../protocol';
import type { RemotingConnection } from '../../remoting';
import type { ServerLogger } from '../../ops';
import type { PullSubscription } from './filter';
import { subscriptionFromHeartbeat } from './filter';

/** Limits on what heartbeats can make us hold. */
export const MAX_CONSUMER_GROUPS = 100_000;
export const MAX_CHANNELS_PER_GROUP = 10_000;
export const MAX_SUBSCRIPTIONS_PER_GROUP = 10_000;

export interface ClientChannel {
  readonly connection: RemotingConnection;
  clientId: string;
  language: string;
  version: number;
  /** Monotonic ms of the last heartbeat. */
  lastUpdateMs: number;
}

export interface RegisteredSubscription {
  readonly data: SubscriptionData;
  /** What pulls use; a string when the expression does not parse (pulls then fail with that reason). */
  readonly pull: PullSubscription | string;
}

export interface ConsumerGroupInfo {
  readonly groupName: string;
  consumeType: string;
  messageModel: string;
  consumeFromWhere: string;
  readonly channels: Map<number, ClientChannel>;
  readonly subscriptions: Map<string, RegisteredSubscription>;
}

export interface ChannelIdentity {
  readonly connection: RemotingConnection;
  readonly clientId: string;
  readonly language: string;
  readonly version: number;
}

interface ConnectionGroups {
  readonly consumers: Set<string>;
  readonly producers: Set<string>;
}

export class ConsumerManager {
  private readonly consumers = new Map<string, ConsumerGroupInfo>();
  private readonly producers = new Map<string, Map<number, ClientChannel>>();
  private readonly byConnection = new Map<number, ConnectionGroups>();

  constructor(
    private readonly logger: ServerLogger,
    private readonly monotonicMs: () => number,
    /** Whether a group wants NOTIFY_CONSUMER_IDS_CHANGED (its subscription group config). */
    private readonly notifyEnabled: (group: string) => boolean,
  ) {}

  group(group: string): ConsumerGroupInfo | undefined {
    return this.consumers.get(group);
  }

  groups(): IterableIterator<ConsumerGroupInfo> {
    return this.consumers.values();
  }

  /** Sorted, distinct client ids of a group's live members (GET_CONSUMER_LIST_BY_GROUP). */
  consumerIds(group: string): string[] | undefined {
    const info = this.consumers.get(group);
    if (info === undefined) return undefined;
    return [...new Set([...info.channels.values()].map((c) => c.clientId))].sort();
  }

  findSubscription(group: string, topic: string): RegisteredSubscription | undefined {
    return this.consumers.get(group)?.subscriptions.get(topic);
  }

  /** Groups with a live member subscribed to `topic`. */
  groupsSubscribedTo(topic: string): string[] {
    const out: string[] = [];
    for (const info of this.consumers.values()) if (info.subscriptions.has(topic)) out.push(info.groupName);
    return out;
  }

  /** Registers one consumer group of a heartbeat; a string explains a refusal (a limit). */
  registerConsumer(data: ConsumerData, who: ChannelIdentity): string | undefined {
    if (data.subscriptionDataSet.length > MAX_SUBSCRIPTIONS_PER_GROUP) return `more than ${MAX_SUBSCRIPTIONS_PER_GROUP} subscriptions in group ${data.groupName}`;
    let info = this.consumers.get(data.groupName);
    if (info === undefined) {
      if (this.consumers.size >= MAX_CONSUMER_GROUPS) return `more than ${MAX_CONSUMER_GROUPS} consumer groups`;
      info = {
        groupName: data.groupName,
        consumeType: data.consumeType,
        messageModel: data.messageModel,
        consumeFromWhere: data.consumeFromWhere,
        channels: new Map(),
        subscriptions: new Map(),
      };
      this.consumers.set(data.groupName, info);
    }
    info.consumeType = data.consumeType;
    info.messageModel = data.messageModel;
    info.consumeFromWhere = data.consumeFromWhere;
    const joined = this.updateChannel(info.channels, who);
    if (joined === undefined) return `more than ${MAX_CHANNELS_PER_GROUP} connections in group ${data.groupName}`;
    this.indexOf(who.connection.id).consumers.add(data.groupName);
    const subscriptionsChanged = updateSubscriptions(info.subscriptions, data.subscriptionDataSet);
    if (joined || subscriptionsChanged) this.notifyGroup(info);
    return undefined;
  }

  registerProducer(group: string, who: ChannelIdentity): string | undefined {
    let channels = this.producers.get(group);
    if (channels === undefined) {
      if (this.producers.size >= MAX_CONSUMER_GROUPS) return `more than ${MAX_CONSUMER_GROUPS} producer groups`;
      channels = new Map();
      this.producers.set(group, channels);
    }
    if (this.updateChannel(channels, who) === undefined) return `more than ${MAX_CHANNELS_PER_GROUP} connections in producer group ${group}`;
    this.indexOf(who.connection.id).producers.add(group);
    return undefined;
  }

  unregisterConsumer(group: string, connection: RemotingConnection): void {
    this.removeConsumerChannel(group, connection.id);
    this.byConnection.get(connection.id)?.consumers.delete(group);
    this.dropIndexIfEmpty(connection.id);
  }

  unregisterProducer(group: string, connection: RemotingConnection): void {
    this.removeProducerChannel(group, connection.id);
    this.byConnection.get(connection.id)?.producers.delete(group);
    this.dropIndexIfEmpty(connection.id);
  }

  /** A connection closed: it leaves every group; remaining members are told. */
  connectionClosed(connectionId: number): void {
    const index = this.byConnection.get(connectionId);
    if (index === undefined) return;
    this.byConnection.delete(connectionId);
    for (const group of index.consumers) this.removeConsumerChannel(group, connectionId);
    for (const group of index.producers) this.removeProducerChannel(group, connectionId);
  }

  /** Closes connections silent for longer than `expiryMs`; the close then removes them. Returns how many. */
  closeExpired(expiryMs: number): number {
    const now = this.monotonicMs();
    const expired = new Map<number, RemotingConnection>();
    const visit = (channel: ClientChannel): void => {
      if (now - channel.lastUpdateMs > expiryMs) expired.set(channel.connection.id, channel.connection);
    };
    for (const info of this.consumers.values()) info.channels.forEach(visit);
    for (const channels of this.producers.values()) channels.forEach(visit);
    for (const connection of expired.values()) {
      this.logger.info('closing a client connection without heartbeat', { remoteAddress: connection.remoteAddress, expiryMs });
      // Remove first: a connection that is already closed emits no second close event.
      this.connectionClosed(connection.id);
      connection.close(`no heartbeat for ${expiryMs} ms`);
    }
    return expired.size;
  }

  /** Live connections per consumer group (metrics). */
  connectionCounts(): Map<string, number> {
    const out = new Map<string, number>();
    for (const info of this.consumers.values()) out.set(info.groupName, info.channels.size);
    return out;
  }

  get trackedConnections(): number {
    return this.byConnection.size;
  }

  private updateChannel(channels: Map<number, ClientChannel>, who: ChannelIdentity): boolean | undefined {
    const existing = channels.get(who.connection.id);
    const now = this.monotonicMs();
    if (existing !== undefined) {
      existing.lastUpdateMs = now;
      const renamed = existing.clientId !== who.clientId;
      existing.clientId = who.clientId;
      existing.language = who.language;
      existing.version = who.version;
      return renamed;
    }
    if (channels.size >= MAX_CHANNELS_PER_GROUP) return undefined;
    channels.set(who.connection.id, { connection: who.connection, clientId: who.clientId, language: who.language, version: who.version, lastUpdateMs: now });
    return true;
  }

  private removeConsumerChannel(group: string, connectionId: number): void {
    const info = this.consumers.get(group);
    if (info === undefined || !info.channels.delete(connectionId)) return;
    if (info.channels.size === 0) {
      this.consumers.delete(group);
      return;
    }
    this.notifyGroup(info);
  }

  private removeProducerChannel(group: string, connectionId: number): void {
    const channels = this.producers.get(group);
    if (channels === undefined) return;
    channels.delete(connectionId);
    if (channels.size === 0) this.producers.delete(group);
  }

  private indexOf(connectionId: number): ConnectionGroups {
    let index = this.byConnection.get(connectionId);
    if (index === undefined) {
      index = { consumers: new Set(), producers: new Set() };
      this.byConnection.set(connectionId, index);
    }
    return index;
  }

  private dropIndexIfEmpty(connectionId: number): void {
    const index = this.byConnection.get(connectionId);
    if (index !== undefined && index.consumers.size === 0 && index.producers.size === 0) this.byConnection.delete(connectionId);
  }

  /** Upstream tells every member, the one that just joined included. */
  private notifyGroup(info: ConsumerGroupInfo): void {
    if (!this.notifyEnabled(info.groupName)) return;
    const request: RemotingCommand = makeRequest(RequestCode.NOTIFY_CONSUMER_IDS_CHANGED, { extFields: { consumerGroup: info.groupName } });
    for (const channel of info.channels.values()) {
      if (channel.connection.isClosed) continue;
      const sent = channel.connection.invokeOneway(request);
      if (!sent.ok) {
        this.logger.debug('NOTIFY_CONSUMER_IDS_CHANGED not sent', { group: info.groupName, clientId: channel.clientId, reason: sent.error.message });
      }
    }
  }
}

/**
 * Applies a heartbeat's subscriptions to the group, as upstream's ConsumerGroupInfo does: new topics
 * are added, a newer subVersion replaces a topic's entry, topics no longer listed are dropped. Returns
 * whether the set of topics changed.
 */
function updateSubscriptions(table: Map<string, RegisteredSubscription>, incoming: readonly SubscriptionData[]): boolean {
  let changed = false;
  const seen = new Set<string>();
  for (const data of incoming) {
    seen.add(data.topic);
    const old = table.get(data.topic);
    if (old === undefined) {
      table.set(data.topic, { data, pull: subscriptionFromHeartbeat(data) });
      changed = true;
    } else if (data.subVersion > old.data.subVersion) {
      table.set(data.topic, { data, pull: subscriptionFromHeartbeat(data) });
    }
  }
  for (const topic of [...table.keys()]) {
    if (!seen.has(topic)) {
      table.delete(topic);
      changed = true;
    }
  }
  return changed;
}
