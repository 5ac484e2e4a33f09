/**
 * Metadata between a master and its slaves besides the log: what the master sends (everything after
 * a handshake, the topic table after each topic change, consumer offsets and subscription groups
 * every `intervalMs` when they changed) and what a slave sends back (consumer offsets committed to it
 * that its master has not shown back yet). docs/replication.md, "Metadata".
 */
import type { ServerLogger } from '../../ops';
import { MAX_FRAME_BYTES } from './frames';

/**
 * What a master copies to its slaves besides the log, and what a slave gives back. Snapshots are
 * JSON object texts; a slave applies whichever parts a snapshot holds.
 */
export interface ReplicaMetadata {
  /** Everything a slave copies: sent after each handshake. */
  snapshot(): string;
  /** The topic table alone: sent after each topic change (default: `snapshot()`). */
  topicSnapshot?(): string;
  /** Consumer offsets and subscription groups: sent every sync interval when changed. */
  consumeSnapshot?(): string;
  /** Slave: applies a master's snapshot (throws when malformed). */
  apply(value: unknown): void;
  /** Slave: consumer offsets committed to it that its master has not shown back yet (JSON text), or undefined. */
  replicaCommits?(): string | undefined;
  /** Master: takes a slave's commits where higher than its own (throws when malformed). */
  mergeReplicaCommits?(value: unknown): void;
}

export const DEFAULT_METADATA_SYNC_INTERVAL_MS = 5000;

/** A JSON frame's payload must stay below the frame limit (length field and type byte aside). */
const MAX_PAYLOAD_BYTES = MAX_FRAME_BYTES - 5;

export interface MetadataSyncPorts {
  role(): 'none' | 'master' | 'slave';
  /** Master: sends a snapshot to every attached slave. */
  broadcast(json: string): void;
  /** Slave: sends the master its commits; false while not following. */
  sendToMaster(json: string): boolean;
  readonly logger: ServerLogger;
}

export class MetadataSync {
  private timer: NodeJS.Timeout | undefined;
  /** The consumer-state snapshot last sent; the next goes only when it differs (or is wanted). */
  private lastConsumeSnapshot: string | undefined;
  /** A slave sent commits: the next snapshot goes out even if unchanged, so the slave sees them taken. */
  private consumeSnapshotWanted = false;

  constructor(
    private readonly metadata: ReplicaMetadata | undefined,
    private readonly ports: MetadataSyncPorts,
  ) {}

  start(intervalMs: number): void {
    if (this.metadata === undefined || this.timer !== undefined) return;
    this.timer = setInterval(() => this.tick(), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  /**
   * What a slave gets right after its handshake. A frame beyond the limit would make the slave drop
   * the connection (the WELCOME with it) and reconnect forever without replicating, so an oversized
   * snapshot falls back to the topic table alone, or to nothing.
   */
  handshakeSnapshot(): string | undefined {
    const m = this.metadata;
    if (m === undefined) return undefined;
    const full = m.snapshot();
    if (Buffer.byteLength(full) < MAX_PAYLOAD_BYTES) return full;
    const topics = m.topicSnapshot?.();
    const fallback = topics !== undefined && Buffer.byteLength(topics) < MAX_PAYLOAD_BYTES ? topics : undefined;
    this.ports.logger.warn('metadata snapshot too large for one HA frame; a new slave gets ' + (fallback === undefined ? 'none' : 'the topic table only'), {
      bytes: Buffer.byteLength(full),
      limit: MAX_FRAME_BYTES,
    });
    return fallback;
  }

  /** The topic table changed on this master. */
  topicsChanged(): void {
    const m = this.metadata;
    if (this.ports.role() !== 'master' || m === undefined) return;
    this.send(m.topicSnapshot?.() ?? m.snapshot());
  }

  /** Slave: a snapshot from the master. */
  apply(value: unknown): void {
    try {
      this.metadata?.apply(value);
    } catch (e) {
      this.ports.logger.warn("cannot apply the master's metadata", { error: (e as Error).message });
    }
  }

  /** Master: a slave's commits arrived. */
  replicaOffsets(value: unknown, slave: string): void {
    const m = this.metadata;
    if (this.ports.role() !== 'master' || m?.mergeReplicaCommits === undefined) return;
    try {
      m.mergeReplicaCommits(value);
      this.consumeSnapshotWanted = true;
    } catch (e) {
      this.ports.logger.warn('cannot take consumer offsets from a slave', { slave, error: (e as Error).message });
    }
  }

  private tick(): void {
    const m = this.metadata!;
    try {
      const role = this.ports.role();
      if (role === 'master' && m.consumeSnapshot !== undefined) {
        const snapshot = m.consumeSnapshot();
        if (snapshot === this.lastConsumeSnapshot && !this.consumeSnapshotWanted) return;
        this.lastConsumeSnapshot = snapshot;
        this.consumeSnapshotWanted = false;
        this.send(snapshot);
      } else if (role === 'slave' && m.replicaCommits !== undefined) {
        const pending = m.replicaCommits();
        if (pending !== undefined && Buffer.byteLength(pending) < MAX_PAYLOAD_BYTES) this.ports.sendToMaster(pending);
      }
    } catch (e) {
      this.ports.logger.warn('metadata sync failed; retrying next period', { error: (e as Error).message });
    }
  }

  private send(snapshot: string): void {
    // A frame beyond the limit would make every slave drop the connection.
    const bytes = Buffer.byteLength(snapshot);
    if (bytes >= MAX_PAYLOAD_BYTES) {
      this.ports.logger.warn('metadata snapshot too large for one HA frame; not sent', { bytes, limit: MAX_FRAME_BYTES });
      return;
    }
    this.ports.broadcast(snapshot);
  }
}
