import * as fs from 'node:fs';
import * as path from 'node:path';
import { err, isProcessAlive, ok } from '../../stdx';
import type { Result } from '../../stdx';

/** Lock files this process holds: a lock naming our own pid that is not here is stale. */
const heldHere = new Set<string>();

/**
 * `<storeDir>/lock` holds the pid of the process that owns the store, so two brokers never open
 * one store. A lock left by a dead process is taken over. So is one naming our own pid that this
 * process never took: in a container the broker is always pid 1, and the lock of the previous
 * incarnation (killed, OOM, node lost) names it too.
 */
export class StoreLock {
  private held = false;
  private readonly file: string;

  constructor(dir: string) {
    this.file = path.resolve(dir, 'lock');
  }

  acquire(): Result<void, string> {
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        fs.writeFileSync(this.file, String(process.pid), { flag: 'wx' });
        this.held = true;
        heldHere.add(this.file);
        return ok(undefined);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
      const owner = Number(fs.readFileSync(this.file, 'utf8').trim());
      if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && isProcessAlive(owner)) {
        return err(`store is locked by running process ${owner} (${this.file})`);
      }
      if (owner === process.pid && heldHere.has(this.file)) return err(`store is already open in this process (${this.file})`);
      fs.rmSync(this.file, { force: true });
    }
    return err(`cannot take the store lock ${this.file}`);
  }

  release(): void {
    if (this.held) {
      fs.rmSync(this.file, { force: true });
      heldHere.delete(this.file);
    }
    this.held = false;
  }
}

