/**
 * One JSON state file under the config dir, written atomically (ops.writeFileAtomic keeps the previous
 * version as `.bak`). Writes of one file are serialized: the atomic writer uses one temporary name per
 * process, so two overlapping writes of the same file would trample each other.
 */
import { join } from 'node:path';
import type { JsonFileState } from '../../ops';
import { readJsonState, writeFileAtomic } from '../../ops';
import type { Result } from '../../stdx';

export class StateFile {
  readonly path: string;
  private tail: Promise<void> = Promise.resolve();

  constructor(dir: string, name: string) {
    this.path = join(dir, name);
  }

  read<T>(parse: (value: unknown) => Result<T, string>): Promise<Result<JsonFileState<T>, string>> {
    return readJsonState(this.path, parse);
  }

  /** Queues a write of what `serialize` returns when the write starts (so it is the latest state). */
  write(serialize: () => string): Promise<void> {
    const run = this.tail.then(() => writeFileAtomic(this.path, serialize()));
    // The chain goes on after a failure; the caller sees the failure through `run`.
    this.tail = run.catch(() => undefined);
    return run;
  }
}
