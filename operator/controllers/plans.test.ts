import type { BrokerObservation, GroupState } from '../../controller';
import type { GroupStatus } from '../api';
import { classifyDecision } from './decisions';
import type { RolloutInput, RolloutPod } from './rollout-plan';
import { planRollout } from './rollout-plan';
import { stateFromStatus, statusWithState } from './status-store';

const NEW = 'hash-new';
const OLD = 'hash-old';

function state(masterId: string | null, epoch: number, inSync: string[], extra: Partial<GroupState> = {}): GroupState {
  return { group: 'broker-0', masterId, epoch, inSyncReplicaIds: inSync, syncStateSetEpoch: 1, pending: null, decidedAtMs: 1_700_000_000_000, ...extra };
}

function pod(name: string, hash: string, extra: Partial<RolloutPod> = {}): RolloutPod {
  return { name, uid: `uid-${name}`, exists: true, terminating: false, ready: true, configHash: hash, ...extra };
}

function seen(id: string, role: 'master' | 'slave' | 'none', epoch: number, offset = 100): BrokerObservation {
  return { reachable: true, replicaId: id, address: `${id}:1`, haAddress: `${id}:2`, role, epoch, fenced: false, maxCommitLogOffset: offset, priority: 1 };
}

function input(pods: RolloutPod[], s: GroupState | null, observations: BrokerObservation[]): RolloutInput {
  return { group: 'broker-0', templateHash: NEW, pods, state: s, observations };
}

const ids = ['p-0', 'p-1', 'p-2'];
const healthy = (master: string, epoch = 1) => ids.map((id) => seen(id, id === master ? 'master' : 'slave', epoch));

describe('planRollout', () => {
  test('nothing outdated, or no template hash: up to date', () => {
    expect(planRollout(input(ids.map((i) => pod(i, NEW)), state('p-0', 1, ids), healthy('p-0'))).kind).toBe('up-to-date');
    expect(planRollout({ ...input(ids.map((i) => pod(i, OLD)), state('p-0', 1, ids), healthy('p-0')), templateHash: undefined }).kind).toBe('up-to-date');
  });

  test('outdated slaves go first, highest ordinal first, the master last through a switchover', () => {
    const s = state('p-0', 1, ids);
    expect(planRollout(input(ids.map((i) => pod(i, OLD)), s, healthy('p-0')))).toMatchObject({ kind: 'delete-pod', pod: 'p-2', uid: 'uid-p-2' });
    expect(planRollout(input([pod('p-0', OLD), pod('p-1', OLD), pod('p-2', NEW)], s, healthy('p-0')))).toMatchObject({ kind: 'delete-pod', pod: 'p-1' });
    const obs = healthy('p-0').map((o) => (o.replicaId === 'p-1' && o.reachable ? { ...o, maxCommitLogOffset: 120 } : o));
    expect(planRollout(input([pod('p-0', OLD), pod('p-1', NEW), pod('p-2', NEW)], s, obs))).toMatchObject({ kind: 'switchover', from: 'p-0', to: 'p-1' });
    // After the switchover the old master is an outdated slave like any other.
    expect(planRollout(input([pod('p-0', OLD), pod('p-1', NEW), pod('p-2', NEW)], state('p-1', 2, ids), healthy('p-1', 2)))).toMatchObject({ kind: 'delete-pod', pod: 'p-0' });
  });

  test('every step waits for a whole, healthy, in-sync group', () => {
    const s = state('p-0', 1, ids);
    const outdated = () => ids.map((i) => pod(i, i === 'p-2' ? NEW : OLD));
    const cases: [RolloutPod[], GroupState | null, BrokerObservation[], RegExp][] = [
      [[pod('p-0', OLD), pod('p-1', OLD), pod('p-2', NEW, { ready: false })], s, healthy('p-0'), /p-2 is not ready/],
      [[pod('p-0', OLD), pod('p-1', OLD), pod('p-2', NEW, { terminating: true })], s, healthy('p-0'), /terminating/],
      [[pod('p-0', OLD), pod('p-1', OLD), { name: 'p-2', exists: false, terminating: false, ready: false }], s, healthy('p-0'), /missing/],
      [outdated(), state('p-0', 1, ['p-0', 'p-1']), healthy('p-0'), /p-2 is not in sync/],
      [outdated(), s, healthy('p-0').map((o) => (o.replicaId === 'p-2' ? seen('p-2', 'none', 1) : o)), /p-2 is none/],
      [outdated(), state('p-0', 1, ids, { pending: { kind: 'switchover', fromId: 'p-0', toId: 'p-1', epoch: 1, startedAtMs: 1 } }), healthy('p-0'), /switchover to p-1/],
      [outdated(), state(null, 0, []), [], /no master/],
    ];
    for (const [pods, st, obs, reason] of cases) {
      const step = planRollout(input(pods, st, obs));
      expect(step.kind).toBe('wait');
      expect(step.kind === 'wait' && step.reason).toMatch(reason);
    }
  });

  test('a single-replica group can only restart its master', () => {
    expect(planRollout(input([pod('p-0', OLD)], state('p-0', 1, ['p-0']), [seen('p-0', 'master', 1)]))).toMatchObject({ kind: 'delete-pod', pod: 'p-0' });
  });
});

describe('decisions and the status form of the controller state', () => {
  test('classifyDecision', () => {
    const a = state('p-0', 1, ['p-0', 'p-1']);
    expect(classifyDecision(null, a)).toBe('bootstrap');
    expect(classifyDecision(a, { ...a, inSyncReplicaIds: ['p-0'], syncStateSetEpoch: 2 })).toBe('update');
    expect(classifyDecision(a, state('p-1', 2, ['p-1']))).toBe('failover');
    expect(classifyDecision(a, state('p-0', 2, ['p-0']))).toBe('reelected');
    const pending = { ...a, pending: { kind: 'switchover' as const, fromId: 'p-0', toId: 'p-1', epoch: 1, startedAtMs: 5 } };
    expect(classifyDecision(pending, state('p-1', 2, ['p-1']))).toBe('switchover');
  });

  test('state → status → state round trip keeps every field; phase and replicas survive a decision', () => {
    const s = state('p-1', 3, ['p-1', 'p-2'], { pending: { kind: 'switchover', fromId: 'p-1', toId: 'p-2', epoch: 3, startedAtMs: 1_700_000_000_123 } });
    const previous: GroupStatus = { name: 'broker-0', phase: 'Draining', master: 'p-0', epoch: 2, inSyncReplicas: [], syncStateSetEpoch: 0, replicas: [{ name: 'p-0', role: 'slave', ready: true }] };
    const g = statusWithState(previous, s);
    expect(g.phase).toBe('Draining');
    expect(g.replicas).toEqual(previous.replicas);
    expect(g.pendingSwitchover).toEqual({ from: 'p-1', to: 'p-2', epoch: 3, startedAt: '2023-11-14T22:13:20.123Z' });
    expect(stateFromStatus(JSON.parse(JSON.stringify(g)) as GroupStatus)).toEqual(s);
    expect(stateFromStatus(statusWithState(undefined, state(null, 0, [], { decidedAtMs: null })))).toEqual(state(null, 0, [], { decidedAtMs: null }));
  });
});
