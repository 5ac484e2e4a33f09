/**
 * Helpers for the broker's own integration tests: a broker on loopback with a temp store, a remoting
 * client, and request builders for sends. Tests only; production code never imports this file.
 */
import type { RemotingCommand } from '../protocol';
import { RequestCode, makeRequest } from '../protocol';
import { RemotingClient } from '../remoting';
import { encodeProperties } from '../message';
import type { BrokerConfig } from './config';
import { Broker } from './broker';
import { localBrokerConfig } from '../testing/cluster';

export interface TestBroker {
  readonly broker: Broker;
  readonly addr: string;
  readonly client: RemotingClient;
  readonly config: BrokerConfig;
  invoke(request: RemotingCommand, timeoutMs?: number): Promise<RemotingCommand>;
  close(): Promise<void>;
}

export async function startTestBroker(overrides: Partial<BrokerConfig> = {}): Promise<TestBroker> {
  const config = localBrokerConfig(0, [], overrides);
  const broker = new Broker(config, { processMetrics: false });
  const started = await broker.start();
  if (!started.ok) throw new Error(started.error);
  const client = new RemotingClient();
  const addr = started.value.brokerAddr;
  return {
    broker,
    addr,
    client,
    config,
    async invoke(request, timeoutMs = 5000) {
      const response = await client.invoke(addr, request, timeoutMs);
      if (!response.ok) throw response.error;
      return response.value;
    },
    async close() {
      await client.close();
      await broker.close();
    },
  };
}

export interface SendOptions {
  readonly topic: string;
  readonly body?: Buffer;
  readonly properties?: Record<string, string>;
  readonly queueId?: number;
  readonly defaultTopicQueueNums?: number;
  readonly reconsumeTimes?: number;
  readonly maxReconsumeTimes?: number;
  readonly sysFlag?: number;
}

/** A SEND_MESSAGE_V2 request with one-letter fields, as Java and ali-ons send it. */
export function sendV2Request(o: SendOptions): RemotingCommand {
  const ext: Record<string, string> = {
    a: 'PG_test',
    b: o.topic,
    c: 'TBW102',
    d: String(o.defaultTopicQueueNums ?? 4),
    e: String(o.queueId ?? 0),
    f: String(o.sysFlag ?? 0),
    g: String(Date.now()),
    h: '0',
    i: encodeProperties(o.properties ?? {}),
    j: String(o.reconsumeTimes ?? 0),
    k: 'false',
    m: 'false',
  };
  if (o.maxReconsumeTimes !== undefined) ext.l = String(o.maxReconsumeTimes);
  return makeRequest(RequestCode.SEND_MESSAGE_V2, { extFields: ext, body: o.body ?? Buffer.from('hello') });
}

/** SEND_MESSAGE (10) with the long field names. */
export function sendV1Request(o: SendOptions): RemotingCommand {
  return makeRequest(RequestCode.SEND_MESSAGE, {
    extFields: {
      producerGroup: 'PG_test',
      topic: o.topic,
      defaultTopic: 'TBW102',
      defaultTopicQueueNums: String(o.defaultTopicQueueNums ?? 4),
      queueId: String(o.queueId ?? 0),
      sysFlag: '0',
      bornTimestamp: String(Date.now()),
      flag: '0',
      properties: encodeProperties(o.properties ?? {}),
    },
    body: o.body ?? Buffer.from('hello'),
  });
}
