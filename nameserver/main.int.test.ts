/**
 * The `rocket-nameserver` process as the local supervisor runs it: spawn it, wait for the
 * "nameserver ready" JSON log line, talk to it, SIGTERM it and expect a clean exit 0.
 */
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { RequestCode, ResponseCode, makeRequest } from '../protocol';
import { RemotingClient } from '../remoting';
import { cleanupTempDirs, tempDir } from '../testing/temp';

const ROOT = join(__dirname, '..');

interface Running {
  child: ChildProcess;
  lines: Record<string, unknown>[];
  /** Resolves on 'close', after stdout has been read to the end. */
  exited: Promise<number | null>;
}

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});
afterAll(cleanupTempDirs);

function run(args: string[], env: Record<string, string> = {}): Running {
  const child = spawn(process.execPath, ['-r', '@swc-node/register', 'nameserver/main.ts', ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  const lines: Record<string, unknown>[] = [];
  let pending = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    pending += chunk.toString('utf8');
    const parts = pending.split('\n');
    pending = parts.pop() ?? '';
    for (const part of parts) if (part.trim() !== '') lines.push(JSON.parse(part) as Record<string, unknown>);
  });
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  return { child, lines, exited };
}

async function waitForLine(running: Running, message: string, timeoutMs = 30_000): Promise<Record<string, unknown>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const line = running.lines.find((l) => l.message === message);
    if (line !== undefined) return line;
    if (running.child.exitCode !== null) throw new Error(`process exited (${running.child.exitCode}) before logging "${message}"`);
    if (Date.now() > deadline) throw new Error(`no "${message}" line within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('rocket-nameserver process', () => {
  it('logs a ready line with its ports, serves requests and HTTP, and exits 0 on SIGTERM', async () => {
    const dataDir = tempDir('ns-main-');
    const running = run(['--listen-port', '0', '--host', '127.0.0.1', '--data-dir', dataDir], { ROCKET_NAMESRV_HTTP_PORT: '0' });
    const ready = await waitForLine(running, 'nameserver ready');
    expect(ready).toMatchObject({ service: 'rocket-nameserver', level: 'info', remotingPort: expect.any(Number), httpPort: expect.any(Number) });
    expect(running.lines.filter((l) => l.message === 'effective config')).toHaveLength(1);

    const client = new RemotingClient();
    try {
      const route = await client.invoke(`127.0.0.1:${ready.remotingPort as number}`, makeRequest(RequestCode.GET_ROUTEINFO_BY_TOPIC, { extFields: { topic: 'nope' } }), 5000);
      expect(route.ok && route.value.code).toBe(ResponseCode.TOPIC_NOT_EXIST);
    } finally {
      await client.close();
    }
    expect((await fetch(`http://127.0.0.1:${ready.httpPort as number}/healthz`)).status).toBe(200);

    running.child.kill('SIGTERM');
    expect(await running.exited).toBe(0);
    expect(running.lines.map((l) => l.message)).toContain('nameserver closed');
    expect(running.lines.map((l) => l.message)).not.toContain('event loop still busy after close; exiting anyway');
  });

  it('exits 2 with every configuration problem in one log line', async () => {
    const running = run(['--listen-port', 'many', '--scan-interval-ms', '0'], { ROCKET_NAMESRV_LOG_LEVEL: 'chatty' });
    expect(await running.exited).toBe(2);
    const line = running.lines.find((l) => l.message === 'invalid configuration');
    expect(line?.problems).toHaveLength(3);
  });
});
