/**
 * The KV config with its file: every change is written to `kvConfig.json` (atomically, previous
 * version kept as `.bak`) before the change is acknowledged, like RocketMQ persists on every put and
 * delete. Writes are serialized: each one writes the table as it is when the write starts, so the
 * file never goes backwards and two writes never race on the temporary file.
 */
import { readJsonState, writeFileAtomic } from '../ops';
import type { Result } from '../stdx';
import { err, ok } from '../stdx';
import { KvConfigTable, MAX_KV_ENTRIES } from './kv-config';

export class KvConfigStore {
  private writes: Promise<unknown> = Promise.resolve();

  constructor(
    readonly path: string,
    private readonly table: KvConfigTable = new KvConfigTable(),
  ) {}

  /** Loads the file (or its backup); missing means empty. Unreadable state is an error: refuse to start. */
  static async load(path: string): Promise<Result<{ store: KvConfigStore; fromBackup: boolean }, string>> {
    const state = await readJsonState(path, (value) => KvConfigTable.fromFile(value));
    if (!state.ok) return state;
    if (state.value.kind === 'missing') return ok({ store: new KvConfigStore(path), fromBackup: false });
    return ok({ store: new KvConfigStore(path, state.value.value), fromBackup: state.value.fromBackup });
  }

  get(namespace: string, key: string): string | undefined {
    return this.table.get(namespace, key);
  }

  list(namespace: string): Record<string, string> | undefined {
    return this.table.list(namespace);
  }

  get size(): number {
    return this.table.size;
  }

  /** Sets the value and persists. The value stays in memory even when the write fails. */
  async put(namespace: string, key: string, value: string): Promise<Result<void, string>> {
    if (!this.table.put(namespace, key, value)) return err(`kv config is full (${MAX_KV_ENTRIES} entries)`);
    return this.persist();
  }

  async delete(namespace: string, key: string): Promise<Result<void, string>> {
    if (!this.table.delete(namespace, key)) return ok(undefined);
    return this.persist();
  }

  /** Resolves once every write started so far has finished. */
  async flush(): Promise<void> {
    await this.writes;
  }

  private persist(): Promise<Result<void, string>> {
    const write = this.writes.then(() => writeFileAtomic(this.path, this.table.toFileText()));
    this.writes = write.catch(() => undefined);
    return write.then(
      () => ok(undefined),
      (e: unknown) => err(`kept in memory but not persisted to ${this.path}: ${(e as Error).message}`),
    );
  }
}
