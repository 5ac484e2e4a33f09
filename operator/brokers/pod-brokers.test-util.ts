/**
 * Real in-process brokers standing in for broker pods in tests: roleSource `controller` (they wait
 * for POST /role), an admin token, a temp store that survives a restart (a pod's PVC), free loopback
 * ports. `resolver` maps pod names to the running brokers, so the operator reaches them exactly as it
 * reaches pods; a stopped broker resolves to nothing listening. Tests only.
 */
import type { BrokerConfig } from '../../broker';
import { Broker, secret } from '../../broker';
import { localBrokerConfig } from '../../testing/cluster';
import { tempDir } from '../../testing/temp';
import type { BrokerEndpointResolver, BrokerEndpoints } from './endpoints';

export interface PodBroker {
  readonly podName: string;
  readonly group: string;
  readonly storeDir: string;
  broker: Broker | null;
  endpoints: BrokerEndpoints | null;
}

/** Ports nothing listens on, for a pod whose broker is stopped (its IP answers nothing). */
const DEAD: BrokerEndpoints = { httpUrl: 'http://127.0.0.1:1', address: '127.0.0.1:1', haAddress: '127.0.0.1:1' };

export class PodBrokers {
  private readonly pods = new Map<string, PodBroker>();

  constructor(
    private readonly token: string,
    private readonly overrides: Partial<BrokerConfig> = {},
  ) {}

  /** The operator's resolver: pod name (namespace-qualified) → the broker's addresses. */
  readonly resolver: BrokerEndpointResolver = (pod) => {
    const p = this.pods.get(key(pod.namespace, pod.name));
    if (p === undefined) return null;
    return p.endpoints ?? DEAD;
  };

  /** [namespace, pod] of every running broker. */
  running(): [string, string][] {
    return [...this.pods.entries()].filter(([, p]) => p.broker !== null).map(([k]) => k.split('/') as [string, string]);
  }

  get(namespace: string, podName: string): PodBroker | undefined {
    return this.pods.get(key(namespace, podName));
  }

  /** Starts (or restarts on its old store) the broker of a pod. */
  async start(namespace: string, podName: string, group: string, token = this.token, namesrvAddr: readonly string[] = []): Promise<PodBroker> {
    const k = key(namespace, podName);
    let p = this.pods.get(k);
    if (p === undefined) {
      p = { podName, group, storeDir: tempDir('op-broker-'), broker: null, endpoints: null };
      this.pods.set(k, p);
    }
    if (p.broker !== null) return p;
    const config = localBrokerConfig(0, namesrvAddr, {
      brokerName: group,
      brokerClusterName: namespace,
      roleSource: 'controller',
      adminToken: secret(token),
      haHeartbeatIntervalMs: 200,
      haPeerTimeoutMs: 2000,
      ...this.overrides,
      storePathRootDir: p.storeDir,
    });
    const broker = new Broker(config, { processMetrics: false });
    const started = await broker.start();
    if (!started.ok) throw new Error(`broker for pod ${podName}: ${started.error}`);
    p.broker = broker;
    p.endpoints = { httpUrl: `http://127.0.0.1:${started.value.httpPort}`, address: started.value.brokerAddr, haAddress: started.value.haAddr };
    return p;
  }

  /** Stops a pod's broker (the process died); its store stays for a restart. */
  async stop(namespace: string, podName: string): Promise<void> {
    const p = this.pods.get(key(namespace, podName));
    if (p?.broker == null) return;
    const b = p.broker;
    p.broker = null;
    p.endpoints = null;
    await b.close();
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.pods.values()].map(async (p) => {
      const b = p.broker;
      p.broker = null;
      p.endpoints = null;
      if (b !== null) await b.close();
    }));
  }
}

function key(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}
