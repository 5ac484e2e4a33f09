import * as fs from 'node:fs';
import * as path from 'node:path';
import { cleanupTempDirs, tempDir } from '../../testing/temp';
import { chooseLaunch, newestSourceMtimeMs, resolveLaunch } from './launch';
import { LineSplitter, MAX_LINE_CHARS, matchReadyLine, numberField, parseLogLine, summarize } from './log-lines';
import { brokerPorts, checkBasePort, highestPort, nameserverPorts } from './ports';
import { decideRestart } from './restart';
import { brokerArgs, nameserverArgs } from './server-args';
import { brokerGroupName, buildProcessSpecs, nameserverAddress } from './specs';
import type { ClusterLayout } from './specs';
import { parseUpFlags, readyTable, shortPath } from './up-config';

afterAll(cleanupTempDirs);

describe('port layout', () => {
  test('the default base gives RocketMQ\'s well-known ports', () => {
    expect(nameserverPorts(9876)).toEqual({ remotingPort: 9876, httpPort: 9877 });
    expect(brokerPorts(9876, 0)).toEqual({ remotingPort: 10911, haPort: 10912, httpPort: 10913 });
    expect(brokerPorts(9876, 1)).toEqual({ remotingPort: 10921, haPort: 10922, httpPort: 10923 });
  });

  test('a different base shifts every port by the same amount', () => {
    expect(nameserverPorts(20000).remotingPort).toBe(20000);
    expect(brokerPorts(20000, 0).remotingPort).toBe(21035);
    expect(highestPort(20000, 2)).toBe(21047);
  });

  test('a base too high for the layout is refused with the port it would need', () => {
    expect(checkBasePort(9876, 1)).toBeUndefined();
    expect(checkBasePort(64500, 1)).toBe('base port 64500 is too high: the layout needs ports up to 65537 (max 65535)');
    expect(checkBasePort(0, 1)).toMatch(/positive integer/);
  });
});

describe('log lines', () => {
  test('LineSplitter joins chunks split anywhere and strips CR', () => {
    const s = new LineSplitter();
    expect(s.push('{"a":')).toEqual([]);
    expect(s.push('1}\r\nsecond\nthi')).toEqual(['{"a":1}', 'second']);
    expect(s.flush()).toEqual(['thi']);
    expect(s.flush()).toEqual([]);
  });

  test('LineSplitter cuts a line that never ends instead of growing without bound', () => {
    const s = new LineSplitter();
    const lines = s.push('x'.repeat(MAX_LINE_CHARS + 10));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toHaveLength(MAX_LINE_CHARS);
  });

  test('parseLogLine reads winston JSON lines and ignores everything else', () => {
    expect(parseLogLine('{"level":"info","message":"broker ready","remotingPort":10911}')).toEqual({
      message: 'broker ready',
      level: 'info',
      fields: { level: 'info', message: 'broker ready', remotingPort: 10911 },
    });
    expect(parseLogLine('    at Object.<anonymous> (x.js:1:1)')).toBeUndefined();
    expect(parseLogLine('{not json')).toBeUndefined();
    expect(parseLogLine('{"level":"info"}')).toBeUndefined();
    expect(parseLogLine('[1,2]')).toBeUndefined();
  });

  test('matchReadyLine finds only the exact ready message', () => {
    const line = '{"level":"info","message":"nameserver ready","remotingPort":9876,"httpPort":9877}';
    expect(matchReadyLine(line, 'nameserver ready')?.httpPort).toBe(9877);
    expect(matchReadyLine(line, 'broker ready')).toBeUndefined();
    expect(matchReadyLine('{"message":"nameserver ready soon"}', 'nameserver ready')).toBeUndefined();
  });

  test('numberField accepts numbers and numeric strings only', () => {
    expect(numberField({ a: 1, b: '2', c: 'x', d: '' }, 'a')).toBe(1);
    expect(numberField({ b: '2' }, 'b')).toBe(2);
    expect(numberField({ c: 'x' }, 'c')).toBeUndefined();
    expect(numberField({ d: '' }, 'd')).toBeUndefined();
  });

  test('summarize names the process, the level, and the error when there is one', () => {
    expect(summarize('broker-a-0', { message: 'register failed', level: 'warn', fields: { error: 'ECONNREFUSED' } })).toBe('[broker-a-0] warn: register failed: ECONNREFUSED');
    expect(summarize('ns', { message: 'x', level: 'error', fields: { error: { message: 'boom' } } })).toBe('[ns] error: x: boom');
    expect(summarize('ns', { message: 'x', level: undefined, fields: {} })).toBe('[ns] log: x');
  });
});

describe('launch choice', () => {
  const base = { mode: 'auto' as const, sourceRunnable: true };
  test('auto prefers dist when it is at least as new as the newest source', () => {
    expect(chooseLaunch({ ...base, distMtimeMs: 200, newestSourceMtimeMs: 100 })).toEqual({ ok: true, value: 'dist' });
    expect(chooseLaunch({ ...base, distMtimeMs: 200, newestSourceMtimeMs: undefined })).toEqual({ ok: true, value: 'dist' });
  });

  test('auto runs sources when dist is missing or older than a source', () => {
    expect(chooseLaunch({ ...base, distMtimeMs: undefined, newestSourceMtimeMs: 100 })).toEqual({ ok: true, value: 'source' });
    expect(chooseLaunch({ ...base, distMtimeMs: 50, newestSourceMtimeMs: 100 })).toEqual({ ok: true, value: 'source' });
  });

  test('auto falls back to a stale dist when sources cannot run, and fails when nothing can', () => {
    expect(chooseLaunch({ mode: 'auto', sourceRunnable: false, distMtimeMs: 50, newestSourceMtimeMs: 100 })).toEqual({ ok: true, value: 'dist' });
    expect(chooseLaunch({ mode: 'auto', sourceRunnable: false, distMtimeMs: undefined, newestSourceMtimeMs: 100 }).ok).toBe(false);
  });

  test('an explicit mode is obeyed or refused, never swapped', () => {
    expect(chooseLaunch({ ...base, mode: 'dist', distMtimeMs: 50, newestSourceMtimeMs: 100 })).toEqual({ ok: true, value: 'dist' });
    expect(chooseLaunch({ ...base, mode: 'dist', distMtimeMs: undefined, newestSourceMtimeMs: 100 }).ok).toBe(false);
    expect(chooseLaunch({ ...base, mode: 'source', distMtimeMs: 500, newestSourceMtimeMs: 100 })).toEqual({ ok: true, value: 'source' });
    expect(chooseLaunch({ mode: 'source', sourceRunnable: false, distMtimeMs: 500, newestSourceMtimeMs: 100 }).ok).toBe(false);
  });

  test('resolveLaunch builds node command lines for both forms in a package tree', () => {
    const root = tempDir('rocketctl-launch-');
    fs.writeFileSync(path.join(root, 'package.json'), '{}');
    fs.mkdirSync(path.join(root, 'broker'));
    fs.writeFileSync(path.join(root, 'broker', 'main.ts'), '');
    fs.writeFileSync(path.join(root, 'broker', 'x.test.ts'), '');
    const old = new Date(Date.now() - 60_000);
    fs.utimesSync(path.join(root, 'broker', 'main.ts'), old, old);
    const newest = newestSourceMtimeMs(root);
    expect(newest).toBe(fs.statSync(path.join(root, 'broker', 'main.ts')).mtimeMs);

    // No dist: sources through the swc register (resolved through the tree's node_modules).
    const repoRoot = path.resolve(__dirname, '..', '..');
    fs.symlinkSync(path.join(repoRoot, 'node_modules'), path.join(root, 'node_modules'));
    const withRegister = { root, mode: 'auto' as const, newestSourceMtimeMs: newest };
    const fromSource = resolveLaunch(withRegister, 'broker', ['--a']);
    expect(fromSource.ok && fromSource.value.form).toBe('source');
    expect(fromSource.ok && fromSource.value.args.slice(-2)).toEqual([path.join(root, 'broker', 'main.ts'), '--a']);
    expect(fromSource.ok && fromSource.value.args[0]).toBe('-r');
    expect(fromSource.ok && fromSource.value.env.SWC_NODE_PROJECT).toBe(path.join(root, 'tsconfig.json'));

    // A fresh dist: plain node, preload first.
    fs.mkdirSync(path.join(root, 'dist', 'broker'), { recursive: true });
    fs.writeFileSync(path.join(root, 'dist', 'broker', 'main.js'), '');
    const fromDist = resolveLaunch({ ...withRegister, preload: '/x/guard.js' }, 'broker', ['--a']);
    expect(fromDist).toEqual({ ok: true, value: { file: process.execPath, args: ['-r', '/x/guard.js', path.join(root, 'dist', 'broker', 'main.js'), '--a'], env: {}, form: 'dist' } });
    expect(resolveLaunch({ ...withRegister, mode: 'dist' }, 'nameserver', []).ok).toBe(false);
  });
});

describe('restart decisions', () => {
  const limits = { maxRestarts: 3, windowMs: 10_000, initialDelayMs: 100, maxDelayMs: 300 };
  test('"never" never restarts', () => {
    expect(decideRestart('never', [], 0, limits).restart).toBe(false);
  });

  test('"on-failure" backs off exponentially up to the cap, counting restarts inside the window only', () => {
    expect(decideRestart('on-failure', [], 50_000, limits)).toEqual({ restart: true, delayMs: 100, attempt: 1 });
    expect(decideRestart('on-failure', [49_000], 50_000, limits)).toEqual({ restart: true, delayMs: 200, attempt: 2 });
    expect(decideRestart('on-failure', [48_000, 49_000], 50_000, limits)).toEqual({ restart: true, delayMs: 300, attempt: 3 });
    expect(decideRestart('on-failure', [1_000, 2_000, 49_000], 50_000, limits)).toEqual({ restart: true, delayMs: 200, attempt: 2 });
  });

  test('"on-failure" gives up when the process keeps dying', () => {
    expect(decideRestart('on-failure', [47_000, 48_000, 49_000], 50_000, limits)).toEqual({ restart: false, reason: 'restarted 3 times within 10 s' });
  });
});

describe('process specs', () => {
  const layout: ClusterLayout = { dataDir: '/data', basePort: 9876, host: '127.0.0.1', clusterName: 'DefaultCluster', brokerGroups: 1, replicasPerGroup: 1, restart: 'never' };

  test('the default cluster is one nameserver and one master broker with the standard ports', () => {
    const specs = buildProcessSpecs(layout);
    expect(specs.map((s) => [s.name, s.role, s.entry])).toEqual([
      ['nameserver', 'nameserver', 'nameserver'],
      ['broker-a-0', 'master', 'broker'],
    ]);
    const [ns, broker] = specs;
    expect(ns!.logFile).toBe('/data/logs/nameserver.log');
    expect(ns!.args).toEqual(nameserverArgs({ host: '127.0.0.1', remotingPort: 9876, httpPort: 9877, dataDir: '/data/nameserver' }));
    expect(broker!.ports).toEqual({ remotingPort: 10911, haPort: 10912, httpPort: 10913 });
    expect(broker!.broker).toEqual({ brokerName: 'broker-a', brokerId: 0 });
    expect(broker!.args).toEqual(
      brokerArgs({ host: '127.0.0.1', remotingPort: 10911, haPort: 10912, httpPort: 10913, clusterName: 'DefaultCluster', brokerName: 'broker-a', brokerId: 0, namesrvAddr: '127.0.0.1:9876', storeDir: '/data/broker-a-0' }),
    );
    expect(broker!.readyMessage).toBe('broker ready');
    expect(nameserverAddress(layout)).toBe('127.0.0.1:9876');
  });

  test('groups and replicas: every master before any slave, distinct ports, brokerId by replica', () => {
    const specs = buildProcessSpecs({ ...layout, brokerGroups: 2, replicasPerGroup: 2 });
    expect(specs.map((s) => `${s.name}:${s.role}:${s.broker?.brokerId ?? '-'}:${s.ports.remotingPort}`)).toEqual([
      'nameserver:nameserver:-:9876',
      'broker-a-0:master:0:10911',
      'broker-b-0:master:0:10921',
      'broker-a-1:slave:1:10931',
      'broker-b-1:slave:1:10941',
    ]);
    expect(brokerGroupName(25)).toBe('broker-z');
  });

  test('broker flags are the broker config keys as flags', () => {
    const args = brokerArgs({ host: 'h', remotingPort: 1, haPort: 2, httpPort: 3, clusterName: 'C', brokerName: 'B', brokerId: 1, namesrvAddr: 'n:1', storeDir: '/s' });
    const flags = Object.fromEntries(args.flatMap((a, i) => (a.startsWith('--') ? [[a, args[i + 1]]] : [])));
    expect(flags).toEqual({
      '--broker-cluster-name': 'C',
      '--broker-name': 'B',
      '--broker-id': '1',
      '--namesrv-addr': 'n:1',
      '--listen-host': 'h',
      '--broker-ip1': 'h',
      '--listen-port': '1',
      '--ha-listen-port': '2',
      '--http-port': '3',
      '--store-path-root-dir': '/s',
    });
  });
});

describe('up flags', () => {
  test('defaults: ./data under the working directory, base port 9876, no restarts', () => {
    const r = parseUpFlags({}, '/home/me/proj');
    expect(r).toEqual({
      ok: true,
      value: {
        layout: { dataDir: '/home/me/proj/data', basePort: 9876, host: '127.0.0.1', clusterName: 'DefaultCluster', brokerGroups: 1, replicasPerGroup: 1, restart: 'never' },
        launchMode: 'auto',
        readyTimeoutMs: 60_000,
        stopGraceMs: 10_000,
      },
    });
  });

  test('every bad flag is reported at once', () => {
    const r = parseUpFlags({ basePort: 'x', groups: '0', launch: 'docker', readyTimeout: '-1', host: '::1', clusterName: 'a b' }, '/');
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error).toHaveLength(6);
  });

  test('integer flags take decimal digits only: an empty value, exponent or hex is an error, not 0 or a surprise', () => {
    for (const stopGrace of ['', '1e2', '0x10', ' 5']) {
      const r = parseUpFlags({ stopGrace }, '/');
      expect(!r.ok && r.error).toEqual([`--stop-grace must be an integer from 0 to 600, got "${stopGrace}"`]);
    }
    expect(parseUpFlags({ stopGrace: '0' }, '/')).toMatchObject({ ok: true, value: { stopGraceMs: 0 } });
  });

  test('--replication with a single replica per group is an error instead of being ignored', () => {
    const r = parseUpFlags({ replicas: '1', replication: 'sync' }, '/');
    expect(!r.ok && r.error).toEqual(['--replication needs --replicas 2 or more, got 1']);
    expect(parseUpFlags({ replicas: '2', replication: 'sync' }, '/')).toMatchObject({ ok: true, value: { layout: { replicationMode: 'sync' } } });
  });

  test('a base port too high for the layout is a flag error', () => {
    const r = parseUpFlags({ basePort: '65000' }, '/');
    expect(!r.ok && r.error[0]).toMatch(/too high/);
  });

  test('--restart selects the on-failure policy; --data-dir may be absolute', () => {
    const r = parseUpFlags({ restart: true, dataDir: '/tmp/x', basePort: '20000' }, '/home');
    expect(r.ok && r.value.layout).toMatchObject({ restart: 'on-failure', dataDir: '/tmp/x', basePort: 20000 });
  });

  test('the ready table shows the ports from the ready lines and short log paths', () => {
    const specs = buildProcessSpecs({ dataDir: '/w/data', basePort: 9876, host: '127.0.0.1', clusterName: 'C', brokerGroups: 1, replicasPerGroup: 1, restart: 'never' });
    const lines = readyTable(
      [
        { spec: specs[0]!, pid: 11, ready: { remotingPort: 9876, httpPort: 9877 } },
        { spec: specs[1]!, pid: 12, ready: { remotingPort: 10911, httpPort: 10999 } },
      ],
      '/w',
    );
    expect(lines).toEqual([
      'PROCESS     ROLE        PID  REMOTING     HA   HTTP  LOG',
      'nameserver  nameserver   11      9876      -   9877  data/logs/nameserver.log',
      'broker-a-0  master       12     10911  10912  10999  data/logs/broker-a-0.log',
    ]);
    expect(shortPath('/elsewhere/x.log', '/w')).toBe('/elsewhere/x.log');
  });
});
