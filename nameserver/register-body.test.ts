import { crc32, deflateSync } from 'node:zlib';
import { encodeRegisterBrokerBody } from '../protocol';
import { decodeRegisterBody, parseTopicConfigText, registerBodyCrc32 } from './register-body';

function int32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
}

function text(s: string): Buffer {
  const bytes = Buffer.from(s, 'utf8');
  return Buffer.concat([int32(bytes.length), bytes]);
}

/** The compressed form a Java broker writes with compressedRegister=true. */
function compressedBody(topics: string[], filterServers = '[]'): Buffer {
  const parts = [text('{"counter":7,"stateVersion":2,"timestamp":1700000000000}'), int32(topics.length), ...topics.map(text), text(filterServers), int32(0)];
  return deflateSync(Buffer.concat(parts), { level: 9 });
}

describe('REGISTER_BROKER body', () => {
  it('decodes the JSON form', () => {
    const body = encodeRegisterBrokerBody({
      topicConfigSerializeWrapper: {
        topicConfigTable: {
          orders: { topicName: 'orders', readQueueNums: 8, writeQueueNums: 4, perm: 6, topicFilterType: 'SINGLE_TAG', topicSysFlag: 1, order: false, attributes: {} },
        },
        dataVersion: { counter: 3, stateVersion: 0, timestamp: 5 },
      },
      filterServerList: [],
    });
    const decoded = decodeRegisterBody(body, false);
    expect(decoded).toEqual({
      ok: true,
      value: { topicConfigs: [{ topicName: 'orders', readQueueNums: 8, writeQueueNums: 4, perm: 6, topicFilterType: 'SINGLE_TAG', topicSysFlag: 1, order: false, attributes: {} }], dataVersion: { counter: 3, stateVersion: 0, timestamp: 5 }, filterServerList: [] },
    });
  });

  it('decodes the compressed form, attributes included', () => {
    const decoded = decodeRegisterBody(compressedBody(['orders 8 8 6 SINGLE_TAG', 'TBW102 8 8 7 MULTI_TAG {"+message.type":"NORMAL"}'], '["10.0.0.1:4000"]'), true);
    if (!decoded.ok) throw new Error(decoded.error);
    expect(decoded.value.dataVersion).toEqual({ counter: 7, stateVersion: 2, timestamp: 1700000000000 });
    expect(decoded.value.topicConfigs).toEqual([
      { topicName: 'orders', readQueueNums: 8, writeQueueNums: 8, perm: 6, topicSysFlag: 0 },
      { topicName: 'TBW102', readQueueNums: 8, writeQueueNums: 8, perm: 7, topicSysFlag: 0 },
    ]);
    expect(decoded.value.filterServerList).toEqual(['10.0.0.1:4000']);
  });

  it('rejects damaged bodies with a reason instead of throwing', () => {
    expect(decodeRegisterBody(Buffer.from('not zlib'), true)).toMatchObject({ ok: false, error: expect.stringContaining('does not inflate') });
    const truncated = deflateSync(Buffer.concat([text('{"counter":1}'), int32(1000)]));
    expect(decodeRegisterBody(truncated, true)).toMatchObject({ ok: false, error: expect.stringContaining('topic count 1000') });
    expect(decodeRegisterBody(compressedBody(['orders x 8 6 SINGLE_TAG']), true).ok).toBe(false);
    expect(decodeRegisterBody(Buffer.from('{"topicConfigSerializeWrapper":{"topicConfigTable":{"t":{"perm":"rw"}}}}'), false)).toMatchObject({ ok: false });
    expect(parseTopicConfigText('orders 8 8')).toMatchObject({ ok: false });
  });

  it('an absent body registers no topics at data version zero', () => {
    expect(decodeRegisterBody(undefined, false)).toEqual({ ok: true, value: { topicConfigs: [], dataVersion: { counter: 0, stateVersion: 0, timestamp: 0 }, filterServerList: [] } });
  });

  it('computes the body crc like UtilAll.crc32 (31 bits, 0 for no body)', () => {
    const body = Buffer.from('{"a":1}');
    expect(registerBodyCrc32(body)).toBe(crc32(body) & 0x7fffffff);
    expect(registerBodyCrc32(undefined)).toBe(0);
  });
});
