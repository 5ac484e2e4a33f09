/**
 * Talking to one broker by its address, around the SDK's routing: the tests must know which broker
 * answered (the new master, or a stale old master), not whichever one a route points at.
 */
import type { DecodedMessage } from '../../../message';
import { decodeRecords } from '../../../message';
import { PullMessageRequestHeader, PullMessageResponseHeader, PullSysFlag, RequestCode, ResponseCode, SendMessageRequestHeaderV2, SendMessageResponseHeader, makeRequest } from '../../../protocol';
import { RemotingClient } from '../../../remoting';

/** What one SEND_MESSAGE_V2 to a given address was answered with (code undefined: no answer). */
export interface DirectSendOutcome {
  readonly code: number | undefined;
  readonly remark: string | undefined;
  readonly queueOffset: number | undefined;
  readonly error: string | undefined;
}

const PULL_BATCH = 256;

/** A remoting client for direct requests; close it when done. */
export function directClient(): RemotingClient {
  return new RemotingClient({ connectTimeoutMs: 1000 });
}

/** One message sent straight to `addr` (no route, no retry), as a producer would. */
export async function sendDirect(client: RemotingClient, addr: string, topic: string, queueId: number, body: string, timeoutMs: number): Promise<DirectSendOutcome> {
  const extFields = SendMessageRequestHeaderV2.format({
    a: 'direct-producer',
    b: topic,
    c: 'TBW102',
    d: 4,
    e: queueId,
    f: 0,
    g: Date.now(),
    h: 0,
    i: 'WAIT\u0001true\u0002',
  });
  const result = await client.invoke(addr, makeRequest(RequestCode.SEND_MESSAGE_V2, { extFields, body: Buffer.from(body, 'utf8') }), timeoutMs);
  if (!result.ok) return { code: undefined, remark: undefined, queueOffset: undefined, error: result.error.message };
  const response = result.value;
  const header = response.code === ResponseCode.SUCCESS ? SendMessageResponseHeader.parse(response.extFields) : undefined;
  return { code: response.code, remark: response.remark, queueOffset: header?.ok === true ? header.value.queueOffset : undefined, error: undefined };
}

/**
 * Every message of one queue held by the broker at `addr`, from queue offset 0, in queue order.
 * Throws when the broker does not answer or answers something other than found / not found.
 */
export async function readQueueAt(client: RemotingClient, addr: string, topic: string, queueId: number, timeoutMs = 5000): Promise<DecodedMessage[]> {
  const out: DecodedMessage[] = [];
  let offset = 0;
  for (let round = 0; round < 100_000; round++) {
    const extFields = PullMessageRequestHeader.format({
      consumerGroup: 'e2e-direct-reader',
      topic,
      queueId,
      queueOffset: offset,
      maxMsgNums: PULL_BATCH,
      sysFlag: PullSysFlag.SUBSCRIPTION,
      commitOffset: 0,
      suspendTimeoutMillis: 0,
      subscription: '*',
      subVersion: 0,
      expressionType: 'TAG',
    });
    const result = await client.invoke(addr, makeRequest(RequestCode.PULL_MESSAGE, { extFields }), timeoutMs);
    if (!result.ok) throw new Error(`pull ${topic}/${queueId}@${offset} from ${addr}: ${result.error.message}`);
    const response = result.value;
    if (response.code === ResponseCode.PULL_NOT_FOUND || response.code === ResponseCode.PULL_OFFSET_MOVED) return out;
    if (response.code !== ResponseCode.SUCCESS) throw new Error(`pull ${topic}/${queueId}@${offset} from ${addr}: code ${response.code} ${response.remark ?? ''}`);
    const header = PullMessageResponseHeader.parse(response.extFields);
    if (!header.ok) throw new Error(`pull response header: ${header.error}`);
    const records = response.body === undefined ? [] : decodeRecords(response.body, { checkBodyCrc: true });
    // Copies: the decoded bodies are views into the response buffer.
    out.push(...records.map((r) => ({ ...r, body: Buffer.from(r.body) })));
    if (header.value.nextBeginOffset <= offset) throw new Error(`pull ${topic}/${queueId}@${offset} from ${addr} did not advance`);
    offset = header.value.nextBeginOffset;
    if (offset >= header.value.maxOffset) return out;
  }
  throw new Error(`pull ${topic}/${queueId} from ${addr}: too many rounds`);
}

/** Every queue of a topic at `addr`, by queue id. */
export async function readTopicAt(client: RemotingClient, addr: string, topic: string, queueCount: number): Promise<DecodedMessage[][]> {
  const queues: DecodedMessage[][] = [];
  for (let q = 0; q < queueCount; q++) queues.push(await readQueueAt(client, addr, topic, q));
  return queues;
}
