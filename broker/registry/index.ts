/**
 * broker/registry: keeps the broker registered with every configured name server. The folder's only
 * door.
 */
export type { BrokerIdentity, NameserverRegistryOptions, RegistrationStatus } from './nameserver-registry';
export { NameserverRegistry } from './nameserver-registry';
