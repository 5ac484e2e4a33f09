/**
 * An in-process RocketMQ cluster for integration tests: one name server and N brokers (`broker-a`,
 * `broker-b`, ...) on 127.0.0.1, free ports and temp dirs, with store files sized for tests. Returns
 * once every broker is registered, so clients can look routes up at once.
 *
 *   const cluster = await startLocalCluster({ brokers: 2 });
 *   // cluster.namesrvAddr -> '127.0.0.1:port'; cluster.brokers[0].addr -> '127.0.0.1:port'
 *   await cluster.close();
 *
 * Set ROCKET_TEST_LOG=debug (or info, warn) to see the servers' JSON logs on stderr.
 */
import * as fs from 'node:fs';
import type { BrokerConfig } from '../broker';
import { Broker, defaultBrokerConfig } from '../broker';
import type { Nameserver } from '../nameserver';
import { startNameserver } from '../nameserver';
import type { LogLevel, ServerLogger } from '../ops';
import { createRootLogger, isLogLevel, silentLogger } from '../ops';
import { tempDir } from './temp';

export interface LocalClusterOptions {
  /** Number of brokers (masters of separate broker groups). Default 1. */
  readonly brokers?: number;
  readonly autoCreateTopicEnable?: boolean;
  readonly flushDiskType?: BrokerConfig['flushDiskType'];
  readonly clusterName?: string;
  /** Config overrides for every broker, or per broker index. */
  readonly brokerOverrides?: Partial<BrokerConfig> | ((index: number) => Partial<BrokerConfig>);
  readonly logger?: ServerLogger;
}

export interface LocalBroker {
  readonly brokerName: string;
  /** `127.0.0.1:port` of the remoting server. */
  readonly addr: string;
  readonly httpPort: number;
  readonly storeDir: string;
  readonly broker: Broker;
}

export interface LocalCluster {
  readonly namesrvAddr: string;
  readonly nameserver: Nameserver;
  readonly brokers: readonly LocalBroker[];
  /** Closes broker `index` and starts it again on the same data dir (new port); returns the new entry. */
  restartBroker(index: number): Promise<LocalBroker>;
  close(): Promise<void>;
}

const MiB = 1024 * 1024;

/** Store sizes small enough for temp dirs: 64 MiB segments, small consume-queue and index files. */
export const TEST_STORE_OVERRIDES: Partial<BrokerConfig> = {
  ioMode: 'fs',
  commitLogSegmentBytes: 64 * MiB,
  consumeQueueEntriesPerFile: 10_000,
  maxHashSlotNum: 10_000,
  maxIndexNum: 40_000,
};

function testLogger(): ServerLogger {
  const level = process.env.ROCKET_TEST_LOG;
  if (level === undefined || !isLogLevel(level)) return silentLogger;
  return createRootLogger({ service: 'local-cluster', level: level as LogLevel, stream: process.stderr });
}

/** The config of a test broker: loopback, free ports, a temp data dir. */
export function localBrokerConfig(index: number, namesrvAddr: readonly string[], overrides: Partial<BrokerConfig> = {}): BrokerConfig {
  const listenPort = overrides.listenPort ?? 0;
  return {
    ...defaultBrokerConfig(),
    ...TEST_STORE_OVERRIDES,
    brokerName: `broker-${String.fromCharCode(97 + (index % 26))}${index >= 26 ? Math.floor(index / 26) : ''}`,
    listenHost: '127.0.0.1',
    listenPort,
    haListenPort: listenPort === 0 ? 0 : listenPort + 1,
    httpPort: listenPort === 0 ? 0 : listenPort + 2,
    brokerIP1: '127.0.0.1',
    brokerIP2: '127.0.0.1',
    namesrvAddr,
    storePathRootDir: overrides.storePathRootDir ?? tempDir('rocket-broker-'),
    // Fast re-registration so tests that restart a name server recover quickly.
    registerIntervalMs: 2000,
    registerTimeoutMs: 3000,
    ...overrides,
  };
}

async function startBroker(config: BrokerConfig, logger: ServerLogger): Promise<LocalBroker> {
  const broker = new Broker(config, { logger, processMetrics: false });
  const started = await broker.start();
  if (!started.ok) throw new Error(`broker ${config.brokerName} did not start: ${started.error}`);
  if (config.namesrvAddr.length > 0 && !(await broker.registered())) {
    await broker.close();
    throw new Error(`broker ${config.brokerName} could not register: ${JSON.stringify(broker.registrations())}`);
  }
  return { brokerName: config.brokerName, addr: started.value.brokerAddr, httpPort: started.value.httpPort, storeDir: config.storePathRootDir, broker };
}

export async function startLocalCluster(options: LocalClusterOptions = {}): Promise<LocalCluster> {
  const logger = options.logger ?? testLogger();
  const dirs: string[] = [];
  const nameserverDir = tempDir('rocket-namesrv-');
  dirs.push(nameserverDir);
  const nameserver = await startNameserver({ dataDir: nameserverDir, logger: logger.child({ server: 'nameserver' }) });
  const namesrvAddr = `${nameserver.address.host}:${nameserver.address.port}`;
  const count = options.brokers ?? 1;
  const configs: BrokerConfig[] = [];
  for (let i = 0; i < count; i++) {
    const perBroker = typeof options.brokerOverrides === 'function' ? options.brokerOverrides(i) : (options.brokerOverrides ?? {});
    const config = localBrokerConfig(i, [namesrvAddr], {
      ...(options.clusterName !== undefined ? { brokerClusterName: options.clusterName } : {}),
      ...(options.autoCreateTopicEnable !== undefined ? { autoCreateTopicEnable: options.autoCreateTopicEnable } : {}),
      ...(options.flushDiskType !== undefined ? { flushDiskType: options.flushDiskType } : {}),
      ...perBroker,
    });
    dirs.push(config.storePathRootDir);
    configs.push(config);
  }
  const brokers: LocalBroker[] = [];
  try {
    for (const config of configs) brokers.push(await startBroker(config, logger.child({ server: config.brokerName })));
  } catch (e) {
    await Promise.all(brokers.map((b) => b.broker.close()));
    await nameserver.close();
    throw e;
  }
  let closed = false;
  return {
    namesrvAddr,
    nameserver,
    brokers,
    async restartBroker(index: number): Promise<LocalBroker> {
      const old = brokers[index];
      if (old === undefined) throw new Error(`no broker ${index}`);
      await old.broker.close();
      const restarted = await startBroker(old.broker.config, logger.child({ server: old.brokerName }));
      brokers[index] = restarted;
      return restarted;
    },
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      await Promise.all(brokers.map((b) => b.broker.close()));
      await nameserver.close();
      for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
