/**
 * operator/brokers: how the operator talks to broker pods. The admin HTTP API (`GET /status`,
 * `POST /role`, bearer token, timeouts), the remoting calls a scale-down needs (write permission,
 * consumer lag), and the pod → address resolver tests replace with in-process brokers.
 */
export type { BrokerEndpointResolver, BrokerEndpoints, BrokerPodRef, NameserverEndpointResolver } from './endpoints';
export { BROKER_PORTS, NAMESERVER_PORT, podDnsName, podIpNameserverResolver, podIpResolver } from './endpoints';
export type { BrokerAdminClient, HttpBrokerAdminClientOptions } from './admin-client';
export { DEFAULT_ADMIN_TIMEOUT_MS, HttpBrokerAdminClient } from './admin-client';
export type { BrokerDrainClient, GroupLag, PermissionChange } from './drain';
export { RemotingBrokerDrainClient } from './drain';
