import { parseConsumeStats, parseConsumerConnection, parseTopicStats } from './admin-bodies';

describe('admin response bodies', () => {
  test('ConsumeStats with fastjson MessageQueue keys', () => {
    const body = Buffer.from(
      '{"consumeTps":1.5,"offsetTable":{{"brokerName":"b","queueId":1,"topic":"t"}:{"brokerOffset":10,"consumerOffset":7,"lastTimestamp":99},' +
        '{"brokerName":"a","queueId":0,"topic":"t"}:{"brokerOffset":3,"consumerOffset":3,"lastTimestamp":0}}}',
    );
    const stats = parseConsumeStats(body);
    if (!stats.ok) throw new Error(stats.error);
    expect(stats.value.consumeTps).toBe(1.5);
    expect(stats.value.queues).toEqual([
      { queue: { topic: 't', brokerName: 'b', queueId: 1 }, brokerOffset: 10, consumerOffset: 7, lastTimestamp: 99 },
      { queue: { topic: 't', brokerName: 'a', queueId: 0 }, brokerOffset: 3, consumerOffset: 3, lastTimestamp: 0 },
    ]);
  });

  test('TopicStatsTable, and an empty table', () => {
    const stats = parseTopicStats(Buffer.from('{"offsetTable":{{"brokerName":"a","queueId":0,"topic":"t"}:{"lastUpdateTimestamp":5,"maxOffset":9,"minOffset":2}}}'));
    expect(stats.ok && stats.value).toEqual([{ queue: { topic: 't', brokerName: 'a', queueId: 0 }, minOffset: 2, maxOffset: 9, lastUpdateTimestamp: 5 }]);
    const empty = parseTopicStats(Buffer.from('{"offsetTable":{}}'));
    expect(empty.ok && empty.value).toEqual([]);
  });

  test('malformed bodies are errors, not exceptions', () => {
    expect(parseConsumeStats(Buffer.from('not json')).ok).toBe(false);
    expect(parseConsumeStats(undefined).ok).toBe(false);
    expect(parseTopicStats(Buffer.from('{"offsetTable":{"plain-key":{}}}')).ok).toBe(false);
  });

  test('ConsumerConnection', () => {
    const body = Buffer.from(JSON.stringify({
      connectionSet: [{ clientId: '1.2.3.4@x', clientAddr: '1.2.3.4:5', language: 'JAVA', version: 401 }],
      subscriptionTable: { t: { topic: 't', subString: 'a || b' } },
      consumeType: 'CONSUME_PASSIVELY',
      messageModel: 'CLUSTERING',
      consumeFromWhere: 'CONSUME_FROM_LAST_OFFSET',
    }));
    const parsed = parseConsumerConnection(body);
    if (!parsed.ok) throw new Error(parsed.error);
    expect(parsed.value).toEqual({
      connections: [{ clientId: '1.2.3.4@x', clientAddr: '1.2.3.4:5', language: 'JAVA', version: 401 }],
      subscriptions: { t: 'a || b' },
      consumeType: 'CONSUME_PASSIVELY',
      messageModel: 'CLUSTERING',
      consumeFromWhere: 'CONSUME_FROM_LAST_OFFSET',
    });
  });
});
