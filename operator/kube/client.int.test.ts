import { getEventListeners } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DESIRED_HASH_ANNOTATION } from './types';
import type { KubeObject } from './types';
import { HttpKubeClient } from './client';
import { KubeTransport } from './transport';
import { cluster, configMap, startFake } from './kube.test-util';
import type { KubeFixture } from './kube.test-util';

interface ConfigMap extends KubeObject {
  data?: Record<string, string>;
}
interface Service extends KubeObject {
  spec?: { clusterIP?: string; ports?: { name: string; port: number }[]; selector?: Record<string, string> };
}

describe('HttpKubeClient against the fake API server', () => {
  let k: KubeFixture;
  beforeAll(async () => {
    k = await startFake();
  });
  afterAll(async () => {
    await k.fake.stop();
  });

  it('get returns null for a missing object and the stored JSON (string timestamps) for an existing one', async () => {
    const ref = { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'ns', name: 'get-me' };
    expect(await k.client.get(ref)).toBeNull();
    const created = await k.client.create(configMap('get-me', { a: '1' }));
    expect(created.ok).toBe(true);
    const got = await k.client.get<ConfigMap>(ref);
    expect(got?.data).toEqual({ a: '1' });
    expect(typeof got?.metadata?.creationTimestamp).toBe('string');
  });

  it('create of an existing name is err alreadyExists; replace with a stale resourceVersion is err conflict', async () => {
    const first = await k.client.create(configMap('dup', { a: '1' }));
    if (!first.ok) throw new Error(first.error.message);
    const again = await k.client.create(configMap('dup', { a: '2' }));
    expect(again.ok ? 'ok' : again.error.kind).toBe('alreadyExists');
    const updated = await k.client.replace({ ...first.value, data: { a: '3' } });
    expect(updated.ok).toBe(true);
    const stale = await k.client.replace({ ...first.value, data: { a: '4' } });
    expect(stale.ok).toBe(false);
    if (!stale.ok) {
      expect(stale.error).toMatchObject({ kind: 'conflict', code: 409, reason: 'Conflict' });
    }
  });

  it('replaceStatus writes only status, with resourceVersion concurrency', async () => {
    const created = await k.client.create(cluster('status-rc'));
    if (!created.ok) throw new Error(created.error.message);
    const rc = created.value as KubeObject & { status?: unknown; spec?: { image: string } };
    const written = await k.client.replaceStatus({ ...rc, spec: { image: 'ignored:2' }, status: { brokerGroups: 1 } });
    if (!written.ok) throw new Error(written.error.message);
    const back = await k.client.get<typeof rc>({ apiVersion: 'rocketcluster.io/v1alpha1', kind: 'RocketCluster', namespace: 'ns', name: 'status-rc' });
    expect(back?.status).toEqual({ brokerGroups: 1 });
    expect(back?.spec?.image).toBe('rocketcluster/broker:1.0.0');
    const stale = await k.client.replaceStatus({ ...rc, status: { brokerGroups: 2 } });
    expect(stale.ok ? 'ok' : stale.error.kind).toBe('conflict');
  });

  it('mergePatch changes fields; delete reports deleted then notFound; list filters by label selector', async () => {
    await k.client.create(configMap('lab-a', { x: '1' }, 'other', { team: 'a' }));
    await k.client.create(configMap('lab-b', { x: '1' }, 'other', { team: 'b' }));
    const ref = { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'other', name: 'lab-a' };
    const patched = await k.client.mergePatch<ConfigMap>(ref, { data: { y: '2' } });
    expect(patched.ok && patched.value.data).toEqual({ x: '1', y: '2' });
    const teamB = await k.client.list<ConfigMap>('v1', 'ConfigMap', 'other', { labelSelector: 'team=b' });
    expect(teamB.map((c) => c.metadata?.name)).toEqual(['lab-b']);
    expect(teamB[0]?.kind).toBe('ConfigMap');
    const everywhere = await k.client.list<ConfigMap>('v1', 'ConfigMap', undefined, { labelSelector: 'team' });
    expect(everywhere.map((c) => c.metadata?.name).sort()).toEqual(['lab-a', 'lab-b']);
    expect(await k.client.delete(ref)).toBe('deleted');
    expect(await k.client.delete(ref)).toBe('notFound');
    const missing = await k.client.mergePatch(ref, { data: {} });
    expect(missing.ok ? 'ok' : missing.error.kind).toBe('notFound');
  });

  it('apply creates, leaves an unchanged object alone (no write), and updates a changed one', async () => {
    const desired = configMap('applied', { k: 'v1' }, 'ns', { app: 'x' });
    const first = await k.client.apply(desired);
    expect(first.ok && first.value.outcome).toBe('created');
    const hash = first.ok ? first.value.object.metadata?.annotations?.[DESIRED_HASH_ANNOTATION] : undefined;
    expect(hash).toMatch(/^[0-9a-f]{32}$/);
    k.fake.clearOperations();
    const second = await k.client.apply(configMap('applied', { k: 'v1' }, 'ns', { app: 'x' }));
    expect(second.ok && second.value.outcome).toBe('unchanged');
    expect(k.fake.operations((r) => r.verb !== 'get')).toEqual([]);
    const third = await k.client.apply(configMap('applied', { k: 'v2' }, 'ns', { app: 'x' }));
    expect(third.ok && third.value.outcome).toBe('updated');
    const stored = await k.client.get<ConfigMap>({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'ns', name: 'applied' });
    expect(stored?.data).toEqual({ k: 'v2' });
    expect(stored?.metadata?.annotations?.[DESIRED_HASH_ANNOTATION]).not.toBe(hash);
  });

  it("apply keeps what others own: a Service's clusterIP, foreign labels and annotations", async () => {
    const svc = (port: number): Service => ({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'svc', namespace: 'ns', labels: { mine: 'yes' } },
      spec: { selector: { app: 'x' }, ports: [{ name: 'remoting', port }] },
    });
    const created = await k.client.apply(svc(9876));
    if (!created.ok) throw new Error(created.error.message);
    const clusterIP = (created.value.object as Service).spec?.clusterIP;
    expect(clusterIP).toBeTruthy();
    await k.client.mergePatch({ apiVersion: 'v1', kind: 'Service', namespace: 'ns', name: 'svc' }, { metadata: { labels: { theirs: 'kept' }, annotations: { note: 'kept' } } });
    const updated = await k.client.apply(svc(9877));
    if (!updated.ok) throw new Error(updated.error.message);
    expect(updated.value.outcome).toBe('updated');
    const object = updated.value.object as Service;
    expect(object.spec?.clusterIP).toBe(clusterIP);
    expect(object.spec?.ports?.[0]?.port).toBe(9877);
    expect(object.metadata?.labels).toEqual({ mine: 'yes', theirs: 'kept' });
    expect(object.metadata?.annotations?.note).toBe('kept');
  });

  it('apply retries once when another writer changed the object between its read and its write', async () => {
    await k.client.apply(configMap('raced', { k: '1' }));
    // The first PUT gets a 409 as if someone wrote in between; the second round reads again and wins.
    k.fake.failNext((r) => r.verb === 'update' && r.name === 'raced', { code: 409 });
    const result = await k.client.apply(configMap('raced', { k: '2' }));
    expect(result.ok && result.value.outcome).toBe('updated');
  });

  it('maps server failures to typed errors: 403 forbidden is thrown, a dead server is unavailable', async () => {
    k.fake.failNext((r) => r.verb === 'get' && r.name === 'nope', { code: 403 });
    await expect(k.client.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'ns', name: 'nope' })).rejects.toMatchObject({ kind: 'forbidden', code: 403 });
    const dead = k.fake.kubeConfig();
    const cluster0 = dead.getCurrentCluster();
    if (cluster0 === null) throw new Error('no cluster');
    dead.clusters = [{ ...cluster0, server: 'http://127.0.0.1:1' }];
    const client = new HttpKubeClient(KubeTransport.create(dead, 2000));
    await expect(client.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'ns', name: 'x' })).rejects.toMatchObject({ kind: 'unavailable', code: 0 });
  });

  it('a client bound to a signal aborts its requests in flight and refuses new ones once it fires', async () => {
    // A server that accepts and never answers: the request stays in flight until aborted.
    const hang = createServer(() => undefined);
    await new Promise<void>((r) => hang.listen(0, '127.0.0.1', r));
    try {
      const kc = k.fake.kubeConfig();
      const c0 = kc.getCurrentCluster();
      if (c0 === null) throw new Error('no cluster');
      kc.clusters = [{ ...c0, server: `http://127.0.0.1:${(hang.address() as AddressInfo).port}` }];
      const term = new AbortController();
      const client = new HttpKubeClient(KubeTransport.create(kc, 30_000)).withSignal(term.signal);
      const pending = client.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'ns', name: 'x' });
      term.abort();
      await expect(pending).rejects.toMatchObject({ kind: 'unavailable', reason: 'Aborted' });
      await expect(client.create(configMap('late', {}))).rejects.toMatchObject({ reason: 'Aborted' });
    } finally {
      hang.closeAllConnections();
      await new Promise((r) => hang.close(r));
    }
  });
  it('a term-bound client leaves nothing attached to the term signal once its requests are done', async () => {
    const term = new AbortController();
    const client = k.client.withSignal(term.signal);
    const ref = { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'ns', name: 'absent' };
    for (let round = 0; round < 5; round++) await Promise.all(Array.from({ length: 8 }, () => client.get(ref)));
    // Neither our listeners nor Node's AbortSignal.any bookkeeping (an entry per request kept until
    // the term ends: an operator leading for days grows without bound).
    expect(getEventListeners(term.signal, 'abort')).toHaveLength(0);
    const dependants = Object.getOwnPropertySymbols(term.signal).find((s) => s.description === 'kDependantSignals');
    const held = dependants === undefined ? undefined : (term.signal as unknown as Record<symbol, { size: number } | undefined>)[dependants];
    expect(held?.size ?? 0).toBe(0);
  });

  it('a request with no answer fails as unavailable after the request timeout', async () => {
    const hang = createServer(() => undefined);
    await new Promise<void>((r) => hang.listen(0, '127.0.0.1', r));
    try {
      const kc = k.fake.kubeConfig();
      const c0 = kc.getCurrentCluster();
      if (c0 === null) throw new Error('no cluster');
      kc.clusters = [{ ...c0, server: `http://127.0.0.1:${(hang.address() as AddressInfo).port}` }];
      const client = new HttpKubeClient(KubeTransport.create(kc, 200)).withSignal(new AbortController().signal);
      await expect(client.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'ns', name: 'x' })).rejects.toMatchObject({ kind: 'unavailable' });
    } finally {
      hang.closeAllConnections();
      await new Promise((r) => hang.close(r));
    }
  });
});
