/**
 * nameserver: RocketMQ's name server. Brokers register their topics here; clients ask it for topic
 * routes. `RouteTable` is the pure heart (register, expiry, routes, cluster info, write-perm admin),
 * `Nameserver` the server around it (remoting handlers, KV config file, HTTP /metrics + /healthz),
 * `main.ts` the `rocket-nameserver` process. The only door into this folder.
 */
import { assert } from '../stdx';
import type { NameserverConfig } from './config';
import { validateNameserverConfig } from './config';
import type { NameserverDeps } from './nameserver';
import { Nameserver } from './nameserver';

export type { ConfigLoad, ConfigSources, NameserverConfig, NameserverConfigKey } from './config';
export {
  CONFIG_FILE_ENV,
  ENV_PREFIX,
  defaultNameserverConfig,
  describeNameserverConfig,
  envNameOf,
  flagOf,
  loadNameserverConfig,
  validateNameserverConfig,
} from './config';
export type { NameserverDeps } from './nameserver';
export { Nameserver } from './nameserver';
export type {
  BrokerIdentity,
  BrokerRegistration,
  LiveBrokerInfo,
  RegisterOutcome,
  RemovedBroker,
  RouteTableOptions,
  RouteTableStats,
  TopicQueueConfig,
} from './route-table';
export { DEFAULT_BROKER_EXPIRY_MS, RouteTable } from './route-table';
export type { KvSnapshot } from './kv-config';
export { KvConfigTable, MAX_KV_ENTRIES, ORDER_TOPIC_CONFIG_NAMESPACE } from './kv-config';
export { KvConfigStore } from './kv-store';
export { NAMESERVER_HANDLERS, registerNameserverProcessors } from './processors';
export type { NameserverContext } from './processor-kit';
export { routeJsonStyleFor } from './route-processors';
export type { DecodedRegisterBody } from './register-body';
export { decodeRegisterBody, parseTopicConfigText, registerBodyCrc32 } from './register-body';

export interface StartNameserverOptions extends Partial<NameserverConfig>, NameserverDeps {}

/**
 * Validates the options over the defaults, starts a name server and returns it running. Meant for
 * tests and the local supervisor: it binds 127.0.0.1 on free ports unless told otherwise, needs a
 * `dataDir` (or `kvConfigPath`) so nothing lands in the home directory by accident, and throws when
 * the options are invalid or a port cannot be bound.
 */
export async function startNameserver(options: StartNameserverOptions): Promise<Nameserver> {
  const { logger, clock, registry, ...overrides } = options;
  assert(overrides.dataDir !== undefined || overrides.kvConfigPath !== undefined, 'startNameserver needs a dataDir or kvConfigPath');
  const config = validateNameserverConfig({ host: '127.0.0.1', listenPort: 0, httpPort: 0, ...overrides });
  if (!config.ok) throw new Error(`invalid nameserver options: ${config.error.join('; ')}`);
  const deps: NameserverDeps = {};
  if (logger !== undefined) deps.logger = logger;
  if (clock !== undefined) deps.clock = clock;
  if (registry !== undefined) deps.registry = registry;
  const nameserver = new Nameserver(config.value, deps);
  const started = await nameserver.start();
  if (!started.ok) throw new Error(`nameserver did not start: ${started.error}`);
  return nameserver;
}
