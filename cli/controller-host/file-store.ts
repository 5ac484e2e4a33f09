/**
 * The local supervisor's controller store: one JSON file per group, `<dir>/<group>.json` =
 * `{version, state}`, replaced atomically. Saves are compare-and-set on `version`. Saves of one
 * store object run one at a time, which makes the check-then-write atomic inside this process; a
 * second writer process is kept away by `rocketctl up`'s own lock on the data directory.
 */
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import type { GroupState, GroupStateStore, SaveOutcome, StoredGroupState } from '../../controller';
import { validateState } from '../../controller';
import { writeFileAtomic } from '../../ops';

interface FileBody {
  readonly version: number;
  readonly state: GroupState;
}

const GROUP_NAME = /^[A-Za-z0-9_-]{1,64}$/;

export class FileGroupStateStore implements GroupStateStore {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly dir: string) {}

  fileOf(group: string): string {
    if (!GROUP_NAME.test(group)) throw new Error(`bad group name ${JSON.stringify(group)}`);
    return path.join(this.dir, `${group}.json`);
  }

  async load(group: string): Promise<StoredGroupState | null> {
    const body = await this.read(group);
    return body === null ? null : { version: String(body.version), state: body.state };
  }

  save(group: string, expectedVersion: string | null, state: GroupState): Promise<SaveOutcome> {
    const run = this.queue.then(() => this.saveNow(group, expectedVersion, state));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async saveNow(group: string, expectedVersion: string | null, state: GroupState): Promise<SaveOutcome> {
    const current = await this.read(group);
    const currentVersion = current === null ? null : String(current.version);
    if (currentVersion !== expectedVersion) return { kind: 'conflict', reason: `stored version is ${currentVersion ?? 'none'}, not ${expectedVersion ?? 'none'}` };
    const version = (current?.version ?? 0) + 1;
    const body: FileBody = { version, state };
    await writeFileAtomic(this.fileOf(group), `${JSON.stringify(body, null, 2)}\n`);
    return { kind: 'saved', version: String(version) };
  }

  /** null when nothing is stored; throws on a corrupt file (the loop reports a load failure, and decides nothing). */
  private async read(group: string): Promise<FileBody | null> {
    let text: string;
    try {
      text = await readFile(this.fileOf(group), 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw e;
    }
    const body = JSON.parse(text) as Partial<FileBody>;
    if (typeof body !== 'object' || body === null || !Number.isSafeInteger(body.version) || typeof body.state !== 'object' || body.state === null) {
      throw new Error(`${this.fileOf(group)}: not a controller state file`);
    }
    const problems = validateState(body.state);
    if (problems.length > 0 || body.state.group !== group) throw new Error(`${this.fileOf(group)}: ${[...problems, body.state.group !== group ? 'group differs' : ''].filter((p) => p !== '').join('; ')}`);
    return body as FileBody;
  }
}
