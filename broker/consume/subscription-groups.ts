/**
 * Subscription groups (consumer group configs), persisted in `subscriptionGroups.json` as RocketMQ's
 * `{"subscriptionGroupTable":{name: config}, "dataVersion": {...}}`. A group is created on first use
 * (heartbeat or pull) when `autoCreateSubscriptionGroup` is on, and always for system groups
 * (`CID_RMQ_SYS_` prefix), as upstream does.
 */
import type { JsonValue } from '../../protocol';
import { parseLenientJson } from '../../protocol';
import type { Result } from '../../stdx';
import { err, ok } from '../../stdx';

export interface SubscriptionGroupConfig {
  groupName: string;
  consumeEnable: boolean;
  consumeFromMinEnable: boolean;
  consumeBroadcastEnable: boolean;
  retryQueueNums: number;
  retryMaxTimes: number;
  brokerId: number;
  whichBrokerWhenConsumeSlowly: number;
  notifyConsumerIdsChangedEnable: boolean;
  groupSysFlag: number;
  consumeTimeoutMinute: number;
}

export interface DataVersion {
  counter: number;
  stateVersion: number;
  timestamp: number;
}

/** Groups held at most. */
export const MAX_SUBSCRIPTION_GROUPS = 100_000;
const SYSTEM_GROUP_PREFIX = 'CID_RMQ_SYS_';

export function isSystemConsumerGroup(group: string): boolean {
  return group.startsWith(SYSTEM_GROUP_PREFIX);
}

/** Upstream's defaults for a new group. */
export function defaultGroupConfig(groupName: string): SubscriptionGroupConfig {
  return {
    groupName,
    consumeEnable: true,
    consumeFromMinEnable: true,
    consumeBroadcastEnable: true,
    retryQueueNums: 1,
    retryMaxTimes: 16,
    brokerId: 0,
    whichBrokerWhenConsumeSlowly: 1,
    notifyConsumerIdsChangedEnable: true,
    groupSysFlag: 0,
    consumeTimeoutMinute: 15,
  };
}

export class SubscriptionGroupTable {
  private readonly groups = new Map<string, SubscriptionGroupConfig>();
  private version: DataVersion = { counter: 0, stateVersion: 0, timestamp: 0 };
  private dirtyFlag = false;

  constructor(private readonly nowMs: () => number) {}

  get dirty(): boolean {
    return this.dirtyFlag;
  }

  get size(): number {
    return this.groups.size;
  }

  get(group: string): SubscriptionGroupConfig | undefined {
    return this.groups.get(group);
  }

  /** The group's config, created with defaults when `autoCreate` allows (system groups always). */
  findOrCreate(group: string, autoCreate: boolean): SubscriptionGroupConfig | undefined {
    const found = this.groups.get(group);
    if (found !== undefined) return found;
    if (!autoCreate && !isSystemConsumerGroup(group)) return undefined;
    if (this.groups.size >= MAX_SUBSCRIPTION_GROUPS) return undefined;
    const created = defaultGroupConfig(group);
    this.put(created);
    return created;
  }

  put(config: SubscriptionGroupConfig): void {
    this.groups.set(config.groupName, config);
    this.changed();
  }

  delete(group: string): boolean {
    const existed = this.groups.delete(group);
    if (existed) this.changed();
    return existed;
  }

  all(): SubscriptionGroupConfig[] {
    return [...this.groups.values()];
  }

  /** The wire and file form (GET_ALL_SUBSCRIPTIONGROUP_CONFIG body). */
  toJson(): { subscriptionGroupTable: Record<string, SubscriptionGroupConfig>; dataVersion: DataVersion } {
    const subscriptionGroupTable: Record<string, SubscriptionGroupConfig> = {};
    for (const [name, config] of [...this.groups].sort((a, b) => (a[0] < b[0] ? -1 : 1))) subscriptionGroupTable[name] = config;
    return { subscriptionGroupTable, dataVersion: { ...this.version } };
  }

  /** The file's JSON; clears the dirty mark (set it again with `markDirty` if the write fails). */
  serialize(): string {
    this.dirtyFlag = false;
    return JSON.stringify(this.toJson(), null, 2);
  }

  markDirty(): void {
    this.dirtyFlag = true;
  }

  load(loaded: { groups: SubscriptionGroupConfig[]; dataVersion: DataVersion }): void {
    this.groups.clear();
    for (const config of loaded.groups) this.groups.set(config.groupName, config);
    this.version = { ...loaded.dataVersion };
    this.dirtyFlag = false;
  }

  private changed(): void {
    this.version = { counter: this.version.counter + 1, stateVersion: this.version.stateVersion, timestamp: this.nowMs() };
    this.dirtyFlag = true;
  }
}

type JsonObject = { [key: string]: JsonValue };

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function readField<T extends string | number | boolean>(o: JsonObject, key: string, fallback: T, path: string): T {
  const value = Object.prototype.hasOwnProperty.call(o, key) ? o[key] : undefined;
  if (value === undefined || value === null) return fallback;
  if (typeof value !== typeof fallback) throw new ConfigShapeError(`${path}.${key} is not a ${typeof fallback}`);
  if (typeof value === 'number' && !Number.isSafeInteger(value)) throw new ConfigShapeError(`${path}.${key} is not an integer`);
  return value as T;
}

class ConfigShapeError extends Error {}

function readGroupConfig(value: unknown, path: string, nameFallback?: string): SubscriptionGroupConfig {
  if (!isObject(value)) throw new ConfigShapeError(`${path} is not an object`);
  const groupName = readField(value, 'groupName', nameFallback ?? '', path);
  if (groupName === '') throw new ConfigShapeError(`${path}.groupName is missing`);
  const d = defaultGroupConfig(groupName);
  return {
    groupName,
    consumeEnable: readField(value, 'consumeEnable', d.consumeEnable, path),
    consumeFromMinEnable: readField(value, 'consumeFromMinEnable', d.consumeFromMinEnable, path),
    consumeBroadcastEnable: readField(value, 'consumeBroadcastEnable', d.consumeBroadcastEnable, path),
    retryQueueNums: readField(value, 'retryQueueNums', d.retryQueueNums, path),
    retryMaxTimes: readField(value, 'retryMaxTimes', d.retryMaxTimes, path),
    brokerId: readField(value, 'brokerId', d.brokerId, path),
    whichBrokerWhenConsumeSlowly: readField(value, 'whichBrokerWhenConsumeSlowly', d.whichBrokerWhenConsumeSlowly, path),
    notifyConsumerIdsChangedEnable: readField(value, 'notifyConsumerIdsChangedEnable', d.notifyConsumerIdsChangedEnable, path),
    groupSysFlag: readField(value, 'groupSysFlag', d.groupSysFlag, path),
    consumeTimeoutMinute: readField(value, 'consumeTimeoutMinute', d.consumeTimeoutMinute, path),
  };
}

/** UPDATE_AND_CREATE_SUBSCRIPTIONGROUP body: one SubscriptionGroupConfig (fastjson or standard JSON). */
export function parseGroupConfigBody(body: Buffer | undefined): Result<SubscriptionGroupConfig, string> {
  if (body === undefined || body.length === 0) return err('SubscriptionGroupConfig: body is empty');
  const parsed = parseLenientJson(body.toString('utf8'), { maxDepth: 32 });
  if (!parsed.ok) return err(`SubscriptionGroupConfig: ${parsed.error}`);
  try {
    return ok(readGroupConfig(parsed.value, 'SubscriptionGroupConfig'));
  } catch (e) {
    if (e instanceof ConfigShapeError) return err(e.message);
    throw e;
  }
}

/** Reads the state file. */
export function parseSubscriptionGroups(value: unknown): Result<{ groups: SubscriptionGroupConfig[]; dataVersion: DataVersion }, string> {
  try {
    if (!isObject(value)) return err('subscription groups: not an object');
    const table = value.subscriptionGroupTable ?? {};
    if (!isObject(table)) return err('subscription groups: subscriptionGroupTable is not an object');
    const groups = Object.entries(table).map(([name, config]) => readGroupConfig(config, `subscriptionGroupTable.${name}`, name));
    const v = isObject(value.dataVersion) ? value.dataVersion : {};
    const dataVersion = {
      counter: readField(v, 'counter', 0, 'dataVersion'),
      stateVersion: readField(v, 'stateVersion', 0, 'dataVersion'),
      timestamp: readField(v, 'timestamp', 0, 'dataVersion'),
    };
    return ok({ groups, dataVersion });
  } catch (e) {
    if (e instanceof ConfigShapeError) return err(`subscription groups: ${e.message}`);
    throw e;
  }
}
