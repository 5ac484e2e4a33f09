import { allocateAveragely } from './allocate';
import type { MessageQueue } from './types';

function queues(brokers: string[], perBroker: number): MessageQueue[] {
  return brokers.flatMap((brokerName) => Array.from({ length: perBroker }, (_, queueId) => ({ topic: 't', brokerName, queueId })));
}

const names = (qs: MessageQueue[]): string[] => qs.map((q) => `${q.brokerName}/${q.queueId}`);

describe('allocateAveragely (AllocateMessageQueueAveragely)', () => {
  test('8 queues over 3 members: contiguous blocks of 3, 3, 2 in sorted order', () => {
    const all = queues(['b', 'a'], 4);
    const ids = ['c3', 'c1', 'c2'];
    expect(names(allocateAveragely(all, ids, 'c1'))).toEqual(['a/0', 'a/1', 'a/2']);
    expect(names(allocateAveragely(all, ids, 'c2'))).toEqual(['a/3', 'b/0', 'b/1']);
    expect(names(allocateAveragely(all, ids, 'c3'))).toEqual(['b/2', 'b/3']);
  });

  test('every queue is owned exactly once whatever the member count', () => {
    const all = queues(['a', 'b', 'c'], 5);
    for (let m = 1; m <= 20; m++) {
      const ids = Array.from({ length: m }, (_, i) => `10.0.0.${i}@x`);
      const owned = ids.flatMap((id) => names(allocateAveragely(all, ids, id)));
      expect(owned.sort()).toEqual(names(all).sort());
    }
  });

  test('more members than queues: the first n members get one queue each, the rest none', () => {
    const all = queues(['a'], 2);
    const ids = ['a', 'b', 'c', 'd'];
    expect(ids.map((id) => allocateAveragely(all, ids, id).length)).toEqual([1, 1, 0, 0]);
  });

  test('a member missing from the list gets nothing, and duplicate ids count once', () => {
    const all = queues(['a'], 4);
    expect(allocateAveragely(all, ['x', 'y'], 'z')).toEqual([]);
    expect(names(allocateAveragely(all, ['x', 'x', 'y'], 'x'))).toEqual(['a/0', 'a/1']);
  });

  test('queues sort by topic, broker name, then numeric queue id', () => {
    const all: MessageQueue[] = [
      { topic: 't', brokerName: 'a', queueId: 10 },
      { topic: 't', brokerName: 'a', queueId: 2 },
      { topic: 's', brokerName: 'z', queueId: 0 },
    ];
    expect(allocateAveragely(all, ['me'], 'me').map((q) => `${q.topic}/${q.brokerName}/${q.queueId}`)).toEqual(['s/z/0', 't/a/2', 't/a/10']);
  });
});
