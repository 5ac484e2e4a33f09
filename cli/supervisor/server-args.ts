/**
 * The command lines of the server entries (nameserver/main.ts, broker/main.ts): the one place that
 * knows their flag names (nameserver/config.ts, broker/config/fields.ts: a key `listenPort` is the
 * flag `--listen-port`). Pure.
 */

export const READY_MESSAGES = {
  nameserver: 'nameserver ready',
  broker: 'broker ready',
} as const;

export interface NameserverArgsInput {
  readonly host: string;
  readonly remotingPort: number;
  readonly httpPort: number;
  readonly dataDir: string;
}

export function nameserverArgs(o: NameserverArgsInput): string[] {
  return ['--host', o.host, '--listen-port', String(o.remotingPort), '--http-port', String(o.httpPort), '--data-dir', o.dataDir];
}

export interface BrokerArgsInput {
  readonly host: string;
  readonly remotingPort: number;
  readonly haPort: number;
  readonly httpPort: number;
  readonly clusterName: string;
  readonly brokerName: string;
  readonly brokerId: number;
  readonly namesrvAddr: string;
  readonly storeDir: string;
}

export function brokerArgs(o: BrokerArgsInput): string[] {
  return [
    '--broker-cluster-name', o.clusterName,
    '--broker-name', o.brokerName,
    '--broker-id', String(o.brokerId),
    '--namesrv-addr', o.namesrvAddr,
    '--listen-host', o.host,
    '--broker-ip1', o.host,
    '--listen-port', String(o.remotingPort),
    '--ha-listen-port', String(o.haPort),
    '--http-port', String(o.httpPort),
    '--store-path-root-dir', o.storeDir,
  ];
}
