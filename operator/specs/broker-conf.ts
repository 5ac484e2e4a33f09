/**
 * The broker.conf the ConfigMap carries: the keys the operator controls, then the user's overrides
 * from spec.broker.config. Per-pod values (brokerName, brokerIP1, the admin token) come from env,
 * so one ConfigMap serves every group. The broker reads `key=value` lines (RocketMQ's format).
 */
import { createHash } from 'node:crypto';
import type { RocketCluster } from '../api';
import { overrideKeyProblem } from '../api';
import { DATA_DIR, PORTS, brokerNamesrvAddr } from './names';

const FLUSH_DISK_TYPE = { async: 'ASYNC_FLUSH', sync: 'SYNC_FLUSH' } as const;

/** The operator's keys, in the order they are written. */
export function operatorBrokerConfig(c: RocketCluster): Record<string, string> {
  const broker = c.spec.broker;
  return {
    brokerClusterName: c.metadata.name,
    namesrvAddr: brokerNamesrvAddr(c),
    roleSource: 'controller',
    storePathRootDir: DATA_DIR,
    listenHost: '0.0.0.0',
    listenPort: String(PORTS.brokerRemoting),
    haListenPort: String(PORTS.brokerHa),
    httpPort: String(PORTS.brokerHttp),
    flushDiskType: FLUSH_DISK_TYPE[broker.flushMode],
    replicationMode: broker.replicationMode,
    minInSyncReplicas: String(broker.minInSyncReplicas),
  };
}

/**
 * The user's overrides that may be applied, sorted by key so the text (and its hash) does not
 * depend on map order. Keys validation refuses are skipped here as well: a cluster that slipped past
 * validation still gets a broker that starts with the operator's settings.
 */
export function userBrokerConfig(c: RocketCluster): Array<[string, string]> {
  return Object.entries(c.spec.broker.config ?? {})
    .filter(([key, value]) => overrideKeyProblem(key) === undefined && !/[\r\n]/.test(value))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

export function renderBrokerConf(c: RocketCluster): string {
  const lines = [`# RocketCluster ${c.metadata.namespace}/${c.metadata.name}: written by the operator; edit spec.broker.config instead.`];
  for (const [key, value] of Object.entries(operatorBrokerConfig(c))) lines.push(`${key}=${value}`);
  const overrides = userBrokerConfig(c);
  if (overrides.length > 0) lines.push('# spec.broker.config');
  for (const [key, value] of overrides) lines.push(`${key}=${value.trim()}`);
  return `${lines.join('\n')}\n`;
}

/**
 * sha256 of the rendered broker.conf and the image: a pod whose template annotation differs from
 * the current hash runs an old config or image and is due for an ordered restart.
 */
export function configHash(c: RocketCluster): string {
  return createHash('sha256').update(renderBrokerConf(c)).update('\0').update(c.spec.image).digest('hex');
}
