/**
 * Errors the SDK rejects promises with. Like undici, every error carries a stable string `code` to
 * branch on (messages are for humans and may change); subclasses add what a caller needs to decide
 * what to do next: the broker's response code, the address that failed.
 */
import type { RemotingError } from '../remoting';
import { RemotingErrorCode } from '../remoting';
import { responseCodeName } from '../protocol';

export const ClientErrorCode = {
  /** An option or argument is invalid (bad topic name, empty body, unknown queue...). */
  INVALID_ARGUMENT: 'ROCKET_INVALID_ARGUMENT',
  /** The message breaks a size rule (body or properties too large). */
  MESSAGE_TOO_LARGE: 'ROCKET_MESSAGE_TOO_LARGE',
  /** `start()` has not completed yet. */
  NOT_STARTED: 'ROCKET_NOT_STARTED',
  /** `shutdown()` was called; nothing more is accepted. */
  SHUT_DOWN: 'ROCKET_SHUT_DOWN',
  /** No name server answered. */
  NAMESRV_UNAVAILABLE: 'ROCKET_NAMESRV_UNAVAILABLE',
  /** The name server knows no route for the topic (and no auto-create template). */
  TOPIC_NOT_FOUND: 'ROCKET_TOPIC_NOT_FOUND',
  /** The route has no queue to write to (or to read from). */
  NO_AVAILABLE_QUEUE: 'ROCKET_NO_AVAILABLE_QUEUE',
  /** The broker answered with an error response code (see `BrokerError.responseCode`). */
  BROKER_ERROR: 'ROCKET_BROKER_ERROR',
  /** No answer within the timeout: the request may or may not have been processed. */
  TIMEOUT: 'ROCKET_TIMEOUT',
  /** The connection could not be made or broke while waiting. */
  CONNECTION: 'ROCKET_CONNECTION',
  /** Too many sends await an answer; the caller should slow down. */
  TOO_MANY_PENDING: 'ROCKET_TOO_MANY_PENDING',
  /** The broker sent something this client cannot read. */
  BAD_RESPONSE: 'ROCKET_BAD_RESPONSE',
  /** Stored records failed their checks while decoding a pull. */
  CORRUPT_MESSAGE: 'ROCKET_CORRUPT_MESSAGE',
  /** Reading or writing a local offset file failed. */
  OFFSET_STORE: 'ROCKET_OFFSET_STORE',
  /** A message handler threw or rejected. */
  CONSUME_FAILED: 'ROCKET_CONSUME_FAILED',
} as const;
export type ClientErrorCode = (typeof ClientErrorCode)[keyof typeof ClientErrorCode];

export class ClientError extends Error {
  override name = 'ClientError';

  constructor(
    readonly code: ClientErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A broker (or name server) answered with a response code other than success. */
export class BrokerError extends ClientError {
  override name = 'BrokerError';

  constructor(
    /** The remoting response code (`ResponseCode`), e.g. 2 = SYSTEM_BUSY, 17 = TOPIC_NOT_EXIST. */
    readonly responseCode: number,
    readonly remark: string | undefined,
    /** `host:port` that answered. */
    readonly addr: string,
    what: string,
  ) {
    super(ClientErrorCode.BROKER_ERROR, `${what}: ${responseCodeName(responseCode)} (${responseCode})${remark ? `: ${remark}` : ''} from ${addr}`);
  }
}

/** The remoting layer failed: timeout, refused or closed connection, local limits. */
export class ConnectionError extends ClientError {
  override name = 'ConnectionError';

  constructor(
    /** The remoting layer's own code, e.g. `REMOTING_CONNECT_FAILED`. */
    readonly remotingCode: string,
    readonly addr: string | undefined,
    message: string,
    code: ClientErrorCode = ClientErrorCode.CONNECTION,
  ) {
    super(code, message);
  }
}

/** Maps a remoting failure onto the SDK's codes: timeouts stay distinguishable from broken links. */
export function fromRemotingError(error: RemotingError, what: string): ClientError {
  const code =
    error.code === RemotingErrorCode.TIMEOUT
      ? ClientErrorCode.TIMEOUT
      : error.code === RemotingErrorCode.CLOSED && error.message.includes('client is closed')
        ? ClientErrorCode.SHUT_DOWN
        : error.code === RemotingErrorCode.TOO_MANY_PENDING || error.code === RemotingErrorCode.WRITE_BUFFER_FULL
          ? ClientErrorCode.TOO_MANY_PENDING
          : ClientErrorCode.CONNECTION;
  return new ConnectionError(error.code, error.addr, `${what}: ${error.message}`, code);
}

export function invalidArgument(message: string): ClientError {
  return new ClientError(ClientErrorCode.INVALID_ARGUMENT, message);
}

export function isClientError(value: unknown): value is ClientError {
  return value instanceof ClientError;
}
