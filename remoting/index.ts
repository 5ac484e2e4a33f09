/**
 * remoting: RocketMQ remoting over TCP. `RemotingServer` (handlers per request code, connection
 * registry, server-initiated requests), `RemotingClient` (a connection per address, correlation by
 * opaque, timeouts), both built on `RemotingConnection` (limits and backpressure). The only door into
 * this folder; imports `protocol`, `stdx` and Node builtins.
 */
export type { ConnectionEvents } from './connection';
export { RemotingConnection, SAME_AS_REQUEST } from './connection';
export { RemotingError, RemotingErrorCode } from './errors';
export type { Logger } from './logger';
export { noopLogger } from './logger';
export type { RequestHandler, SentResponse } from './processors';
export { notSupportedHandler } from './processors';
export type { ListenAddress, RemotingServerEvents, RemotingServerOptions } from './server';
export { DEFAULT_SERVER_OPTIONS, RemotingServer } from './server';
export type { RemotingClientEvents, RemotingClientOptions } from './client';
export { DEFAULT_CLIENT_OPTIONS, RemotingClient, parseAddress } from './client';
