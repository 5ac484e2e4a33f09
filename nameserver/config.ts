/**
 * Name server configuration: one typed object, built from layers in this order, later winning:
 *   defaults <- JSON file (`--config <file>` or ROCKET_NAMESRV_CONFIG) <- environment
 *   (ROCKET_NAMESRV_<KEY>) <- command-line flags (--<key>).
 * Environment names and flags are derived from the key (`listenPort` -> ROCKET_NAMESRV_LISTEN_PORT,
 * --listen-port) so the three spellings cannot drift. Every problem in every layer is collected and
 * reported at once; a config that loads is valid.
 */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import type { LogLevel } from '../ops';
import { LogLevels, isLogLevel } from '../ops';
import type { Result } from '../stdx';
import { err, ok } from '../stdx';

export interface NameserverConfig {
  /** Address both the remoting port and the HTTP port bind to. */
  readonly host: string;
  /** Remoting port brokers and clients connect to; 0 picks a free one. */
  readonly listenPort: number;
  /** HTTP port for /metrics and /healthz; 0 picks a free one. */
  readonly httpPort: number;
  /** Directory for the name server's state (kvConfig.json). */
  readonly dataDir: string;
  /** KV config file; defaults to `<dataDir>/kvConfig.json`. */
  readonly kvConfigPath: string;
  /** A broker not heard from for this long is dropped from routes. */
  readonly brokerExpiryMs: number;
  /** How often brokers are checked for expiry. */
  readonly scanIntervalMs: number;
  /** Add `orderTopicConf` (KV namespace ORDER_TOPIC_CONFIG) to routes. */
  readonly orderMessageEnable: boolean;
  /** A master's new dataVersion removes the queue data of topics it no longer lists. */
  readonly deleteTopicWithBrokerRegistration: boolean;
  readonly logLevel: LogLevel;
}

export type NameserverConfigKey = keyof NameserverConfig;

type Kind = 'string' | 'port' | 'ms' | 'bool' | 'logLevel';

interface FieldSpec {
  readonly kind: Kind;
  readonly description: string;
}

const FIELDS: { readonly [K in NameserverConfigKey]: FieldSpec } = {
  host: { kind: 'string', description: 'address to bind the remoting and HTTP ports to' },
  listenPort: { kind: 'port', description: 'remoting port (0 = any free port)' },
  httpPort: { kind: 'port', description: 'HTTP port for /metrics and /healthz (0 = any free port)' },
  dataDir: { kind: 'string', description: 'state directory' },
  kvConfigPath: { kind: 'string', description: 'KV config file (default <dataDir>/kvConfig.json)' },
  brokerExpiryMs: { kind: 'ms', description: 'drop brokers silent for this long' },
  scanIntervalMs: { kind: 'ms', description: 'interval of the broker expiry scan' },
  orderMessageEnable: { kind: 'bool', description: 'add orderTopicConf from the ORDER_TOPIC_CONFIG KV namespace to routes' },
  deleteTopicWithBrokerRegistration: { kind: 'bool', description: "drop topics a master's new registration no longer lists" },
  logLevel: { kind: 'logLevel', description: `log level (${LogLevels.join(', ')})` },
};

const KEYS = Object.keys(FIELDS) as NameserverConfigKey[];

export const ENV_PREFIX = 'ROCKET_NAMESRV_';
export const CONFIG_FILE_ENV = `${ENV_PREFIX}CONFIG`;

const words = (key: string): string[] => key.replace(/([A-Z])/g, ' $1').toLowerCase().split(' ');
export const envNameOf = (key: NameserverConfigKey): string => ENV_PREFIX + words(key).join('_').toUpperCase();
export const flagOf = (key: NameserverConfigKey): string => `--${words(key).join('-')}`;

/** Defaults; `kvConfigPath` empty means "derive from dataDir". RocketMQ keeps its KV file in ~/namesrv. */
export function defaultNameserverConfig(homeDir: string = homedir()): NameserverConfig {
  return {
    host: '0.0.0.0',
    listenPort: 9876,
    httpPort: 9877,
    dataDir: join(homeDir, 'namesrv'),
    kvConfigPath: '',
    brokerExpiryMs: 120_000,
    scanIntervalMs: 10_000,
    orderMessageEnable: false,
    deleteTopicWithBrokerRegistration: false,
    logLevel: 'info',
  };
}

/** One source of values; `text` sources (environment, flags) hold strings to be parsed. */
interface Layer {
  readonly source: string;
  readonly text: boolean;
  readonly values: Partial<Record<NameserverConfigKey, unknown>>;
  readonly sourceOf: (key: NameserverConfigKey) => string;
}

const MAX_MS = 24 * 3600 * 1000;

function coerce(kind: Kind, raw: unknown, text: boolean): Result<string | number | boolean, string> {
  switch (kind) {
    case 'string':
      return typeof raw === 'string' && raw.length > 0 ? ok(raw) : err('must be a non-empty string');
    case 'port':
    case 'ms': {
      const n = text && typeof raw === 'string' && /^\d+$/.test(raw.trim()) ? Number(raw.trim()) : raw;
      const [min, max] = kind === 'port' ? [0, 65535] : [1, MAX_MS];
      if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) return err(`must be an integer from ${min} to ${max}`);
      return ok(n);
    }
    case 'bool': {
      if (typeof raw === 'boolean') return ok(raw);
      const lower = text && typeof raw === 'string' ? raw.trim().toLowerCase() : undefined;
      if (lower === 'true' || lower === '1') return ok(true);
      if (lower === 'false' || lower === '0') return ok(false);
      return err('must be true or false');
    }
    case 'logLevel':
      return typeof raw === 'string' && isLogLevel(raw) ? ok(raw) : err(`must be one of ${LogLevels.join(', ')}`);
  }
}

/** Merges layers over the defaults, checking every value; all problems are returned together. */
function resolve(base: NameserverConfig, layers: readonly Layer[], problems: string[]): NameserverConfig | undefined {
  const merged: Record<string, unknown> = { ...base };
  const explicit = new Set<NameserverConfigKey>();
  for (const layer of layers) {
    for (const key of KEYS) {
      if (!Object.prototype.hasOwnProperty.call(layer.values, key) || layer.values[key] === undefined) continue;
      const value = coerce(FIELDS[key].kind, layer.values[key], layer.text);
      if (!value.ok) {
        problems.push(`${key} (${layer.sourceOf(key)}): ${value.error}, got ${JSON.stringify(layer.values[key])}`);
        continue;
      }
      merged[key] = value.value;
      explicit.add(key);
    }
  }
  const config = merged as unknown as NameserverConfig;
  if (!explicit.has('kvConfigPath') && config.kvConfigPath === '') merged.kvConfigPath = join(config.dataDir, 'kvConfig.json');
  if (config.scanIntervalMs > config.brokerExpiryMs) {
    problems.push(`scanIntervalMs (${config.scanIntervalMs}) must not exceed brokerExpiryMs (${config.brokerExpiryMs})`);
  }
  if (config.listenPort !== 0 && config.listenPort === config.httpPort) problems.push(`listenPort and httpPort are both ${config.listenPort}`);
  return problems.length === 0 ? config : undefined;
}

/** Checks programmatic overrides (tests, the local supervisor) the same way the process checks its own. */
export function validateNameserverConfig(
  overrides: Partial<NameserverConfig>,
  base: NameserverConfig = defaultNameserverConfig(),
): Result<NameserverConfig, string[]> {
  const problems: string[] = [];
  const layer: Layer = { source: 'options', text: false, values: overrides, sourceOf: () => 'options' };
  const config = resolve(base, [layer], problems);
  return config === undefined ? err(problems) : ok(config);
}

export interface ConfigSources {
  /** Command-line arguments after the program name. */
  readonly argv?: readonly string[];
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Reads the JSON config file; injectable for tests. */
  readonly readFile?: (path: string) => string;
  readonly homeDir?: string;
}

export type ConfigLoad =
  | { readonly kind: 'ok'; readonly config: NameserverConfig; readonly configFile?: string }
  | { readonly kind: 'help'; readonly text: string }
  | { readonly kind: 'invalid'; readonly problems: readonly string[] };

export function loadNameserverConfig(sources: ConfigSources = {}): ConfigLoad {
  const env = sources.env ?? {};
  const cli = parseFlags(sources.argv ?? []);
  if (cli.kind !== 'ok') return cli;
  const problems: string[] = [...cli.problems];
  const layers: Layer[] = [];
  const configFile = cli.configFile ?? env[CONFIG_FILE_ENV];
  if (configFile !== undefined && configFile !== '') {
    const file = readConfigFile(configFile, sources.readFile ?? ((p) => readFileSync(p, 'utf8')), problems);
    if (file !== undefined) layers.push({ source: configFile, text: false, values: file, sourceOf: () => `file ${configFile}` });
  }
  const fromEnv: Partial<Record<NameserverConfigKey, unknown>> = {};
  for (const key of KEYS) {
    const value = env[envNameOf(key)];
    if (value !== undefined) fromEnv[key] = value;
  }
  layers.push({ source: 'env', text: true, values: fromEnv, sourceOf: (key) => `env ${envNameOf(key)}` });
  layers.push({ source: 'flags', text: true, values: cli.values, sourceOf: (key) => `flag ${flagOf(key)}` });
  const config = resolve(defaultNameserverConfig(sources.homeDir), layers, problems);
  if (config === undefined || problems.length > 0) return { kind: 'invalid', problems };
  return configFile !== undefined && configFile !== '' ? { kind: 'ok', config, configFile } : { kind: 'ok', config };
}

function readConfigFile(path: string, read: (path: string) => string, problems: string[]): Partial<Record<NameserverConfigKey, unknown>> | undefined {
  let value: unknown;
  try {
    value = JSON.parse(read(path));
  } catch (e) {
    problems.push(`config file ${path}: ${(e as Error).message}`);
    return undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    problems.push(`config file ${path}: not a JSON object`);
    return undefined;
  }
  for (const key of Object.keys(value)) {
    if (!(KEYS as string[]).includes(key)) problems.push(`config file ${path}: unknown key ${JSON.stringify(key)}`);
  }
  return value as Partial<Record<NameserverConfigKey, unknown>>;
}

type FlagParse =
  | { readonly kind: 'ok'; readonly values: Partial<Record<NameserverConfigKey, unknown>>; readonly configFile?: string; readonly problems: string[] }
  | { readonly kind: 'help'; readonly text: string }
  | { readonly kind: 'invalid'; readonly problems: readonly string[] };

function flagsProgram(output: { out: string; err: string }): Command {
  const program = new Command('rocket-nameserver')
    .description('RocketCluster name server: broker registrations and topic routes for RocketMQ clients')
    .exitOverride()
    .configureOutput({ writeOut: (s) => void (output.out += s), writeErr: (s) => void (output.err += s) })
    .option('-c, --config <file>', `JSON config file (env ${CONFIG_FILE_ENV})`);
  for (const key of KEYS) {
    const spec = FIELDS[key];
    const flag = spec.kind === 'bool' ? `${flagOf(key)} [bool]` : `${flagOf(key)} <${spec.kind === 'string' ? 'value' : spec.kind}>`;
    program.option(flag, `${spec.description} (env ${envNameOf(key)})`);
  }
  return program;
}

/** Flags are kept as text and checked with the other layers, so bad values are reported together. */
function parseFlags(argv: readonly string[]): FlagParse {
  const output = { out: '', err: '' };
  const program = flagsProgram(output);
  try {
    program.parse([...argv], { from: 'user' });
  } catch (e) {
    if (!(e instanceof CommanderError)) throw e;
    if (e.code === 'commander.helpDisplayed' || e.code === 'commander.help') return { kind: 'help', text: output.out };
    return { kind: 'invalid', problems: [e.message.replace(/^error: /, '')] };
  }
  const opts = program.opts<Record<string, unknown>>();
  const values: Partial<Record<NameserverConfigKey, unknown>> = {};
  for (const key of KEYS) if (opts[key] !== undefined) values[key] = opts[key];
  const problems = program.args.length > 0 ? [`unexpected arguments: ${program.args.join(' ')}`] : [];
  const configFile = typeof opts.config === 'string' ? opts.config : undefined;
  return configFile === undefined ? { kind: 'ok', values, problems } : { kind: 'ok', values, configFile, problems };
}

/** Config keys with their environment variable and flag, for documentation and `--help`. */
export function describeNameserverConfig(): { key: NameserverConfigKey; env: string; flag: string; description: string }[] {
  return KEYS.map((key) => ({ key, env: envNameOf(key), flag: flagOf(key), description: FIELDS[key].description }));
}
