/**
 * The producer's send engine: coalesces concurrent sends into SEND_BATCH_MESSAGE frames.
 *
 * Each queue (broker, topic, queue id) is a lane. A lane has at most `maxInflightPerQueue` requests
 * outstanding (one by default, which also keeps sends to one queue in order). A send to an idle lane
 * leaves in the same microtask turn, so a lone send pays no batching delay; sends that arrive while
 * the lane's request is on its way collect in the lane and leave together, as one batch frame, the
 * moment the answer comes back (Nagle's algorithm, per queue). Under load this turns a thousand
 * concurrent sends into a handful of frames; at rest every send is its own SEND_MESSAGE_V2.
 *
 * Every message keeps its own promise. A batch answer carries the first queue offset and the
 * comma-joined offset ids, so message i of the batch gets queueOffset + i and the i-th id. When a
 * whole batch fails, each message is retried on its own (on another broker, through the producer's
 * `reroute`) while it has attempts and time left, or rejected with the batch's error.
 */
import type { RemotingCommand } from '../protocol';
import { ResponseCode, SendMessageResponseHeader, isRetriableResponseCode } from '../protocol';
import type { RemotingClient, RemotingError } from '../remoting';
import { RemotingErrorCode } from '../remoting';
import type { Clock, Result } from '../stdx';
import { assert, err, ok } from '../stdx';
import type { ClientError } from './errors';
import { BrokerError, ClientErrorCode, ClientError as ClientErrorClass, fromRemotingError } from './errors';
import type { PreparedMessage } from './message-encode';
import { BufferPool, batchItemBytes, batchSendRequest, isBatchable, singleSendRequest } from './message-encode';
import type { MessageQueue, SendResult, SendStatus } from './types';
import { SendStatus as Status } from './types';

export interface SendEntry {
  readonly message: PreparedMessage;
  readonly resolve: (result: SendResult) => void;
  readonly reject: (error: ClientError) => void;
  /** Monotonic ms after which the send is given up. */
  readonly deadlineMs: number;
  /** Further attempts allowed after a failure. */
  attemptsLeft: number;
  /** Selector sends stay on their queue: moving them would break the order they were chosen for. */
  readonly pinned: boolean;
}

export interface SenderHost {
  /** The master address of a broker group, from the current route. */
  masterAddress(topic: string, brokerName: string): string | undefined;
  /** Another queue for a retry, avoiding `failedBroker` when the route has an alternative. */
  reroute(topic: string, failedBroker: string): MessageQueue | undefined;
  /** A broker failed a send: the route may be stale. */
  brokerFailed(topic: string, brokerName: string): void;
}

export interface SenderOptions {
  readonly producerGroup: string;
  /** 1 = no coalescing: every message is its own request. */
  readonly maxBatchMessages: number;
  readonly maxBatchBytes: number;
  /** Extra wait before an idle lane sends, to collect more; 0 = none (the default). */
  readonly lingerMs: number;
  readonly maxInflightPerQueue: number;
  readonly clock: Clock;
}

interface Lane {
  readonly queue: MessageQueue;
  /** Waiting sends are `pending[head..]`; the consumed prefix is cut off now and then. */
  pending: SendEntry[];
  head: number;
  pendingBytes: number;
  inflight: number;
  lingerTimer: NodeJS.Timeout | undefined;
}

/** Batch-body blocks: 256 KiB, at most 16 kept (4 MiB). */
const BODY_BLOCK_BYTES = 256 * 1024;
const BODY_BLOCKS_KEPT = 16;

/** Already settled: `then` on it queues a plain microtask. */
const SETTLED = Promise.resolve();

const STATUS_BY_CODE: ReadonlyMap<number, SendStatus> = new Map<number, SendStatus>([
  [ResponseCode.SUCCESS, Status.SEND_OK],
  [ResponseCode.FLUSH_DISK_TIMEOUT, Status.FLUSH_DISK_TIMEOUT],
  [ResponseCode.FLUSH_SLAVE_TIMEOUT, Status.FLUSH_SLAVE_TIMEOUT],
  [ResponseCode.SLAVE_NOT_AVAILABLE, Status.SLAVE_NOT_AVAILABLE],
]);

export class Sender {
  private readonly lanes = new Map<string, Lane>();
  private readonly lanesByQueue = new WeakMap<MessageQueue, Lane>();
  private readonly dirty = new Set<Lane>();
  private flushScheduled = false;
  private pendingCount = 0;
  private idleWaiters: (() => void)[] = [];
  /** Batch bodies: 8 lanes with one frame each in flight reuse their blocks. */
  private readonly bodies: BufferPool;
  /** Frames sent, batch frames among them; for tests and diagnostics. */
  readonly stats = { frames: 0, batchFrames: 0, messages: 0 };

  constructor(
    private readonly remoting: RemotingClient,
    private readonly host: SenderHost,
    private readonly options: SenderOptions,
  ) {
    assert(options.maxBatchMessages >= 1 && options.maxInflightPerQueue >= 1, 'batch and in-flight limits must be at least 1');
    this.bodies = new BufferPool(BODY_BLOCK_BYTES, BODY_BLOCKS_KEPT);
  }

  /** Sends accepted and not yet settled. */
  get pending(): number {
    return this.pendingCount;
  }

  /** Takes a send; its promise settles through `entry`. */
  enqueue(queue: MessageQueue, entry: SendEntry): void {
    this.pendingCount++;
    this.place(queue, entry);
  }

  /** Resolves once every accepted send has settled. */
  idle(): Promise<void> {
    if (this.pendingCount === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** The lane of a queue; route queue objects are reused, so identity finds it without building a key. */
  private laneOf(queue: MessageQueue): Lane {
    let lane = this.lanesByQueue.get(queue);
    if (lane !== undefined) return lane;
    const key = `${queue.brokerName}\u0000${queue.topic}\u0000${queue.queueId}`;
    lane = this.lanes.get(key);
    if (lane === undefined) {
      lane = { queue, pending: [], head: 0, pendingBytes: 0, inflight: 0, lingerTimer: undefined };
      this.lanes.set(key, lane);
    }
    this.lanesByQueue.set(queue, lane);
    return lane;
  }

  private place(queue: MessageQueue, entry: SendEntry): void {
    const lane = this.laneOf(queue);
    lane.pending.push(entry);
    lane.pendingBytes += batchItemBytes(entry.message);
    if (lane.inflight >= this.options.maxInflightPerQueue) return;
    if (this.options.lingerMs > 0 && lane.pending.length - lane.head < this.options.maxBatchMessages && lane.pendingBytes < this.options.maxBatchBytes) {
      if (lane.lingerTimer === undefined) {
        const l = lane;
        lane.lingerTimer = setTimeout(() => {
          l.lingerTimer = undefined;
          this.markDirty(l);
        }, this.options.lingerMs);
      }
      return;
    }
    this.markDirty(lane);
  }

  private markDirty(lane: Lane): void {
    this.dirty.add(lane);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    // The same microtask queue as queueMicrotask, without the async-hooks resource it creates per call
    // (~0.1 µs once optimised, ~2 µs before: this runs once per lone send).
    void SETTLED.then(this.flushDirty);
  }

  private readonly flushDirty = (): void => {
    try {
      this.flushScheduled = false;
      const lanes = [...this.dirty];
      this.dirty.clear();
      for (const lane of lanes) {
        while (lane.pending.length > lane.head && lane.inflight < this.options.maxInflightPerQueue) this.sendFrom(lane);
      }
    } catch (error) {
      // A bug surfaces as an uncaught exception, as it did from queueMicrotask, not as a rejected promise.
      queueMicrotask(() => {
        throw error;
      });
    }
  };

  /** Takes what fits in one frame from the lane's head and sends it. */
  private sendFrom(lane: Lane): void {
    if (lane.lingerTimer !== undefined) {
      clearTimeout(lane.lingerTimer);
      lane.lingerTimer = undefined;
    }
    const nowMs = this.options.clock.monotonicMs();
    const batch: SendEntry[] = [];
    let bytes = 0;
    let taken = lane.head;
    const pending = lane.pending;
    while (taken < pending.length && batch.length < this.options.maxBatchMessages) {
      const entry = pending[taken]!;
      const size = batchItemBytes(entry.message);
      if (entry.deadlineMs <= nowMs) {
        taken++;
        lane.pendingBytes -= size;
        this.rejectEntry(entry, new ClientErrorClass(ClientErrorCode.TIMEOUT, `send to ${describeQueue(lane.queue)} timed out before it could leave`));
        continue;
      }
      // A message that cannot share a frame goes alone; so does the first one when it is larger than a batch may be.
      const alone = !isBatchable(entry.message);
      if (batch.length > 0 && (alone || bytes + size > this.options.maxBatchBytes)) break;
      batch.push(entry);
      bytes += size;
      taken++;
      lane.pendingBytes -= size;
      if (alone) break;
    }
    if (taken === pending.length) {
      lane.pending = [];
      lane.head = 0;
    } else if (taken > 1024 && taken * 2 > pending.length) {
      lane.pending = pending.slice(taken);
      lane.head = 0;
    } else {
      lane.head = taken;
    }
    if (batch.length === 0) return;
    this.transmit(lane, batch, nowMs);
  }

  private transmit(lane: Lane, batch: SendEntry[], nowMs: number): void {
    const queue = lane.queue;
    const addr = this.host.masterAddress(queue.topic, queue.brokerName);
    if (addr === undefined) {
      this.failed(lane, batch, new ClientErrorClass(ClientErrorCode.NO_AVAILABLE_QUEUE, `broker ${queue.brokerName} has no master in the route of ${queue.topic}`), true);
      return;
    }
    const context = { producerGroup: this.options.producerGroup, bornTimestamp: this.options.clock.nowMs() };
    const request = batch.length === 1 ? singleSendRequest(batch[0]!.message, queue, context) : batchSendRequest(batch.map((e) => e.message), queue, context, this.bodies);
    let timeoutMs = 1;
    for (const entry of batch) timeoutMs = Math.max(timeoutMs, entry.deadlineMs - nowMs);
    lane.inflight++;
    this.stats.frames++;
    this.stats.messages += batch.length;
    if (batch.length > 1) this.stats.batchFrames++;
    this.remoting.invoke(addr, request, Math.ceil(timeoutMs)).then((result) => {
      // An answer means the broker read the whole request, so its body is no longer in use.
      if (result.ok && batch.length > 1 && request.body !== undefined) this.bodies.give(request.body);
      this.answered(lane, batch, addr, result);
    });
  }

  private answered(lane: Lane, batch: SendEntry[], addr: string, result: Result<RemotingCommand, RemotingError>): void {
    lane.inflight--;
    const what = `send to ${describeQueue(lane.queue)}`;
    if (!result.ok) {
      // A timed-out request may have been stored; retrying it would be a duplicate, and its time is spent anyway.
      this.failed(lane, batch, fromRemotingError(result.error, what), result.error.code !== RemotingErrorCode.TIMEOUT);
    } else {
      this.completed(lane, batch, addr, result.value, what);
    }
    if (lane.pending.length > lane.head) this.markDirty(lane);
  }

  private completed(lane: Lane, batch: SendEntry[], addr: string, response: RemotingCommand, what: string): void {
    const answer = readSendAnswer(response, addr, lane.queue, what);
    if (!answer.ok) {
      this.failed(lane, batch, answer.error.error, answer.error.retriable);
      return;
    }
    // Each promise is resolved straight from the answer: the comma-joined ids are split once.
    const { sendStatus, msgIds, messageQueue, queueOffset } = answer.value;
    const ids = batch.length === 1 ? undefined : msgIds.split(',');
    for (let i = 0; i < batch.length; i++) {
      const entry = batch[i]!;
      this.pendingCount--;
      entry.resolve({ sendStatus, msgId: entry.message.uniqKey, offsetMsgId: ids === undefined ? msgIds : (ids[i] ?? ''), messageQueue, queueOffset: queueOffset + i });
    }
    this.checkIdle();
  }

  private failed(lane: Lane, batch: SendEntry[], error: ClientError, retriable: boolean): void {
    const { topic, brokerName } = lane.queue;
    this.host.brokerFailed(topic, brokerName);
    const nowMs = this.options.clock.monotonicMs();
    for (const entry of batch) {
      if (retriable && !entry.pinned && entry.attemptsLeft > 0 && entry.deadlineMs > nowMs) {
        const next = this.host.reroute(topic, brokerName);
        if (next !== undefined) {
          entry.attemptsLeft--;
          this.place(next, entry);
          continue;
        }
      }
      this.rejectEntry(entry, error);
    }
  }

  private rejectEntry(entry: SendEntry, error: ClientError): void {
    this.pendingCount--;
    entry.reject(error);
    this.checkIdle();
  }

  private checkIdle(): void {
    if (this.pendingCount === 0 && this.idleWaiters.length > 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
  }
}

export interface SendFailure {
  readonly error: ClientError;
  /** Whether another broker might take it (Java's retryResponseCodes, connection failures). */
  readonly retriable: boolean;
}

/**
 * Reads a SEND_MESSAGE_V2 / SEND_BATCH_MESSAGE answer into one result per message: message i of a
 * batch gets the i-th comma-separated offset id and the first queue offset + i.
 */
export function interpretSendResponse(
  response: RemotingCommand,
  addr: string,
  queue: MessageQueue,
  messages: readonly PreparedMessage[],
  what: string,
): Result<SendResult[], SendFailure> {
  const answer = readSendAnswer(response, addr, queue, what);
  if (!answer.ok) return answer;
  const { sendStatus, msgIds, messageQueue, queueOffset } = answer.value;
  const ids = messages.length === 1 ? [msgIds] : msgIds.split(',');
  const results: SendResult[] = new Array<SendResult>(messages.length);
  for (let i = 0; i < messages.length; i++) {
    results[i] = { sendStatus, msgId: messages[i]!.uniqKey, offsetMsgId: ids[i] ?? '', messageQueue, queueOffset: queueOffset + i };
  }
  return ok(results);
}

interface SendAnswer {
  readonly sendStatus: SendStatus;
  /** The offset ids, comma-joined for a batch. */
  readonly msgIds: string;
  readonly messageQueue: MessageQueue;
  /** Of the first message. */
  readonly queueOffset: number;
}

function readSendAnswer(response: RemotingCommand, addr: string, queue: MessageQueue, what: string): Result<SendAnswer, SendFailure> {
  const sendStatus = STATUS_BY_CODE.get(response.code);
  if (sendStatus === undefined) {
    return err({ error: new BrokerError(response.code, response.remark, addr, what), retriable: isRetriableResponseCode(response.code) });
  }
  // Once per answer: the three fields needed are read directly (the schema-driven parse walks every
  // field of the header and allocates per field). Whatever the direct read does not accept goes through
  // the full parse, which rejects exactly those headers and words the error.
  const fields = response.extFields;
  const msgId = fields?.msgId;
  const queueId = fields === undefined ? Number.NaN : decimalField(fields.queueId, 10);
  const queueOffset = fields === undefined ? Number.NaN : decimalField(fields.queueOffset, 19);
  if (typeof msgId === 'string' && queueId >= -0x8000_0000 && queueId <= 0x7fff_ffff && Number.isSafeInteger(queueOffset)) {
    const messageQueue = queueId === queue.queueId ? queue : Object.freeze({ ...queue, queueId });
    return ok({ sendStatus, msgIds: msgId, messageQueue, queueOffset });
  }
  const header = SendMessageResponseHeader.parse(fields);
  if (!header.ok) return err({ error: new ClientErrorClass(ClientErrorCode.BAD_RESPONSE, `${what}: ${header.error}`), retriable: false });
  const messageQueue = header.value.queueId === queue.queueId ? queue : Object.freeze({ ...queue, queueId: header.value.queueId });
  return ok({ sendStatus, msgIds: header.value.msgId, messageQueue, queueOffset: header.value.queueOffset });
}

const CHAR_0 = 48;
const CHAR_PLUS = 43;
const CHAR_MINUS = 45;

/**
 * A Java Integer/Long header value as the header schema reads it: an optional sign and 1 to
 * `maxDigits` decimal digits; NaN for anything else (absent included).
 */
export function decimalField(raw: string | undefined, maxDigits: number): number {
  if (typeof raw !== 'string') return Number.NaN;
  const first = raw.charCodeAt(0);
  const signed = first === CHAR_PLUS || first === CHAR_MINUS;
  const digits = raw.length - (signed ? 1 : 0);
  if (digits < 1 || digits > maxDigits) return Number.NaN;
  let value = 0;
  for (let i = signed ? 1 : 0; i < raw.length; i++) {
    const d = raw.charCodeAt(i) - CHAR_0;
    if (d < 0 || d > 9) return Number.NaN;
    value = value * 10 + d;
  }
  return first === CHAR_MINUS ? -value : value;
}

/** One send request, answered into per-message results or a failure saying whether to retry. */
export async function sendOnce(
  remoting: RemotingClient,
  addr: string,
  request: RemotingCommand,
  timeoutMs: number,
  queue: MessageQueue,
  messages: readonly PreparedMessage[],
): Promise<Result<SendResult[], SendFailure>> {
  const what = `send to ${describeQueue(queue)}`;
  const result = await remoting.invoke(addr, request, timeoutMs);
  if (!result.ok) return err({ error: fromRemotingError(result.error, what), retriable: result.error.code !== RemotingErrorCode.TIMEOUT });
  return interpretSendResponse(result.value, addr, queue, messages, what);
}

function describeQueue(queue: MessageQueue): string {
  return `${queue.topic}/${queue.brokerName}/${queue.queueId}`;
}
