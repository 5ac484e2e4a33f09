import { javaStringHashCode } from '../../message';
import { ManualClock } from '../../stdx';
import { ExpressionCache, subscriptionFromExpression, subscriptionFromHeartbeat } from './filter';
import { LOCK_EXPIRY_MS, QueueLockTable } from './locks';
import { PullHoldService } from './long-poll';
import { ConsumerOffsetTable, parseConsumerOffsets } from './offsets';
import { bodyPartsOf } from './pull';
import { parseGroupConfigBody, parseSubscriptionGroups } from './subscription-groups';

describe('subscription expressions', () => {
  test('* and empty match everything without a filter; tags become their Java hash codes', () => {
    for (const all of ['*', '', '  ']) {
      const sub = subscriptionFromExpression('T', all, 'TAG');
      expect(typeof sub !== 'string' && sub.filter).toBeUndefined();
    }
    const sub = subscriptionFromExpression('T', 'TagA || TagB||', 'TAG');
    if (typeof sub === 'string' || sub.filter === undefined) throw new Error('expected a filter');
    expect(sub.filter.byTagsCode(javaStringHashCode('TagA'))).toBe(true);
    expect(sub.filter.byTagsCode(javaStringHashCode('TagB'))).toBe(true);
    expect(sub.filter.byTagsCode(javaStringHashCode('TagC'))).toBe(false);
    expect(sub.filter.byTagsCode(0)).toBe(false);
  });

  test('SQL92 and unknown expression types are refused with a reason', () => {
    expect(subscriptionFromExpression('T', 'a > 1', 'SQL92')).toMatch(/SQL92/);
    expect(subscriptionFromExpression('T', 'x', 'XPATH')).toMatch(/unknown subscription expression type/);
  });

  test('a heartbeat subscription uses the client codes, or computes them from the tags', () => {
    const base = { topic: 'T', classFilterMode: false, subVersion: 1, expressionType: 'TAG' };
    const fromCodes = subscriptionFromHeartbeat({ ...base, subString: 'A', tagsSet: ['A'], codeSet: [javaStringHashCode('A')] });
    const fromTags = subscriptionFromHeartbeat({ ...base, subString: 'A', tagsSet: ['A'], codeSet: [] });
    for (const sub of [fromCodes, fromTags]) {
      if (typeof sub === 'string' || sub.filter === undefined) throw new Error('expected a filter');
      expect(sub.filter.byTagsCode(javaStringHashCode('A'))).toBe(true);
    }
  });

  test('the cache parses an expression once per topic and type', () => {
    const cache = new ExpressionCache();
    expect(cache.get('T', 'A', 'TAG')).toBe(cache.get('T', 'A', 'TAG'));
    expect(cache.get('T', 'A', 'TAG')).not.toBe(cache.get('U', 'A', 'TAG'));
  });
});

describe('pull body parts', () => {
  test('adjacent views of one buffer merge into one part; others stay separate, order kept', () => {
    const log = Buffer.from('aaabbbcccddd');
    const other = Buffer.from('eee');
    const parts = bodyPartsOf([log.subarray(0, 3), log.subarray(3, 6), log.subarray(9, 12), other, log.subarray(0, 3)]);
    expect(parts.map((p) => p.toString())).toEqual(['aaabbb', 'ddd', 'eee', 'aaa']);
    expect(parts[0]!.buffer).toBe(log.buffer);
    expect(bodyPartsOf([])).toEqual([]);
  });
});

describe('consumer offset table', () => {
  test('commits mark the table dirty only when a value changes; serialize clears the mark', () => {
    const table = new ConsumerOffsetTable();
    table.commit('G', 'T', 0, 5);
    expect(table.dirty).toBe(true);
    const json = table.serialize();
    expect(table.dirty).toBe(false);
    table.commit('G', 'T', 0, 5);
    expect(table.dirty).toBe(false);
    expect(JSON.parse(json)).toEqual({ offsetTable: { 'T@G': { 0: 5 } } });
    expect(table.topicsOfGroup('G')).toEqual(['T']);
    table.commit('H', 'U', 1, 2);
    table.removeTopic('T');
    expect([table.query('G', 'T', 0), table.query('H', 'U', 1)]).toEqual([undefined, 2]);
  });

  test('the file parser names what is wrong', () => {
    expect(parseConsumerOffsets({ offsetTable: { nokey: {} } })).toEqual({ ok: false, error: 'consumer offsets: key "nokey" is not topic@group' });
    expect(parseConsumerOffsets({ offsetTable: { 'T@G': { x: 1 } } }).ok).toBe(false);
    expect(parseConsumerOffsets({ offsetTable: { 'T@G': { 0: 'one' } } }).ok).toBe(false);
    const good = parseConsumerOffsets({ offsetTable: { 'T@G': { 0: 1, 2: -1 } } });
    expect(good.ok && [...good.value.get('T@G')!]).toEqual([[0, 1], [2, -1]]);
  });
});

describe('subscription group configs', () => {
  test('missing fields take upstream defaults; wrong types are refused', () => {
    const parsed = parseGroupConfigBody(Buffer.from('{"groupName":"G","retryQueueNums":2}'));
    expect(parsed.ok && parsed.value).toMatchObject({ groupName: 'G', retryQueueNums: 2, consumeEnable: true, retryMaxTimes: 16, brokerId: 0 });
    expect(parseGroupConfigBody(Buffer.from('{"groupName":"G","consumeEnable":"yes"}'))).toEqual({ ok: false, error: 'SubscriptionGroupConfig.consumeEnable is not a boolean' });
    expect(parseGroupConfigBody(Buffer.from('{}')).ok).toBe(false);
    const file = parseSubscriptionGroups({ subscriptionGroupTable: { G: { retryMaxTimes: 2 } }, dataVersion: { counter: 3, stateVersion: 0, timestamp: 1 } });
    expect(file.ok && [file.value.groups[0]!.groupName, file.value.dataVersion.counter]).toEqual(['G', 3]);
  });
});

describe('queue locks', () => {
  const mq = (queueId: number) => ({ topic: 'T', brokerName: 'b', queueId });

  test('a lock lapses LOCK_EXPIRY_MS after its last renewal and another client may take it', () => {
    const clock = new ManualClock();
    const locks = new QueueLockTable(() => clock.monotonicMs());
    expect(locks.lock('G', 'A', [mq(0)])).toEqual([mq(0)]);
    clock.advance(LOCK_EXPIRY_MS);
    expect(locks.lock('G', 'B', [mq(0)])).toEqual([]);
    expect(locks.lock('G', 'A', [mq(0)])).toEqual([mq(0)]);
    clock.advance(LOCK_EXPIRY_MS + 1);
    expect(locks.holder('G', mq(0))).toBeUndefined();
    expect(locks.lock('G', 'B', [mq(0)])).toEqual([mq(0)]);
    expect(locks.holder('G', mq(0))).toBe('B');
    // Locks are per group.
    expect(locks.lock('H', 'A', [mq(0)])).toEqual([mq(0)]);
    locks.unlock('G', 'A', [mq(0)]);
    expect(locks.holder('G', mq(0))).toBe('B');
  });
});

describe('pull hold service', () => {
  const response = (code: number) => ({ code, language: 'JAVA', version: 0, opaque: 0, flag: 1 });

  test('holds up to its limit, answers at the deadline with the final read, drops a closed connection without answering', async () => {
    const max = 0;
    const holds = new PullHoldService(2, () => performance.now(), () => max, (e) => { throw e; });
    const finals: boolean[] = [];
    const timedOut = holds.hold({ topic: 'T', queueId: 0, queueOffset: 0, connectionId: 1, holdMs: 20, run: (_o, final) => (finals.push(final), response(19)) });
    const dropped = holds.hold({ topic: 'T', queueId: 1, queueOffset: 0, connectionId: 2, holdMs: 60_000, run: () => response(0) });
    expect(holds.hold({ topic: 'T', queueId: 2, queueOffset: 0, connectionId: 3, holdMs: 1, run: () => response(0) })).toBeUndefined();
    expect((await timedOut)?.code).toBe(19);
    expect(finals).toEqual([true]);
    holds.dropConnection(2);
    expect(await dropped).toBeNull();
    expect(holds.size).toBe(0);
  });

  test('a wake-up re-reads only queues whose max passed the held offset; a read that matched nothing keeps waiting from where it got', async () => {
    let max = 5;
    const holds = new PullHoldService(10, () => performance.now(), () => max, (e) => { throw e; });
    const reads: [number, boolean][] = [];
    const pending = holds.hold({
      topic: 'T', queueId: 0, queueOffset: 5, connectionId: 1, holdMs: 60_000,
      run: (offset, final) => {
        reads.push([offset, final]);
        return offset < 7 ? 7 : response(0);
      },
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(reads).toEqual([]);
    max = 7;
    holds.scheduleCheck();
    await new Promise((resolve) => setImmediate(resolve));
    expect(reads).toEqual([[5, false]]);
    max = 8;
    holds.scheduleCheck();
    expect((await pending)?.code).toBe(0);
    expect(reads).toEqual([[5, false], [7, false]]);
    holds.close();
  });
});
