/**
 * Request handlers by request code, shared by the server (client requests) and the client (requests
 * the server initiates, such as NOTIFY_CONSUMER_IDS_CHANGED). Codes nobody registered get the default
 * handler, which answers REQUEST_CODE_NOT_SUPPORTED like a Java peer does.
 */
import type { RemotingCommand } from '../protocol';
import { ResponseCode, makeResponse, requestCodeName } from '../protocol';
import { assert } from '../stdx';
import type { RemotingConnection } from './connection';

/**
 * Handles one request. Return the response (its opaque and response flag are set for you), or null to
 * send nothing. For oneway requests the return value is ignored. A throw or rejection becomes a
 * SYSTEM_ERROR response carrying the message.
 */
export type RequestHandler = (
  request: RemotingCommand,
  connection: RemotingConnection,
) => Promise<RemotingCommand | null> | RemotingCommand | null;

/**
 * A response whose body borrows memory that must stay valid until the socket has taken the bytes
 * (zero-copy views of stored records). The connection calls `onSent` exactly once: after the frame
 * is handed to the kernel (or the write failed), or at once when the response is not sent at all
 * (connection closed, oneway request, response that cannot be encoded).
 */
export interface SentResponse extends RemotingCommand {
  onSent(): void;
}

export function sentCallbackOf(response: RemotingCommand | null): (() => void) | undefined {
  const onSent = (response as Partial<SentResponse> | null)?.onSent;
  return typeof onSent === 'function' ? onSent : undefined;
}

export function notSupportedHandler(request: RemotingCommand): RemotingCommand {
  return makeResponse(
    request,
    ResponseCode.REQUEST_CODE_NOT_SUPPORTED,
    `request code ${request.code} (${requestCodeName(request.code)}) is not supported`,
  );
}

export class ProcessorTable {
  private readonly handlers = new Map<number, RequestHandler>();
  private fallback: RequestHandler = notSupportedHandler;

  /** One handler per code; registering a code twice is a wiring mistake. */
  register(code: number, handler: RequestHandler): void {
    assert(Number.isInteger(code), `request code must be an integer, got ${code}`);
    assert(!this.handlers.has(code), `a handler for request code ${code} is already registered`);
    this.handlers.set(code, handler);
  }

  setDefault(handler: RequestHandler): void {
    this.fallback = handler;
  }

  has(code: number): boolean {
    return this.handlers.has(code);
  }

  readonly dispatch: RequestHandler = (request, connection) =>
    (this.handlers.get(request.code) ?? this.fallback)(request, connection);
}
