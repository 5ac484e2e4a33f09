import {
  encodeConsumerListBody,
  encodeHeartbeatData,
  encodeLockBatchRequestBody,
  encodeRegisterBrokerBody,
  parseConsumerListBody,
  parseHeartbeatData,
  parseLockBatchRequestBody,
  parseRegisterBrokerBody,
} from './bodies';

describe('HeartbeatData', () => {
  test('reads an ali-ons consumer heartbeat', () => {
    const body = Buffer.from(
      JSON.stringify({
        clientID: '10.0.0.7@1234',
        producerDataSet: [{ groupName: 'CLIENT_INNER_PRODUCER' }],
        consumerDataSet: [
          {
            groupName: 'GID_alions',
            consumeType: 'CONSUME_PASSIVELY',
            messageModel: 'CLUSTERING',
            consumeFromWhere: 'CONSUME_FROM_LAST_OFFSET',
            subscriptionDataSet: [
              { topic: 'T', subString: 'TagA || TagB', classFilterMode: false, tagsSet: ['TagA', 'TagB'], codeSet: [2598919, 2598920], subVersion: 1700000000000 },
            ],
            unitMode: false,
          },
        ],
      }),
    );
    const parsed = parseHeartbeatData(body);
    expect(parsed).toMatchObject({
      ok: true,
      value: {
        clientID: '10.0.0.7@1234',
        consumerDataSet: [{ groupName: 'GID_alions', subscriptionDataSet: [{ tagsSet: ['TagA', 'TagB'], expressionType: 'TAG' }] }],
      },
    });
    if (parsed.ok) expect(parseHeartbeatData(encodeHeartbeatData(parsed.value))).toEqual(parsed);
  });

  test('reads Java fastjson output with the withoutSub getter name and no sets', () => {
    const parsed = parseHeartbeatData(Buffer.from('{"clientID":"c","heartbeatFingerprint":77,"withoutSub":true}'));
    expect(parsed).toEqual({
      ok: true,
      value: { clientID: 'c', producerDataSet: [], consumerDataSet: [], heartbeatFingerprint: 77, withoutSub: true },
    });
  });

  test('names the bad field', () => {
    expect(parseHeartbeatData(Buffer.from('{"clientID":"c","consumerDataSet":[{"groupName":5}]}'))).toEqual({
      ok: false,
      error: 'HeartbeatData.consumerDataSet[0].groupName is not a string',
    });
    expect(parseHeartbeatData(Buffer.from('{"producerDataSet":[]}'))).toEqual({ ok: false, error: 'HeartbeatData.clientID is missing' });
    expect(parseHeartbeatData(Buffer.from('not json'))).toMatchObject({ ok: false, error: /^HeartbeatData: invalid JSON/ });
  });
});

test('consumer list and lock bodies round trip', () => {
  expect(parseConsumerListBody(encodeConsumerListBody({ consumerIdList: ['a', 'b'] }))).toEqual({ ok: true, value: { consumerIdList: ['a', 'b'] } });
  const lock = { consumerGroup: 'g', clientId: 'c', onlyThisBroker: false, mqSet: [{ topic: 't', brokerName: 'b', queueId: 1 }] };
  expect(parseLockBatchRequestBody(encodeLockBatchRequestBody(lock))).toEqual({ ok: true, value: lock });
});

test('register broker body round trips and reads Java defaults', () => {
  const body = {
    topicConfigSerializeWrapper: {
      topicConfigTable: {
        TBW102: { topicName: 'TBW102', readQueueNums: 8, writeQueueNums: 8, perm: 7, topicFilterType: 'SINGLE_TAG', topicSysFlag: 0, order: false, attributes: {} },
      },
      dataVersion: { counter: 3, stateVersion: 0, timestamp: 1700000000000 },
    },
    filterServerList: [],
  };
  expect(parseRegisterBrokerBody(encodeRegisterBrokerBody(body))).toEqual({ ok: true, value: body });
  const sparse = parseRegisterBrokerBody(Buffer.from('{"topicConfigSerializeWrapper":{"topicConfigTable":{"T":{"perm":6}}}}'));
  expect(sparse).toMatchObject({ ok: true, value: { topicConfigSerializeWrapper: { topicConfigTable: { T: { topicName: 'T', readQueueNums: 16 } } } } });
});
