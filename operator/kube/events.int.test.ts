import { ManualClock } from '../../stdx';
import { KubeEventRecorder } from './events';
import { cluster, startFake } from './kube.test-util';
import type { KubeFixture } from './kube.test-util';
import type { KubeObject } from './types';

interface CoreEvent extends KubeObject {
  involvedObject: { kind: string; name: string; namespace: string; uid: string };
  type: string;
  reason: string;
  message: string;
  count: number;
  firstTimestamp: string;
  lastTimestamp: string;
  reportingInstance: string;
}

describe('KubeEventRecorder', () => {
  let k: KubeFixture;
  let rc: KubeObject;
  beforeAll(async () => {
    k = await startFake();
    const created = await k.client.create(cluster('ev'));
    if (!created.ok) throw new Error(created.error.message);
    rc = created.value;
  });
  afterAll(async () => {
    await k.fake.stop();
  });

  async function events(): Promise<CoreEvent[]> {
    return k.client.list<CoreEvent>('v1', 'Event', 'ns');
  }

  it('creates a core/v1 Event on the object and counts repeats on the same Event', async () => {
    const clock = new ManualClock();
    const errors: unknown[] = [];
    const recorder = new KubeEventRecorder(k.client, { component: 'rocketcluster-operator', instance: 'op-a', clock, onError: (e) => errors.push(e) });
    await recorder.record(rc, 'Normal', 'Created', 'created the nameserver');
    clock.advance(1000);
    await recorder.record(rc, 'Normal', 'Created', 'created the nameserver');
    await recorder.record(rc, 'Warning', 'FailoverStarted', 'master broker-0-0 down for 10 s');
    expect(errors).toEqual([]);
    const all = await events();
    expect(all).toHaveLength(2);
    const created = all.find((e) => e.reason === 'Created');
    expect(created).toMatchObject({
      type: 'Normal',
      message: 'created the nameserver',
      count: 2,
      reportingInstance: 'op-a',
      involvedObject: { kind: 'RocketCluster', name: 'ev', namespace: 'ns', uid: rc.metadata?.uid },
    });
    expect(Date.parse(created?.lastTimestamp ?? '') - Date.parse(created?.firstTimestamp ?? '')).toBe(1000);
    expect(all.find((e) => e.reason === 'FailoverStarted')?.type).toBe('Warning');
  });

  it('starts a new Event after the aggregation window or when the old one was deleted, and never throws', async () => {
    const clock = new ManualClock();
    const errors: unknown[] = [];
    const recorder = new KubeEventRecorder(k.client, { component: 'c', instance: 'i', clock, aggregateWindowMs: 60_000, onError: (e) => errors.push(e) });
    const countOf = async (reason: string): Promise<number> => (await events()).filter((e) => e.reason === reason).length;
    await recorder.record(rc, 'Normal', 'Windowed', 'm');
    clock.advance(61_000);
    await recorder.record(rc, 'Normal', 'Windowed', 'm');
    expect(await countOf('Windowed')).toBe(2);
    for (const e of (await events()).filter((x) => x.reason === 'Windowed')) {
      await k.client.delete({ apiVersion: 'v1', kind: 'Event', namespace: 'ns', name: e.metadata?.name ?? '' });
    }
    await recorder.record(rc, 'Normal', 'Windowed', 'm');
    expect(await countOf('Windowed')).toBe(1);
    k.fake.failNext((r) => r.resource === 'events' && r.verb === 'create', { code: 500 });
    await expect(recorder.record(rc, 'Normal', 'Lost', 'm')).resolves.toBeUndefined();
    expect(errors).toHaveLength(1);
  });
});
