/**
 * The master side of replication: the HA server on `haListenPort` and one `SlaveConnection` per
 * slave. A connection answers the slave's HELLO with the point to cut its log at (the end of the last
 * epoch both share), waits for the slave's first ACK (its log end after the cut), then streams
 * commit-log bytes from there as the log grows: `wake()` is called from the store's dispatch
 * notification, and a connection writes until the socket asks it to wait for 'drain'.
 */
import * as net from 'node:net';
import type { Clock, Result } from '../../stdx';
import { err, ok } from '../../stdx';
import type { EpochEntry } from './epoch';
import { entryAt, findCommonPoint, lastEpoch } from './epoch';
import type { Hello, HaFrame } from './frames';
import { FrameDecoder, FrameType, HA_PROTOCOL_VERSION, RefuseReason, encodeData, encodeHeartbeat, encodeMetadata, encodeRefuse, encodeWelcome } from './frames';
import type { CatchUp } from './in-sync';
import { afterAck, initialCatchUp } from './in-sync';

/** Largest commit-log slice per DATA frame. */
export const TRANSFER_BATCH_BYTES = 1024 * 1024;
/** Connections beyond this are refused: a broker group has a handful of replicas. */
export const MAX_SLAVE_CONNECTIONS = 64;

/** What the master reads: raw commit-log bytes (replication's narrow view of the store). */
export interface RawLogReader {
  readRaw(commitLogOffset: number, maxBytes: number): Buffer | undefined;
  readonly commitLogMaxOffset: number;
  readonly commitLogMinOffset: number;
}

/** This broker as a master right now; undefined when it is not one (handshakes are refused). */
export interface MasterState {
  readonly epoch: number;
  readonly entries: readonly EpochEntry[];
  readonly confirmedOffset: number;
  readonly brokerAddr: string;
}

export interface MasterLinkHooks {
  readonly brokerName: string;
  readonly segmentBytes: number;
  masterState(): MasterState | undefined;
  /** A slave knows a newer epoch than ours: the caller stops writes at once. */
  newerEpochSeen(epoch: number, slaveAddr: string): void;
  /** A slave acknowledged more (or its connection changed state). */
  progressed(): void;
  /** The metadata snapshot sent to a slave after its handshake (JSON text), if any. */
  metadataJson(): string | undefined;
  /** A slave sent consumer offsets committed to it (parsed JSON). */
  replicaOffsets(value: unknown, slaveAddr: string): void;
  warn(message: string, meta?: Record<string, unknown>): void;
  info(message: string, meta?: Record<string, unknown>): void;
}

export interface MasterLinkTimings {
  readonly heartbeatIntervalMs: number;
  readonly peerTimeoutMs: number;
}

type ConnectionState = 'hello' | 'welcomed' | 'transfer' | 'closed';

/** One slave as the master sees it. */
export class SlaveConnection {
  state: ConnectionState = 'hello';
  hello: Hello | undefined;
  ackOffset = 0;
  catchUp: CatchUp = initialCatchUp(0);
  lastAckMs: number;
  private nextOffset = 0;
  private expectedStart = 0;
  private lastReceivedMs: number;
  private lastSentMs: number;
  private readonly decoder = new FrameDecoder();

  constructor(
    private readonly socket: net.Socket,
    private readonly log: RawLogReader,
    private readonly hooks: MasterLinkHooks,
    private readonly clock: Clock,
    private readonly onClosed: (c: SlaveConnection) => void,
    /** The handshake finished: the server lets go of this slave's older connections. */
    private readonly onAttached: (c: SlaveConnection) => void = () => undefined,
  ) {
    const now = clock.monotonicMs();
    this.lastReceivedMs = now;
    this.lastSentMs = now;
    this.lastAckMs = now;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('drain', () => this.pump());
    socket.on('error', () => undefined);
    socket.on('close', () => {
      this.state = 'closed';
      this.onClosed(this);
    });
  }

  get remoteAddress(): string {
    return `${this.socket.remoteAddress ?? '?'}:${this.socket.remotePort ?? 0}`;
  }

  get transferring(): boolean {
    return this.state === 'transfer';
  }

  /** Bytes sent but not yet acknowledged, plus what the log holds beyond: the slave's lag. */
  lagBytes(): number {
    return Math.max(0, this.log.commitLogMaxOffset - this.ackOffset);
  }

  close(reason: string): void {
    if (this.state === 'closed') return;
    this.hooks.info('closing replication connection', { slave: this.hello?.brokerAddr ?? this.remoteAddress, reason });
    this.state = 'closed';
    this.socket.destroy();
  }

  /** Shutdown: gone now, refusal in flight or not. */
  destroy(): void {
    this.state = 'closed';
    this.socket.destroy();
  }

  refuse(reason: RefuseReason, message: string): void {
    this.hooks.warn('refusing a slave', { slave: this.hello?.brokerAddr ?? this.remoteAddress, reason, message });
    this.socket.end(encodeRefuse({ reason, message }));
    this.state = 'closed';
    // end() flushes the refusal; a peer that never closes its side is cut off by the timeout below.
    setTimeout(() => this.socket.destroy(), 1000).unref();
  }

  /** Heartbeat and liveness, called by the server's timer. */
  tick(timings: MasterLinkTimings): void {
    if (this.state === 'closed') return;
    const now = this.clock.monotonicMs();
    if (now - this.lastReceivedMs > timings.peerTimeoutMs) {
      this.close(`slave silent for ${Math.round(now - this.lastReceivedMs)} ms`);
      return;
    }
    const m = this.hooks.masterState();
    if (this.state === 'transfer' && m !== undefined && now - this.lastSentMs >= timings.heartbeatIntervalMs) {
      this.send(encodeHeartbeat({ maxOffset: this.log.commitLogMaxOffset, confirmedOffset: m.confirmedOffset, epoch: m.epoch }));
    }
  }

  sendMetadata(json: string): void {
    if (this.state === 'welcomed' || this.state === 'transfer') this.send(encodeMetadata(json));
  }

  /** Streams what the log holds beyond what was sent, until the socket wants a 'drain'. */
  pump(): void {
    if (this.state !== 'transfer' || this.socket.writableNeedDrain) return;
    const m = this.hooks.masterState();
    if (m === undefined) return;
    const maxOffset = this.log.commitLogMaxOffset;
    while (this.nextOffset < maxOffset) {
      const at = entryAt(m.entries, this.nextOffset);
      if (at === undefined) {
        this.close(`no epoch holds commitLogOffset ${this.nextOffset}`);
        return;
      }
      // A frame never spans two epochs: the slave records each epoch where its bytes begin.
      const limit = Math.min(TRANSFER_BATCH_BYTES, at.nextStart - this.nextOffset, maxOffset - this.nextOffset);
      const bytes = this.log.readRaw(this.nextOffset, limit);
      if (bytes === undefined || bytes.length === 0) {
        this.close(`cannot read the commit log at ${this.nextOffset}`);
        return;
      }
      const frame = encodeData({ offset: this.nextOffset, epoch: at.entry.epoch, epochStartOffset: at.entry.startCommitLogOffset, confirmedOffset: m.confirmedOffset }, bytes);
      this.nextOffset += bytes.length;
      if (!this.send(frame)) return;
    }
  }

  private send(frame: Buffer): boolean {
    this.lastSentMs = this.clock.monotonicMs();
    return this.socket.write(frame);
  }

  private onData(chunk: Buffer): void {
    if (this.state === 'closed') return;
    this.lastReceivedMs = this.clock.monotonicMs();
    const frames = this.decoder.push(chunk);
    if (!frames.ok) {
      this.refuse(RefuseReason.PROTOCOL, frames.error);
      return;
    }
    for (const frame of frames.value) {
      // A frame may have closed the connection (a refusal); the rest are dropped.
      if ((this.state as ConnectionState) === 'closed') return;
      this.onFrame(frame);
    }
  }

  private onFrame(frame: HaFrame): void {
    if (frame.type === FrameType.HELLO && this.state === 'hello') this.onHello(frame.hello);
    else if (frame.type === FrameType.ACK && this.state === 'welcomed') this.onFirstAck(frame.ackOffset);
    else if (frame.type === FrameType.ACK && this.state === 'transfer') this.onAck(frame.ackOffset);
    else if (frame.type === FrameType.REPLICA_OFFSETS && (this.state === 'welcomed' || this.state === 'transfer')) this.hooks.replicaOffsets(frame.offsets, this.hello!.brokerAddr);
    else this.refuse(RefuseReason.PROTOCOL, `unexpected frame type ${frame.type} in state ${this.state}`);
  }

  private onHello(hello: Hello): void {
    this.hello = hello;
    const m = this.hooks.masterState();
    if (m === undefined) return this.refuse(RefuseReason.NOT_MASTER, 'this broker is not a master');
    if (hello.protocol !== HA_PROTOCOL_VERSION) return this.refuse(RefuseReason.PROTOCOL, `HA protocol ${hello.protocol} is not ${HA_PROTOCOL_VERSION}`);
    if (hello.brokerName !== this.hooks.brokerName) return this.refuse(RefuseReason.MISMATCH, `slave of ${hello.brokerName} connected to ${this.hooks.brokerName}`);
    if (hello.segmentBytes !== this.hooks.segmentBytes) {
      return this.refuse(RefuseReason.MISMATCH, `commitLogSegmentBytes differ (slave ${hello.segmentBytes}, master ${this.hooks.segmentBytes})`);
    }
    const slaveEpoch = Math.max(hello.roleEpoch, lastEpoch(hello.entries));
    if (slaveEpoch > m.epoch) {
      // Refused first: stepping down closes every connection, and this one must still say why.
      this.refuse(RefuseReason.NEWER_EPOCH, `slave knows epoch ${slaveEpoch}, this master has ${m.epoch}`);
      this.hooks.newerEpochSeen(slaveEpoch, hello.brokerAddr);
      return;
    }
    const maxOffset = this.log.commitLogMaxOffset;
    const minOffset = this.log.commitLogMinOffset;
    const point = findCommonPoint(hello.entries, m.entries, maxOffset);
    const start = Math.min(point, hello.maxOffset);
    if (start < minOffset) {
      return this.refuse(RefuseReason.BAD_OFFSET, `the slave would resume at ${start}, but the master's log begins at ${minOffset}`);
    }
    this.expectedStart = start;
    this.state = 'welcomed';
    this.send(encodeWelcome({ epoch: m.epoch, entries: m.entries, maxOffset, minOffset, truncateTo: point, confirmedOffset: m.confirmedOffset, brokerAddr: m.brokerAddr }));
    const metadata = this.hooks.metadataJson();
    if (metadata !== undefined) this.sendMetadata(metadata);
  }

  private onFirstAck(offset: number): void {
    // The slave cut its log to the point (or was shorter): it resumes at its end.
    if (offset > this.expectedStart || offset < this.log.commitLogMinOffset) {
      return this.refuse(RefuseReason.BAD_OFFSET, `slave resumes at ${offset}; expected ${this.expectedStart} or less`);
    }
    this.nextOffset = offset;
    this.ackOffset = offset;
    this.lastAckMs = this.clock.monotonicMs();
    this.catchUp = initialCatchUp(this.log.commitLogMaxOffset);
    this.state = 'transfer';
    this.hooks.info('slave attached', { slave: this.hello!.brokerAddr, brokerId: this.hello!.brokerId, fromOffset: offset });
    this.onAttached(this);
    this.hooks.progressed();
    this.pump();
  }

  private onAck(offset: number): void {
    if (offset > this.nextOffset) return this.refuse(RefuseReason.PROTOCOL, `ack ${offset} beyond what was sent (${this.nextOffset})`);
    const now = this.clock.monotonicMs();
    this.lastAckMs = now;
    if (offset > this.ackOffset) this.ackOffset = offset;
    this.catchUp = afterAck(this.catchUp, this.ackOffset, this.log.commitLogMaxOffset, now);
    this.hooks.progressed();
  }
}

/** Listens for slaves; knows every connection. */
export class HaServer {
  private server: net.Server | undefined;
  private readonly connections = new Set<SlaveConnection>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly log: RawLogReader,
    private readonly hooks: MasterLinkHooks,
    private readonly clock: Clock,
    private readonly timings: MasterLinkTimings,
  ) {}

  async listen(port: number, host: string): Promise<Result<number, string>> {
    const server = net.createServer((socket) => this.accept(socket));
    this.server = server;
    const listening = await new Promise<Result<number, string>>((resolve) => {
      server.once('error', (e) => resolve(err(`HA server cannot listen on ${host}:${port}: ${e.message}`)));
      server.listen(port, host, () => resolve(ok((server.address() as net.AddressInfo).port)));
    });
    if (!listening.ok) return listening;
    this.timer = setInterval(() => this.tick(), Math.max(50, Math.floor(this.timings.heartbeatIntervalMs / 2)));
    this.timer.unref();
    return listening;
  }

  /** Slaves currently attached (past the handshake). */
  slaves(): SlaveConnection[] {
    return [...this.connections].filter((c) => c.transferring);
  }

  /** The log grew: every connection sends what it can. */
  wake(): void {
    for (const c of this.connections) c.pump();
  }

  broadcastMetadata(json: string): void {
    for (const c of this.connections) c.sendMetadata(json);
  }

  closeAll(reason: string): void {
    for (const c of [...this.connections]) c.close(reason);
  }

  async close(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.closeAll('broker closing');
    for (const c of this.connections) c.destroy();
    const server = this.server;
    this.server = undefined;
    if (server !== undefined) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private accept(socket: net.Socket): void {
    if (this.connections.size >= MAX_SLAVE_CONNECTIONS) {
      socket.destroy();
      return;
    }
    const connection = new SlaveConnection(
      socket,
      this.log,
      this.hooks,
      this.clock,
      (c) => {
        this.connections.delete(c);
        this.hooks.progressed();
      },
      (c) => this.replaceOlder(c),
    );
    this.connections.add(connection);
  }

  private tick(): void {
    for (const c of this.connections) c.tick(this.timings);
  }

  /**
   * A slave that reconnected while its old connection is still open (half-open, not yet timed out)
   * is one replica: counting both would let sync replication acknowledge with fewer slaves than
   * `minInSyncReplicas`. The newest connection is the slave as it is now.
   */
  private replaceOlder(attached: SlaveConnection): void {
    const addr = attached.hello!.brokerAddr;
    for (const c of [...this.connections]) {
      if (c !== attached && c.state !== 'closed' && c.hello?.brokerAddr === addr) c.close('the slave connected again');
    }
  }
}
