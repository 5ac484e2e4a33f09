import * as fs from 'node:fs';
import * as path from 'node:path';
import { ok } from '../../stdx';
import type { Result } from '../../stdx';
import { ConsumeQueue } from './consume-queue';
import type { FileError, MappedFileFactory } from './io/mapped-file';

/** Every consume queue of the store, by topic and queue id, under `consumequeue/<topic>/<queueId>/`. */
export class ConsumeQueueTable {
  private readonly topics = new Map<string, Map<number, ConsumeQueue>>();

  constructor(
    readonly dir: string,
    private readonly entriesPerFile: number,
    private readonly files: MappedFileFactory,
  ) {}

  async load(): Promise<Result<void, FileError>> {
    fs.mkdirSync(this.dir, { recursive: true });
    for (const topic of fs.readdirSync(this.dir)) {
      const topicDir = path.join(this.dir, topic);
      if (!fs.statSync(topicDir).isDirectory()) continue;
      for (const q of fs.readdirSync(topicDir)) {
        if (!/^\d+$/.test(q)) continue;
        const cq = this.consumeQueue(topic, Number(q));
        const loaded = await cq.load();
        if (!loaded.ok) return loaded;
      }
    }
    return ok(undefined);
  }

  find(topic: string, queueId: number): ConsumeQueue | undefined {
    return this.topics.get(topic)?.get(queueId);
  }

  /** The queue for (topic, queueId), created empty (no files yet) when new. */
  consumeQueue(topic: string, queueId: number): ConsumeQueue {
    let queues = this.topics.get(topic);
    if (!queues) {
      queues = new Map();
      this.topics.set(topic, queues);
    }
    let cq = queues.get(queueId);
    if (!cq) {
      cq = new ConsumeQueue(topic, queueId, path.join(this.dir, topic, String(queueId)), this.entriesPerFile, this.files);
      queues.set(queueId, cq);
    }
    return cq;
  }

  *all(): IterableIterator<ConsumeQueue> {
    for (const queues of this.topics.values()) yield* queues.values();
  }

  list(): Map<string, number[]> {
    const out = new Map<string, number[]>();
    for (const [topic, queues] of this.topics) out.set(topic, [...queues.keys()].sort((a, b) => a - b));
    return out;
  }

  truncateBeyond(commitLogEnd: number): void {
    for (const cq of this.all()) if (cq.maxPhysicalEnd > commitLogEnd) cq.truncateBeyond(commitLogEnd);
  }

  deleteBefore(commitLogMinOffset: number): void {
    for (const cq of this.all()) cq.deleteBefore(commitLogMinOffset);
  }

  deleteTopic(topic: string): void {
    const queues = this.topics.get(topic);
    if (!queues) return;
    for (const cq of queues.values()) cq.destroy();
    this.topics.delete(topic);
    fs.rmSync(path.join(this.dir, topic), { recursive: true, force: true });
  }

  async flush(): Promise<void> {
    const dirty = [...this.all()].filter((cq) => cq.isDirty);
    await Promise.all(dirty.map((cq) => cq.flush()));
  }

  flushSync(): void {
    for (const cq of this.all()) if (cq.isDirty) cq.flushSync();
  }

  close(): void {
    for (const cq of this.all()) cq.close();
    this.topics.clear();
  }
}
