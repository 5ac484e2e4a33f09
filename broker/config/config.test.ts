import type { LoadOutcome } from './load';
import { loadBrokerConfig } from './load';
import { envNameOf, flagNameOf } from './fields';
import { storeConfigOf } from './store-config';

function load(argv: string[], env: Record<string, string> = {}, files: Record<string, string> = {}): LoadOutcome {
  return loadBrokerConfig({
    argv,
    env,
    readFile: (f) => {
      const text = files[f];
      if (text === undefined) throw new Error('ENOENT: no such file');
      return text;
    },
  });
}

function ok(outcome: LoadOutcome) {
  if (outcome.kind !== 'ok') throw new Error(JSON.stringify(outcome));
  return outcome;
}

describe('broker config loading', () => {
  it('uses RocketMQ defaults and derives the HA and HTTP ports from the listen port', () => {
    const { config, sources } = ok(load([]));
    expect(config).toMatchObject({
      brokerClusterName: 'DefaultCluster',
      brokerId: 0,
      listenPort: 10911,
      haListenPort: 10912,
      httpPort: 10913,
      autoCreateTopicEnable: true,
      defaultTopicQueueNums: 8,
      maxMessageSize: 4 * 1024 * 1024,
      flushDiskType: 'ASYNC_FLUSH',
      registerIntervalMs: 30_000,
      namesrvAddr: [],
    });
    expect(config.brokerIP2).toBe(config.brokerIP1);
    expect([sources.listenPort, sources.httpPort]).toEqual(['default', 'derived']);
  });

  it('layers defaults <- file <- env <- flags', () => {
    const files = { '/etc/broker.json': JSON.stringify({ brokerName: 'from-file', listenPort: 20911, defaultTopicQueueNums: 2 }) };
    const env = { ROCKET_BROKER_LISTEN_PORT: '30911', ROCKET_BROKER_BROKER_NAME: 'from-env' };
    const { config, sources } = ok(load(['--config', '/etc/broker.json', '--broker-name', 'from-flag'], env, files));
    expect([config.brokerName, config.listenPort, config.defaultTopicQueueNums, config.httpPort]).toEqual(['from-flag', 30911, 2, 30913]);
    expect([sources.brokerName, sources.listenPort, sources.defaultTopicQueueNums]).toEqual(['flag', 'env', 'file']);
  });

  it('reads a RocketMQ broker.conf, mapping its names and reporting settings it ignores', () => {
    const conf = ['# comment', 'brokerClusterName = ProdCluster', 'namesrvAddr=10.0.0.1:9876;10.0.0.2:9876', 'fileReservedTime=48', 'deleteWhen=04', 'flushDiskType=SYNC_FLUSH'].join('\n');
    const outcome = ok(load(['-c', 'broker.conf'], {}, { 'broker.conf': conf }));
    expect(outcome.config).toMatchObject({
      brokerClusterName: 'ProdCluster',
      namesrvAddr: ['10.0.0.1:9876', '10.0.0.2:9876'],
      fileReservedTimeHours: 48,
      flushDiskType: 'SYNC_FLUSH',
    });
    expect(outcome.warnings).toEqual(['config file broker.conf: RocketMQ setting deleteWhen is not supported and was ignored']);
    expect(storeConfigOf(outcome.config)).toMatchObject({ flushMode: 'sync', fileReservedTimeMs: 48 * 3600 * 1000 });
  });

  it('reads RocketMQ brokerRole values as roles; SYNC_MASTER also turns on sync replication', () => {
    const sync = ok(load(['-c', 'broker.conf'], {}, { 'broker.conf': 'brokerRole=SYNC_MASTER\nhaSlaveFallbehindMax=1000' }));
    expect([sync.config.brokerRole, sync.config.replicationMode, sync.config.haMaxLagBytes]).toEqual(['master', 'sync', 1000]);
    expect(sync.warnings).toEqual(['brokerRole=SYNC_MASTER is read as brokerRole=master, replicationMode=sync']);
    const slave = ok(load(['--broker-role', 'SLAVE', '--broker-id', '2', '--ha-master-address', '10.0.0.1:10912']));
    expect([slave.config.brokerRole, slave.config.replicationMode, slave.config.haMasterAddress]).toEqual(['slave', 'async', '10.0.0.1:10912']);
  });

  it('replication defaults: static roles, async replication, one in-sync replica, 3 s timeout, open admin API', () => {
    const { config } = ok(load([]));
    expect(config).toMatchObject({ roleSource: 'static', brokerRole: 'auto', replicationMode: 'async', minInSyncReplicas: 1, syncReplicationTimeoutMs: 3000 });
    expect(config.adminToken.isSet).toBe(false);
  });

  it('keeps the admin token out of logs and JSON, and refuses a static slave without a slave id', () => {
    const { config } = ok(load([], { ROCKET_BROKER_ADMIN_TOKEN: 's3cret' }));
    expect(config.adminToken.reveal()).toBe('s3cret');
    expect(JSON.stringify(config)).not.toContain('s3cret');
    expect(String(config.adminToken)).toBe('<redacted>');
    const slave = load(['--broker-role', 'slave', '--ha-master-address', 'nohost']);
    expect(slave.kind === 'invalid' && slave.problems).toEqual(['brokerRole slave: a slave registers with brokerId >= 1; set brokerId', 'haMasterAddress: "nohost" is not host:port']);
  });

  it('reports every problem of every source at once', () => {
    const files = { 'b.json': JSON.stringify({ listenPort: 'ten', colour: 'blue' }) };
    const outcome = load(['--config', 'b.json', '--flush-disk-type', 'SOMETIMES', '--broker-ip1', 'not-an-ip'], { ROCKET_BROKER_MAX_MESSAGE_SIZE: '-1', NAMESRV_ADDR: 'nohost' }, files);
    expect(outcome.kind).toBe('invalid');
    const problems = outcome.kind === 'invalid' ? outcome.problems : [];
    expect(problems).toEqual([
      'config file b.json: unknown key "colour"',
      'b.json: listenPort: expected an integer, got "ten"',
      'env ROCKET_BROKER_MAX_MESSAGE_SIZE: -1 is outside 1..15728640',
      'flag --flush-disk-type: expected one of ASYNC_FLUSH, SYNC_FLUSH, got "SOMETIMES"',
      'brokerIP1: "not-an-ip" is not an IPv4 or IPv6 address',
      'brokerIP2: "not-an-ip" is not an IPv4 or IPv6 address',
      'namesrvAddr: "nohost" is not host:port',
    ]);
  });

  it('refuses broker and cluster names that cannot be topics, and unknown flags', () => {
    const names = load(['--broker-name', 'my.broker']);
    expect(names.kind === 'invalid' && names.problems[0]).toContain('brokerName: the topic name "my.broker" contains illegal characters');
    const unknown = load(['--no-such-flag', 'x']);
    expect(unknown.kind === 'invalid' && unknown.problems).toEqual(["unknown option '--no-such-flag'"]);
  });

  it('returns the help text for --help', () => {
    const outcome = load(['--help']);
    expect(outcome.kind === 'help' && outcome.text).toContain('--namesrv-addr <value>');
  });

  it('names env variables and flags after the keys', () => {
    expect([envNameOf('brokerIP1'), envNameOf('namesrvAddr'), flagNameOf('storePathRootDir')]).toEqual([
      'ROCKET_BROKER_BROKER_IP1',
      'ROCKET_BROKER_NAMESRV_ADDR',
      '--store-path-root-dir',
    ]);
  });
});
