import * as fs from 'node:fs';
import * as path from 'node:path';
import { cleanupTempDirs, tempDir } from '../testing/temp';
import { ClientErrorCode } from './errors';
import { LocalFileOffsetStore } from './offset-store';
import type { MessageQueue } from './types';

const q0: MessageQueue = { topic: 't', brokerName: 'a', queueId: 0 };
const q1: MessageQueue = { topic: 't', brokerName: 'a', queueId: 1 };

afterEach(() => cleanupTempDirs());

describe('LocalFileOffsetStore', () => {
  test('writes offsets atomically and a new store reads them back', async () => {
    const file = path.join(tempDir('rocket-offsets-'), 'nested', 'g.json');
    const store = new LocalFileOffsetStore(file, 'g');
    expect(await store.fetch(q0)).toBeUndefined();
    store.update(q0, 5);
    store.update(q1, 9);
    await store.persistAll();
    expect(fs.readdirSync(path.dirname(file))).toEqual(['g.json']);
    const again = new LocalFileOffsetStore(file, 'g');
    expect(await again.fetch(q0)).toBe(5);
    expect(await again.fetch(q1)).toBe(9);
  });

  test('offsets of queues this store no longer tracks are kept in the file', async () => {
    const file = path.join(tempDir('rocket-offsets-'), 'g.json');
    const first = new LocalFileOffsetStore(file, 'g');
    first.update(q0, 5);
    first.update(q1, 9);
    await first.persistAll();
    const second = new LocalFileOffsetStore(file, 'g');
    await second.fetch(q0);
    second.update(q0, 6);
    await second.persistAll();
    const third = new LocalFileOffsetStore(file, 'g');
    expect([await third.fetch(q0), await third.fetch(q1)]).toEqual([6, 9]);
  });

  test('concurrent persists land the newest state last', async () => {
    const file = path.join(tempDir('rocket-offsets-'), 'g.json');
    const store = new LocalFileOffsetStore(file, 'g');
    const writes: Promise<void>[] = [];
    for (let i = 1; i <= 20; i++) {
      store.update(q0, i);
      writes.push(store.persistAll());
    }
    await Promise.all(writes);
    expect(await new LocalFileOffsetStore(file, 'g').fetch(q0)).toBe(20);
  });

  test('a corrupt file is reported as ROCKET_OFFSET_STORE', async () => {
    const file = path.join(tempDir('rocket-offsets-'), 'g.json');
    fs.writeFileSync(file, '{broken');
    await expect(new LocalFileOffsetStore(file, 'g').fetch(q0)).rejects.toMatchObject({ code: ClientErrorCode.OFFSET_STORE });
  });
});
