/**
 * `rocketctl up` end to end, as a user runs it: the CLI in a child process starts a nameserver and a
 * broker in grandchild processes, `rocketctl send` and `rocketctl consume` (more child processes)
 * round-trip a message through them, and SIGINT stops everything with exit code 0 and no process
 * left behind.
 */
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { cleanupTempDirs, tempDir } from '../testing/temp';
import { brokerPorts, nameserverPorts } from './supervisor/ports';
import type { UpState } from './supervisor/up';
import { STATE_FILE } from './supervisor/up';

const ROOT = path.resolve(__dirname, '..');
const CLI = [process.execPath, '-r', '@swc-node/register', path.join(ROOT, 'cli', 'main.ts')] as const;

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** A base port whose whole layout (nameserver + one broker) is free right now. */
async function freeBasePort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20000 + Math.floor(Math.random() * 30000);
    const ns = nameserverPorts(base);
    const b = [brokerPorts(base, 0), brokerPorts(base, 1)].flatMap((p) => [p.remotingPort, p.haPort, p.httpPort]);
    const ports = [ns.remotingPort, ns.httpPort, ...b];
    const free = await Promise.all(ports.map(portFree));
    if (free.every(Boolean)) return base;
  }
  throw new Error('no free port range found');
}

interface Run {
  readonly child: ChildProcess;
  stdout: string;
  stderr: string;
  readonly exited: Promise<number | null>;
}

function runCliProcess(args: readonly string[]): Run {
  const child = spawn(CLI[0], [...CLI.slice(1), ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ROCKET_NAMESRV_ADDR: '' } });
  const run: Run = {
    child,
    stdout: '',
    stderr: '',
    exited: new Promise((resolve) => child.once('close', (code, signal) => resolve(signal === null ? code : -1))),
  };
  child.stdout!.setEncoding('utf8').on('data', (s: string) => (run.stdout += s));
  child.stderr!.setEncoding('utf8').on('data', (s: string) => (run.stderr += s));
  return run;
}

async function until(cond: () => boolean, what: () => string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
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

afterAll(cleanupTempDirs);

test('rocketctl up runs a cluster that send and consume work against, and SIGINT stops it cleanly', async () => {
  const dataDir = tempDir('rocketctl-up-');
  const base = await freeBasePort();
  const namesrv = `127.0.0.1:${base}`;
  const up = runCliProcess(['up', '--data-dir', dataDir, '--base-port', String(base)]);
  let pids: number[] = [];
  try {
    await until(
      () => up.stdout.includes('cluster ready') || up.child.exitCode !== null,
      () => `the ready table; stdout:\n${up.stdout}\nstderr:\n${up.stderr}`,
      120_000,
    );
    expect(up.child.exitCode).toBeNull();
    expect(up.stdout).toContain(`cluster ready: namesrv ${namesrv}`);
    expect(up.stdout).toMatch(/nameserver\s+nameserver\s+\d+\s+\d+/);
    const state = JSON.parse(fs.readFileSync(path.join(dataDir, STATE_FILE), 'utf8')) as UpState;
    pids = state.processes.map((p) => p.pid);
    // The default: one group of a master and a slave under the controller.
    expect(state.processes.map((p) => p.name)).toEqual(['nameserver', 'broker-a-0', 'broker-a-1']);
    expect(up.stderr).toMatch(/controller: broker-a master is broker-a-\d at epoch 1/);
    expect(pids.every(alive)).toBe(true);
    expect(fs.readFileSync(path.join(dataDir, 'logs', 'broker-a-0.log'), 'utf8')).toContain('"broker ready"');

    const send = runCliProcess(['send', 'UpTestTopic', '--namesrv', namesrv, '--body', 'hello from up', '--tags', 'TagA', '--keys', 'k1']);
    expect(await send.exited).toBe(0);
    expect(send.stdout).toMatch(/status:\s+SEND_OK/);

    const consume = runCliProcess(['consume', 'UpTestTopic', '--namesrv', namesrv, '--group', 'up-test-group', '--from', 'first', '--count', '1', '--json']);
    expect(await consume.exited).toBe(0);
    const received = consume.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { body: string; tags: string; keys: string[] });
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({ body: 'hello from up', tags: 'TagA', keys: ['k1'] });
  } finally {
    up.child.kill('SIGINT');
  }
  expect(await up.exited).toBe(0);
  expect(up.stderr).toContain('cluster stopped');
  expect(pids).toHaveLength(3);
  expect(pids.filter(alive)).toEqual([]);
  expect(fs.existsSync(path.join(dataDir, STATE_FILE))).toBe(false);
}, 180_000);
