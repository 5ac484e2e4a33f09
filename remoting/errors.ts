/**
 * Remoting failures the caller is expected to handle (timeouts, refused connections, closed
 * connections, limits). They are returned inside a `Result`, never thrown; each carries a stable string
 * code, in the manner of undici, so callers branch on `error.code` rather than on messages. The class
 * extends Error so a caller that does want to throw one gets a stack and a readable message.
 */
export const RemotingErrorCode = {
  /** No response within the timeout; the request may or may not have been processed. */
  TIMEOUT: 'REMOTING_TIMEOUT',
  /** The TCP connection could not be established. */
  CONNECT_FAILED: 'REMOTING_CONNECT_FAILED',
  /** The TCP connection was not established within the connect timeout. */
  CONNECT_TIMEOUT: 'REMOTING_CONNECT_TIMEOUT',
  /** The connection (or the whole client) closed before a response arrived. */
  CLOSED: 'REMOTING_CLOSED',
  /** Too many requests awaiting responses on this connection. */
  TOO_MANY_PENDING: 'REMOTING_TOO_MANY_PENDING',
  /** The socket's unsent bytes exceed the limit: the peer is not reading. */
  WRITE_BUFFER_FULL: 'REMOTING_WRITE_BUFFER_FULL',
  /** The command encodes to a frame beyond the frame limit. */
  FRAME_TOO_LARGE: 'REMOTING_FRAME_TOO_LARGE',
  /** The address is not `host:port`. */
  INVALID_ADDRESS: 'REMOTING_INVALID_ADDRESS',
  /** The client holds as many connections as it may. */
  TOO_MANY_CONNECTIONS: 'REMOTING_TOO_MANY_CONNECTIONS',
  /** The server could not listen on the requested port. */
  LISTEN_FAILED: 'REMOTING_LISTEN_FAILED',
} as const;
export type RemotingErrorCode = (typeof RemotingErrorCode)[keyof typeof RemotingErrorCode];

export class RemotingError extends Error {
  override readonly name = 'RemotingError';

  constructor(
    readonly code: RemotingErrorCode,
    message: string,
    /** Peer address (`host:port`) when known. */
    readonly addr?: string,
  ) {
    super(addr === undefined ? message : `${message} (${addr})`);
  }
}
