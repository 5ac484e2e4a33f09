/**
 * Loading the broker config: defaults <- config file (`--config`, JSON or RocketMQ's `key=value`
 * broker.conf form) <- environment (`ROCKET_BROKER_*`) <- command-line flags. Every source goes
 * through the field table, and every problem of every source is collected so one start attempt
 * reports them all.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import { parseHostAddress, validateTopicName } from '../../message';
import { parseAddress } from '../../remoting';
import type { BrokerConfig } from './broker-config';
import { RoleSource, defaultBrokerConfig, derivedPort, splitNamesrvAddr, staticRoleOf } from './broker-config';
import type { ConfigKey, FieldSpec } from './fields';
import { CONFIG_FIELDS, CONFIG_KEYS, IGNORED_JAVA_KEYS, JAVA_BROKER_ROLES, JAVA_KEY_ALIASES, envNameOf, flagNameOf } from './fields';
import { Secret } from './secret';

/** Where the value of each key came from, for the effective-config log line. */
export type ConfigSource = 'default' | 'derived' | 'file' | 'env' | 'flag';

export type LoadOutcome =
  | { readonly kind: 'ok'; readonly config: BrokerConfig; readonly sources: Readonly<Record<ConfigKey, ConfigSource>>; readonly warnings: readonly string[] }
  | { readonly kind: 'help'; readonly text: string }
  | { readonly kind: 'invalid'; readonly problems: readonly string[] };

export interface LoadOptions {
  /** Arguments after the script name. */
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Reads the config file; tests pass a fake. */
  readonly readFile?: (file: string) => string;
}

type Values = Partial<Record<ConfigKey, unknown>>;

interface Layer {
  readonly source: ConfigSource;
  readonly values: Values;
  /** How to name a key of this layer in a problem (`env ROCKET_BROKER_LISTEN_PORT`). */
  readonly describe: (key: ConfigKey) => string;
}

export function loadBrokerConfig(options: LoadOptions): LoadOutcome {
  const problems: string[] = [];
  const warnings: string[] = [];
  const cli = parseFlags(options.argv);
  if (cli.kind === 'help') return cli;
  if (cli.kind === 'invalid') return cli;
  const layers: Layer[] = [];
  const configFile = cli.configFile ?? options.env.ROCKET_BROKER_CONFIG;
  if (configFile !== undefined && configFile !== '') {
    const file = readConfigFile(configFile, options.readFile ?? ((f) => fs.readFileSync(f, 'utf8')));
    problems.push(...file.problems);
    warnings.push(...file.warnings);
    layers.push({ source: 'file', values: file.values, describe: (k) => `${configFile}: ${k}` });
  }
  layers.push({ source: 'env', values: envValues(options.env), describe: (k) => `env ${envNameOf(k)}` });
  layers.push({ source: 'flag', values: cli.values, describe: (k) => `flag ${flagNameOf(k)}` });
  const resolved = resolve(layers, problems, warnings);
  if (problems.length > 0) return { kind: 'invalid', problems };
  return { kind: 'ok', config: resolved.config, sources: resolved.sources, warnings };
}

// ------------------------------------------------------------------------------------------- sources

type FlagOutcome = { kind: 'ok'; values: Values; configFile: string | undefined } | { kind: 'help'; text: string } | { kind: 'invalid'; problems: string[] };

function parseFlags(argv: readonly string[]): FlagOutcome {
  const program = new Command('rocket-broker')
    .description('RocketCluster broker: a RocketMQ-compatible message broker')
    .exitOverride()
    .configureOutput({ writeOut: () => undefined, writeErr: () => undefined })
    .option('-c, --config <file>', 'config file: JSON, or RocketMQ broker.conf key=value lines');
  const attributes = new Map<ConfigKey, string>();
  for (const key of CONFIG_KEYS) {
    const short = key === 'namesrvAddr' ? '-n, ' : '';
    const option = new Option(`${short}${flagNameOf(key)} <value>`, CONFIG_FIELDS[key].help);
    attributes.set(key, option.attributeName());
    program.addOption(option);
  }
  try {
    program.parse([...argv], { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.help') return { kind: 'help', text: program.helpInformation() };
      return { kind: 'invalid', problems: [e.message.replace(/^error: /, '')] };
    }
    throw e;
  }
  const opts = program.opts<Record<string, string | undefined>>();
  const values: Values = {};
  for (const [key, attribute] of attributes) {
    if (opts[attribute] !== undefined) values[key] = opts[attribute];
  }
  return { kind: 'ok', values, configFile: opts.config };
}

function envValues(env: Readonly<Record<string, string | undefined>>): Values {
  const values: Values = {};
  for (const key of CONFIG_KEYS) {
    const value = env[envNameOf(key)];
    if (value !== undefined && value !== '') values[key] = value;
  }
  // RocketMQ's own variable, so existing scripts keep working.
  if (values.namesrvAddr === undefined && env.NAMESRV_ADDR) values.namesrvAddr = env.NAMESRV_ADDR;
  return values;
}

function readConfigFile(file: string, read: (f: string) => string): { values: Values; problems: string[]; warnings: string[] } {
  const problems: string[] = [];
  const warnings: string[] = [];
  let text: string;
  try {
    text = read(file);
  } catch (e) {
    return { values: {}, problems: [`config file ${file}: cannot read (${(e as Error).message})`], warnings };
  }
  let raw: Record<string, unknown>;
  if (file.endsWith('.json') || text.trimStart().startsWith('{')) {
    try {
      const parsed: unknown = JSON.parse(text);
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
        return { values: {}, problems: [`config file ${file}: not a JSON object`], warnings };
      }
      raw = parsed as Record<string, unknown>;
    } catch (e) {
      return { values: {}, problems: [`config file ${file}: not JSON (${(e as Error).message})`], warnings };
    }
  } else {
    raw = parseProperties(text);
  }
  const values: Values = {};
  const known = new Set<string>(CONFIG_KEYS);
  for (const name of Object.keys(raw)) {
    const key = known.has(name) ? (name as ConfigKey) : JAVA_KEY_ALIASES[name];
    if (key !== undefined) values[key] = raw[name];
    else if (IGNORED_JAVA_KEYS.has(name)) warnings.push(`config file ${file}: RocketMQ setting ${name} is not supported and was ignored`);
    else problems.push(`config file ${file}: unknown key ${JSON.stringify(name)}`);
  }
  return { values, problems, warnings };
}

/** Java properties subset: `key=value` or `key: value` lines, `#`/`!` comments. */
function parseProperties(text: string): Record<string, string> {
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const rawLine of text.split(/\r?\n/)) {
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#') || line.startsWith('!')) continue;
    const sep = line.search(/[=:]/);
    if (sep < 0) out[line] = '';
    else out[line.slice(0, sep).trim()] = line.slice(sep + 1).trim();
  }
  return out;
}

// ------------------------------------------------------------------------------------- resolution

function resolve(layers: readonly Layer[], problems: string[], warnings: string[]): { config: BrokerConfig; sources: Record<ConfigKey, ConfigSource> } {
  const merged: Record<string, unknown> = { ...defaultBrokerConfig() };
  const sources = {} as Record<ConfigKey, ConfigSource>;
  for (const key of CONFIG_KEYS) sources[key] = 'default';
  for (const layer of layers) {
    for (const key of Object.keys(layer.values) as ConfigKey[]) {
      const value = coerce(CONFIG_FIELDS[key], layer.values[key]);
      if (typeof value === 'object' && value !== null && 'problem' in value) {
        problems.push(`${layer.describe(key)}: ${value.problem}`);
        continue;
      }
      merged[key] = value;
      sources[key] = layer.source;
    }
  }
  const listenPort = merged.listenPort as number;
  if (merged.haListenPort === undefined) {
    merged.haListenPort = derivedPort(listenPort, 1);
    sources.haListenPort = 'derived';
  }
  if (merged.httpPort === undefined) {
    merged.httpPort = derivedPort(listenPort, 2);
    sources.httpPort = 'derived';
  }
  if (merged.brokerIP2 === undefined) {
    merged.brokerIP2 = merged.brokerIP1;
    sources.brokerIP2 = 'derived';
  }
  merged.storePathRootDir = path.resolve(String(merged.storePathRootDir));
  readJavaBrokerRole(merged, sources, warnings);
  const config = merged as unknown as BrokerConfig;
  problems.push(...validateBrokerConfig(config));
  return { config, sources };
}

/** RocketMQ's ASYNC_MASTER / SYNC_MASTER / SLAVE become our role (and SYNC_MASTER sync replication). */
function readJavaBrokerRole(merged: Record<string, unknown>, sources: Record<ConfigKey, ConfigSource>, warnings: string[]): void {
  const role = merged.brokerRole as string;
  if (!(role in JAVA_BROKER_ROLES)) return;
  const ours = JAVA_BROKER_ROLES[role as keyof typeof JAVA_BROKER_ROLES];
  merged.brokerRole = ours;
  let note = `brokerRole=${role} is read as brokerRole=${ours}`;
  if (role === 'SYNC_MASTER' && sources.replicationMode === 'default') {
    merged.replicationMode = 'sync';
    sources.replicationMode = sources.brokerRole;
    note += ', replicationMode=sync';
  }
  warnings.push(note);
}

type Coerced = string | number | boolean | string[] | Secret | { problem: string };

function coerce(spec: FieldSpec, value: unknown): Coerced {
  switch (spec.kind) {
    case 'string':
      return typeof value === 'string' ? value : { problem: `expected a string, got ${JSON.stringify(value)}` };
    case 'int': {
      const n = typeof value === 'number' ? value : typeof value === 'string' && /^\s*[+-]?\d+\s*$/.test(value) ? Number(value) : NaN;
      if (!Number.isSafeInteger(n)) return { problem: `expected an integer, got ${JSON.stringify(value)}` };
      if (n < spec.min || n > spec.max) return { problem: `${n} is outside ${spec.min}..${spec.max}` };
      return n;
    }
    case 'bool': {
      if (typeof value === 'boolean') return value;
      const s = typeof value === 'string' ? value.trim().toLowerCase() : '';
      if (s === 'true') return true;
      if (s === 'false') return false;
      return { problem: `expected true or false, got ${JSON.stringify(value)}` };
    }
    case 'enum': {
      const s = typeof value === 'string' ? value.trim() : '';
      return spec.values.includes(s) ? s : { problem: `expected one of ${spec.values.join(', ')}, got ${JSON.stringify(value)}` };
    }
    case 'list':
      if (typeof value === 'string') return splitNamesrvAddr(value);
      if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value.flatMap((v: string) => splitNamesrvAddr(v));
      return { problem: `expected host:port;host:port, got ${JSON.stringify(value)}` };
    case 'secret':
      // The value itself is never echoed in a problem.
      return typeof value === 'string' ? new Secret(value.trim()) : { problem: 'expected a string' };
  }
}

function isIpLiteral(ip: string): boolean {
  return parseHostAddress(ip.includes(':') ? `[${ip}]:0` : `${ip}:0`).ok;
}

/** Cross-field rules; every problem is reported. */
export function validateBrokerConfig(c: BrokerConfig): string[] {
  const problems: string[] = [];
  // Both names become system topics (RocketMQ registers a topic per cluster and per broker name).
  for (const key of ['brokerClusterName', 'brokerName'] as const) {
    const valid = validateTopicName(c[key]);
    if (!valid.ok) problems.push(`${key}: ${valid.error}`);
  }
  for (const key of ['brokerIP1', 'brokerIP2'] as const) {
    if (!isIpLiteral(c[key])) problems.push(`${key}: ${JSON.stringify(c[key])} is not an IPv4 or IPv6 address`);
  }
  for (const addr of c.namesrvAddr) {
    if (!parseAddress(addr).ok) problems.push(`namesrvAddr: ${JSON.stringify(addr)} is not host:port`);
  }
  if (c.storePathRootDir.trim() === '') problems.push('storePathRootDir must be set');
  if (c.commitLogSegmentBytes < c.maxMessageSize + 64 * 1024) {
    problems.push(`commitLogSegmentBytes (${c.commitLogSegmentBytes}) must exceed maxMessageSize (${c.maxMessageSize}) by at least 64 KiB`);
  }
  if (c.diskMaxUsedSpaceRatio > c.diskFullRatio) {
    problems.push(`diskMaxUsedSpaceRatio (${c.diskMaxUsedSpaceRatio}) must not exceed diskFullRatio (${c.diskFullRatio})`);
  }
  problems.push(...validateReplication(c));
  for (const key of ['haListenPort', 'httpPort'] as const) {
    if (c[key] > 65535) problems.push(`${key} (${c[key]}, derived from listenPort) exceeds 65535; set it explicitly`);
    if (c.listenPort !== 0 && c[key] === c.listenPort) problems.push(`${key} (${c[key]}) must differ from listenPort`);
  }
  return problems;
}

function validateReplication(c: BrokerConfig): string[] {
  const problems: string[] = [];
  if (c.roleSource === RoleSource.static && staticRoleOf(c) === 'slave' && c.brokerId < 1) {
    problems.push('brokerRole slave: a slave registers with brokerId >= 1; set brokerId');
  }
  if (c.haMasterAddress !== '' && !parseAddress(c.haMasterAddress).ok) problems.push(`haMasterAddress: ${JSON.stringify(c.haMasterAddress)} is not host:port`);
  if (c.haPeerTimeoutMs <= 2 * c.haHeartbeatIntervalMs) {
    problems.push(`haPeerTimeoutMs (${c.haPeerTimeoutMs}) must exceed twice haHeartbeatIntervalMs (${c.haHeartbeatIntervalMs})`);
  }
  return problems;
}
