import * as fs from 'node:fs';
import * as path from 'node:path';
import { cleanupTempDirs, tempDir } from '../../testing/temp';
import { CONTROL_TOKEN_FILE } from '../controller-host';
import { STATE_FILE } from '../supervisor/up';
import { controlApiOf, localReplicasFor } from './role-commands';
import { findRunningUp, localReplicasOf } from './up-state';

afterAll(cleanupTempDirs);

const processes = [
  { name: 'nameserver', role: 'nameserver', pid: 1, ready: { message: 'nameserver ready', remotingPort: 9876, httpPort: 9877 } },
  { name: 'broker-a-0', role: 'master', pid: 2, ready: { message: 'broker ready', brokerName: 'broker-a', brokerAddr: '127.0.0.1:10911', remotingPort: 10911, haPort: 10912, httpPort: 10913 } },
  { name: 'broker-a-1', role: 'slave', pid: 3, ready: { message: 'broker ready', brokerName: 'broker-a', remotingPort: 10921, haPort: 10922, httpPort: 10923 } },
];

test("a state file's brokers: address from the ready line (else host and port), admin URL from the HTTP port", () => {
  expect(localReplicasOf({ namesrvAddr: '127.0.0.1:9876', processes })).toEqual([
    { name: 'broker-a-0', brokerName: 'broker-a', address: '127.0.0.1:10911', httpUrl: 'http://127.0.0.1:10913' },
    { name: 'broker-a-1', brokerName: 'broker-a', address: '127.0.0.1:10921', httpUrl: 'http://127.0.0.1:10923' },
  ]);
});

function writeState(dir: string, pid: number, control?: { url: string }): void {
  fs.writeFileSync(path.join(dir, STATE_FILE), JSON.stringify({ pid, startedAt: 'x', namesrvAddr: '127.0.0.1:9876', processes, ...(control ? { control } : {}) }));
}

describe('finding the running up', () => {
  test('no state file: not running, with a hint', () => {
    const dir = tempDir('up-state-');
    const found = findRunningUp(dir);
    expect(found.kind).toBe('absent');
    expect(found.kind === 'absent' && found.reason).toMatch(/no rocketctl up is running on .* start one with rocketctl up, or name its --data-dir/);
    expect(() => controlApiOf(dir)).toThrow(/no rocketctl up is running/);
    expect(localReplicasFor(dir, '/', '127.0.0.1:9876')).toEqual([]);
  });

  test('a state file left by a dead supervisor is not a running cluster', () => {
    const dir = tempDir('up-state-');
    // A pid far above pid_max (2^22) cannot be alive.
    writeState(dir, 99_999_999);
    expect(() => controlApiOf(dir)).toThrow(/\(pid 99999999\) is not running/);
  });

  test('a live cluster without a controller: still starting when it runs slaves, else not replicated', () => {
    const dir = tempDir('up-state-');
    writeState(dir, process.pid);
    expect(findRunningUp(dir)).toMatchObject({ kind: 'running', up: { pid: process.pid, namesrvAddr: '127.0.0.1:9876', replicated: true } });
    expect(() => controlApiOf(dir)).toThrow(/is still starting; try again in a moment/);
    fs.writeFileSync(path.join(dir, STATE_FILE), JSON.stringify({ pid: process.pid, startedAt: 'x', namesrvAddr: '127.0.0.1:9876', processes: processes.slice(0, 2) }));
    expect(() => controlApiOf(dir)).toThrow(/runs no controller: its broker groups are not replicated/);
  });

  test('the control endpoint comes with the token from its 0600 file; local replicas only for a matching --namesrv', () => {
    const dir = tempDir('up-state-');
    writeState(dir, process.pid, { url: 'http://127.0.0.1:1' });
    expect(findRunningUp(dir).kind).toBe('absent');
    fs.writeFileSync(path.join(dir, CONTROL_TOKEN_FILE), 'secret\n', { mode: 0o600 });
    expect(findRunningUp(dir)).toMatchObject({ kind: 'running', up: { control: { url: 'http://127.0.0.1:1', token: 'secret' } } });
    expect(localReplicasFor(dir, '/', '10.0.0.1:9876;127.0.0.1:9876')).toHaveLength(2);
    expect(localReplicasFor(dir, '/', '10.0.0.1:9876')).toEqual([]);
  });
});
