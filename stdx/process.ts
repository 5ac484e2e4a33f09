/**
 * Whether a process with this pid exists. Signal 0 probes without delivering anything;
 * EPERM means the process exists but belongs to another user, so it is alive too.
 */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
