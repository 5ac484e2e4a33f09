/**
 * The remoting server: accepts TCP connections, dispatches each request to the handler registered for
 * its code, and keeps a registry of live connections so the broker can track clients and push requests
 * to them (NOTIFY_CONSUMER_IDS_CHANGED, CHECK_TRANSACTION_STATE) through `RemotingConnection.invoke*`.
 *
 * Failure handling: an unknown code is answered with REQUEST_CODE_NOT_SUPPORTED; a handler that throws
 * produces SYSTEM_ERROR and the server carries on; a malformed frame closes only that connection, with
 * the reason logged. The constructor does no I/O; `start` listens and `close` stops.
 */
import { EventEmitter } from 'node:events';
import type { Server, Socket } from 'node:net';
import { createServer } from 'node:net';
import type { SerializeTypeCode } from '../protocol';
import { DEFAULT_MAX_FRAME_BYTES, SerializeType } from '../protocol';
import type { Result } from '../stdx';
import { assert, err, ok } from '../stdx';
import type { ConnectionOptions } from './connection';
import type { SAME_AS_REQUEST } from './connection';
import { RemotingConnection } from './connection';
import { RemotingError, RemotingErrorCode } from './errors';
import type { Logger } from './logger';
import { noopLogger } from './logger';
import type { RequestHandler } from './processors';
import { ProcessorTable } from './processors';
import { definedOnly } from './options';

export interface RemotingServerOptions {
  /** Largest frame accepted or sent, length word included. */
  maxFrameBytes?: number;
  /** Connections beyond this are dropped on accept. */
  maxConnections?: number;
  /** Requests of one connection handled concurrently; past it the connection is not read. */
  maxInflightRequestsPerConnection?: number;
  /** Frame bytes of one connection's requests being handled; past it the connection is not read. */
  maxInflightBytesPerConnection?: number;
  /** Server-initiated requests awaiting a response, per connection. */
  maxPendingRequestsPerConnection?: number;
  /** Server-initiated requests are refused while a connection has more unsent bytes than this. */
  maxWriteBufferBytes?: number;
  /** Close connections silent for this long (Java: 120 s); 0 = never. */
  idleTimeoutMs?: number;
  /** JSON by default, which every client reads (ali-ons reads nothing else). */
  responseSerializeType?: SerializeTypeCode | typeof SAME_AS_REQUEST;
  /**
   * After writing answers, keep the event loop polling up to this many µs for the next request instead
   * of sleeping, while that pays (see spin.ts): it nearly halves a request-response round trip on VMs.
   * 0 = off. Default 100.
   */
  spinAfterWriteUs?: number;
  logger?: Logger;
}

export const DEFAULT_SERVER_OPTIONS = {
  maxFrameBytes: DEFAULT_MAX_FRAME_BYTES,
  maxConnections: 10_000,
  maxInflightRequestsPerConnection: 1024,
  maxInflightBytesPerConnection: 64 * 1024 * 1024,
  maxPendingRequestsPerConnection: 1024,
  maxWriteBufferBytes: 32 * 1024 * 1024,
  idleTimeoutMs: 120_000,
  responseSerializeType: SerializeType.JSON,
  spinAfterWriteUs: 100,
} as const;

export interface ListenAddress {
  readonly host: string;
  readonly port: number;
}

export interface RemotingServerEvents {
  connect: [connection: RemotingConnection];
  close: [connection: RemotingConnection, reason: string];
}

export class RemotingServer extends EventEmitter<RemotingServerEvents> {
  private readonly processors = new ProcessorTable();
  private readonly registry = new Map<number, RemotingConnection>();
  private readonly connectionOptions: ConnectionOptions;
  private readonly maxConnections: number;
  private readonly logger: Logger;
  private server: Server | undefined;
  private listenAddress: ListenAddress | undefined;
  private nextConnectionId = 1;
  private closing = false;

  constructor(options: RemotingServerOptions = {}) {
    super();
    const o = { ...DEFAULT_SERVER_OPTIONS, ...definedOnly(options) };
    this.logger = options.logger ?? noopLogger;
    this.maxConnections = o.maxConnections;
    assert(o.maxConnections > 0, 'maxConnections must be positive');
    this.connectionOptions = {
      maxFrameBytes: o.maxFrameBytes,
      maxPendingRequests: o.maxPendingRequestsPerConnection,
      maxInflightRequests: o.maxInflightRequestsPerConnection,
      maxInflightBytes: o.maxInflightBytesPerConnection,
      maxWriteBufferBytes: o.maxWriteBufferBytes,
      pauseReadsOnWriteBackpressure: true,
      requestSerializeType: SerializeType.JSON,
      responseSerializeType: o.responseSerializeType,
      idleTimeoutMs: o.idleTimeoutMs,
      spinAfterWriteUs: o.spinAfterWriteUs,
      logger: this.logger,
      handler: this.processors.dispatch,
    };
  }

  /** Registers the handler of one request code; each code once. */
  register(code: number, handler: RequestHandler): void {
    this.processors.register(code, handler);
  }

  /** Replaces the answer for unregistered codes (REQUEST_CODE_NOT_SUPPORTED by default). */
  setDefaultHandler(handler: RequestHandler): void {
    this.processors.setDefault(handler);
  }

  /** Listens; port 0 picks a free port, reported in the result. */
  start(port = 0, host = '0.0.0.0'): Promise<Result<ListenAddress, RemotingError>> {
    assert(this.server === undefined, 'RemotingServer.start called twice');
    const server = createServer((socket) => this.accept(socket));
    server.maxConnections = this.maxConnections;
    server.on('drop', (data) => {
      this.logger.warn('connection dropped: too many connections', { remoteAddress: data?.remoteAddress, maxConnections: this.maxConnections });
    });
    this.server = server;
    return new Promise((resolve) => {
      const onError = (error: Error): void => {
        this.server = undefined;
        resolve(err(new RemotingError(RemotingErrorCode.LISTEN_FAILED, `cannot listen on ${host}:${port}: ${error.message}`)));
      };
      server.once('error', onError);
      server.listen(port, host, () => {
        server.off('error', onError);
        server.on('error', (error) => this.logger.error('server socket error', { error: error.message }));
        const address = server.address();
        assert(address !== null && typeof address === 'object', 'a TCP server has an address object');
        this.listenAddress = { host: address.address, port: address.port };
        this.logger.info('remoting server listening', { host: address.address, port: address.port });
        resolve(ok(this.listenAddress));
      });
    });
  }

  address(): ListenAddress | undefined {
    return this.listenAddress;
  }

  get connectionCount(): number {
    return this.registry.size;
  }

  connections(): IterableIterator<RemotingConnection> {
    return this.registry.values();
  }

  connection(id: number): RemotingConnection | undefined {
    return this.registry.get(id);
  }

  /** Stops accepting, closes every connection (failing their pending requests) and waits for the listener. */
  async close(): Promise<void> {
    const server = this.server;
    if (server === undefined || this.closing) return;
    this.closing = true;
    const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const connection of [...this.registry.values()]) connection.close('server closing');
    await stopped;
    this.server = undefined;
    this.listenAddress = undefined;
    this.closing = false;
  }

  private accept(socket: Socket): void {
    if (this.closing) {
      socket.destroy();
      return;
    }
    const connection = new RemotingConnection(this.nextConnectionId++, socket, this.connectionOptions);
    this.registry.set(connection.id, connection);
    connection.once('close', (reason) => {
      this.registry.delete(connection.id);
      this.logger.info('connection closed', { connectionId: connection.id, remoteAddress: connection.remoteAddress, reason });
      this.emit('close', connection, reason);
    });
    this.logger.info('connection accepted', { connectionId: connection.id, remoteAddress: connection.remoteAddress });
    this.emit('connect', connection);
  }
}
