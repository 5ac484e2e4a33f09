/**
 * Port layout of a local cluster. With the default base (9876) every process gets the port RocketMQ
 * users expect: nameserver 9876 (+ HTTP 9877), first broker 10911, its HA port 10912 and HTTP admin
 * 10913; further brokers step by 10 (10921, 10931...), as RocketMQ's own multi-broker samples do.
 * `--base-port` shifts the whole layout by the same amount, so two clusters (or a test) can run side
 * by side. Pure.
 */
import { assert } from '../../stdx';

export const DEFAULT_BASE_PORT = 9876;
/** Distance from the nameserver port to the first broker's listen port (10911 - 9876). */
export const BROKER_PORT_OFFSET = 1035;
/** Distance between consecutive brokers' listen ports. */
export const BROKER_PORT_STEP = 10;
export const MAX_PORT = 65535;

export interface NameserverPorts {
  readonly remotingPort: number;
  readonly httpPort: number;
}

export interface BrokerPorts {
  readonly remotingPort: number;
  /** Master/slave replication; listen + 1 as in RocketMQ. */
  readonly haPort: number;
  /** Admin API, /metrics and /healthz; listen + 2. */
  readonly httpPort: number;
}

export function nameserverPorts(basePort: number): NameserverPorts {
  return { remotingPort: basePort, httpPort: basePort + 1 };
}

/** `brokerIndex` counts brokers across groups and replicas in start order, from 0. */
export function brokerPorts(basePort: number, brokerIndex: number): BrokerPorts {
  assert(Number.isInteger(brokerIndex) && brokerIndex >= 0, 'broker index must be a non-negative integer');
  const remotingPort = basePort + BROKER_PORT_OFFSET + BROKER_PORT_STEP * brokerIndex;
  return { remotingPort, haPort: remotingPort + 1, httpPort: remotingPort + 2 };
}

/** The highest port a layout with `brokerCount` brokers uses. */
export function highestPort(basePort: number, brokerCount: number): number {
  return brokerCount === 0 ? nameserverPorts(basePort).httpPort : brokerPorts(basePort, brokerCount - 1).httpPort;
}

/** Why a base port cannot hold the layout, or undefined when it can. */
export function checkBasePort(basePort: number, brokerCount: number): string | undefined {
  if (!Number.isInteger(basePort) || basePort < 1) return `base port must be a positive integer, got ${basePort}`;
  const top = highestPort(basePort, brokerCount);
  if (top > MAX_PORT) return `base port ${basePort} is too high: the layout needs ports up to ${top} (max ${MAX_PORT})`;
  return undefined;
}
