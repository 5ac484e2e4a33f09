/**
 * The remoting client: one connection per `host:port`, dialled on first use and again on the next use
 * after it closed. Requests are correlated by opaque on their connection (see `RemotingConnection`);
 * every failure comes back as a `RemotingError` in the result, never as an exception.
 *
 * Servers also send requests to clients (NOTIFY_CONSUMER_IDS_CHANGED, CHECK_TRANSACTION_STATE,
 * GET_CONSUMER_RUNNING_INFO); register handlers for them here like on a server.
 */
import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { connect } from 'node:net';
import type { RemotingCommand, SerializeTypeCode } from '../protocol';
import { DEFAULT_MAX_FRAME_BYTES, SerializeType } from '../protocol';
import type { Clock, Result } from '../stdx';
import { assert, err, ok, systemClock } from '../stdx';
import type { ConnectionOptions } from './connection';
import { DirectReads, RemotingConnection } from './connection';
import { RemotingError, RemotingErrorCode } from './errors';
import type { Logger } from './logger';
import { noopLogger } from './logger';
import type { RequestHandler } from './processors';
import { ProcessorTable } from './processors';
import { definedOnly } from './options';

export interface RemotingClientOptions {
  /** Upper bound for establishing a connection (also bounded by each call's timeout). */
  connectTimeoutMs?: number;
  maxFrameBytes?: number;
  /** Requests awaiting a response, per connection. */
  maxPendingRequestsPerConnection?: number;
  /** Requests are refused while a connection has more unsent bytes than this. */
  maxWriteBufferBytes?: number;
  /** Server-initiated requests handled concurrently, per connection. */
  maxInflightRequestsPerConnection?: number;
  /** Distinct addresses connected (or being dialled) at once. */
  maxConnections?: number;
  /** Header serialization of requests; JSON works with every server. */
  serializeType?: SerializeTypeCode;
  logger?: Logger;
  clock?: Clock;
}

export const DEFAULT_CLIENT_OPTIONS = {
  connectTimeoutMs: 3000,
  maxFrameBytes: DEFAULT_MAX_FRAME_BYTES,
  maxPendingRequestsPerConnection: 4096,
  maxWriteBufferBytes: 32 * 1024 * 1024,
  maxInflightRequestsPerConnection: 64,
  maxConnections: 1024,
  serializeType: SerializeType.JSON,
} as const;

export interface RemotingClientEvents {
  connect: [addr: string, connection: RemotingConnection];
  close: [addr: string, connection: RemotingConnection, reason: string];
}

type Dial = Promise<Result<RemotingConnection, RemotingError>>;

export class RemotingClient extends EventEmitter<RemotingClientEvents> {
  private readonly processors = new ProcessorTable();
  private readonly connections = new Map<string, RemotingConnection>();
  private readonly dialing = new Map<string, Dial>();
  /** Abort functions of dials in progress, so `close` need not wait for connect timeouts. */
  private readonly dialAborts = new Set<() => void>();
  private readonly connectionOptions: ConnectionOptions;
  private readonly connectTimeoutMs: number;
  private readonly maxConnections: number;
  private readonly clock: Clock;
  private nextConnectionId = 1;
  private closed = false;

  constructor(options: RemotingClientOptions = {}) {
    super();
    const o = { ...DEFAULT_CLIENT_OPTIONS, ...definedOnly(options) };
    assert(o.connectTimeoutMs > 0 && o.maxConnections > 0, 'client limits must be positive');
    this.connectTimeoutMs = o.connectTimeoutMs;
    this.maxConnections = o.maxConnections;
    this.clock = options.clock ?? systemClock;
    this.connectionOptions = {
      maxFrameBytes: o.maxFrameBytes,
      maxPendingRequests: o.maxPendingRequestsPerConnection,
      maxInflightRequests: o.maxInflightRequestsPerConnection,
      maxInflightBytes: o.maxFrameBytes,
      maxWriteBufferBytes: o.maxWriteBufferBytes,
      pauseReadsOnWriteBackpressure: false,
      requestSerializeType: o.serializeType,
      responseSerializeType: o.serializeType,
      idleTimeoutMs: 0,
      logger: options.logger ?? noopLogger,
      handler: this.processors.dispatch,
    };
  }

  /** Handles requests the server sends on any of this client's connections. */
  register(code: number, handler: RequestHandler): void {
    this.processors.register(code, handler);
  }

  setDefaultHandler(handler: RequestHandler): void {
    this.processors.setDefault(handler);
  }

  /** Sends a request to `addr` and waits up to `timeoutMs` (connecting included) for the response. */
  invoke(addr: string, request: RemotingCommand, timeoutMs: number): Promise<Result<RemotingCommand, RemotingError>> {
    // Not an async function, to spare the hot path (already connected) two promise hops; a failed
    // assertion still arrives as a rejection, as it did when this was async.
    try {
      if (!(Number.isFinite(timeoutMs) && timeoutMs > 0)) assert(false, `invoke timeout must be positive, got ${timeoutMs}`);
      const open = this.closed ? undefined : this.connectionTo(addr);
      if (open !== undefined) return open.invoke(request, timeoutMs);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.dialAndInvoke(addr, request, timeoutMs);
  }

  private async dialAndInvoke(addr: string, request: RemotingCommand, timeoutMs: number): Promise<Result<RemotingCommand, RemotingError>> {
    const startedMs = this.clock.monotonicMs();
    const connection = await this.connection(addr, timeoutMs);
    if (!connection.ok) return connection;
    const remainingMs = timeoutMs - (this.clock.monotonicMs() - startedMs);
    if (remainingMs <= 0) {
      return err(new RemotingError(RemotingErrorCode.TIMEOUT, `connecting used the whole ${timeoutMs} ms timeout`, addr));
    }
    return connection.value.invoke(request, remainingMs);
  }

  /** Sends a oneway request; `timeoutMs` bounds only the connecting. */
  async invokeOneway(addr: string, request: RemotingCommand, timeoutMs: number = this.connectTimeoutMs): Promise<Result<void, RemotingError>> {
    const connection = await this.connection(addr, timeoutMs);
    if (!connection.ok) return connection;
    return connection.value.invokeOneway(request);
  }

  /** The open connection to `addr`, if any (no dialling). */
  connectionTo(addr: string): RemotingConnection | undefined {
    const connection = this.connections.get(addr);
    return connection !== undefined && !connection.isClosed ? connection : undefined;
  }

  /** Closes every connection; pending requests fail with REMOTING_CLOSED. Later calls fail the same way. */
  async close(): Promise<void> {
    this.closed = true;
    for (const abort of [...this.dialAborts]) abort();
    for (const connection of [...this.connections.values()]) connection.close('client closing');
    await Promise.all([...this.dialing.values()]);
  }

  /** The connection to `addr`, dialling it if needed; concurrent callers share one dial. */
  connection(addr: string, timeoutMs: number = this.connectTimeoutMs): Dial {
    if (this.closed) return Promise.resolve(err(new RemotingError(RemotingErrorCode.CLOSED, 'client is closed', addr)));
    const open = this.connectionTo(addr);
    if (open !== undefined) return Promise.resolve(ok(open));
    const inProgress = this.dialing.get(addr);
    if (inProgress !== undefined) return inProgress;
    const target = parseAddress(addr);
    if (!target.ok) return Promise.resolve(target);
    if (this.connections.size + this.dialing.size >= this.maxConnections) {
      return Promise.resolve(err(new RemotingError(RemotingErrorCode.TOO_MANY_CONNECTIONS, `already ${this.maxConnections} connections`, addr)));
    }
    const dial = this.dial(addr, target.value.host, target.value.port, Math.min(timeoutMs, this.connectTimeoutMs)).then((result) => {
      this.dialing.delete(addr);
      return result;
    });
    this.dialing.set(addr, dial);
    return dial;
  }

  private dial(addr: string, host: string, port: number, timeoutMs: number): Dial {
    return new Promise((resolve) => {
      const reads = new DirectReads();
      const socket = connect({ host, port, onread: reads.onread });
      const settle = (result: Result<RemotingConnection, RemotingError>): void => {
        clearTimeout(timer);
        this.dialAborts.delete(abort);
        resolve(result);
      };
      const fail = (code: RemotingErrorCode, message: string): void => {
        socket.destroy();
        settle(err(new RemotingError(code, message, addr)));
      };
      const abort = (): void => fail(RemotingErrorCode.CLOSED, 'client closed while connecting');
      this.dialAborts.add(abort);
      const timer = setTimeout(() => fail(RemotingErrorCode.CONNECT_TIMEOUT, `not connected within ${timeoutMs} ms`), timeoutMs);
      socket.once('error', (error) => fail(RemotingErrorCode.CONNECT_FAILED, `cannot connect: ${error.message}`));
      socket.once('connect', () => {
        socket.removeAllListeners('error');
        settle(ok(this.adopt(addr, socket, reads)));
      });
    });
  }

  private adopt(addr: string, socket: Socket, reads: DirectReads): RemotingConnection {
    const connection = new RemotingConnection(this.nextConnectionId++, socket, this.connectionOptions);
    reads.attach(connection);
    this.connections.set(addr, connection);
    connection.once('close', (reason) => {
      if (this.connections.get(addr) === connection) this.connections.delete(addr);
      this.emit('close', addr, connection, reason);
    });
    this.emit('connect', addr, connection);
    return connection;
  }
}

/** `host:port` or `[ipv6]:port`. */
export function parseAddress(addr: string): Result<{ host: string; port: number }, RemotingError> {
  const match = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(addr.trim());
  const port = match === null ? NaN : Number(match[3]);
  if (match === null || port < 1 || port > 65535) {
    return err(new RemotingError(RemotingErrorCode.INVALID_ADDRESS, `address ${JSON.stringify(addr)} is not host:port`));
  }
  return ok({ host: (match[1] ?? match[2]) as string, port });
}
