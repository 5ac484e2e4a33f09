/**
 * The broker's topic table: what topics exist here, with how many queues and which permissions.
 * Persisted to `<storeDir>/config/topics.json` in RocketMQ's TopicConfigSerializeWrapper form
 * (`{"dataVersion":{...},"topicConfigTable":{...}}`), replaced atomically on every change. Each
 * change bumps the data version, which the name server uses to notice new routes, and tells the
 * listeners (registration re-registers at once).
 *
 * Lookups are synchronous and allocation-free (the send path asks on every request); writes to disk
 * run in the background, one at a time, coalescing changes made while one is in flight.
 */
import * as path from 'node:path';
import type { DataVersion, TopicConfig } from '../../protocol';
import { isInherited, PERM_INHERIT } from '../../protocol';
import type { ServerLogger } from '../../ops';
import { readJsonState, writeFileAtomic } from '../../ops';
import { SystemTopic, validateTopicName } from '../../message';
import type { Clock, Result } from '../../stdx';
import { err, ok } from '../../stdx';
import type { SystemTopicOptions, TopicInit } from './topic-config';
import { isSystemTopicOf, makeTopicConfig, systemTopicConfigs, topicConfigFromJson, topicTableJson, validateTopicConfig } from './topic-config';

export interface TopicConfigManagerOptions extends SystemTopicOptions {
  /** `<storeDir>/config`. */
  readonly configDir: string;
  readonly clock: Clock;
  readonly logger: ServerLogger;
}

/** The file's content once parsed. */
interface TopicsFile {
  readonly dataVersion: DataVersion;
  readonly topics: TopicConfig[];
}

export const TOPICS_FILE_NAME = 'topics.json';

export class TopicConfigManager {
  private readonly table = new Map<string, TopicConfig>();
  private readonly listeners: (() => void)[] = [];
  private readonly filePath: string;
  private version: DataVersion = { counter: 0, stateVersion: 0, timestamp: 0 };
  private tableJsonCache: string | undefined;
  private writing: Promise<void> | undefined;
  private dirty = false;
  private lastWriteError: string | undefined;

  constructor(private readonly options: TopicConfigManagerOptions) {
    this.filePath = path.join(options.configDir, TOPICS_FILE_NAME);
  }

  get file(): string {
    return this.filePath;
  }

  /** Loads topics.json (or its backup) and adds missing system topics; refuses when both files are unreadable. */
  async open(): Promise<Result<void, string>> {
    const loaded = await readJsonState(this.filePath, parseTopicsFile);
    if (!loaded.ok) return err(`cannot load topic configs: ${loaded.error}`);
    if (loaded.value.kind === 'loaded') {
      if (loaded.value.fromBackup) this.options.logger.warn('topics.json unreadable; loaded its backup', { file: this.filePath });
      for (const config of loaded.value.value.topics) this.table.set(config.topicName, config);
      this.version = { ...loaded.value.value.dataVersion };
    }
    let changed = loaded.value.kind === 'missing';
    for (const config of systemTopicConfigs(this.options)) {
      if (!this.table.has(config.topicName)) {
        this.table.set(config.topicName, config);
        changed = true;
      }
    }
    if (!this.options.autoCreateTopicEnable && this.table.delete(SystemTopic.AUTO_CREATE)) {
      // A stored template would make clients believe unknown topics can still be auto-created.
      this.options.logger.info('autoCreateTopicEnable is off: removed the auto-create template topic', { topic: SystemTopic.AUTO_CREATE });
      changed = true;
    }
    if (changed) {
      this.bumpVersion();
      this.schedulePersist();
    }
    this.options.logger.info('topic configs loaded', { topics: this.table.size, dataVersion: this.version.counter });
    return ok(undefined);
  }

  get(topic: string): TopicConfig | undefined {
    return this.table.get(topic);
  }

  get size(): number {
    return this.table.size;
  }

  /** All topics, sorted by name. */
  list(): TopicConfig[] {
    return [...this.table.values()].sort((a, b) => (a.topicName < b.topicName ? -1 : a.topicName > b.topicName ? 1 : 0));
  }

  get dataVersion(): DataVersion {
    return { ...this.version };
  }

  isSystemTopic(topic: string): boolean {
    return isSystemTopicOf(this.options, topic);
  }

  /** The contract with broker/consume: creates (and persists) the topic when absent. */
  ensureTopic(topic: string, init: { readQueueNums: number; writeQueueNums: number; perm: number; topicSysFlag?: number }): TopicConfig {
    const existing = this.table.get(topic);
    if (existing !== undefined) return existing;
    const config = makeTopicConfig(topic, init);
    const valid = validateTopicConfig(config);
    // Callers build these names (%RETRY%group, %DLQ%group) from validated groups; a bad one is a bug.
    if (!valid.ok) throw new Error(`ensureTopic: ${valid.error}`);
    this.put(config, 'created');
    return config;
  }

  /**
   * Auto-creation on send (RocketMQ's createTopicInSendMessageMethod): a new topic copies the template
   * `defaultTopic` when that exists and carries INHERIT, with min(client's queue count, template's
   * write queues) queues and the template's permissions minus INHERIT. Undefined when not allowed.
   */
  createForSend(topic: string, defaultTopic: string, clientQueueNums: number, topicSysFlag: number): TopicConfig | undefined {
    const existing = this.table.get(topic);
    if (existing !== undefined) return existing;
    if (!this.options.autoCreateTopicEnable) return undefined;
    const template = this.table.get(defaultTopic);
    if (template === undefined || !isInherited(template.perm)) return undefined;
    if (!validateTopicName(topic).ok) return undefined;
    const queueNums = Math.max(1, Math.min(clientQueueNums, template.writeQueueNums));
    const config = makeTopicConfig(topic, {
      readQueueNums: queueNums,
      writeQueueNums: queueNums,
      perm: template.perm & ~PERM_INHERIT,
      topicFilterType: template.topicFilterType,
      topicSysFlag,
    });
    this.put(config, 'auto-created');
    return config;
  }

  /** Creates or replaces a topic (admin UPDATE_AND_CREATE_TOPIC). */
  update(topic: string, init: TopicInit): Result<TopicConfig, string> {
    const config = makeTopicConfig(topic, init);
    const valid = validateTopicConfig(config);
    if (!valid.ok) return valid;
    const existing = this.table.get(topic);
    if (existing !== undefined && JSON.stringify(existing) === JSON.stringify(config)) return ok(existing);
    this.put(config, existing === undefined ? 'created' : 'updated');
    return ok(config);
  }

  /** Removes a topic; false when it did not exist. */
  delete(topic: string): boolean {
    if (!this.table.delete(topic)) return false;
    this.options.logger.info('topic deleted', { topic });
    this.changed();
    return true;
  }

  /** `{"topic":{...},...}` sorted by name; cached until the next change (registration sends it every 30 s). */
  topicConfigTableJson(): string {
    this.tableJsonCache ??= topicTableJson(this.list());
    return this.tableJsonCache;
  }

  /** RocketMQ's TopicConfigSerializeWrapper as JSON text: GET_ALL_TOPIC_CONFIG body and topics.json. */
  wrapperJson(): string {
    return `{"dataVersion":${JSON.stringify(this.version)},"topicConfigTable":${this.topicConfigTableJson()}}`;
  }

  /** Called after every change (after the version bump). */
  onChange(listener: () => void): void {
    this.listeners.push(listener);
  }

  /** Waits until every change so far is on disk; the error of the last failed write, if any. */
  async flush(): Promise<Result<void, string>> {
    // A failed write is retried here, so close() gets a last chance to save the table.
    if (this.lastWriteError !== undefined) this.schedulePersist();
    while (this.writing !== undefined) await this.writing;
    return this.lastWriteError === undefined ? ok(undefined) : err(this.lastWriteError);
  }

  private put(config: TopicConfig, what: string): void {
    this.table.set(config.topicName, config);
    this.options.logger.info(`topic ${what}`, { topic: config.topicName, readQueueNums: config.readQueueNums, writeQueueNums: config.writeQueueNums, perm: config.perm });
    this.changed();
  }

  private changed(): void {
    this.bumpVersion();
    this.schedulePersist();
    for (const listener of this.listeners) listener();
  }

  private bumpVersion(): void {
    this.tableJsonCache = undefined;
    this.version = { counter: this.version.counter + 1, stateVersion: this.version.stateVersion, timestamp: this.options.clock.nowMs() };
  }

  private schedulePersist(): void {
    this.dirty = true;
    if (this.writing !== undefined) return;
    this.writing = this.writeLoop().finally(() => {
      this.writing = undefined;
    });
  }

  /** Writes until no change is left unwritten; changes during a write cause one more write, not one each. */
  private async writeLoop(): Promise<void> {
    while (this.dirty) {
      this.dirty = false;
      try {
        await writeFileAtomic(this.filePath, this.wrapperJson());
        this.lastWriteError = undefined;
      } catch (e) {
        this.lastWriteError = `cannot write ${this.filePath}: ${(e as Error).message}`;
        this.options.logger.error('topic configs not persisted', { file: this.filePath, error: (e as Error).message });
        return;
      }
    }
  }
}

function parseTopicsFile(value: unknown): Result<TopicsFile, string> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return err('not a JSON object');
  const o = value as Record<string, unknown>;
  const table = o.topicConfigTable ?? {};
  if (typeof table !== 'object' || table === null || Array.isArray(table)) return err('topicConfigTable is not an object');
  const topics: TopicConfig[] = [];
  for (const [key, entry] of Object.entries(table)) {
    const config = topicConfigFromJson(key, entry);
    if (!config.ok) return config;
    topics.push(config.value);
  }
  const dv = (o.dataVersion ?? {}) as Record<string, unknown>;
  const num = (v: unknown): number => (typeof v === 'number' && Number.isSafeInteger(v) ? v : 0);
  return ok({ topics, dataVersion: { counter: num(dv.counter), stateVersion: num(dv.stateVersion), timestamp: num(dv.timestamp) } });
}
