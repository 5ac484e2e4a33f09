import type { RemotingCommand } from '../protocol';
import { RequestCode, ResponseCode, SendMessageResponseHeader, makeRequest, makeResponse } from '../protocol';
import type { PreparedMessage } from './message-encode';
import { decimalField, interpretSendResponse } from './sender';
import type { MessageQueue } from './types';

const queue: MessageQueue = Object.freeze({ topic: 't', brokerName: 'b', queueId: 3 });
const request = makeRequest(RequestCode.SEND_MESSAGE_V2, {});
const message = { uniqKey: 'U1' } as PreparedMessage;

function answer(extFields: Record<string, string>): RemotingCommand {
  return { ...makeResponse(request, ResponseCode.SUCCESS), extFields };
}

describe('send answers', () => {
  test('decimalField reads what the header schema reads as Integer/Long and NaN for the rest', () => {
    expect(decimalField('0', 10)).toBe(0);
    expect(decimalField('+42', 10)).toBe(42);
    expect(decimalField('-7', 10)).toBe(-7);
    expect(decimalField('007', 10)).toBe(7);
    expect(decimalField('9007199254740991', 19)).toBe(Number.MAX_SAFE_INTEGER);
    for (const bad of [undefined, '', '+', '-', '1.5', '1e3', ' 1', '12345678901', 'x']) expect(decimalField(bad, 10)).toBeNaN();
  });

  test('a well-formed answer gives the offset id, the queue offset and the queue', () => {
    const r = interpretSendResponse(answer({ msgId: 'ID0', queueId: '3', queueOffset: '12', MSG_REGION: 'DefaultRegion' }), 'addr', queue, [message], 'send');
    expect(r.ok && r.value).toEqual([{ sendStatus: 'SEND_OK', msgId: 'U1', offsetMsgId: 'ID0', messageQueue: queue, queueOffset: 12 }]);
    expect(r.ok && r.value[0]!.messageQueue).toBe(queue);
    const moved = interpretSendResponse(answer({ msgId: 'ID0', queueId: '5', queueOffset: '1' }), 'addr', queue, [message], 'send');
    expect(moved.ok && moved.value[0]!.messageQueue).toEqual({ ...queue, queueId: 5 });
  });

  test('headers the schema rejects are rejected with its words', () => {
    const cases: Record<string, string>[] = [
      { queueId: '3', queueOffset: '1' },
      { msgId: 'ID', queueOffset: '1' },
      { msgId: 'ID', queueId: '2147483648', queueOffset: '1' },
      { msgId: 'ID', queueId: '1', queueOffset: '9007199254740993' },
      { msgId: 'ID', queueId: '1', queueOffset: '1.0' },
    ];
    for (const fields of cases) {
      const expected = SendMessageResponseHeader.parse(fields);
      expect(expected.ok).toBe(false);
      const r = interpretSendResponse(answer(fields), 'addr', queue, [message], 'send');
      expect(r.ok).toBe(false);
      if (!r.ok && !expected.ok) expect(r.error.error.message).toContain(expected.error);
    }
  });
});
