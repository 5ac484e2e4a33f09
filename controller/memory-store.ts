/**
 * A compare-and-set store in memory: for tests, and as the reference behaviour the file store
 * (local supervisor) and the status store (operator) must match.
 */
import type { GroupStateStore, SaveOutcome, StoredGroupState } from './ports';
import type { GroupState } from './types';

export class MemoryGroupStateStore implements GroupStateStore {
  private readonly entries = new Map<string, StoredGroupState>();
  private generation = 0;

  async load(group: string): Promise<StoredGroupState | null> {
    return this.peek(group);
  }

  async save(group: string, expectedVersion: string | null, state: GroupState): Promise<SaveOutcome> {
    const current = this.entries.get(group)?.version ?? null;
    if (current !== expectedVersion) return { kind: 'conflict', reason: `version is ${current ?? 'absent'}, expected ${expectedVersion ?? 'absent'}` };
    this.generation += 1;
    const version = String(this.generation);
    this.entries.set(group, { version, state: structuredClone(state) });
    return { kind: 'saved', version };
  }

  /** Synchronous read for tests and status displays. */
  peek(group: string): StoredGroupState | null {
    const entry = this.entries.get(group);
    return entry === undefined ? null : { version: entry.version, state: structuredClone(entry.state) };
  }
}
