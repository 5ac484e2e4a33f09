import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import * as path from 'node:path';
import { ResponseCode } from '../protocol';
import { RemotingClient } from '../remoting';
import { cleanupTempDirs, tempDir } from '../testing/temp';
import { sendV2Request } from './test-kit';

const ROOT = path.resolve(__dirname, '..');

interface Run {
  readonly child: ChildProcessWithoutNullStreams;
  readonly lines: Record<string, unknown>[];
  stderr: string;
  readonly exited: Promise<number | null>;
}

function runBroker(args: string[]): Run {
  const child = spawn(process.execPath, ['-r', '@swc-node/register', 'broker/main.ts', ...args], { cwd: ROOT, env: { ...process.env, ROCKET_BROKER_LOG_LEVEL: 'info' } });
  const run: Run = {
    child,
    lines: [],
    stderr: '',
    exited: new Promise((resolve) => child.once('exit', (code) => resolve(code))),
  };
  let buffered = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    buffered += chunk;
    const parts = buffered.split('\n');
    buffered = parts.pop() ?? '';
    for (const line of parts) if (line.startsWith('{')) run.lines.push(JSON.parse(line) as Record<string, unknown>);
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (run.stderr += chunk));
  return run;
}

/** Resolves with the first log line carrying `message`, or rejects when the process exits first. */
function waitForLine(run: Run, message: string, timeoutMs = 30_000): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const deadline = setTimeout(() => done(new Error(`no "${message}" line within ${timeoutMs} ms; stderr: ${run.stderr}`)), timeoutMs);
    const poll = setInterval(() => {
      const line = run.lines.find((l) => l.message === message);
      if (line !== undefined) done(undefined, line);
    }, 20);
    void run.exited.then((code) => done(new Error(`exited with ${code} before "${message}"; stderr: ${run.stderr}`)));
    function done(error?: Error, line?: Record<string, unknown>): void {
      clearTimeout(deadline);
      clearInterval(poll);
      if (line !== undefined) resolve(line);
      else reject(error);
    }
  });
}

afterAll(cleanupTempDirs);

describe('rocket-broker process', () => {
  it('logs "broker ready" with its real ports, stores a message, and exits 0 on SIGTERM', async () => {
    const storeDir = tempDir('rocket-broker-main-');
    const run = runBroker(['--listen-port', '0', '--listen-host', '127.0.0.1', '--broker-ip1', '127.0.0.1', '--broker-name', 'broker-main', '--store-path-root-dir', storeDir, '--io-mode', 'fs', '--commit-log-segment-bytes', String(64 * 1024 * 1024), '--max-hash-slot-num', '1000', '--max-index-num', '4000']);
    const ready = await waitForLine(run, 'broker ready');
    expect(ready).toMatchObject({ brokerName: 'broker-main', brokerId: 0, storeDir });
    expect(ready.remotingPort).toEqual(expect.any(Number));
    expect(ready.httpPort).toEqual(expect.any(Number));
    const client = new RemotingClient();
    const sent = await client.invoke(`127.0.0.1:${String(ready.remotingPort)}`, sendV2Request({ topic: 'TopicProcess' }), 5000);
    await client.close();
    expect(sent.ok && sent.value.code).toBe(ResponseCode.SUCCESS);
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
    expect(run.lines.map((l) => l.message)).toContain('broker closed');
  });

  it('exits 1 naming every problem when the config is invalid', async () => {
    const run = runBroker(['--listen-port', 'abc', '--flush-disk-type', 'NEVER']);
    expect(await run.exited).toBe(1);
    expect(run.stderr).toContain('flag --listen-port: expected an integer, got "abc"');
    expect(run.stderr).toContain('flag --flush-disk-type: expected one of ASYNC_FLUSH, SYNC_FLUSH, got "NEVER"');
  });
});
