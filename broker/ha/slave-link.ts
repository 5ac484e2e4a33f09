/**
 * The slave side of replication: one connection to the master's HA port, re-established with backoff
 * while the broker stays a slave. HELLO says what this log holds; the master's WELCOME says where the
 * two logs part (the slave cuts its log and its epoch entries there); then DATA frames are appended
 * verbatim through the store's replication interface, which dispatches them into this broker's
 * consume queues, and every batch appended is acknowledged with the new log end. The slave never
 * follows a master whose epoch is older than the newest one it knows.
 */
import * as net from 'node:net';
import type { Clock, Result } from '../../stdx';
import type { EpochFile } from './epoch-file';
import { lastEpoch } from './epoch';
import type { DataFrame, HaFrame, Hello, Welcome } from './frames';
import { FrameDecoder, FrameType, RefuseReason, encodeAck, encodeHello, encodeRefuse, encodeReplicaOffsets } from './frames';
import { parseAddress } from '../../remoting';

/** What the slave writes: raw appends and cuts (replication's narrow view of the store). */
export interface RawLogWriter {
  appendRaw(commitLogOffset: number, bytes: Buffer): Promise<Result<number, string>>;
  truncateTo(commitLogOffset: number): Promise<void>;
  readonly commitLogMaxOffset: number;
}

export interface SlaveLinkDeps {
  /** `host:port` of the master's HA server. */
  readonly masterAddress: string;
  readonly log: RawLogWriter;
  readonly epochs: EpochFile;
  readonly clock: Clock;
  readonly heartbeatIntervalMs: number;
  readonly peerTimeoutMs: number;
  /** The parts of HELLO that do not come from the log. */
  identity(): Omit<Hello, 'entries' | 'maxOffset'>;
  /** The master's metadata snapshot arrived. */
  onMetadata(value: unknown): void;
  warn(message: string, meta?: Record<string, unknown>): void;
  info(message: string, meta?: Record<string, unknown>): void;
}

export interface SlaveLinkStatus {
  readonly masterAddress: string;
  readonly state: LinkState;
  readonly connected: boolean;
  readonly masterEpoch: number | undefined;
  readonly masterBrokerAddr: string | undefined;
  readonly masterMaxOffset: number | undefined;
  readonly confirmedOffset: number;
  readonly connects: number;
  readonly lastError: string | undefined;
}

type LinkState = 'idle' | 'connecting' | 'hello' | 'transfer' | 'closed';

const INITIAL_BACKOFF_MS = 100;
const MAX_BACKOFF_MS = 3000;
/** Frames waiting to be appended before the socket stops reading. */
const MAX_QUEUED_BYTES = 16 * 1024 * 1024;

export class SlaveLink {
  private state: LinkState = 'idle';
  private socket: net.Socket | undefined;
  private decoder = new FrameDecoder();
  /** Frames are handled one at a time, in order, on this chain. */
  private work: Promise<void> = Promise.resolve();
  private queuedFrames = 0;
  private queuedBytes = 0;
  private backoffMs = INITIAL_BACKOFF_MS;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private lastReceivedMs = 0;
  private welcome: Welcome | undefined;
  private masterMaxOffset: number | undefined;
  private confirmedOffset = 0;
  private connects = 0;
  private lastError: string | undefined;

  constructor(private readonly deps: SlaveLinkDeps) {}

  get masterAddress(): string {
    return this.deps.masterAddress;
  }

  start(): void {
    if (this.state !== 'idle') return;
    this.heartbeatTimer = setInterval(() => this.tick(), Math.max(50, Math.floor(this.deps.heartbeatIntervalMs / 2)));
    this.heartbeatTimer.unref();
    this.connect();
  }

  /** Stops for good; resolves once no append is running any more. */
  async close(): Promise<void> {
    this.state = 'closed';
    if (this.reconnectTimer !== undefined) clearTimeout(this.reconnectTimer);
    if (this.heartbeatTimer !== undefined) clearInterval(this.heartbeatTimer);
    // Forgotten at once, so frames still queued are skipped: nothing is appended after close().
    const socket = this.socket;
    this.socket = undefined;
    socket?.destroy();
    await this.work;
  }

  /** Sends the master consumer offsets committed to this slave; false while not following. */
  sendReplicaOffsets(json: string): boolean {
    const socket = this.socket;
    if (socket === undefined || this.state !== 'transfer') return false;
    socket.write(encodeReplicaOffsets(json));
    return true;
  }

  status(): SlaveLinkStatus {
    return {
      masterAddress: this.deps.masterAddress,
      state: this.state,
      connected: this.state === 'transfer',
      masterEpoch: this.welcome?.epoch,
      masterBrokerAddr: this.welcome?.brokerAddr,
      masterMaxOffset: this.masterMaxOffset,
      confirmedOffset: Math.min(this.confirmedOffset, this.deps.log.commitLogMaxOffset),
      connects: this.connects,
      lastError: this.lastError,
    };
  }

  private connect(): void {
    if (this.state === 'closed') return;
    const target = parseAddress(this.deps.masterAddress);
    if (!target.ok) {
      this.fail(target.error.message);
      return;
    }
    this.state = 'connecting';
    this.lastReceivedMs = this.deps.clock.monotonicMs();
    this.decoder = new FrameDecoder();
    this.welcome = undefined;
    const socket = net.connect({ host: target.value.host, port: target.value.port });
    this.socket = socket;
    socket.setNoDelay(true);
    socket.on('connect', () => {
      if (this.socket !== socket || this.state === 'closed') return;
      this.connects++;
      this.state = 'hello';
      this.lastReceivedMs = this.deps.clock.monotonicMs();
      const hello: Hello = { ...this.deps.identity(), entries: this.deps.epochs.entries, maxOffset: this.deps.log.commitLogMaxOffset };
      socket.write(encodeHello(hello));
    });
    socket.on('data', (chunk: Buffer) => this.onData(socket, chunk));
    socket.on('error', (e) => {
      this.lastError = e.message;
    });
    socket.on('close', () => this.onClose(socket));
  }

  private onClose(socket: net.Socket): void {
    if (this.socket !== socket) return;
    this.socket = undefined;
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.state === 'closed') return;
    this.state = 'idle';
    const delay = this.backoffMs * (0.8 + 0.4 * Math.random());
    this.backoffMs = Math.min(MAX_BACKOFF_MS, this.backoffMs * 2);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      this.connect();
    }, delay);
    this.reconnectTimer.unref();
  }

  /** Drops this connection (a reconnect follows unless the link is closed). */
  private fail(reason: string): void {
    if (this.lastError !== reason) this.deps.warn('replication link failed; reconnecting', { master: this.deps.masterAddress, reason });
    this.lastError = reason;
    // Forgotten at once, so frames still queued from this connection are skipped.
    const socket = this.socket;
    this.socket = undefined;
    socket?.destroy();
    this.scheduleReconnect();
  }

  private tick(): void {
    const socket = this.socket;
    // 'connecting' counts too: a connect that hangs (packets dropped) times out like a silent master.
    if (socket === undefined || this.state === 'idle') return;
    const now = this.deps.clock.monotonicMs();
    if (now - this.lastReceivedMs > this.deps.peerTimeoutMs) {
      this.fail(`master silent for ${Math.round(now - this.lastReceivedMs)} ms`);
      return;
    }
    // The ACK doubles as the slave's heartbeat, sent once the master expects ACKs, also while a slow
    // append (a segment being allocated) holds the queue: the master must not think the slave dead.
    if (this.state === 'transfer') socket.write(encodeAck(this.deps.log.commitLogMaxOffset));
  }

  private onData(socket: net.Socket, chunk: Buffer): void {
    if (this.socket !== socket) return;
    this.lastReceivedMs = this.deps.clock.monotonicMs();
    const frames = this.decoder.push(chunk);
    if (!frames.ok) {
      this.fail(`bad frame from master: ${frames.error}`);
      return;
    }
    for (const frame of frames.value) this.enqueue(socket, frame);
  }

  private enqueue(socket: net.Socket, frame: HaFrame): void {
    const bytes = frame.type === FrameType.DATA ? frame.data.body.length : 0;
    this.queuedFrames++;
    this.queuedBytes += bytes;
    if (this.queuedBytes > MAX_QUEUED_BYTES) socket.pause();
    this.work = this.work.then(async () => {
      try {
        if (this.socket === socket) await this.handle(socket, frame);
      } catch (e) {
        this.fail(`handling a frame failed: ${(e as Error).message}`);
      } finally {
        this.queuedFrames--;
        this.queuedBytes -= bytes;
        if (this.queuedBytes <= MAX_QUEUED_BYTES / 2 && socket.isPaused()) socket.resume();
      }
      // One ACK per burst: after the last queued frame, not after each.
      if (frame.type === FrameType.DATA && this.queuedFrames === 0 && this.socket === socket && this.state === 'transfer') {
        socket.write(encodeAck(this.deps.log.commitLogMaxOffset));
      }
    });
  }

  private async handle(socket: net.Socket, frame: HaFrame): Promise<void> {
    switch (frame.type) {
      case FrameType.WELCOME:
        if (this.state !== 'hello') return this.fail('WELCOME out of order');
        return this.onWelcome(socket, frame.welcome);
      case FrameType.REFUSE:
        return this.fail(`master refused: ${frame.refuse.reason}: ${frame.refuse.message}`);
      case FrameType.DATA:
        if (this.state !== 'transfer') return this.fail('DATA before the handshake finished');
        return this.onDataFrame(frame.data);
      case FrameType.HEARTBEAT:
        if (frame.heartbeat.epoch < this.knownEpoch()) return this.refuseMaster(socket, `master epoch ${frame.heartbeat.epoch} is older than ${this.knownEpoch()}`);
        this.masterMaxOffset = frame.heartbeat.maxOffset;
        this.confirmedOffset = frame.heartbeat.confirmedOffset;
        return;
      case FrameType.METADATA:
        this.deps.onMetadata(frame.metadata);
        return;
      default:
        return this.fail(`unexpected frame type ${frame.type} from master`);
    }
  }

  private knownEpoch(): number {
    return Math.max(lastEpoch(this.deps.epochs.entries), this.deps.identity().roleEpoch);
  }

  private refuseMaster(socket: net.Socket, message: string): void {
    socket.write(encodeRefuse({ reason: RefuseReason.STALE_MASTER, message }));
    this.fail(message);
  }

  private async onWelcome(socket: net.Socket, welcome: Welcome): Promise<void> {
    if (welcome.epoch < this.knownEpoch()) return this.refuseMaster(socket, `master epoch ${welcome.epoch} is older than ${this.knownEpoch()}`);
    const log = this.deps.log;
    if (log.commitLogMaxOffset > welcome.truncateTo) {
      this.deps.warn('cutting the commit log back to where it agrees with the master', {
        master: this.deps.masterAddress,
        from: log.commitLogMaxOffset,
        to: welcome.truncateTo,
        droppedBytes: log.commitLogMaxOffset - welcome.truncateTo,
      });
      await log.truncateTo(welcome.truncateTo);
    }
    await this.deps.epochs.truncateFrom(welcome.truncateTo);
    if (this.socket !== socket) return;
    this.welcome = welcome;
    this.masterMaxOffset = welcome.maxOffset;
    this.confirmedOffset = welcome.confirmedOffset;
    this.state = 'transfer';
    this.backoffMs = INITIAL_BACKOFF_MS;
    this.lastError = undefined;
    this.deps.info('following the master', { master: this.deps.masterAddress, epoch: welcome.epoch, fromOffset: log.commitLogMaxOffset, masterMaxOffset: welcome.maxOffset });
    socket.write(encodeAck(log.commitLogMaxOffset));
  }

  private async onDataFrame(d: DataFrame): Promise<void> {
    const log = this.deps.log;
    if (d.offset !== log.commitLogMaxOffset) return this.fail(`DATA at ${d.offset} but the log ends at ${log.commitLogMaxOffset}`);
    const known = lastEpoch(this.deps.epochs.entries);
    if (d.epoch < known) return this.fail(`DATA of epoch ${d.epoch} after epoch ${known}`);
    if (d.epoch > known) {
      // The entry is durable before any byte of its epoch is.
      const added = await this.deps.epochs.append({ epoch: d.epoch, startCommitLogOffset: d.epochStartOffset });
      if (!added.ok) return this.fail(`cannot record epoch ${d.epoch}: ${added.error}`);
    }
    const appended = await log.appendRaw(d.offset, d.body);
    if (!appended.ok) return this.fail(`appending replicated bytes failed: ${appended.error}`);
    this.confirmedOffset = d.confirmedOffset;
    if (this.masterMaxOffset === undefined || this.masterMaxOffset < appended.value) this.masterMaxOffset = appended.value;
  }
}
