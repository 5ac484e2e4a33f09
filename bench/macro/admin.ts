/**
 * The few admin calls the benchmark needs, sent as plain remoting requests: create a topic on the
 * broker, wait until the name server routes it, and count what a topic holds.
 */
import { RequestCode, ResponseCode, makeRequest } from '../../protocol';
import type { RemotingCommand } from '../../protocol';
import { RemotingClient } from '../../remoting';

const TIMEOUT_MS = 5000;
const ROUTE_WAIT_MS = 60_000;

export class BenchAdmin {
  private readonly remoting = new RemotingClient();

  constructor(
    private readonly namesrvAddr: string,
    private readonly brokerAddr: string,
  ) {}

  async close(): Promise<void> {
    await this.remoting.close();
  }

  async createTopic(topic: string, queues: number): Promise<void> {
    await this.call(this.brokerAddr, RequestCode.UPDATE_AND_CREATE_TOPIC, {
      topic,
      defaultTopic: 'TBW102',
      readQueueNums: String(queues),
      writeQueueNums: String(queues),
      perm: '6',
      topicFilterType: 'SINGLE_TAG',
      topicSysFlag: '0',
      order: 'false',
    });
    await this.waitForRoute(topic, queues);
  }

  /** Polls the name server until the topic's route lists `queues` write queues (registration is asynchronous). */
  async waitForRoute(topic: string, queues: number): Promise<void> {
    const deadline = Date.now() + ROUTE_WAIT_MS;
    for (;;) {
      const r = await this.remoting.invoke(this.namesrvAddr, makeRequest(RequestCode.GET_ROUTEINFO_BY_TOPIC, { extFields: { topic } }), TIMEOUT_MS);
      if (r.ok && r.value.code === ResponseCode.SUCCESS && r.value.body !== undefined) {
        const m = /"writeQueueNums"\s*:\s*(\d+)/.exec(r.value.body.toString('utf8'));
        if (m !== null && Number(m[1]) >= queues) return;
      }
      if (Date.now() > deadline) throw new Error(`name server has no route for ${topic} after ${ROUTE_WAIT_MS} ms`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /**
   * Messages the topic holds once dispatch has settled: the broker acknowledges a send when the
   * commit log has it and builds the consume-queue entries (which the offsets count) just after,
   * so a count read right after the last ack can be short. Reads until two reads 20 ms apart agree
   * (at most 5 s).
   */
  async settledCount(topic: string, queues: number): Promise<number> {
    const deadline = Date.now() + 5000;
    let last = await this.storedCount(topic, queues);
    for (;;) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      const now = await this.storedCount(topic, queues);
      if (now === last || Date.now() > deadline) return now;
      last = now;
    }
  }

  /** Messages the topic holds: the sum over its queues of max - min queue offset. */
  async storedCount(topic: string, queues: number): Promise<number> {
    let total = 0;
    for (let queueId = 0; queueId < queues; queueId++) {
      const fields = { topic, queueId: String(queueId) };
      const max = await this.call(this.brokerAddr, RequestCode.GET_MAX_OFFSET, fields);
      const min = await this.call(this.brokerAddr, RequestCode.GET_MIN_OFFSET, fields);
      total += Number(max.extFields?.offset ?? 0) - Number(min.extFields?.offset ?? 0);
    }
    return total;
  }

  private async call(addr: string, code: number, extFields: Record<string, string>): Promise<RemotingCommand> {
    const r = await this.remoting.invoke(addr, makeRequest(code, { extFields }), TIMEOUT_MS);
    if (!r.ok) throw new Error(`request ${code} to ${addr}: ${r.error.message}`);
    if (r.value.code !== ResponseCode.SUCCESS) throw new Error(`request ${code} to ${addr}: code ${r.value.code} ${r.value.remark ?? ''}`);
    return r.value;
  }
}
