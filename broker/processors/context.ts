/**
 * What the request processors share: config, store, topic table, metrics and the broker's identity
 * on the wire (store host, offset message id prefix). Built by the Broker; the store host is filled in
 * once the remoting server listens, because with port 0 the port is only known then.
 */
import type { HostAddress } from '../../message';
import { OffsetMsgIdJoiner, UniqIdGenerator, encodeOffsetMsgId, hostFromSocket, parseHostAddress } from '../../message';
import type { ServerLogger } from '../../ops';
import type { RemotingConnection } from '../../remoting';
import type { Clock } from '../../stdx';
import { assert } from '../../stdx';
import type { BrokerConfig } from '../config';
import type { TopicConfigManager } from '../metadata';
import type { BrokerMetrics } from '../metrics';
import type { MessageStore } from '../store';

/** Replication's say on writes (broker/ha implements it); absent, the broker is a standalone master. */
export interface ReplicationGate {
  /** Why writes are refused now (not master, fenced); undefined when they are taken. */
  writeRefusal(): string | undefined;
  /** After a put: SUCCESS, SLAVE_NOT_AVAILABLE or FLUSH_SLAVE_TIMEOUT (a number when known at once). */
  replicated(endCommitLogOffset: number): number | Promise<number>;
}

export interface ProcessorDeps {
  readonly config: BrokerConfig;
  readonly store: MessageStore;
  readonly topics: TopicConfigManager;
  readonly metrics: BrokerMetrics;
  readonly clock: Clock;
  readonly logger: ServerLogger;
  readonly replication?: ReplicationGate;
  /** After DELETE_TOPIC_IN_BROKER: the consume side forgets the topic's committed offsets. */
  readonly onTopicDeleted?: (topic: string) => void;
}

export class ProcessorContext {
  readonly config: BrokerConfig;
  readonly store: MessageStore;
  readonly topics: TopicConfigManager;
  readonly metrics: BrokerMetrics;
  readonly clock: Clock;
  readonly logger: ServerLogger;
  readonly replication: ReplicationGate | undefined;
  readonly onTopicDeleted: ((topic: string) => void) | undefined;
  readonly startedAtMs: number;
  /** Unique ids for messages that arrive without UNIQ_KEY. */
  readonly uniqIds: UniqIdGenerator;
  /** False after the store refused a write for lack of disk, until a write succeeds again. */
  storeWritable = true;
  private host: HostAddress | undefined;
  private msgIdPrefix = '';
  private idJoiner: OffsetMsgIdJoiner | undefined;
  private readonly bornHosts = new WeakMap<RemotingConnection, HostAddress>();

  constructor(deps: ProcessorDeps) {
    this.config = deps.config;
    this.store = deps.store;
    this.topics = deps.topics;
    this.metrics = deps.metrics;
    this.clock = deps.clock;
    this.logger = deps.logger;
    this.replication = deps.replication;
    this.onTopicDeleted = deps.onTopicDeleted;
    this.startedAtMs = deps.clock.nowMs();
    this.uniqIds = new UniqIdGenerator(deps.clock, parseIp(deps.config.brokerIP1).address);
  }

  /** brokerIP1 + the port the server actually listens on. */
  setListenPort(port: number): void {
    this.host = { address: parseIp(this.config.brokerIP1).address, port };
    // An offset message id is host bytes + port + offset; the first two never change.
    const id = encodeOffsetMsgId(this.host, 0);
    this.msgIdPrefix = id.slice(0, id.length - 16);
    this.idJoiner = new OffsetMsgIdJoiner(this.host);
  }

  get storeHost(): HostAddress {
    assert(this.host !== undefined, 'the store host is known once the server listens');
    return this.host;
  }

  /** `brokerIP1:port`, the address clients and name servers know this broker by. */
  get brokerAddr(): string {
    const host = this.storeHost;
    return host.address.length === 4 ? `${this.config.brokerIP1}:${host.port}` : `[${this.config.brokerIP1}]:${host.port}`;
  }

  /** The offset message id of a record stored at `commitLogOffset` (FACTS 1.6). */
  offsetMsgId(commitLogOffset: number): string {
    return this.msgIdPrefix + offsetHex(commitLogOffset);
  }

  /** The offset message ids of `records`, comma-separated (a batch's SEND_BATCH_MESSAGE answer). */
  offsetMsgIds(records: readonly { readonly commitLogOffset: number }[]): string {
    assert(this.idJoiner !== undefined, 'the store host is known once the server listens');
    return this.idJoiner.join(records);
  }

  /** The producer's address as RocketMQ stores it in BORNHOST; parsed once per connection. */
  bornHostOf(connection: RemotingConnection): HostAddress {
    let host = this.bornHosts.get(connection);
    if (host === undefined) {
      host = parseRemoteAddress(connection.remoteAddress);
      this.bornHosts.set(connection, host);
    }
    return host;
  }
}

function parseIp(ip: string): HostAddress {
  const parsed = parseHostAddress(ip.includes(':') ? `[${ip}]:0` : `${ip}:0`);
  assert(parsed.ok, `brokerIP1 ${ip} was validated as an IP address`);
  return parsed.value;
}

/** `1.2.3.4:5` or `[::1]:5` as RemotingConnection prints it. */
function parseRemoteAddress(addr: string): HostAddress {
  const colon = addr.lastIndexOf(':');
  const port = Number(addr.slice(colon + 1));
  let ip = addr.slice(0, colon);
  if (ip.startsWith('[')) ip = ip.slice(1, -1);
  if (colon < 0 || !Number.isInteger(port) || ip === 'unknown') return { address: Buffer.alloc(4), port: 0 };
  return hostFromSocket(ip, port);
}

const HEX_DIGITS = '0000000000000000';

/** The 8-byte commit-log offset as 16 uppercase hex digits. */
function offsetHex(commitLogOffset: number): string {
  const hex = commitLogOffset.toString(16).toUpperCase();
  return HEX_DIGITS.slice(hex.length) + hex;
}
