import * as fs from 'node:fs';
import * as path from 'node:path';
import { silentLogger } from '../../ops';
import { ManualClock } from '../../stdx';
import { cleanupTempDirs, tempDir } from '../../testing/temp';
import { applyAttributeChanges, messageTypeOf, parseAttributeChanges } from './topic-attributes';
import type { TopicConfigManagerOptions } from './topic-config-manager';
import { TopicConfigManager } from './topic-config-manager';

function options(configDir: string, overrides: Partial<TopicConfigManagerOptions> = {}): TopicConfigManagerOptions {
  return {
    configDir,
    brokerClusterName: 'DefaultCluster',
    brokerName: 'broker-a',
    autoCreateTopicEnable: true,
    defaultTopicQueueNums: 8,
    clock: new ManualClock(),
    logger: silentLogger,
    ...overrides,
  };
}

async function opened(configDir: string, overrides: Partial<TopicConfigManagerOptions> = {}): Promise<TopicConfigManager> {
  const manager = new TopicConfigManager(options(configDir, overrides));
  const result = await manager.open();
  if (!result.ok) throw new Error(result.error);
  return manager;
}

afterAll(cleanupTempDirs);

describe('TopicConfigManager', () => {
  it('registers RocketMQ system topics at first start, TBW102 inheritable with defaultTopicQueueNums queues', async () => {
    const manager = await opened(tempDir());
    expect(manager.list().map((t) => t.topicName)).toEqual([
      'BenchmarkTest',
      'DefaultCluster',
      'DefaultCluster_REPLY_TOPIC',
      'OFFSET_MOVED_EVENT',
      'SCHEDULE_TOPIC_XXXX',
      'SELF_TEST_TOPIC',
      'TBW102',
      'broker-a',
    ]);
    expect(manager.get('TBW102')).toMatchObject({ readQueueNums: 8, writeQueueNums: 8, perm: 7 });
    expect(['DefaultCluster', 'broker-a', 'TBW102', 'SCHEDULE_TOPIC_XXXX'].every((t) => manager.isSystemTopic(t))).toBe(true);
    expect(manager.isSystemTopic('TopicTest')).toBe(false);
  });

  it('persists changes to topics.json and loads them back with the data version', async () => {
    const dir = tempDir();
    const first = await opened(dir);
    first.update('TopicA', { readQueueNums: 4, writeQueueNums: 4, attributes: { 'message.type': 'FIFO' } });
    first.ensureTopic('%RETRY%GID_a', { readQueueNums: 1, writeQueueNums: 1, perm: 6 });
    expect((await first.flush()).ok).toBe(true);
    const version = first.dataVersion.counter;
    const second = await opened(dir);
    expect(second.get('TopicA')).toEqual(first.get('TopicA'));
    expect(second.get('%RETRY%GID_a')).toMatchObject({ readQueueNums: 1, perm: 6 });
    expect(second.dataVersion.counter).toBe(version);
    const file = JSON.parse(fs.readFileSync(path.join(dir, 'topics.json'), 'utf8')) as { topicConfigTable: Record<string, { attributes: object }> };
    expect(file.topicConfigTable.TopicA!.attributes).toEqual({ 'message.type': 'FIFO' });
  });

  it('bumps the data version and notifies listeners on every change, not on no-op updates', async () => {
    const manager = await opened(tempDir());
    let notified = 0;
    manager.onChange(() => notified++);
    const before = manager.dataVersion.counter;
    manager.update('TopicB', { readQueueNums: 2, writeQueueNums: 2 });
    manager.update('TopicB', { readQueueNums: 2, writeQueueNums: 2 });
    manager.delete('TopicB');
    expect(manager.delete('TopicB')).toBe(false);
    expect([notified, manager.dataVersion.counter - before]).toEqual([2, 2]);
  });

  it('falls back to the backup when topics.json is damaged, and refuses to start when both are', async () => {
    const dir = tempDir();
    const first = await opened(dir);
    first.update('TopicC', {});
    await first.flush();
    first.update('TopicD', {});
    await first.flush();
    fs.writeFileSync(path.join(dir, 'topics.json'), '{"topicConfigTable": {');
    const fromBackup = await opened(dir);
    expect(fromBackup.get('TopicC')).toBeDefined();
    fs.writeFileSync(path.join(dir, 'topics.json'), 'garbage');
    fs.writeFileSync(path.join(dir, 'topics.json.bak'), 'garbage');
    const refused = await new TopicConfigManager(options(dir)).open();
    expect(refused.ok).toBe(false);
    expect(!refused.ok && refused.error).toContain('cannot load topic configs');
  });

  it('auto-creates from an inheritable template only, with min(client, template) queues and without INHERIT', async () => {
    const manager = await opened(tempDir());
    expect(manager.createForSend('TopicE', 'TBW102', 16, 0)).toMatchObject({ readQueueNums: 8, writeQueueNums: 8, perm: 6 });
    manager.update('NotTemplate', {});
    expect(manager.createForSend('TopicF', 'NotTemplate', 4, 0)).toBeUndefined();
    expect(manager.createForSend('TopicG', 'NoSuchTopic', 4, 0)).toBeUndefined();
    const off = await opened(tempDir(), { autoCreateTopicEnable: false });
    expect(off.createForSend('TopicH', 'TBW102', 4, 0)).toBeUndefined();
  });

  it('refuses invalid topic configs with every problem named', async () => {
    const manager = await opened(tempDir());
    const bad = manager.update('TopicI', { readQueueNums: -1, perm: 99, topicFilterType: 'SOME_TAG' });
    expect(!bad.ok && bad.error).toBe(
      'topic "TopicI": readQueueNums must be an integer in 0..65536, got -1; perm must be an integer in 0..15, got 99; topicFilterType must be SINGLE_TAG or MULTI_TAG, got "SOME_TAG"',
    );
  });
});

describe('topic attributes', () => {
  it('parses +key=value / -key modifications and applies them to the stored attributes', () => {
    const changes = parseAttributeChanges('+message.type=FIFO');
    expect(changes.ok && Object.fromEntries(changes.value)).toEqual({ 'message.type': 'FIFO' });
    const applied = applyAttributeChanges({}, changes.ok ? changes.value : new Map());
    expect(applied.ok && applied.value).toEqual({ 'message.type': 'FIFO' });
    const removed = parseAttributeChanges('-message.type');
    expect(removed.ok && applyAttributeChanges({ 'message.type': 'FIFO' }, removed.value)).toEqual({ ok: true, value: {} });
    expect(messageTypeOf({})).toBe('NORMAL');
  });

  it('refuses unknown keys and values outside the message types', () => {
    expect(parseAttributeChanges('+queue.size=3')).toEqual({ ok: false, error: 'topic attributes: unsupported key queue.size; supported: message.type' });
    const badValue = parseAttributeChanges('+message.type=URGENT');
    expect(!badValue.ok && badValue.error).toContain('message.type must be one of UNSPECIFIED, NORMAL, FIFO, DELAY, TRANSACTION, MIXED');
  });
});
