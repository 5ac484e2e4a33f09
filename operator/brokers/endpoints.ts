/**
 * Where a broker pod's admin API, remoting and HA ports are. In a cluster that is the pod IP with the
 * fixed container ports of the contract (10911 remoting, 10912 HA, 10913 http); tests inject their own
 * resolver, mapping pod names to in-process brokers listening on free loopback ports.
 */

/** The container ports every broker pod uses (operator contract). */
export const BROKER_PORTS = { remoting: 10911, ha: 10912, http: 10913 } as const;

/** What the operator knows of one broker pod when it needs to reach it. */
export interface BrokerPodRef {
  readonly namespace: string;
  /** Pod name: the controller's replicaId. */
  readonly name: string;
  /** brokerName, `broker-<i>`. */
  readonly group: string;
  /** The pod's ordinal in its StatefulSet. */
  readonly ordinal: number;
  /** The StatefulSet (and headless Service) name, for the DNS fallback. */
  readonly serviceName: string;
  readonly podIP?: string;
}

export interface BrokerEndpoints {
  /** Admin base URL, `http://host:port`. */
  readonly httpUrl: string;
  /** Remoting `host:port`. */
  readonly address: string;
  /** HA `host:port`. */
  readonly haAddress: string;
}

/** Pod → endpoints; null when the pod cannot be reached yet (no IP). */
export type BrokerEndpointResolver = (pod: BrokerPodRef) => BrokerEndpoints | null;

/**
 * The in-cluster resolver: the pod IP, as the broker advertises it (brokerIP1 = POD_IP), so the
 * addresses in its /status match. Without an IP the pod is not running and is not reachable either.
 */
export const podIpResolver: BrokerEndpointResolver = (pod) => {
  if (pod.podIP === undefined || pod.podIP === '') return null;
  const host = pod.podIP.includes(':') ? `[${pod.podIP}]` : pod.podIP;
  return {
    httpUrl: `http://${host}:${BROKER_PORTS.http}`,
    address: `${host}:${BROKER_PORTS.remoting}`,
    haAddress: `${host}:${BROKER_PORTS.ha}`,
  };
};

/** The pod's stable DNS name, `<pod>.<sts>.<ns>.svc`, for callers that want a name rather than an IP. */
export function podDnsName(pod: BrokerPodRef): string {
  return `${pod.name}.${pod.serviceName}.${pod.namespace}.svc`;
}

/** A name server pod: its remoting address, or null without an IP. */
export type NameserverEndpointResolver = (pod: { readonly namespace: string; readonly name: string; readonly podIP?: string }) => string | null;

export const NAMESERVER_PORT = 9876;

export const podIpNameserverResolver: NameserverEndpointResolver = (pod) => {
  if (pod.podIP === undefined || pod.podIP === '') return null;
  return pod.podIP.includes(':') ? `[${pod.podIP}]:${NAMESERVER_PORT}` : `${pod.podIP}:${NAMESERVER_PORT}`;
};
