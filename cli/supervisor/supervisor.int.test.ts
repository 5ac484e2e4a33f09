import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cleanupTempDirs, tempDir } from '../../testing/temp';
import { ok } from '../../stdx';
import type { ProcessRole, ProcessSpec } from './specs';
import type { RestartPolicy } from './restart';
import type { SupervisorEvent, SupervisorOptions } from './supervisor';
import { Supervisor } from './supervisor';

const FAKE = path.join(__dirname, 'fixtures', 'fake-server.js');

function spec(dir: string, name: string, role: ProcessRole, env: Record<string, string> = {}, restart: RestartPolicy = 'never'): ProcessSpec {
  return {
    name,
    role,
    entry: role === 'nameserver' ? 'nameserver' : 'broker',
    args: ['--name', name],
    env: { FAKE_READY_MESSAGE: `${name} ready`, FAKE_PORT: '1234', ...env },
    readyMessage: `${name} ready`,
    logFile: path.join(dir, 'logs', `${name}.log`),
    dataDir: path.join(dir, name),
    restart,
    ports: { remotingPort: 1, httpPort: 3 },
  };
}

function supervisor(specs: ProcessSpec[], events: SupervisorEvent[], extra: Partial<SupervisorOptions> = {}): Supervisor {
  return new Supervisor({
    specs,
    launch: () => ok({ file: process.execPath, args: [FAKE], env: {}, form: 'dist' }),
    onEvent: (e) => events.push(e),
    readyTimeoutMs: 20_000,
    stopGraceMs: 5000,
    restartLimits: { maxRestarts: 2, windowMs: 60_000, initialDelayMs: 10, maxDelayMs: 50 },
    ...extra,
  });
}

/** Running (a zombie left for a container's init to reap counts as gone). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}

async function until(cond: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

afterAll(cleanupTempDirs);

describe('Supervisor with stand-in server processes', () => {
  test('starts processes in order, reports their ready fields, logs to files, and stops them in reverse order', async () => {
    const dir = tempDir('rocketctl-sup-');
    const events: SupervisorEvent[] = [];
    const sup = supervisor([spec(dir, 'ns', 'nameserver'), spec(dir, 'b0', 'master')], events);
    const started = await sup.start();
    expect(started.ok).toBe(true);
    if (!started.ok) return;
    expect(started.value.map((r) => r.spec.name)).toEqual(['ns', 'b0']);
    expect(started.value[0]!.ready.remotingPort).toBe(1234);
    const pids = started.value.map((r) => r.pid);
    expect(pids.every(alive)).toBe(true);
    // ns is ready before b0 starts.
    const order = events.filter((e) => e.kind === 'starting' || e.kind === 'ready').map((e) => `${e.kind}:${e.name}`);
    expect(order).toEqual(['starting:ns', 'ready:ns', 'starting:b0', 'ready:b0']);
    expect(events.some((e) => e.kind === 'notable' && e.line.includes('disk is slow'))).toBe(true);

    await sup.stop();
    expect(await sup.finished).toEqual({ kind: 'stopped' });
    expect(pids.some(alive)).toBe(false);
    const exits = events.filter((e) => e.kind === 'exited');
    expect(exits.map((e) => e.name)).toEqual(['b0', 'ns']);
    expect(exits.every((e) => e.kind === 'exited' && e.expected)).toBe(true);
    const log = fs.readFileSync(path.join(dir, 'logs', 'b0.log'), 'utf8').trim().split('\n');
    expect(log.every((l) => JSON.parse(l) !== undefined)).toBe(true);
    expect(log.some((l) => l.includes('"b0 ready"'))).toBe(true);
    expect(log.some((l) => l.includes('stopping on SIGTERM'))).toBe(true);
    expect(fs.existsSync(path.join(dir, 'b0'))).toBe(true);
  });

  test('a process that exits before its ready line fails the start with its last lines', async () => {
    const dir = tempDir('rocketctl-sup-');
    const events: SupervisorEvent[] = [];
    const sup = supervisor([spec(dir, 'ns', 'nameserver'), spec(dir, 'b0', 'master', { FAKE_EXIT_BEFORE_READY: '3' })], events);
    const started = await sup.start();
    expect(started).toEqual({ ok: false, error: 'b0 exited with code 3 before it was ready' });
    const exit = events.find((e) => e.kind === 'exited' && e.name === 'b0');
    expect(exit?.kind === 'exited' && exit.lastLines.some((l) => l.includes('cannot bind port'))).toBe(true);
    await sup.stop();
    expect(sup.running()).toEqual([]);
  });

  test('with restart "never", an unexpected exit stops the others and finishes as child-failed', async () => {
    const dir = tempDir('rocketctl-sup-');
    const events: SupervisorEvent[] = [];
    const sup = supervisor([spec(dir, 'ns', 'nameserver'), spec(dir, 'b0', 'master', { FAKE_CRASH_AFTER_READY: '7' })], events);
    const started = await sup.start();
    expect(started.ok).toBe(true);
    const outcome = await sup.finished;
    expect(outcome).toEqual({ kind: 'child-failed', name: 'b0', reason: 'b0 exited with code 7' });
    expect(sup.running()).toEqual([]);
    const nsExit = events.find((e) => e.kind === 'exited' && e.name === 'ns');
    expect(nsExit?.kind === 'exited' && nsExit.expected).toBe(true);
  });

  test('with restart "on-failure", a crashed process is started again and serves', async () => {
    const dir = tempDir('rocketctl-sup-');
    const events: SupervisorEvent[] = [];
    const once = path.join(dir, 'crashed-once');
    const sup = supervisor([spec(dir, 'b0', 'master', { FAKE_CRASH_AFTER_READY: '9', FAKE_CRASH_ONCE_FILE: once }, 'on-failure')], events);
    expect((await sup.start()).ok).toBe(true);
    await until(() => events.filter((e) => e.kind === 'ready').length === 2, 'the restarted process to be ready');
    expect(events.some((e) => e.kind === 'restarting' && e.attempt === 1)).toBe(true);
    expect(sup.running()).toHaveLength(1);
    await sup.stop();
    expect(await sup.finished).toEqual({ kind: 'stopped' });
  });

  test('a process that crashes on every start is given up after the restart limit', async () => {
    const dir = tempDir('rocketctl-sup-');
    const events: SupervisorEvent[] = [];
    const sup = supervisor([spec(dir, 'b0', 'master', { FAKE_CRASH_AFTER_READY: '9' }, 'on-failure')], events);
    expect((await sup.start()).ok).toBe(true);
    const outcome = await sup.finished;
    expect(outcome.kind).toBe('child-failed');
    expect(events.filter((e) => e.kind === 'restarting')).toHaveLength(2);
    expect(events.some((e) => e.kind === 'giving-up')).toBe(true);
  });

  test('a process that ignores SIGTERM is killed after the grace period', async () => {
    const dir = tempDir('rocketctl-sup-');
    const events: SupervisorEvent[] = [];
    const sup = supervisor([spec(dir, 'b0', 'master', { FAKE_IGNORE_SIGTERM: '1' })], events, { stopGraceMs: 300 });
    const started = await sup.start();
    expect(started.ok).toBe(true);
    await sup.stop();
    const exit = events.find((e) => e.kind === 'exited');
    expect(exit?.kind === 'exited' && exit.exit.signal).toBe('SIGKILL');
    expect(started.ok && alive(started.value[0]!.pid)).toBe(false);
  });

  test('a process that never logs its ready line fails the start after the timeout', async () => {
    const dir = tempDir('rocketctl-sup-');
    const sup = supervisor([spec(dir, 'b0', 'master', { FAKE_NEVER_READY: '1' })], [], { readyTimeoutMs: 300 });
    const started = await sup.start();
    expect(started).toEqual({ ok: false, error: 'b0 did not log "b0 ready" within 300 ms' });
    await sup.stop();
    expect(sup.running()).toEqual([]);
  });
});

test('the orphan guard stops a child whose supervisor was killed with SIGKILL', async () => {
  const guard = path.join(__dirname, 'child-guard.ts');
  // A stand-in supervisor: starts the fake server with the guard preloaded, prints its pid, waits.
  const parentScript = `
    const { spawn } = require('node:child_process');
    const child = spawn(process.execPath, ['-r', '@swc-node/register', '-r', ${JSON.stringify(guard)}, ${JSON.stringify(FAKE)}], {
      env: { ...process.env, ROCKET_SUPERVISOR_PID: String(process.pid) }, stdio: 'ignore', detached: true,
    });
    process.stdout.write(child.pid + '\\n');
    setInterval(() => undefined, 1000);
  `;
  const parent = spawn(process.execPath, ['-e', parentScript], { cwd: path.resolve(__dirname, '..', '..'), stdio: ['ignore', 'pipe', 'inherit'] });
  let text = '';
  parent.stdout!.on('data', (b: Buffer) => (text += b.toString()));
  await until(() => text.includes('\n'), 'the child pid');
  const childPid = Number(text.trim());
  expect(alive(childPid)).toBe(true);
  parent.kill('SIGKILL');
  await until(() => !alive(childPid), 'the orphaned child to stop');
});
