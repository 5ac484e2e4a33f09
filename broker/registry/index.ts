/**
 * broker/registry: keeps the broker registered with every configured name server (every address of
 * a name server given by host name). The folder's only door.
 */
export type { BrokerIdentity, HostResolver, NameserverRegistryOptions, RegistrationStatus } from './nameserver-registry';
export { NameserverRegistry, systemResolver } from './nameserver-registry';
