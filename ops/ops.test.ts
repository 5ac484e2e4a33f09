import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { Counter, Registry } from 'prom-client';
import { ok, err } from '../stdx';
import { cleanupTempDirs, tempDir } from '../testing/temp';
import { createRootLogger, readJsonState, startHttpEndpoint, writeFileAtomic, writeFileAtomicSync } from './index';

const parseCount = (value: unknown) =>
  typeof value === 'object' && value !== null && typeof (value as { count?: unknown }).count === 'number'
    ? ok((value as { count: number }).count)
    : err('no count');

afterAll(cleanupTempDirs);

describe('atomic state files', () => {
  it('replaces the content and keeps the previous version as .bak', async () => {
    const dir = tempDir('ops-atomic-');
    const path = join(dir, 'config', 'offsets.json');
    await writeFileAtomic(path, JSON.stringify({ count: 1 }));
    await writeFileAtomic(path, JSON.stringify({ count: 2 }));
    expect(JSON.parse(await readFile(path, 'utf8'))).toEqual({ count: 2 });
    expect(JSON.parse(await readFile(`${path}.bak`, 'utf8'))).toEqual({ count: 1 });
  });

  it('reads the backup when the main file is damaged, and says missing when neither exists', async () => {
    const dir = tempDir('ops-atomic-');
    const path = join(dir, 'topics.json');
    expect(await readJsonState(path, parseCount)).toEqual(ok({ kind: 'missing' }));
    await writeFileAtomic(path, JSON.stringify({ count: 1 }));
    writeFileAtomicSync(path, JSON.stringify({ count: 2 }));
    await writeFile(path, '{"count": 2'); // torn by something outside our control
    expect(await readJsonState(path, parseCount)).toEqual(ok({ kind: 'loaded', value: 1, fromBackup: true }));
    await writeFile(`${path}.bak`, '{}');
    const both = await readJsonState(path, parseCount);
    expect(both.ok).toBe(false);
  });
});

describe('HTTP endpoint', () => {
  it('serves /metrics from the registry and /healthz from the health check', async () => {
    const registry = new Registry();
    const counter = new Counter({ name: 'rocketmq_test_total', help: 'test', registers: [registry] });
    counter.inc(3);
    let healthy = true;
    const endpoint = await startHttpEndpoint({ host: '127.0.0.1', port: 0, registry, health: () => ({ healthy, detail: { role: 'master' } }) });
    try {
      const metrics = await (await fetch(`http://127.0.0.1:${endpoint.port}/metrics`)).text();
      expect(metrics).toContain('rocketmq_test_total 3');
      const up = await fetch(`http://127.0.0.1:${endpoint.port}/healthz`);
      expect(up.status).toBe(200);
      expect(await up.json()).toEqual({ status: 'ok', role: 'master' });
      healthy = false;
      expect((await fetch(`http://127.0.0.1:${endpoint.port}/healthz`)).status).toBe(503);
    } finally {
      await endpoint.close();
    }
  });
});

describe('root logger', () => {
  it('writes one JSON object per line with the service and child fields', async () => {
    const stream = new PassThrough();
    const lines: string[] = [];
    stream.on('data', (chunk: Buffer) => lines.push(...chunk.toString().split('\n').filter(Boolean)));
    const logger = createRootLogger({ service: 'rocket-test', stream }).child({ component: 'store' });
    logger.info('opened', { commitLogOffset: 42 });
    await new Promise((r) => setImmediate(r));
    const line = JSON.parse(lines[0] ?? '{}') as Record<string, unknown>;
    expect(line).toMatchObject({ service: 'rocket-test', component: 'store', message: 'opened', commitLogOffset: 42, level: 'info' });
    expect(typeof line.timestamp).toBe('string');
  });
});
