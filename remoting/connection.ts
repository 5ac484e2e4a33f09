/**
 * One remoting connection over a connected socket, used by both the server and the client: frames in
 * and out, requests correlated with responses by opaque, incoming requests dispatched to handlers.
 *
 * Limits and flow control:
 * - outgoing requests awaiting a response are capped (`maxPendingRequests`) and each has a timeout;
 *   when the connection closes every pending request fails at once with REMOTING_CLOSED;
 * - new outgoing requests are refused while the socket holds more than `maxWriteBufferBytes` unsent;
 * - incoming requests being handled are capped by count and by frame bytes; past either cap the
 *   connection stops reading the socket, so TCP pushes back on the sender;
 * - with `pauseReadsOnWriteBackpressure` (the server), a socket whose writes return false is not read
 *   until it drains: a peer that does not read its responses cannot make us buffer without bound.
 *   The client leaves it off; if both ends paused reads while their writes were blocked they could
 *   deadlock each other.
 * Writes: every frame produced in one event-loop turn leaves in one socket write at the end of the
 * turn (see `Outbound`); large bodies and body parts are referenced, not copied.
 * A response may carry `onSent` (see `SentResponse`): it runs once the bytes are handed to the kernel,
 * so a body borrowing memory (zero-copy store views) stays valid until then.
 * Timeouts of outgoing requests share one timer per connection (see `PendingRequests`).
 */
import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import type { DecodedFrame, FrameError, RemotingCommand, SerializeTypeCode } from '../protocol';
import { FrameDecoder, RemotingFlag, ResponseCode, isOneway, isResponse, makeResponse, requestCodeName } from '../protocol';
import type { Result } from '../stdx';
import { AssertionError, assert, err, ok } from '../stdx';
import { RemotingError, RemotingErrorCode } from './errors';
import type { Logger } from './logger';
import { Outbound } from './outbound';
import type { PendingRequest } from './pending';
import { PendingRequests } from './pending';
import type { RequestHandler } from './processors';
import { sentCallbackOf } from './processors';
import type { LoopSpinner } from './spin';
import { loopSpinner } from './spin';

/** Serialize responses as the request was serialized. */
export const SAME_AS_REQUEST = 'same-as-request';

export interface ConnectionOptions {
  readonly maxFrameBytes: number;
  readonly maxPendingRequests: number;
  readonly maxInflightRequests: number;
  readonly maxInflightBytes: number;
  readonly maxWriteBufferBytes: number;
  readonly pauseReadsOnWriteBackpressure: boolean;
  readonly requestSerializeType: SerializeTypeCode;
  readonly responseSerializeType: SerializeTypeCode | typeof SAME_AS_REQUEST;
  /** Close after this long without traffic; 0 = never. */
  readonly idleTimeoutMs: number;
  /** Keep the event loop polling this long after each write (see spin.ts); 0 or absent = never. */
  readonly spinAfterWriteUs?: number;
  readonly logger: Logger;
  readonly handler: RequestHandler;
}

export interface ConnectionEvents {
  close: [reason: string];
}

const OPAQUE_MAX = 0x7fff_ffff;

function isThenable<T>(value: unknown): value is PromiseLike<T> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

export class RemotingConnection extends EventEmitter<ConnectionEvents> {
  /** `host:port` of the peer, as Java prints channel addresses. */
  readonly remoteAddress: string;
  readonly localAddress: string;
  private readonly decoder: FrameDecoder;
  private readonly pending: PendingRequests;
  private readonly outbound: Outbound;
  private readonly spinner: LoopSpinner | undefined;
  /** Requests received and not yet started: `backlog[backlogHead..]`. */
  private backlog: (DecodedFrame | undefined)[] = [];
  private backlogHead = 0;
  private nextOpaque = 0;
  private inflightRequests = 0;
  private inflightBytes = 0;
  private writeBlocked = false;
  private readsPaused = false;
  private pumping = false;
  private closeReason: string | undefined;

  constructor(
    readonly id: number,
    private readonly socket: Socket,
    private readonly options: ConnectionOptions,
  ) {
    super();
    assert(options.maxPendingRequests > 0 && options.maxInflightRequests > 0, 'connection limits must be positive');
    this.remoteAddress = formatAddress(socket.remoteAddress, socket.remotePort);
    this.localAddress = formatAddress(socket.localAddress, socket.localPort);
    this.decoder = new FrameDecoder({ maxFrameBytes: options.maxFrameBytes });
    this.pending = new PendingRequests((_opaque, request) => this.timedOut(request));
    this.spinner = loopSpinner(options.spinAfterWriteUs ?? 0);
    this.outbound = new Outbound(socket, options.maxFrameBytes, (belowHighWaterMark) => this.flushed(belowHighWaterMark), this.spinner);
    socket.setNoDelay(true);
    if (options.idleTimeoutMs > 0) {
      socket.setTimeout(options.idleTimeoutMs, () => this.close(`idle for ${options.idleTimeoutMs} ms`));
    }
    socket.on('data', (chunk: Buffer) => this.received(chunk));
    socket.on('error', (error) => this.close(`socket error: ${error.message}`));
    socket.on('close', () => this.close('connection closed by peer'));
  }

  get isClosed(): boolean {
    return this.closeReason !== undefined;
  }

  /** Why the connection closed; undefined while open. */
  get closedBecause(): string | undefined {
    return this.closeReason;
  }

  /** Outgoing requests awaiting a response. */
  get pendingCount(): number {
    return this.pending.size;
  }

  /** Incoming requests being handled. */
  get inflightCount(): number {
    return this.inflightRequests;
  }

  /** Whether reading from the socket is paused for flow control. */
  get isReadPaused(): boolean {
    return this.readsPaused;
  }

  get isWriteBlocked(): boolean {
    return this.writeBlocked;
  }

  /** Unsent bytes: queued in the socket, plus frames waiting for the end of this turn's flush. */
  get writeBufferBytes(): number {
    return this.socket.writableLength + this.outbound.bufferedBytes;
  }

  /** Socket writes issued so far; frames produced in one event-loop turn share one. */
  get flushCount(): number {
    return this.outbound.flushCount;
  }

  /** Sends a request and waits for its response; the opaque is assigned here. */
  invoke(request: RemotingCommand, timeoutMs: number): Promise<Result<RemotingCommand, RemotingError>> {
    if (!(Number.isFinite(timeoutMs) && timeoutMs > 0)) assert(false, `invoke timeout must be positive, got ${timeoutMs}`);
    assert(!isResponse(request) && !isOneway(request), 'invoke takes a two-way request');
    if (this.pending.size >= this.options.maxPendingRequests) {
      return Promise.resolve(err(this.error(RemotingErrorCode.TOO_MANY_PENDING, `${this.pending.size} requests already await responses`)));
    }
    const opaque = this.allocateOpaque();
    const sent = this.sendRequest(request, opaque, request.flag & ~RemotingFlag.ONEWAY);
    if (!sent.ok) return Promise.resolve(sent);
    // The frame leaves at the end of this turn, so the response cannot arrive before this entry exists.
    return new Promise((resolve) => this.pending.add(opaque, request.code, timeoutMs, resolve));
  }

  /** Sends a request marked oneway; nothing comes back. */
  invokeOneway(request: RemotingCommand): Result<void, RemotingError> {
    assert(!isResponse(request), 'invokeOneway takes a request');
    const sent = this.sendRequest(request, this.allocateOpaque(), request.flag | RemotingFlag.ONEWAY);
    return sent.ok ? ok(undefined) : sent;
  }

  /** Closes the socket and fails every pending request. Idempotent; the first reason wins. */
  close(reason = 'closed locally'): void {
    if (this.closeReason !== undefined) return;
    this.closeReason = reason;
    this.pending.drainAll((opaque, request) => {
      request.resolve(err(this.error(RemotingErrorCode.CLOSED, `connection closed before the response to ${requestCodeName(request.code)} (opaque ${opaque}): ${reason}`)));
    });
    this.backlog = [];
    this.backlogHead = 0;
    // Frames produced before the close still go out, as they would have had each been written at once.
    if (!this.socket.destroyed && this.socket.writable) this.outbound.flush();
    else this.outbound.discard();
    this.socket.destroy();
    this.emit('close', reason);
  }

  private error(code: RemotingErrorCode, message: string): RemotingError {
    return new RemotingError(code, message, this.remoteAddress);
  }

  private timedOut(request: PendingRequest): void {
    request.resolve(err(this.error(RemotingErrorCode.TIMEOUT, `no response to ${requestCodeName(request.code)} within ${request.timeoutMs} ms`)));
  }

  private allocateOpaque(): number {
    // Skips opaques still pending after a wrap-around; the pending cap guarantees a free one.
    do {
      this.nextOpaque = this.nextOpaque >= OPAQUE_MAX ? 0 : this.nextOpaque + 1;
    } while (this.pending.has(this.nextOpaque));
    return this.nextOpaque;
  }

  /** Checks that the request may be sent now and queues its frame. */
  private sendRequest(request: RemotingCommand, opaque: number, flag: number): Result<number, RemotingError> {
    if (this.closeReason !== undefined) return err(this.error(RemotingErrorCode.CLOSED, `connection is closed: ${this.closeReason}`));
    const unsent = this.writeBufferBytes;
    if (unsent > this.options.maxWriteBufferBytes) {
      return err(this.error(RemotingErrorCode.WRITE_BUFFER_FULL, `${unsent} unsent bytes exceed ${this.options.maxWriteBufferBytes}`));
    }
    const appended = this.outbound.append(request, this.options.requestSerializeType, opaque, flag);
    if (!appended.ok) return err(this.error(RemotingErrorCode.FRAME_TOO_LARGE, appended.error.message));
    return appended;
  }

  /** After each socket write: start flow control when the socket holds more than its high-water mark. */
  private flushed(belowHighWaterMark: boolean): void {
    if (belowHighWaterMark || this.writeBlocked || this.closeReason !== undefined) return;
    this.writeBlocked = true;
    this.socket.once('drain', () => {
      this.writeBlocked = false;
      this.pump();
    });
    this.updateReadFlow();
  }

  private directBytes = 0;


  /** Where the next socket read may land directly (`DirectReads`): the rest of a frame being assembled. */
  directReadTarget(): Buffer | undefined {
    return this.closeReason === undefined ? this.decoder.directTarget() : undefined;
  }

  /** Bytes read from the socket: `chunk` (from 'data' or `DirectReads`), or `n` bytes into the last `directReadTarget`. */
  received(chunk: Buffer): void {
    this.onDecoded(this.decoder.push(chunk));
  }

  receivedDirect(n: number): void {
    this.directBytes += n;
    this.onDecoded(this.decoder.pushDirect(n));
  }

  /** Bytes read straight into the frames they belong to (`DirectReads`), since the connection opened. */
  get directReadBytes(): number {
    return this.directBytes;
  }

  private onDecoded({ frames, error }: { readonly frames: readonly DecodedFrame[]; readonly error: FrameError | undefined }): void {
    this.spinner?.arrived();
    for (let i = 0; i < frames.length; i++) {
      if (this.closeReason !== undefined) return;
      const frame = frames[i] as DecodedFrame;
      if (isResponse(frame.command)) this.onResponse(frame.command);
      else this.backlog.push(frame);
    }
    if (error !== undefined) {
      this.options.logger.warn('closing connection: malformed frame', {
        connectionId: this.id,
        remoteAddress: this.remoteAddress,
        kind: error.kind,
        reason: error.message,
      });
      this.close(`malformed frame: ${error.kind}: ${error.message}`);
      return;
    }
    this.pump();
  }

  private onResponse(response: RemotingCommand): void {
    const request = this.pending.take(response.opaque);
    if (request === undefined) {
      // Normal after a timeout: the answer came too late.
      this.options.logger.info('response matches no pending request', {
        connectionId: this.id,
        remoteAddress: this.remoteAddress,
        opaque: response.opaque,
        code: response.code,
      });
      return;
    }
    request.resolve(ok(response));
  }

  private canStartRequest(): boolean {
    if (this.closeReason !== undefined) return false;
    if (this.options.pauseReadsOnWriteBackpressure && this.writeBlocked) return false;
    if (this.inflightRequests >= this.options.maxInflightRequests) return false;
    // One request is always admitted so a single frame above the byte cap still gets served.
    return this.inflightRequests === 0 || this.inflightBytes < this.options.maxInflightBytes;
  }

  /** Starts queued requests while the limits allow, then decides whether to keep reading. */
  private pump(): void {
    // A synchronous handler finishes inside startRequest and calls pump again; the outer loop already
    // re-checks the backlog, so the nested call returns at once instead of recursing once per frame.
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (this.backlogHead < this.backlog.length && this.canStartRequest()) {
        const frame = this.backlog[this.backlogHead] as DecodedFrame;
        this.backlog[this.backlogHead++] = undefined; // let the frame go once handled
        this.startRequest(frame);
      }
      if (this.backlogHead === this.backlog.length) {
        this.backlog = [];
        this.backlogHead = 0;
      }
    } finally {
      this.pumping = false;
    }
    this.updateReadFlow();
  }

  private updateReadFlow(): void {
    if (this.closeReason !== undefined) return;
    const shouldPause = this.backlogHead < this.backlog.length || !this.canStartRequest();
    if (shouldPause && !this.readsPaused) {
      this.readsPaused = true;
      this.socket.pause();
    } else if (!shouldPause && this.readsPaused) {
      this.readsPaused = false;
      this.socket.resume();
    }
  }

  private startRequest(frame: DecodedFrame): void {
    this.inflightRequests++;
    this.inflightBytes += frame.frameBytes;
    const request = frame.command;
    let result: ReturnType<RequestHandler>;
    try {
      result = this.options.handler(request, this);
    } catch (error) {
      this.finishRequest(frame, this.handlerFailed(request, error));
      return;
    }
    if (isThenable<RemotingCommand | null>(result)) {
      result.then(
        (response) => this.finishRequest(frame, response),
        (error: unknown) => this.finishRequest(frame, this.handlerFailed(request, error)),
      );
    } else {
      this.finishRequest(frame, result);
    }
  }

  private handlerFailed(request: RemotingCommand, error: unknown): RemotingCommand {
    // Assertion failures are bugs: log them loudly, but one bad request must not stop the server.
    const log = error instanceof AssertionError ? this.options.logger.error : this.options.logger.warn;
    log.call(this.options.logger, 'request handler failed', {
      connectionId: this.id,
      remoteAddress: this.remoteAddress,
      code: request.code,
      opaque: request.opaque,
      error: describe(error),
      stack: error instanceof Error ? error.stack : undefined,
    });
    return makeResponse(request, ResponseCode.SYSTEM_ERROR, describe(error));
  }

  private finishRequest(frame: DecodedFrame, response: RemotingCommand | null): void {
    this.inflightRequests--;
    this.inflightBytes -= frame.frameBytes;
    const onSent = sentCallbackOf(response);
    if (this.closeReason !== undefined) {
      onSent?.();
      return;
    }
    if (response !== null && !isOneway(frame.command)) this.writeResponse(frame, response, onSent);
    else onSent?.();
    this.pump();
  }

  private writeResponse(frame: DecodedFrame, response: RemotingCommand, onSent: (() => void) | undefined): void {
    const request = frame.command;
    const type = this.options.responseSerializeType === SAME_AS_REQUEST ? frame.serializeType : this.options.responseSerializeType;
    const flag = (response.flag | RemotingFlag.RESPONSE) & ~RemotingFlag.ONEWAY;
    let appended: Result<number, Pick<FrameError, 'message'>>;
    try {
      appended = this.outbound.append(response, type, request.opaque, flag, onSent);
    } catch (error) {
      // A handler built a malformed command (an assertion in the encoder): a bug, answered like a throw.
      appended = err({ message: describe(error) });
    }
    if (appended.ok) return;
    this.options.logger.error('response cannot be encoded', {
      connectionId: this.id,
      remoteAddress: this.remoteAddress,
      code: request.code,
      reason: appended.error.message,
    });
    onSent?.();
    const fallback = makeResponse(request, ResponseCode.SYSTEM_ERROR, `response not sent: ${appended.error.message}`);
    const sent = this.outbound.append(fallback, type, request.opaque, fallback.flag);
    assert(sent.ok, 'a bare error response always encodes');
  }
}

function formatAddress(host: string | undefined, port: number | undefined): string {
  const h = host ?? 'unknown';
  return `${h.includes(':') ? `[${h}]` : h}:${port ?? 0}`;
}

/** Bytes a socket read gets when no frame is being assembled (Node's own read size). */
const READ_BUFFER_BYTES = 64 * 1024;

/**
 * Socket `onread` settings (for `net.connect`) that read the rest of a large frame straight into
 * the buffer it is assembled in (`FrameDecoder.directTarget`) instead of into a fresh 64 KiB read
 * buffer it is then copied from: a consumer's ~150 KB pull responses arrive with one copy fewer,
 * and without Node's stream machinery per read. Other reads land in one 64 KiB scratch buffer per
 * socket and exactly the bytes read are copied out (small ones into Node's pooled memory): a fresh
 * 64 KiB buffer per read, kept alive by whatever frame it holds, made a request-response client
 * allocate 64 KiB per answer and collect garbage every few hundred answers (measured: sync send p99
 * 0.8 -> 2.6 ms). Create it before the socket, `attach` the connection once it exists; bytes read
 * before that are kept and handed over then.
 */
export class DirectReads {
  private connection: RemotingConnection | undefined;
  private early: Buffer[] = [];
  private lastTarget: Buffer | undefined;
  private readonly scratch = Buffer.allocUnsafeSlow(READ_BUFFER_BYTES);
  readonly onread: { readonly buffer: () => Uint8Array; readonly callback: (n: number, buf: Uint8Array) => boolean };

  constructor() {
    this.onread = { buffer: () => this.nextBuffer(), callback: (n, buf) => this.onRead(n, buf) };
  }

  attach(connection: RemotingConnection): void {
    this.connection = connection;
    const early = this.early;
    this.early = [];
    for (const chunk of early) connection.received(chunk);
  }

  private nextBuffer(): Uint8Array {
    const target = this.connection?.directReadTarget();
    this.lastTarget = target;
    return target ?? this.scratch;
  }

  private onRead(n: number, buf: Uint8Array): boolean {
    const connection = this.connection;
    if (buf === this.lastTarget && connection !== undefined) {
      this.lastTarget = undefined;
      connection.receivedDirect(n);
      return true;
    }
    // The scratch is read into again next time: the decoder gets a copy it may keep views of.
    const chunk = Buffer.from(this.scratch.subarray(0, n));
    if (connection === undefined) this.early.push(chunk);
    else connection.received(chunk);
    return true;
  }
}
