/**
 * Where a consumer group's progress lives (FACTS 6.1, 6.2). Clustering: on the broker that owns the
 * queue (QUERY_CONSUMER_OFFSET / UPDATE_CONSUMER_OFFSET). Broadcasting: every member has its own
 * progress, kept in a local JSON file written atomically (temp file, fsync, rename), so a crash
 * leaves either the old or the new file, never a torn one.
 *
 * Both keep the current offsets in memory; `update` is cheap: the push consumer calls it with a
 * queue's committable offset before each pull that carries a commit, each periodic persist and on
 * shutdown (not on every acknowledgement); `persistAll` writes what changed.
 */
import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import type { RemotingClient } from '../remoting';
import { queryConsumerOffset, updateConsumerOffset, updateConsumerOffsetOneway } from './consumer-api';
import { ClientError, ClientErrorCode } from './errors';
import type { MessageQueue } from './types';
import { queueKey } from './types';

export interface OffsetStore {
  /** Reads the stored offset from the backing store; undefined when there is none. */
  fetch(queue: MessageQueue): Promise<number | undefined>;
  /** The offset in memory, if any. */
  read(queue: MessageQueue): number | undefined;
  /** Sets the in-memory offset; it is written by the next persist. */
  update(queue: MessageQueue, offset: number): void;
  /** Writes every changed offset; `acknowledged` waits for the broker to confirm each write. */
  persistAll(acknowledged?: boolean): Promise<void>;
  /** Writes one queue's offset and waits for it to be stored. */
  persist(queue: MessageQueue): Promise<void>;
  /** Forgets a queue (it moved to another member). */
  remove(queue: MessageQueue): void;
}

interface Entry {
  readonly queue: MessageQueue;
  offset: number;
  dirty: boolean;
  /** False once removed: a stale identity-cache hit must not revive it. */
  live: boolean;
}

abstract class MemoryOffsets {
  protected readonly entries = new Map<string, Entry>();
  /** `update` runs often with the same queue objects: find the entry without building its key. */
  private readonly byQueue = new WeakMap<MessageQueue, Entry>();

  read(queue: MessageQueue): number | undefined {
    return this.entries.get(queueKey(queue))?.offset;
  }

  update(queue: MessageQueue, offset: number): void {
    let entry = this.byQueue.get(queue);
    if (entry === undefined || !entry.live) {
      const key = queueKey(queue);
      entry = this.entries.get(key);
      if (entry === undefined) {
        entry = { queue, offset, dirty: true, live: true };
        this.entries.set(key, entry);
      }
      this.byQueue.set(queue, entry);
    }
    if (entry.offset !== offset) {
      entry.offset = offset;
      entry.dirty = true;
    }
  }

  remove(queue: MessageQueue): void {
    const key = queueKey(queue);
    const entry = this.entries.get(key);
    if (entry !== undefined) entry.live = false;
    this.entries.delete(key);
  }
}

/** Offsets on the brokers, for clustering consumers. */
export class BrokerOffsetStore extends MemoryOffsets implements OffsetStore {
  constructor(
    private readonly remoting: RemotingClient,
    /** Where a broker group keeps the offsets: its master, or a slave while the master is gone. */
    private readonly brokerOf: (brokerName: string) => string | undefined,
    private readonly group: string,
    private readonly timeoutMs: number,
  ) {
    super();
  }

  async fetch(queue: MessageQueue): Promise<number | undefined> {
    return queryConsumerOffset(this.remoting, this.addrOf(queue), this.group, queue, this.timeoutMs);
  }

  async persistAll(acknowledged = false): Promise<void> {
    const failures: unknown[] = [];
    await Promise.all(
      [...this.entries.values()].filter((e) => e.dirty).map(async (entry) => {
        entry.dirty = false;
        const offset = entry.offset;
        try {
          const addr = this.addrOf(entry.queue);
          if (acknowledged) await updateConsumerOffset(this.remoting, addr, this.group, entry.queue, offset, this.timeoutMs);
          else await updateConsumerOffsetOneway(this.remoting, addr, this.group, entry.queue, offset, this.timeoutMs);
        } catch (error) {
          if (entry.offset === offset) entry.dirty = true;
          failures.push(error);
        }
      }),
    );
    if (failures.length > 0) throw failures[0];
  }

  async persist(queue: MessageQueue): Promise<void> {
    const entry = this.entries.get(queueKey(queue));
    if (entry === undefined) return;
    await updateConsumerOffset(this.remoting, this.addrOf(queue), this.group, queue, entry.offset, this.timeoutMs);
    entry.dirty = false;
  }

  private addrOf(queue: MessageQueue): string {
    const addr = this.brokerOf(queue.brokerName);
    if (addr === undefined) throw new ClientError(ClientErrorCode.NO_AVAILABLE_QUEUE, `broker ${queue.brokerName} has no replica to keep offsets`);
    return addr;
  }
}

interface OffsetFile {
  group: string;
  offsets: Record<string, number>;
}

/** Offsets in a local JSON file, for broadcasting consumers. */
export class LocalFileOffsetStore extends MemoryOffsets implements OffsetStore {
  private loaded: Map<string, number> | undefined;
  private writing: Promise<void> = Promise.resolve();

  constructor(
    readonly filePath: string,
    private readonly group: string,
  ) {
    super();
  }

  async fetch(queue: MessageQueue): Promise<number | undefined> {
    const stored = await this.load();
    return stored.get(queueKey(queue));
  }

  persistAll(): Promise<void> {
    if (![...this.entries.values()].some((e) => e.dirty)) return this.writing;
    for (const entry of this.entries.values()) entry.dirty = false;
    // Writes are chained so two never race on the temp file and the newest state lands last;
    // `writing` itself never rejects, so one failed write does not poison the next.
    const run = this.writing.then(() => this.write());
    this.writing = run.catch(() => undefined);
    return run.catch((error: unknown) => {
      for (const entry of this.entries.values()) entry.dirty = true;
      throw new ClientError(ClientErrorCode.OFFSET_STORE, `cannot write ${this.filePath}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    });
  }

  persist(): Promise<void> {
    return this.persistAll();
  }

  private async load(): Promise<Map<string, number>> {
    if (this.loaded !== undefined) return this.loaded;
    const map = new Map<string, number>();
    let text: string | undefined;
    try {
      text = await fsp.readFile(this.filePath, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
        throw new ClientError(ClientErrorCode.OFFSET_STORE, `cannot read ${this.filePath}: ${(error as Error).message}`, { cause: error });
      }
    }
    if (text !== undefined) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch (error) {
        throw new ClientError(ClientErrorCode.OFFSET_STORE, `${this.filePath} is not JSON: ${(error as Error).message}`, { cause: error });
      }
      const offsets = (parsed as Partial<OffsetFile> | null)?.offsets;
      if (typeof offsets === 'object' && offsets !== null) {
        for (const [key, value] of Object.entries(offsets)) if (Number.isSafeInteger(value) && value >= 0) map.set(key, value);
      }
    }
    this.loaded = map;
    return map;
  }

  private async write(): Promise<void> {
    const stored = await this.load();
    // Queues this member no longer reads keep their last stored offsets.
    const offsets: Record<string, number> = Object.fromEntries(stored);
    for (const [key, entry] of this.entries) {
      offsets[key] = entry.offset;
      stored.set(key, entry.offset);
    }
    const content: OffsetFile = { group: this.group, offsets };
    await fsp.mkdir(path.dirname(this.filePath), { recursive: true });
    const temp = `${this.filePath}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    const handle = await fsp.open(temp, 'w');
    try {
      await handle.writeFile(JSON.stringify(content, null, 2));
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fsp.rename(temp, this.filePath);
  }
}
