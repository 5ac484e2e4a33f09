import { join } from 'node:path';
import { defaultNameserverConfig, describeNameserverConfig, loadNameserverConfig, validateNameserverConfig } from './config';

const HOME = '/home/rocket';

function load(argv: string[], env: Record<string, string> = {}, files: Record<string, string> = {}) {
  return loadNameserverConfig({
    argv,
    env,
    homeDir: HOME,
    readFile: (path) => {
      const text = files[path];
      if (text === undefined) throw new Error(`ENOENT: no such file ${path}`);
      return text;
    },
  });
}

describe('nameserver config', () => {
  it('defaults to RocketMQ ports and ~/namesrv/kvConfig.json', () => {
    const loaded = load([]);
    expect(loaded).toEqual({
      kind: 'ok',
      config: { ...defaultNameserverConfig(HOME), kvConfigPath: join(HOME, 'namesrv', 'kvConfig.json') },
    });
    expect(loaded.kind === 'ok' && loaded.config).toMatchObject({ listenPort: 9876, httpPort: 9877, brokerExpiryMs: 120_000, scanIntervalMs: 10_000 });
  });

  it('layers file <- environment <- flags, later winning, and derives kvConfigPath from the final dataDir', () => {
    const files = { '/etc/ns.json': JSON.stringify({ listenPort: 1000, httpPort: 1001, dataDir: '/file', logLevel: 'warn' }) };
    const loaded = load(['--listen-port', '3000', '--order-message-enable'], { ROCKET_NAMESRV_CONFIG: '/etc/ns.json', ROCKET_NAMESRV_LISTEN_PORT: '2000', ROCKET_NAMESRV_DATA_DIR: '/env' }, files);
    expect(loaded).toMatchObject({
      kind: 'ok',
      configFile: '/etc/ns.json',
      config: { listenPort: 3000, httpPort: 1001, dataDir: '/env', kvConfigPath: '/env/kvConfig.json', logLevel: 'warn', orderMessageEnable: true },
    });
    expect(load(['--kv-config-path', '/kv.json', '--data-dir', '/d'])).toMatchObject({ config: { kvConfigPath: '/kv.json', dataDir: '/d' } });
    expect(load(['--order-message-enable', 'false'], { ROCKET_NAMESRV_ORDER_MESSAGE_ENABLE: 'true' })).toMatchObject({ config: { orderMessageEnable: false } });
  });

  it('reports every problem of every layer at once, naming where each came from', () => {
    const files = { '/c.json': JSON.stringify({ listenPort: '9876', colour: 'blue' }) };
    const loaded = load(['-c', '/c.json', '--http-port', '70000', '--log-level', 'loud'], { ROCKET_NAMESRV_BROKER_EXPIRY_MS: 'soon', ROCKET_NAMESRV_SCAN_INTERVAL_MS: '-5' }, files);
    expect(loaded.kind).toBe('invalid');
    const problems = loaded.kind === 'invalid' ? loaded.problems : [];
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringContaining('unknown key "colour"'),
        expect.stringMatching(/^listenPort \(file \/c\.json\)/),
        expect.stringMatching(/^brokerExpiryMs \(env ROCKET_NAMESRV_BROKER_EXPIRY_MS\)/),
        expect.stringMatching(/^scanIntervalMs \(env ROCKET_NAMESRV_SCAN_INTERVAL_MS\)/),
        expect.stringMatching(/^httpPort \(flag --http-port\): must be an integer from 0 to 65535/),
        expect.stringMatching(/^logLevel \(flag --log-level\)/),
      ]),
    );
    expect(problems).toHaveLength(6);
  });

  it('checks relations between keys and unreadable files', () => {
    expect(load(['--scan-interval-ms', '5000', '--broker-expiry-ms', '1000'])).toMatchObject({ kind: 'invalid', problems: [expect.stringContaining('must not exceed brokerExpiryMs')] });
    expect(load(['--listen-port', '5000', '--http-port', '5000'])).toMatchObject({ kind: 'invalid', problems: ['listenPort and httpPort are both 5000'] });
    expect(load(['--config', '/missing.json'])).toMatchObject({ kind: 'invalid', problems: [expect.stringContaining('/missing.json')] });
  });

  it('rejects unknown flags and stray arguments, and answers --help with the flag list', () => {
    expect(load(['--lisen-port', '1'])).toMatchObject({ kind: 'invalid', problems: [expect.stringContaining("unknown option '--lisen-port'")] });
    expect(load(['extra'])).toMatchObject({ kind: 'invalid', problems: ['unexpected arguments: extra'] });
    const help = load(['--help']);
    expect(help.kind).toBe('help');
    for (const { flag, env } of describeNameserverConfig()) {
      expect(help.kind === 'help' && help.text).toContain(flag);
      expect(help.kind === 'help' && help.text).toContain(env);
    }
  });

  it('validates programmatic overrides like the process does', () => {
    expect(validateNameserverConfig({ dataDir: '/x', listenPort: 0 })).toMatchObject({ ok: true, value: { kvConfigPath: '/x/kvConfig.json', listenPort: 0 } });
    expect(validateNameserverConfig({ listenPort: -1, brokerExpiryMs: 0 })).toMatchObject({ ok: false, error: [expect.stringContaining('listenPort'), expect.stringContaining('brokerExpiryMs')] });
  });
});
