/**
 * Preloaded (`node -r`) into every process `rocketctl up` starts. Children run in their own process
 * group so a Ctrl-C reaches only the supervisor, which then stops them in order; the price is that
 * a supervisor killed with SIGKILL would leave them running. This guard closes that gap: when the
 * parent process goes away (the child is re-parented), the child sends itself SIGTERM and shuts
 * down as if the supervisor had asked. It only arms itself when the supervisor set
 * ROCKET_SUPERVISOR_PID, so running a server by hand is unaffected.
 */
const CHECK_INTERVAL_MS = 1000;

function armOrphanGuard(): void {
  const expected = Number(process.env.ROCKET_SUPERVISOR_PID);
  if (!Number.isInteger(expected) || expected <= 0) return;
  const timer = setInterval(() => {
    if (process.ppid !== expected) {
      clearInterval(timer);
      process.kill(process.pid, 'SIGTERM');
    }
  }, CHECK_INTERVAL_MS);
  timer.unref();
}

armOrphanGuard();
export {};
