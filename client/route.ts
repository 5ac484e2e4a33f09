/**
 * Topic routes from the name servers (FACTS 5.3-5.5), cached per topic and refreshed periodically.
 *
 * - Lookups go to one name server at a time; a name server that cannot be reached is skipped and the
 *   next one in the list is tried (and becomes the preferred one).
 * - Publish queues are the writable queues of brokers that have a master (brokerId 0): a broker group
 *   without a master cannot take writes. Subscribe queues are the readable queues of every broker.
 * - Pulls go to the broker id the last pull response suggested (0 = master), falling back to any
 *   replica when that one is unknown, so consumers keep reading while a master is down.
 * - A topic the name server does not know can be served from the auto-create template (TBW102) when
 *   the caller asks for it: the producer then sends, and the broker creates the topic on first write.
 */
import { EventEmitter } from 'node:events';
import type { BrokerData, RemotingCommand, TopicRouteData } from '../protocol';
import { GetRouteInfoRequestHeader, MASTER_ID, RequestCode, ResponseCode, isReadable, isWritable, makeRequest, parseTopicRouteData } from '../protocol';
import type { RemotingClient } from '../remoting';
import { parseAddress } from '../remoting';
import { assert } from '../stdx';
import type { ClientError } from './errors';
import { BrokerError, ClientErrorCode, ClientError as ClientErrorClass, fromRemotingError, invalidArgument } from './errors';
import type { MessageQueue } from './types';

export interface TopicRoute {
  readonly topic: string;
  readonly data: TopicRouteData;
  /** Writable queues of brokers with a master, sorted by broker name then queue id. */
  readonly publishQueues: readonly MessageQueue[];
  /** Readable queues of every broker, sorted the same way. */
  readonly subscribeQueues: readonly MessageQueue[];
  readonly brokers: ReadonlyMap<string, BrokerData>;
  /** Built from the auto-create template because the topic itself has no route yet. */
  readonly fromTemplate: boolean;
}

export function buildTopicRoute(topic: string, data: TopicRouteData, templateQueueNums?: number): TopicRoute {
  const brokers = new Map<string, BrokerData>();
  for (const broker of data.brokerDatas) brokers.set(broker.brokerName, broker);
  const queueDatas = [...data.queueDatas].sort((a, b) => (a.brokerName < b.brokerName ? -1 : a.brokerName > b.brokerName ? 1 : 0));
  const publishQueues: MessageQueue[] = [];
  const subscribeQueues: MessageQueue[] = [];
  for (const qd of queueDatas) {
    const broker = brokers.get(qd.brokerName);
    if (broker === undefined) continue;
    const writeNums = templateQueueNums === undefined ? qd.writeQueueNums : Math.min(templateQueueNums, qd.readQueueNums);
    if (isWritable(qd.perm) && broker.brokerAddrs[MASTER_ID] !== undefined) {
      for (let queueId = 0; queueId < writeNums; queueId++) publishQueues.push(Object.freeze({ topic, brokerName: qd.brokerName, queueId }));
    }
    if (isReadable(qd.perm) && templateQueueNums === undefined) {
      for (let queueId = 0; queueId < qd.readQueueNums; queueId++) subscribeQueues.push(Object.freeze({ topic, brokerName: qd.brokerName, queueId }));
    }
  }
  return { topic, data, publishQueues, subscribeQueues, brokers, fromTemplate: templateQueueNums !== undefined };
}

/** The master's address of a broker group, if it has one. */
export function masterAddress(brokers: ReadonlyMap<string, BrokerData>, brokerName: string): string | undefined {
  return brokers.get(brokerName)?.brokerAddrs[MASTER_ID];
}

export interface PullTarget {
  readonly addr: string;
  readonly brokerId: number;
}

/**
 * Where to pull from (Java `findBrokerAddressInSubscribe`): the suggested broker id; for a slave id
 * that is gone, the next slave id; then any replica, lowest id first.
 */
export function pullTarget(brokers: ReadonlyMap<string, BrokerData>, brokerName: string, suggestedBrokerId: number): PullTarget | undefined {
  const broker = brokers.get(brokerName);
  if (broker === undefined) return undefined;
  const addrs = broker.brokerAddrs;
  const exact = addrs[suggestedBrokerId];
  if (exact !== undefined) return { addr: exact, brokerId: suggestedBrokerId };
  if (suggestedBrokerId !== MASTER_ID) {
    const next = addrs[suggestedBrokerId + 1];
    if (next !== undefined) return { addr: next, brokerId: suggestedBrokerId + 1 };
  }
  const ids = Object.keys(addrs).map(Number).sort((a, b) => a - b);
  const first = ids[0];
  return first === undefined ? undefined : { addr: addrs[first]!, brokerId: first };
}

/** `a:9876;b:9876`, `a:9876,b:9876` or an array of them. */
export function parseNamesrvAddrs(input: string | readonly string[]): string[] {
  const list = (typeof input === 'string' ? [input] : [...input]).flatMap((s) => s.split(/[;,]/)).map((s) => s.trim()).filter((s) => s !== '');
  // Refused here, where the option is given: otherwise every later request fails with INVALID_ADDRESS.
  for (const addr of list) if (!parseAddress(addr).ok) throw invalidArgument(`namesrvAddr ${JSON.stringify(addr)} is not host:port`);
  return [...new Set(list)];
}

export interface RouteCacheOptions {
  readonly namesrvAddrs: readonly string[];
  readonly timeoutMs: number;
  readonly refreshIntervalMs: number;
}

export interface RouteCacheEvents {
  /** A topic's route was fetched and differs from the cached one. */
  change: [topic: string, route: TopicRoute];
  /** A background refresh failed; the previous route stays in use. */
  warning: [error: ClientError];
}

/** The auto-create template topic and how many queues producers ask for (FACTS 5.5). */
export const AUTO_CREATE_TOPIC = 'TBW102';
export const DEFAULT_TOPIC_QUEUE_NUMS = 4;

export class RouteCache extends EventEmitter<RouteCacheEvents> {
  private readonly routes = new Map<string, TopicRoute>();
  private readonly inflight = new Map<string, Promise<TopicRoute>>();
  private readonly namesrvAddrs: readonly string[];
  private preferred = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly remoting: RemotingClient,
    private readonly options: RouteCacheOptions,
  ) {
    super();
    assert(options.namesrvAddrs.length > 0, 'at least one name server address is required');
    this.namesrvAddrs = options.namesrvAddrs;
  }

  /** Starts the periodic refresh of every cached topic. */
  start(): void {
    if (this.timer !== undefined) return;
    this.timer = setInterval(() => this.refreshAll(), this.options.refreshIntervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  cached(topic: string): TopicRoute | undefined {
    return this.routes.get(topic);
  }

  topics(): string[] {
    return [...this.routes.keys()];
  }

  /** The cached route, fetching it first when there is none. */
  get(topic: string, allowTemplate = false): Promise<TopicRoute> {
    const route = this.routes.get(topic);
    return route !== undefined ? Promise.resolve(route) : this.refresh(topic, allowTemplate);
  }

  /** Fetches the route now; concurrent calls for one topic share one lookup. */
  refresh(topic: string, allowTemplate = false): Promise<TopicRoute> {
    const running = this.inflight.get(topic);
    if (running !== undefined) return running;
    const lookup = this.fetchRoute(topic, allowTemplate).finally(() => this.inflight.delete(topic));
    this.inflight.set(topic, lookup);
    return lookup;
  }

  /** Refreshes in the background; a failure is reported as a warning. */
  refreshSoon(topic: string): void {
    const allowTemplate = this.routes.get(topic)?.fromTemplate === true;
    this.refresh(topic, allowTemplate).catch((error: unknown) => this.warn(error));
  }

  /** Brokers of every cached route, by name (the heartbeat targets). */
  knownBrokers(): Map<string, BrokerData> {
    const out = new Map<string, BrokerData>();
    for (const route of this.routes.values()) for (const [name, broker] of route.brokers) out.set(name, broker);
    return out;
  }

  /** The master address of a broker group, from any cached route. */
  masterOf(brokerName: string): string | undefined {
    for (const route of this.routes.values()) {
      const addr = masterAddress(route.brokers, brokerName);
      if (addr !== undefined) return addr;
    }
    return undefined;
  }

  /**
   * Where a consumer group's offsets of a broker group are read and committed: the master, or while
   * it is gone, a slave (lowest id), which takes commits until the master is back (as Java's
   * RemoteBrokerOffsetStore falls back to any replica).
   */
  offsetBrokerOf(brokerName: string): string | undefined {
    return pullTarget(this.knownBrokers(), brokerName, MASTER_ID)?.addr;
  }

  /** Every address (masters and slaves) of the brokers of every cached route. */
  allBrokerAddrs(): string[] {
    return [...this.knownBrokers().values()].flatMap((broker) => Object.values(broker.brokerAddrs));
  }

  /** Sends a request to the name servers, trying each in turn until one answers (any response code). */
  async invokeNamesrv(request: RemotingCommand, what: string): Promise<{ response: RemotingCommand; addr: string }> {
    let lastError: ClientError | undefined;
    for (let i = 0; i < this.namesrvAddrs.length; i++) {
      const index = (this.preferred + i) % this.namesrvAddrs.length;
      const addr = this.namesrvAddrs[index]!;
      const result = await this.remoting.invoke(addr, request, this.options.timeoutMs);
      if (result.ok) {
        this.preferred = index;
        return { response: result.value, addr };
      }
      lastError = fromRemotingError(result.error, what);
    }
    throw new ClientErrorClass(ClientErrorCode.NAMESRV_UNAVAILABLE, `${what}: no name server answered (${this.namesrvAddrs.join(', ')}): ${lastError?.message ?? ''}`, { cause: lastError });
  }

  /** The raw route data, or undefined when the name server does not know the topic. */
  async fetchRouteData(topic: string): Promise<TopicRouteData | undefined> {
    const request = makeRequest(RequestCode.GET_ROUTEINFO_BY_TOPIC, { extFields: GetRouteInfoRequestHeader.format({ topic }) });
    const { response, addr } = await this.invokeNamesrv(request, `route of ${topic}`);
    if (response.code === ResponseCode.TOPIC_NOT_EXIST) return undefined;
    if (response.code !== ResponseCode.SUCCESS) throw new BrokerError(response.code, response.remark, addr, `route of ${topic}`);
    const parsed = parseTopicRouteData(response.body);
    if (!parsed.ok) throw new ClientErrorClass(ClientErrorCode.BAD_RESPONSE, `route of ${topic} from ${addr}: ${parsed.error}`);
    return parsed.value;
  }

  private async fetchRoute(topic: string, allowTemplate: boolean): Promise<TopicRoute> {
    const data = await this.fetchRouteData(topic);
    let route: TopicRoute;
    if (data !== undefined) {
      route = buildTopicRoute(topic, data);
    } else {
      const template = allowTemplate ? await this.fetchRouteData(AUTO_CREATE_TOPIC) : undefined;
      if (template === undefined) {
        throw new ClientErrorClass(ClientErrorCode.TOPIC_NOT_FOUND, `topic ${topic} has no route on the name servers${allowTemplate ? ` and there is no ${AUTO_CREATE_TOPIC} template` : ''}`);
      }
      route = buildTopicRoute(topic, template, DEFAULT_TOPIC_QUEUE_NUMS);
    }
    const previous = this.routes.get(topic);
    this.routes.set(topic, route);
    if (previous === undefined || JSON.stringify(previous.data) !== JSON.stringify(route.data) || previous.fromTemplate !== route.fromTemplate) {
      this.emit('change', topic, route);
    }
    return route;
  }

  private refreshAll(): void {
    for (const topic of this.routes.keys()) this.refreshSoon(topic);
  }

  private warn(error: unknown): void {
    const clientError = error instanceof ClientErrorClass ? error : new ClientErrorClass(ClientErrorCode.BAD_RESPONSE, String(error));
    if (this.listenerCount('warning') > 0) this.emit('warning', clientError);
  }
}
