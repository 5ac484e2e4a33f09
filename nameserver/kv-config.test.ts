import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cleanupTempDirs, tempDir } from '../testing/temp';
import { KvConfigTable } from './kv-config';
import { KvConfigStore } from './kv-store';

afterAll(cleanupTempDirs);

describe('KvConfigTable', () => {
  it('puts, gets, lists and deletes by namespace; an emptied namespace disappears', () => {
    const table = new KvConfigTable();
    table.put('ORDER_TOPIC_CONFIG', 'orders', 'broker-a:4');
    table.put('ORDER_TOPIC_CONFIG', 'orders', 'broker-a:8');
    table.put('PROJECT_CONFIG', '10.0.0.1', 'proj');
    expect(table.get('ORDER_TOPIC_CONFIG', 'orders')).toBe('broker-a:8');
    expect(table.size).toBe(2);
    expect(table.list('ORDER_TOPIC_CONFIG')).toEqual({ orders: 'broker-a:8' });
    expect(table.delete('ORDER_TOPIC_CONFIG', 'orders')).toBe(true);
    expect(table.delete('ORDER_TOPIC_CONFIG', 'orders')).toBe(false);
    expect(table.list('ORDER_TOPIC_CONFIG')).toBeUndefined();
    expect(table.size).toBe(1);
  });

  it('reads and writes the RocketMQ kvConfig.json shape, keeping odd keys as plain keys', () => {
    const table = new KvConfigTable();
    table.put('__proto__', 'constructor', 'x');
    const text = table.toFileText();
    expect(JSON.parse(text)).toEqual(JSON.parse('{"configTable":{"__proto__":{"constructor":"x"}}}'));
    const back = KvConfigTable.fromFile(JSON.parse(text));
    expect(back.ok && back.value.get('__proto__', 'constructor')).toBe('x');
    expect(KvConfigTable.fromFile({ configTable: { ns: { k: 1 } } })).toEqual({ ok: false, error: 'configTable.ns.k is not a string' });
    expect(KvConfigTable.fromFile([]).ok).toBe(false);
  });
});

describe('KvConfigStore', () => {
  it('persists every change and loads it back, serializing concurrent writes', async () => {
    const path = join(tempDir('ns-kv-'), 'namesrv', 'kvConfig.json');
    const loaded = await KvConfigStore.load(path);
    if (!loaded.ok) throw new Error(loaded.error);
    const store = loaded.value.store;
    const puts = await Promise.all(Array.from({ length: 20 }, (_, i) => store.put('ns', `k${i}`, `v${i}`)));
    expect(puts.every((r) => r.ok)).toBe(true);
    expect(await store.delete('ns', 'k0')).toEqual({ ok: true, value: undefined });
    const onDisk = JSON.parse(await readFile(path, 'utf8')) as { configTable: { ns: Record<string, string> } };
    expect(Object.keys(onDisk.configTable.ns)).toHaveLength(19);
    const reloaded = await KvConfigStore.load(path);
    expect(reloaded.ok && reloaded.value.store.get('ns', 'k19')).toBe('v19');
  });

  it('refuses a damaged file with no usable backup, and falls back to the backup when there is one', async () => {
    const path = join(tempDir('ns-kv-'), 'kvConfig.json');
    const first = await KvConfigStore.load(path);
    if (!first.ok) throw new Error(first.error);
    await first.value.store.put('ns', 'a', '1');
    await first.value.store.put('ns', 'b', '2');
    await writeFile(path, '{"configTable":');
    const fromBackup = await KvConfigStore.load(path);
    expect(fromBackup.ok && fromBackup.value.fromBackup).toBe(true);
    expect(fromBackup.ok && fromBackup.value.store.list('ns')).toEqual({ a: '1' });
    await writeFile(`${path}.bak`, 'garbage');
    expect((await KvConfigStore.load(path)).ok).toBe(false);
  });

  it('reports a failed write and keeps the value in memory', async () => {
    const dir = tempDir('ns-kv-');
    // The target's parent is a file, so the write cannot succeed.
    await writeFile(join(dir, 'blocker'), 'x');
    const store = new KvConfigStore(join(dir, 'blocker', 'kvConfig.json'));
    const put = await store.put('ns', 'k', 'v');
    expect(put.ok).toBe(false);
    expect(!put.ok && put.error).toContain('not persisted');
    expect(store.get('ns', 'k')).toBe('v');
  });
});
