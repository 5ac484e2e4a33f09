import { spawnSync } from 'node:child_process';
import { isProcessAlive } from './process';

describe('isProcessAlive', () => {
  it('reports this process as alive', () => {
    expect(isProcessAlive(process.pid)).toBe(true);
  });

  it('reports a child that has exited (and been reaped) as not alive', () => {
    const child = spawnSync(process.execPath, ['-e', '']);
    expect(child.status).toBe(0);
    expect(isProcessAlive(child.pid)).toBe(false);
  });
});
