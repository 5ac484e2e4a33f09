/** The offset table's replication rules (pure): a slave's own commits against the master's copies. */
import { ConsumerOffsetTable, parseConsumerOffsetsFile } from './offsets';
import type { OffsetMap } from './offsets';

const T = 'TopicA';
const G = 'GroupA';
const key = `${T}@${G}`;
const master = (queues: Record<number, number>): OffsetMap => new Map([[key, new Map(Object.entries(queues).map(([q, o]) => [Number(q), o]))]]);
const always = (): boolean => true;

describe('ConsumerOffsetTable replication', () => {
  it('a slave mirrors the master, except its own commits the master has not reached', () => {
    const t = new ConsumerOffsetTable();
    t.commit(G, 'Gone', 0, 4);
    t.commitOnReplica(G, T, 0, 30);
    t.commitOnReplica(G, T, 1, 15);
    expect(t.applyMaster(master({ 0: 10, 1: 20, 2: 7 }), always)).toBe(true);
    // Queue 0 keeps the slave's higher commit; queue 1 takes the master's higher one; 'Gone' left the master.
    expect([t.query(G, T, 0), t.query(G, T, 1), t.query(G, T, 2), t.query(G, 'Gone', 0)]).toEqual([30, 20, 7, undefined]);
    expect(t.pendingReplicaCommits()).toEqual({ [key]: { '0': 30 } });
    // The master reaches 30: the slave commit is forgotten, and a later reset on the master comes through.
    t.applyMaster(master({ 0: 30, 1: 20, 2: 7 }), always);
    expect(t.pendingReplicaCommits()).toBeUndefined();
    t.applyMaster(master({ 0: 3, 1: 20, 2: 7 }), always);
    expect(t.query(G, T, 0)).toBe(3);
    expect(t.applyMaster(master({ 0: 3, 1: 20, 2: 7 }), always)).toBe(false);
  });

  it('a slave commit beyond what the slave could have served is not protected', () => {
    const t = new ConsumerOffsetTable();
    t.commitOnReplica(G, T, 0, 500);
    t.applyMaster(master({ 0: 10 }), (_topic, _queueId, offset) => offset <= 100);
    expect([t.query(G, T, 0), t.pendingReplicaCommits()]).toEqual([10, undefined]);
  });

  it('a master takes higher slave commits only, capped at its queue end', () => {
    const t = new ConsumerOffsetTable();
    t.commit(G, T, 0, 10);
    t.commit(G, T, 1, 20);
    expect(t.mergeHigher(master({ 0: 30, 1: 15, 2: 900 }), () => 50)).toBe(2);
    expect([t.query(G, T, 0), t.query(G, T, 1), t.query(G, T, 2)]).toEqual([30, 20, 50]);
  });

  it('slave commits survive a write and a read of the file, and are cleared on promotion', () => {
    const t = new ConsumerOffsetTable();
    t.commit(G, T, 1, 20);
    t.commitOnReplica(G, T, 0, 30);
    const parsed = parseConsumerOffsetsFile(JSON.parse(t.serialize()));
    if (!parsed.ok) throw new Error(parsed.error);
    const u = new ConsumerOffsetTable();
    u.load(parsed.value.offsets, parsed.value.replicaCommits);
    expect([u.query(G, T, 0), u.query(G, T, 1), u.pendingReplicaCommits()]).toEqual([30, 20, { [key]: { '0': 30 } }]);
    u.clearReplicaCommits();
    expect([u.query(G, T, 0), u.pendingReplicaCommits(), u.dirty]).toEqual([30, undefined, true]);
    // A file without the field (RocketMQ's shape) reads as no slave commits.
    const plain = parseConsumerOffsetsFile({ offsetTable: { [key]: { '0': 1 } } });
    expect(plain.ok && plain.value.replicaCommits.size).toBe(0);
  });
});
